"""Hostile input through the public API: a clear error at the call site, or a documented value on the wire.

Every case runs in one page after the others: none may crash the page, pollute ``Object.prototype`` or
break the calls after it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from devtools.browser import PendoEdge
from tests.browser.harness import PythonPage, in_page

# (case, expected): what ``attempt`` below does for the case, then ("raises", "ErrorType", "words in the
# message"), or ("track", properties Pendo receives) for a track named after the case, or ("event", name), or
# ("visitor", {key: value}).
CASES: list[tuple[str, tuple[Any, ...]]] = [
    ("event None", ("raises", "TypeError", "event must be a non-empty str")),
    ("event empty", ("raises", "ValueError", "event must be a non-empty str")),
    ("event whitespace", ("raises", "ValueError", "event must be a non-empty str")),
    ("event bytes", ("raises", "TypeError", "event must be a non-empty str")),
    ("user id float", ("raises", "TypeError", "user_id must be a str or an int")),
    ("user id list", ("raises", "TypeError", "user_id must be a str or an int")),
    ("group id object", ("raises", "TypeError", "group_id must be a str or an int")),
    ("bytes value", ("raises", "TypeError", "properties.raw")),
    ("object value", ("raises", "TypeError", "properties.thing")),
    ("function value", ("raises", "TypeError", "properties.f")),
    ("self-containing dict", ("raises", "ValueError", "contains itself")),
    ("self-containing list", ("raises", "ValueError", "contains itself")),
    ("non-str key", ("raises", "TypeError", "properties")),
    ("70-level nesting", ("raises", "ValueError", "levels deep")),
    ("int id", ("visitor", {"id": "12345678901234567890"})),
    ("big integers", ("track", {"big": "9007199254740993", "small": -9007199254740992})),
    ("NaN and infinities", ("track", {"nan": None, "inf": None, "minus": None})),
    ("sets", ("track", {"tags": ["a", "b"], "frozen": [1, 3]})),
    # MicroPython's stack holds fewer levels (about 40 here): there this is the error below, at the call site.
    ("50-level nesting", ("track", {"deep": "NEST50"})),
    ("1 MB value", ("track", {"blob": "x" * 1_000_000})),
    ("odd keys", ("track", {"a.b": 1, "with space": 2, "ünï": 3, "__proto__": 4, "constructor": 5, "toString": 6})),
    ("markup and quotes", ("track", {"html": "</script><script>alert(1)</script>", "quotes": "\"'`",
                                     "lines": "a\nb\r\nc", "nul": "\u0000"})),
    ("markup event name", ("event", "</script><img src=x onerror=alert(1)>")),
    ("odd metadata keys", ("visitor", {"__proto___polluted": True, "constructor": "c", "a_b": 1, "_n_": 2})),
]


@in_page
def attempt(case: str) -> list[Any]:
    """Make the hostile call named ``case`` (a track's event name is the case's); says how it went:
    ``["ok", None, None]`` or ``["raised", error type, message]``."""
    from pyodide_pendo import rudderanalytics

    def nest(levels: int) -> object:
        value: object = "bottom"
        for _ in range(levels - 1):
            value = {"next": value}
        return value

    def self_containing_dict() -> None:
        loop: dict[str, object] = {}
        loop["self"] = loop
        rudderanalytics.track(case, loop)

    def self_containing_list() -> None:
        items: list[object] = []
        items.append(items)
        rudderanalytics.track(case, {"items": items})

    calls: dict[str, Callable[[], object]] = {
        "event None": lambda: rudderanalytics.track(None),
        "event empty": lambda: rudderanalytics.track(""),
        "event whitespace": lambda: rudderanalytics.track(" \n\t"),
        "event bytes": lambda: rudderanalytics.track(b"Order"),
        "user id float": lambda: rudderanalytics.identify(4.2),
        "user id list": lambda: rudderanalytics.identify(["u"]),
        "group id object": lambda: rudderanalytics.group(object()),
        "bytes value": lambda: rudderanalytics.track(case, {"raw": b"\x00\xff"}),
        "object value": lambda: rudderanalytics.track(case, {"thing": object()}),
        "function value": lambda: rudderanalytics.track(case, {"f": len}),
        "self-containing dict": self_containing_dict,
        "self-containing list": self_containing_list,
        "non-str key": lambda: rudderanalytics.track(case, {1: "one"}),
        "70-level nesting": lambda: rudderanalytics.track(case, nest(70)),
        "int id": lambda: rudderanalytics.identify(12345678901234567890),
        "big integers": lambda: rudderanalytics.track(case, {"big": 2**53 + 1, "small": -(2**53)}),
        "NaN and infinities": lambda: rudderanalytics.track(
            case, {"nan": float("nan"), "inf": float("inf"), "minus": float("-inf")}),
        "sets": lambda: rudderanalytics.track(case, {"tags": {"b", "a"}, "frozen": frozenset({3, 1})}),
        "50-level nesting": lambda: rudderanalytics.track(case, {"deep": nest(50)}),
        "1 MB value": lambda: rudderanalytics.track(case, {"blob": "x" * 1_000_000}),
        "odd keys": lambda: rudderanalytics.track(case, {"a.b": 1, "with space": 2, "ünï": 3, "__proto__": 4,
                                                         "constructor": 5, "toString": 6}),
        "markup and quotes": lambda: rudderanalytics.track(case, {
            "html": "</script><script>alert(1)</script>", "quotes": "\"'`", "lines": "a\nb\r\nc",
            "nul": "\u0000"}),
        "markup event name": lambda: rudderanalytics.track("</script><img src=x onerror=alert(1)>"),
        "odd metadata keys": lambda: rudderanalytics.identify("hostile-user", {
            "__proto__": {"polluted": True}, "constructor": "c", "a.b": 1, "ünï": 2}),
    }
    call = calls[case]
    try:
        call()
        return ["ok", None, None]
    except Exception as error:
        return ["raised", type(error).__name__, str(error)]


@in_page
async def load_pendo() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("hostile-key")
    await rudderanalytics.ready()


@in_page
def track(event: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track(event)


def visitor_sent(py: PythonPage, wanted: dict[str, Any]) -> bool:
    """Whether a metadata event on the wire has a visitor with all of ``wanted``'s keys and values."""
    return any(all(event["props"]["visitor"].get(key) == value for key, value in wanted.items())
               for event in py.wire.meta_events())


