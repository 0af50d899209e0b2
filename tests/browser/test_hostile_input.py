"""Hostile input through the public API: a clear error at the call site, or a documented value on the wire.

Every case runs in one page after the others: none may crash the page, pollute ``Object.prototype`` or
break the calls after it.
"""

from __future__ import annotations

import json

import pytest

# (case, Python call, expected): expected is ("raises", "ErrorType", "words in the message") or
# ("track", properties Pendo receives) for a track named after the case, or ("visitor", {key: value}).
CASES = [
    ("event None", 'rudderanalytics.track(None)', ("raises", "TypeError", "event must be a non-empty str")),
    ("event empty", 'rudderanalytics.track("")', ("raises", "ValueError", "event must be a non-empty str")),
    ("event whitespace", 'rudderanalytics.track(" \\n\\t")', ("raises", "ValueError", "event must be a non-empty str")),
    ("event bytes", 'rudderanalytics.track(b"Order")', ("raises", "TypeError", "event must be a non-empty str")),
    ("user id float", 'rudderanalytics.identify(4.2)', ("raises", "TypeError", "user_id must be a str or an int")),
    ("user id list", 'rudderanalytics.identify(["u"])', ("raises", "TypeError", "user_id must be a str or an int")),
    ("group id object", 'rudderanalytics.group(object())', ("raises", "TypeError", "group_id must be a str or an int")),
    ("bytes value", 'rudderanalytics.track(NAME, {"raw": b"\\x00\\xff"})', ("raises", "TypeError", "properties.raw")),
    ("object value", 'rudderanalytics.track(NAME, {"thing": object()})', ("raises", "TypeError", "properties.thing")),
    ("function value", 'rudderanalytics.track(NAME, {"f": len})', ("raises", "TypeError", "properties.f")),
    ("self-containing dict", 'loop = {}; loop["self"] = loop; rudderanalytics.track(NAME, loop)',
     ("raises", "ValueError", "contains itself")),
    ("self-containing list", 'items = []; items.append(items); rudderanalytics.track(NAME, {"items": items})',
     ("raises", "ValueError", "contains itself")),
    ("non-str key", 'rudderanalytics.track(NAME, {1: "one"})', ("raises", "TypeError", "properties")),
    ("70-level nesting", 'rudderanalytics.track(NAME, nest(70))', ("raises", "ValueError", "levels deep")),
    ("int id", 'rudderanalytics.identify(12345678901234567890)', ("visitor", {"id": "12345678901234567890"})),
    ("big integers", 'rudderanalytics.track(NAME, {"big": 2**53 + 1, "small": -(2**53)})',
     ("track", {"big": "9007199254740993", "small": -9007199254740992})),
    ("NaN and infinities", 'rudderanalytics.track(NAME, {"nan": float("nan"), "inf": float("inf"), '
                           '"minus": float("-inf")})', ("track", {"nan": None, "inf": None, "minus": None})),
    ("sets", 'rudderanalytics.track(NAME, {"tags": {"b", "a"}, "frozen": frozenset({3, 1})})',
     ("track", {"tags": ["a", "b"], "frozen": [1, 3]})),
    # MicroPython's stack holds fewer levels (about 40 here): there this is the error below, at the call site.
    ("50-level nesting", 'rudderanalytics.track(NAME, {"deep": nest(50)})', ("track", {"deep": "NEST50"})),
    ("1 MB value", 'rudderanalytics.track(NAME, {"blob": "x" * 1_000_000})', ("track", {"blob": "x" * 1_000_000})),
    ("odd keys", 'rudderanalytics.track(NAME, {"a.b": 1, "with space": 2, "ünï": 3, "__proto__": 4, '
                 '"constructor": 5, "toString": 6})',
     ("track", {"a.b": 1, "with space": 2, "ünï": 3, "__proto__": 4, "constructor": 5, "toString": 6})),
    ("markup and quotes", 'rudderanalytics.track(NAME, {"html": "</script><script>alert(1)</script>", '
                          '"quotes": "\\"\'`", "lines": "a\\nb\\r\\nc", "nul": "\\u0000"})',
     ("track", {"html": "</script><script>alert(1)</script>", "quotes": "\"'`", "lines": "a\nb\r\nc",
                "nul": "\u0000"})),
    ("markup event name", 'rudderanalytics.track("</script><img src=x onerror=alert(1)>")',
     ("event", "</script><img src=x onerror=alert(1)>")),
    ("odd metadata keys", 'rudderanalytics.identify("hostile-user", {"__proto__": {"polluted": True}, '
                          '"constructor": "c", "a.b": 1, "ünï": 2})',
     ("visitor", {"__proto___polluted": True, "constructor": "c", "a_b": 1, "_n_": 2})),
]


def nest_expected(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels - 1):
        value = {"next": value}
    return value


PRELUDE = """
import json
from pyodide_pendo import rudderanalytics
rudderanalytics.load("hostile-key")
await rudderanalytics.ready()

def nest(levels):
    value = "bottom"
    for _ in range(levels - 1):
        value = {"next": value}
    return value

def attempt(name, code):
    try:
        exec(code, {"rudderanalytics": rudderanalytics, "NAME": name, "nest": nest})
        return ["ok", None, None]
    except Exception as error:
        return ["raised", type(error).__name__, str(error)]
"""


def test_hostile_input(py):
    py.run(PRELUDE)
    cases = CASES if py.interpreter == "pyodide" else [
        (case, code, ("raises", "ValueError", "levels deep") if case == "50-level nesting" else expected)
        for case, code, expected in CASES]
    prototype_before = py.page.evaluate("() => Object.getOwnPropertyNames(Object.prototype).sort()")
    outcomes = {}
    for case, code, _ in cases:
        outcomes[case] = py.run(f"json.dumps(attempt({case!r}, {code!r}))")
        # The calls after it still work.
        py.run(f"rudderanalytics.track('after: ' + {case!r})")
    py.run("rudderanalytics.track('the end')")
    py.wait_for_track("the end")

    tracks = {event["track_event_name"]: event for event in py.wire.track_events()}
    for case, code, expected in cases:
        status, error_type, message = json.loads(outcomes[case])
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
            visitors = [event["props"]["visitor"] for event in py.wire.meta_events()]
            assert any(all(visitor.get(k) == v for k, v in expected[1].items()) for visitor in visitors), (case, visitors)

    assert py.page.evaluate("() => Object.getOwnPropertyNames(Object.prototype).sort()") == prototype_before
    assert py.page.evaluate("() => ({}).polluted === undefined && typeof ({}).toString === 'function'")
    assert py.page.evaluate("() => document.querySelectorAll('img[src=x], script:not([src])').length") == 0
    assert not [line for line in py.console if line.startswith("pageerror")]


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
def test_load_refuses_anything_that_could_change_the_agent_url(py, pendo, options, words):
    options = dict(options)  # the parameter's dict is shared by both interpreters' runs
    api_key = options.pop("api_key")
    outcome = py.run(f"""
from pyodide_pendo import Analytics
try:
    Analytics().load({api_key!r}, **{options!r})
    outcome = "loaded"
except (TypeError, ValueError) as error:
    outcome = str(error)
outcome
""")
    assert words in outcome
    assert pendo.agent_requests == []
    assert py.page.evaluate("() => document.querySelectorAll('script[data-pyodide-pendo]').length") == 0
