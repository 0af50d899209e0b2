"""Early start: ``pyodide-pendo-early.js`` initializes the real agent with the stored visitor before Python boots.

Each test writes what an earlier visit left behind with RudderStack's own storage code (npm
``@rudderstack/analytics-js-cookies``), opens a page whose first script is the early-start script with the
``data-`` attributes under test, then runs Python in it as a user would. The assertions are on what the agent
sent: only the right visitor ever, its first event recorded before Python started (the event's
``browser_time`` against ``Date.now()`` taken by Python's first line), one ``load`` event (one initialize),
and no ``identify`` event where Python's identity is the one the script used.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route

from devtools.browser import PendoEdge
from tests.browser.harness import (
    RESULT_TIMEOUT_MS,
    TEST_PAGES,
    Gate,
    PyScriptPage,
    PythonPage,
    assert_pendo_received_the_apps_calls,
    in_page,
    watch_console,
)

KEY = "early-key"
KNOWN_ANONYMOUS_ID = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e"


def rudderstack_left(page: Page, origin: str, values: dict[str, Any], storage: str = "cookie") -> None:
    """What RudderStack's SDK leaves behind, each value encoded by its own code: cookies (URI-encoded) or
    localStorage (JSON-quoted, as its storejs does). A ``str`` starting with ``raw:`` is stored as it is."""
    page.goto(f"{origin}/demo.css")  # any page of the site's origin, without booting anything
    page.evaluate(
        """async ([values, storage]) => {
            const rudderstack = await import("/test/rudderstack-cookies.mjs");
            for (const [key, value] of Object.entries(values)) {
                const raw = typeof value === "string" && value.startsWith("raw:");
                const encoded = raw ? value.slice(4) : rudderstack.getEncryptedValueBrowser(value);
                if (storage === "cookie") {
                    document.cookie = `${key}=${encodeURIComponent(encoded)}; path=/; max-age=31536000; samesite=Lax`;
                } else {
                    localStorage.setItem(key, JSON.stringify(encoded));
                }
            }
        }""",
        [values, storage],
    )


def decoded_cookies(page: Page) -> dict[str, Any]:
    """The ``rl_*`` cookies as RudderStack's own code decodes them."""
    decoded: dict[str, Any] = page.evaluate("""async () => {
        const rudderstack = await import("/test/rudderstack-cookies.mjs");
        const names = document.cookie.split(";").map((pair) => pair.trim().split("=")[0])
            .filter((name) => name.startsWith("rl_"));
        return Object.fromEntries(names.map((name) => [name, rudderstack.getDecryptedCookieBrowser(name)]));
    }""")
    return decoded


@pytest.fixture
def open_early(page: Page, pendo: Any, origin: str, interpreter: str) -> Iterator[Callable[..., PythonPage]]:
    """``open_early(**attributes)``: the interpreter's test page (our wheel installed as ``py`` installs it)
    whose first script is the early-start script with these ``data-`` attributes (``api_key="k"`` →
    ``data-api-key="k"``)."""
    console = watch_console(page)
    template = page.context.request.get(f"{origin}/test/{TEST_PAGES[interpreter]}").text()
    served: dict[str, str] = {}

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=served["page"])

    page.route(f"{origin}/test/early-start.html", serve)

    def open_(**attributes: str) -> PythonPage:
        attributes = {"api_key": KEY, **attributes}
        tag = " ".join(f'data-{name.replace("_", "-")}="{html.escape(value)}"' for name, value in attributes.items())
        early_start = f'<script src="../pyodide-pendo-early.js" {tag}></script>'
        served["page"] = template.replace("<head>", f"<head>\n  {early_start}", 1)
        python = PythonPage(page, pendo.wire, console, interpreter)
        python.open(f"{origin}/test/early-start.html")
        return python

    yield open_


def visitors_seen(pendo: Any) -> set[str]:
    """Every visitor the agent named on the wire: in its events and in its guide requests."""
    seen = {event["visitor_id"] for event in pendo.wire.events()}
    seen |= {request.payload["visitorId"] for request in pendo.wire.requests
             if request.endpoint == "guide.json" and isinstance(request.payload, dict)}
    return seen


def identify_events_after_python_started(pendo: Any, started: dict[str, Any]) -> list[dict[str, Any]]:
    """The agent's identify events from Python's calls (``initialize`` itself records one when it is given an
    account, as with Pendo's own snippet)."""
    return [event for event in pendo.wire.identify_events() if event["browser_time"] >= started["python_started_at"]]