def nest_expected(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels - 1):
        value = {"next": value}
    return value


def test_hostile_input(py: PythonPage) -> None:
    load_pendo(py)
    cases = CASES if py.interpreter == "pyodide" else [
        (case, ("raises", "ValueError", "levels deep") if case == "50-level nesting" else expected)
        for case, expected in CASES]
    prototype_before = py.page.evaluate("() => Object.getOwnPropertyNames(Object.prototype).sort()")
    outcomes = {}
    for case, _ in cases:
        outcomes[case] = attempt(py, case)
        # The calls after it still work.
        track(py, f"after: {case}")
    track(py, "the end")
    py.wait_for_track("the end")

    tracks = {event["track_event_name"]: event for event in py.wire.track_events()}
    for case, expected in cases:
        status, error_type, message = outcomes[case]
        assert f"after: {case}" in tracks, case
        if expected[0] == "raises":
            assert (status, error_type) == ("raised", expected[1]), (case, message)
            assert expected[2] in message, (case, message)
            assert case not in tracks, case
        elif expected[0] == "track":
            assert status == "ok", (case, message)
            wanted = {key: (nest_expected(50) if value == "NEST50" else value) for key, value in expected[1].items()}
            assert tracks[case]["props"] == wanted, case
        elif expected[0] == "event":
            assert status == "ok" and expected[1] in tracks, case
        else:
            assert status == "ok", (case, message)
            # Metadata travels in the agent's other queue, which "the end" arriving says nothing about.
            py.wait_until(partial(visitor_sent, py, expected[1]), f"{case}: the visitor's metadata")

    assert py.page.evaluate("() => Object.getOwnPropertyNames(Object.prototype).sort()") == prototype_before
    assert py.page.evaluate("() => ({}).polluted === undefined && typeof ({}).toString === 'function'")
    assert py.page.evaluate("() => document.querySelectorAll('img[src=x], script:not([src])').length") == 0
    assert not [line for line in py.console if line.startswith("pageerror")]


@in_page
def try_load(api_key: str, options: dict[str, Any]) -> str:
    from pyodide_pendo import Analytics

    try:
        Analytics().load(api_key, **options)
    except (TypeError, ValueError) as error:
        return str(error)
    return "loaded"


@pytest.mark.parametrize(("options", "words"), [
    ({"api_key": 'key"><script>alert(1)</script>'}, "api_key must be"),
    ({"api_key": "key/../../evil.example.com"}, "api_key must be"),
    ({"api_key": "key?x=1"}, "api_key must be"),
    ({"api_key": "KEY", "env": "io/../../evil"}, "env must be one of"),
    ({"api_key": "KEY", "env": "evil.example.com#"}, "env must be one of"),
    ({"api_key": "KEY", "agent_url": "http://evil.example.com/pendo.js"}, "agent_url must be"),
    ({"api_key": "KEY", "agent_url": "javascript:alert(1)"}, "agent_url must be"),
    ({"api_key": "KEY", "agent_url": "data:text/javascript,alert(1)"}, "agent_url must be"),
    ({"api_key": "KEY", "agent_url": "//evil.example.com/pendo.js"}, "agent_url must be"),
    # Python's urlsplit reads localhost in these, the browser evil.example (a backslash is a '/' to it).
    ({"api_key": "KEY", "agent_url": "http://evil.example\\@localhost/pendo.js"}, "contains a backslash"),
    ({"api_key": "KEY", "agent_url": "http://evil.example\\@127.0.0.1/pendo.js"}, "contains a backslash"),
    ({"api_key": "KEY", "agent_url": "HTTP://evil.example\\@localhost/pendo.js"}, "contains a backslash"),
    ({"api_key": "KEY", "agent_url": "http://evil.example\\\\@[::1]/pendo.js"}, "contains a backslash"),
    ({"api_key": "KEY", "agent_url": "HTTPS://cdn.example.com/pendo.js"}, "in lower case"),
    ({"api_key": "KEY", "agent_url": "https://user:secret@cdn.example.com/pendo.js"}, "contains credentials"),
    # Only the browser's parser sees these differ from what was written.
    ({"api_key": "KEY", "agent_url": "https://cdn.example.com/x/../pendo.js"},
     "write it as 'https://cdn.example.com/pendo.js'"),
    ({"api_key": "KEY", "agent_url": "http://localhost:80/pendo.js"}, "write it as 'http://localhost/pendo.js'"),
])
def test_load_refuses_anything_that_could_change_the_agent_url(py: PythonPage, pendo: PendoEdge,
                                                                options: dict[str, str], words: str) -> None:
    options = dict(options)  # the parameter's dict is shared by both interpreters' runs
    api_key = options.pop("api_key")
    outcome = try_load(py, api_key, options)
    assert words in outcome
    assert pendo.agent_requests == []
    assert py.page.evaluate("() => document.querySelectorAll('script[data-pyodide-pendo]').length") == 0