def assert_pendo_started_before_python(pendo: Any, started: dict[str, Any], visitor: str,
                                       account: str | None) -> None:
    """Only this visitor (and account) ever; its first event recorded before Python ran; one initialize."""
    events = pendo.wire.events()
    assert events, "the agent sent nothing"
    assert visitors_seen(pendo) == {visitor}
    assert {event.get("account_id") or None for event in events} == {account}
    assert events[0]["browser_time"] < started["python_started_at"]
    assert len(pendo.wire.events("load")) == 1  # one initialize, no second one from load()
    assert len(pendo.agent_requests) == 1


# A page global that python_starts sets and later in-page functions read (declared here for mypy).
kept_warnings: list[str]


@in_page
def python_starts() -> None:
    """What a page's Python does first: note when it started, and keep the package's warnings for the test."""
    import logging

    import js

    global kept_warnings
    js.performance.mark("python-started")  # read by run_the_app (MicroPython turns a whole Date.now() into a wrong int)
    kept_warnings = []

    class KeepWarnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept_warnings.append(self.format(record))

    keep_warnings = KeepWarnings()
    keep_warnings.setFormatter(logging.Formatter("%(message)s"))  # MicroPython's handlers have none by default
    logging.getLogger("pyodide_pendo").addHandler(keep_warnings)


@in_page
async def the_apps_calls(**load_options: str) -> dict[str, Any]:
    """Load (with ``load_options``), track, wait for the agent; then what Python has: the package's warnings
    since ``python_starts``, the identity, the stats."""
    from pyodide_pendo import rudderanalytics

    global kept_warnings
    rudderanalytics.load("early-key", **load_options)
    rudderanalytics.track("Report Exported", {"format": "csv"})
    await rudderanalytics.ready()
    return {"warnings": kept_warnings, "anonymous_id": rudderanalytics.get_anonymous_id(),
            "user_id": rudderanalytics.get_user_id(), "stats": rudderanalytics.stats()}


def marked_at(page: Page, mark: str) -> float:
    """When Python set the performance mark ``mark``, in ``Date.now()`` milliseconds (the page's clock, as the
    agent's ``browser_time``)."""
    at: float = page.evaluate("(mark) => performance.timeOrigin + performance.getEntriesByName(mark)[0].startTime",
                              mark)
    return at


def run_the_app(py: PythonPage, **load_options: str) -> dict[str, Any]:
    """``python_starts``, then ``the_apps_calls``: what they reported, with ``python_started_at`` (when Python's
    first line ran)."""
    python_starts(py)
    started = the_apps_calls(py, **load_options)
    started["python_started_at"] = marked_at(py.page, "python-started")
    return started


def test_a_returning_user_with_an_account_is_pendos_first_and_only_visitor(
        page: Page, origin: str, open_early: Callable[..., PythonPage], pendo: PendoEdge) -> None:
    rudderstack_left(page, origin, {"rl_anonymous_id": KNOWN_ANONYMOUS_ID, "rl_user_id": "user-7",
                                    "rl_trait": {"email": "grace@example.com", "plan": "team"},
                                    "rl_group_id": "acme", "rl_group_trait": {"name": "Acme"}})
    py = open_early()
    started = run_the_app(py)
    py.wait_until(lambda: py.wire.visitor().get("email") and py.wire.track_events(), "metadata and the track")

    assert_pendo_started_before_python(pendo, started, "user-7", "acme")
    assert identify_events_after_python_started(pendo, started) == []  # Python's identity is the script's
    # The stored traits reach Pendo as metadata, as they do without early start.
    assert py.wire.visitor() == {"id": "user-7", "email": "grace@example.com", "plan": "team", "language": "en_US"}
    assert py.wire.account() == {"id": "acme", "name": "Acme"}
    assert started["warnings"] == []
    assert started["stats"]["sent"] == 1


def test_a_returning_anonymous_visitor_keeps_its_pendo_visitor(page: Page, origin: str,
                                                               open_early: Callable[..., PythonPage],
                                                               pendo: PendoEdge) -> None:
    rudderstack_left(page, origin, {"rl_anonymous_id": KNOWN_ANONYMOUS_ID})
    py = open_early()
    started = run_the_app(py)
    py.wait_until(py.wire.track_events, "the track")

    assert started["anonymous_id"] == KNOWN_ANONYMOUS_ID
    assert_pendo_started_before_python(pendo, started, "_PENDO_T_" + KNOWN_ANONYMOUS_ID, None)
    assert identify_events_after_python_started(pendo, started) == []
    assert started["warnings"] == []


def test_a_new_visitor_gets_one_anonymous_id_that_python_adopts(page: Page, origin: str,
                                                                open_early: Callable[..., PythonPage],
                                                                pendo: PendoEdge) -> None:
    page.goto(f"{origin}/demo.css")
    py = open_early()
    stored_by_the_script = decoded_cookies(page)
    started = run_the_app(py)
    py.wait_until(py.wire.track_events, "the track")

    anonymous_id = started["anonymous_id"]
    assert stored_by_the_script == {"rl_anonymous_id": anonymous_id}  # RudderStack's own code reads it
    assert_pendo_started_before_python(pendo, started, "_PENDO_T_" + anonymous_id, None)
    assert identify_events_after_python_started(pendo, started) == []
    assert started["warnings"] == []


def test_local_storage_is_read_when_both_sides_are_told_to_use_it(page: Page, origin: str,
                                                                  open_early: Callable[..., PythonPage],
                                                                  pendo: PendoEdge) -> None:
    rudderstack_left(page, origin, {"rl_anonymous_id": KNOWN_ANONYMOUS_ID, "rl_user_id": "user-ls"},
                     storage="local_storage")
    py = open_early(storage="local_storage")
    started = run_the_app(py, storage="local_storage")
    py.wait_until(py.wire.track_events, "the track")

    assert_pendo_started_before_python(pendo, started, "user-ls", None)
    assert (started["anonymous_id"], started["user_id"]) == (KNOWN_ANONYMOUS_ID, "user-ls")
    assert started["warnings"] == []
    assert decoded_cookies(page) == {}  # nothing went to cookies


def test_a_storage_option_given_only_to_load_makes_pythons_identity_win_with_a_warning(
        page: Page, origin: str, open_early: Callable[..., PythonPage], pendo: PendoEdge) -> None:
    rudderstack_left(page, origin, {"rl_user_id": "cookie-user"})
    rudderstack_left(page, origin, {"rl_user_id": "storage-user"}, storage="local_storage")
    py = open_early()  # no data-storage: the script reads the cookie
    started = run_the_app(py, storage="local_storage")
    py.wait_until(py.wire.track_events, "the track")

    assert any('data-storage' in warning and 'set data-storage="local_storage"' in warning
               for warning in started["warnings"]), started["warnings"]
    assert started["user_id"] == "storage-user"
    (track,) = py.wire.track_events()
    assert track["visitor_id"] == "storage-user"  # Python's identity won
    assert pendo.wire.events()[0]["visitor_id"] == "cookie-user"  # what the script had started with
    assert len(pendo.wire.events("load")) == 1


@in_page
def load_with_consent_pending_and_track() -> list[str]:
    """The package's warnings since ``python_starts``."""
    from pyodide_pendo import rudderanalytics

    global kept_warnings
    rudderanalytics.load("early-key", consent="pending")
    rudderanalytics.track("Before Consent")
    return kept_warnings


@in_page
async def give_consent() -> None:
    """Consent, noted as the performance mark ``consent-given``, then wait for the agent."""
    import js

    from pyodide_pendo import rudderanalytics

    js.performance.mark("consent-given")
    rudderanalytics.consent(True)
    await rudderanalytics.ready()


def test_consent_pending_fetches_and_sends_nothing_until_consent(page: Page, origin: str,
                                                                 open_early: Callable[..., PythonPage],
                                                                 pendo: PendoEdge) -> None:
    rudderstack_left(page, origin, {"rl_anonymous_id": KNOWN_ANONYMOUS_ID, "rl_user_id": "user-c"})
    py = open_early(consent="pending")
    python_starts(py)
    warnings = load_with_consent_pending_and_track(py)
    assert py.page.evaluate("() => window.pendo === undefined && window.pyodidePendoEarlyStart.state")\
        == "consent pending"
    assert pendo.agent_requests == [] and pendo.wire.requests == []
    assert warnings == []

    give_consent(py)
    # The mark, not Python's js.Date.now(): MicroPython turns a whole Date.now() into a wrong int.
    consent_at = marked_at(py.page, "consent-given")
    py.wait_until(py.wire.track_events, "the track held for consent")

    assert visitors_seen(pendo) == {"user-c"}
    assert all(event["browser_time"] >= consent_at for event in pendo.wire.events())
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before Consent"]


@pytest.mark.parametrize(("stored", "why"), [
    ("raw:RS_ENC_v3_%%%not-base64%%%", "not valid base64"),
    ("raw:RS_ENC_v3_eyJub3QganNvbg", "not JSON text"),  # base64 of '{"not json'
    ("raw:RudderEncrypt:U2FsdGVkX1+abcdefghijklmnopqrstuv", "AES-encrypted by RudderStack's v1.1 SDK"),
])
def test_an_unreadable_stored_anonymous_id_is_ignored_alike_by_both_sides(
        page: Page, origin: str, open_early: Callable[..., PythonPage], pendo: PendoEdge, stored: str,
        why: str) -> None:
    rudderstack_left(page, origin, {"rl_anonymous_id": stored})
    py = open_early()
    started = run_the_app(py)
    py.wait_until(py.wire.track_events, "the track")

    assert_pendo_started_before_python(pendo, started, "_PENDO_T_" + started["anonymous_id"], None)
    assert any(why in warning for warning in started["warnings"]), started["warnings"]


@pytest.mark.parametrize(("attributes", "problem"), [
    ({"pendo_options": "{not json"}, "data-pendo-options is not valid JSON"),
    ({"storage": "disk"}, "data-storage must be one of cookie, local_storage, memory"),
    ({"agent_url": "http://evil.example/pendo.js"}, "data-agent-url must be https"),
])
def test_a_malformed_attribute_is_named_in_the_console_and_load_starts_pendo_itself(
        page: Page, origin: str, open_early: Callable[..., PythonPage], pendo: PendoEdge, attributes: dict[str, str],
        problem: str) -> None:
    rudderstack_left(page, origin, {"rl_user_id": "user-m"})
    py = open_early(**attributes)
    assert any(line.startswith("error: pyodide-pendo-early.js: " + problem) for line in py.console), py.console
    assert pendo.agent_requests == []  # the script started nothing

    started = run_the_app(py)
    py.wait_until(py.wire.track_events, "the track")

    assert any(problem in warning and "load() starts it instead" in warning for warning in started["warnings"])
    assert visitors_seen(pendo) == {"user-m"}
    assert started["stats"]["sent"] == 1


def test_memory_storage_python_adopts_the_id_the_script_gave_pendo(page: Page, origin: str,
                                                                   open_early: Callable[..., PythonPage],
                                                                   pendo: PendoEdge) -> None:
    page.goto(f"{origin}/demo.css")
    py = open_early(storage="memory")
    started = run_the_app(py, storage="memory")
    py.wait_until(py.wire.track_events, "the track")

    assert_pendo_started_before_python(pendo, started, "_PENDO_T_" + started["anonymous_id"], None)
    assert decoded_cookies(page) == {}
    assert started["warnings"] == []


def test_the_agent_keeps_running_with_the_stored_visitor_when_python_never_starts(
        page: Page, origin: str, pendo: PendoEdge) -> None:
    rudderstack_left(page, origin, {"rl_user_id": "user-x", "rl_group_id": "acme"})
    page.route("**/wheels/*.whl", lambda route: route.fulfill(status=404, body=""))  # Python never gets the package
    page.goto(f"{origin}/test/pyscript-early-start.html", wait_until="commit")
    page.wait_for_function("() => window.pendo?.isReady?.() === true", timeout=RESULT_TIMEOUT_MS)
    events: list[dict[str, Any]] = []
    for _ in range(100):  # up to 10 s: the agent sends what it recorded when asked
        page.evaluate("() => window.pendo.flushNow()")
        events = pendo.wire.events()
        if events:
            break
        page.wait_for_timeout(100)

    assert events and visitors_seen(pendo) == {"user-x"}
    assert {event["account_id"] for event in events} == {"acme"}


def test_the_record_names_every_option_load_compares(page: Page, origin: str,
                                                     open_early: Callable[..., PythonPage]) -> None:
    """The script records its options under load()'s names; Python compares exactly those."""
    from pyodide_pendo.early_start import MIRRORED_OPTIONS

    py = open_early(consent="pending")
    recorded = py.page.evaluate("() => Object.keys(window.pyodidePendoEarlyStart.options)")

    assert tuple(recorded) == MIRRORED_OPTIONS


def agent_scripts(page: Page) -> list[dict[str, str | None]]:
    scripts: list[dict[str, str | None]] = page.evaluate(
        """() => [...document.scripts].filter((s) => s.src.includes('/agent/static/'))
        .map((s) => ({src: s.src, mark: s.getAttribute('data-pyodide-pendo')}))""")
    return scripts


def assert_the_early_agent_was_adopted(opened: PyScriptPage, pendo: Any) -> None:
    result = opened.result()
    opened.flush(pendo)

    assert result["error"] is None
    assert pendo.agent_requests == ["https://cdn.pendo.io/agent/static/pyscript-key/pendo.js"]
    assert agent_scripts(opened.page) == [{"src": pendo.agent_requests[0], "mark": "early"}]
    assert_pendo_received_the_apps_calls(pendo)
    # The agent was initialized with the visitor Python adopted, not an anonymous visitor of its own.
    assert pendo.wire.events()[0]["visitor_id"] == "_PENDO_T_" + result["anonymous_id"]
    first_identify = pendo.wire.identify_events()[0]
    assert first_identify["props"]["old_visitor_id"] == "_PENDO_T_" + result["anonymous_id"]
    assert len(pendo.wire.events("load")) == 1


def test_early_start_the_agent_loads_first_and_python_adopts_it(page: Page, open_page: Callable[..., PyScriptPage],
                                                                pendo: PendoEdge) -> None:
    wheel = Gate(page, "**/wheels/*.whl")  # Python cannot start until the agent is there
    opened = open_page("pyscript-early-start.html")
    page.wait_for_function("() => typeof window.pendo?.isReady === 'function'", timeout=RESULT_TIMEOUT_MS)
    wheel.open()

    assert_the_early_agent_was_adopted(opened, pendo)


def test_early_start_python_loads_first_and_the_agent_replays_its_queue(
        page: Page, open_page: Callable[..., PyScriptPage], pendo: PendoEdge) -> None:
    agent = Gate(page, "https://cdn.pendo.io/agent/static/**")
    opened = open_page("pyscript-early-start.html")
    page.wait_for_function("() => window.loadReturnedAt !== undefined", timeout=RESULT_TIMEOUT_MS)
    assert page.evaluate("() => typeof window.pendo.isReady") == "undefined"  # Python's load() ran first
    agent.open()

    assert_the_early_agent_was_adopted(opened, pendo)


def test_early_start_an_agent_that_failed_before_python_started_is_reported_at_once(
        page: Page, open_page: Callable[..., PyScriptPage], pendo: PendoEdge) -> None:
    pendo.agent = "404"
    wheel = Gate(page, "**/wheels/*.whl")
    opened = open_page("pyscript-early-start.html")
    page.wait_for_function("() => document.querySelector('script[data-pyodide-pendo=failed]') !== null",
                           timeout=RESULT_TIMEOUT_MS)
    wheel.open()
    result = opened.result()

    # A script error, not the ready timeout's "was not ready within 10 s".
    assert result["error"].startswith("the Pendo agent script https://cdn.pendo.io/agent/static/pyscript-key/"
                                      "pendo.js failed to load")
    assert result["stats"]["undelivered"] == 3


@pytest.mark.parametrize("page_name", ["pyscript-early-start.html", "worker-early-start.html"])
def test_early_start_on_the_main_thread_and_in_a_worker_a_returning_user_is_pendos_only_visitor(
        page: Page, origin: str, open_page: Callable[..., PyScriptPage], pendo: PendoEdge, page_name: str) -> None:
    rudderstack_left(page, origin, {"rl_user_id": "user-7", "rl_group_id": "acme"})
    opened = open_page(page_name)
    result = opened.result()
    opened.flush(pendo)

    assert result["error"] is None
    assert result["thread"] == ("worker" if page_name.startswith("worker") else "main")
    assert_pendo_received_the_apps_calls(pendo)
    assert_pendo_started_before_python(pendo, result, "user-7", "acme")
    # The app identifies the visitor and account the agent already has.
    assert identify_events_after_python_started(pendo, result) == []
