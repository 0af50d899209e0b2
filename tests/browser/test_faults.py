"""Faults of the page and the network never raise into the caller and never lose events silently."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.browser import PendoEdge
from tests.browser.harness import PythonPage, in_page


@in_page
async def load_and_call_while_the_agent_fails(ready_timeout: int) -> list[Any]:
    """``[how ready() ended, the stats]`` after calls made before and after it."""
    from pyodide_pendo import PendoLoadError, rudderanalytics

    rudderanalytics.load("fault-key", ready_timeout=ready_timeout)
    rudderanalytics.identify("user-1", {"plan": "pro"})
    rudderanalytics.track("While Loading")
    try:
        await rudderanalytics.ready()
        outcome = "ready"
    except PendoLoadError as error:
        outcome = f"{type(error).__name__}: {error} | {error.url}"
    rudderanalytics.track("After Failure")
    return [outcome, rudderanalytics.stats()]


@pytest.mark.parametrize(("agent", "words"), [
    ("404", "failed to load"),
    ("abort", "failed to load"),
    (4_000, "not ready within 1 s"),
])
def test_an_agent_that_never_arrives(py: PythonPage, pendo: PendoEdge, agent: str | int, words: str) -> None:
    pendo.agent = agent
    outcome, stats = load_and_call_while_the_agent_fails(py, 1)
    assert outcome.startswith("PendoLoadError: ")
    assert words in outcome
    assert "blocked" in outcome
    assert outcome.endswith("| https://cdn.pendo.io/agent/static/fault-key/pendo.js")
    assert stats["state"] == "failed"
    assert stats["undelivered"] == 3 and stats["sent"] == 0 and stats["waiting"] == 0
    assert sum("events are not reaching Pendo" in line for line in py.console) == 1


@in_page
async def what_the_ready_callback_receives() -> list[str]:
    """The type names of what the ``ready`` callback was called with, once it was."""
    import asyncio

    from pyodide_pendo import rudderanalytics

    received: list[str] = []
    rudderanalytics.ready(lambda error=None: received.append(type(error).__name__))
    rudderanalytics.load("fault-key")
    while not received:
        await asyncio.sleep(0.05)
    return received


def test_the_ready_callback_receives_the_error(py: PythonPage, pendo: PendoEdge) -> None:
    pendo.agent = "404"
    assert what_the_ready_callback_receives(py) == ["PendoLoadError"]


@in_page
async def call_while_the_agent_is_late() -> list[Any]:
    """``[how many calls waited for the agent, the stats once it was ready]``."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("late-key", ready_timeout=20)
    rudderanalytics.identify("user-1")
    for number in range(20):
        rudderanalytics.track(f"Event {number}")
    waiting = rudderanalytics.stats()["waiting"]
    await rudderanalytics.ready()
    return [waiting, rudderanalytics.stats()]


def test_an_agent_arriving_late_within_the_timeout_gets_every_call_in_order(py: PythonPage,
                                                                           pendo: PendoEdge) -> None:
    pendo.agent = 1_500
    waiting, stats = call_while_the_agent_is_late(py)
    py.wait_for_track("Event 19")  # the agent sends in order: the events before it have arrived too
    assert waiting == 21
    assert stats["sent"] == 21 and stats["waiting"] == 0 and stats["undelivered"] == 0
    assert [event["track_event_name"] for event in py.wire.track_events()] == [f"Event {n}" for n in range(20)]
    assert all(event["visitor_id"] == "user-1" for event in py.wire.track_events())


@in_page
async def overflow_the_waiting_queue() -> dict[str, Any]:
    """The stats once the agent was ready; then a ``Marker`` event, sent after whatever the queue held."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("late-key", queue_size=5)
    for number in range(8):
        rudderanalytics.track(f"Event {number}")
    await rudderanalytics.ready()
    stats = rudderanalytics.stats()
    rudderanalytics.track("Marker")
    return stats


def test_the_waiting_queue_is_bounded_and_reports_overflow(py: PythonPage, pendo: PendoEdge) -> None:
    pendo.agent = 1_000
    stats = overflow_the_waiting_queue(py)
    py.wait_for_track("Marker")  # the agent sends in order: a dropped event would have come before it
    assert (stats["sent"], stats["dropped"]) == (5, 3)
    assert [event["track_event_name"] for event in py.wire.track_events()] == [
        *(f"Event {n}" for n in range(5)), "Marker"]
    assert any("queue for the Pendo agent is full" in line for line in py.console)


@in_page
async def load_and_wait_for_the_agent(api_key: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load(api_key)
    await rudderanalytics.ready()


@in_page
def track_around_a_throwing_call() -> dict[str, Any]:
    """The stats after tracking ``Before``, ``Lost`` (the agent throws on it), ``Delivered``, then an identify."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track("Before")
    rudderanalytics.track("Lost")
    rudderanalytics.track("Delivered")
    rudderanalytics.identify("user-after")
    return rudderanalytics.stats()


def test_an_agent_whose_track_throws(py: PythonPage) -> None:
    """A throw inside the agent fails that call only: calls batched around it in the same task still go out."""
    load_and_wait_for_the_agent(py, "throwing-key")
    py.page.evaluate("""() => {
        const track = window.pendo.track;
        window.pendo.track = function (name, ...rest) {
            if (name === "Lost") throw new TypeError("track exploded inside the agent");
            return track.call(this, name, ...rest);
        };
    }""")
    stats = track_around_a_throwing_call(py)
    py.wait_for_track("Delivered")  # the agent sends in order: "Lost", had it been recorded, would have come first
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-after", "the identified visitor's metadata")
    assert (stats["undelivered"], stats["sent"], stats["waiting"]) == (1, 3, 0)
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before", "Delivered"]
    assert py.wire.visitor()["id"] == "user-after"
    assert any("pendo.track failed inside the agent" in line and "track exploded" in line for line in py.console)


@in_page
async def replace_window_pendo_then_call() -> dict[str, Any]:
    """The stats after page code replaced ``window.pendo`` and Python tracked and identified."""
    import js

    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("replaced-key")
    await rudderanalytics.ready()
    js.window.pendo = js.JSON.parse('{"track": null}')
    rudderanalytics.track("Still Delivered")
    rudderanalytics.identify("user-1")
    return rudderanalytics.stats()


def test_page_code_replacing_window_pendo_does_not_divert_our_calls(py: PythonPage) -> None:
    """We keep the agent object we adopted (the agent upgrades that object in place when it loads)."""
    stats = replace_window_pendo_then_call(py)
    assert (stats["sent"], stats["undelivered"]) == (2, 0)
    py.wait_for_track("Still Delivered")
    # Metadata travels in its own request; with window.pendo replaced, the agent sends it on its own timer.
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-1", "the identified visitor's metadata")


@in_page
async def call_while_pendo_is_disabled() -> list[Any]:
    """``[how ready() ended, the stats]`` after a track before it and one after."""
    from pyodide_pendo import PendoLoadError, rudderanalytics

    rudderanalytics.load("disabled-key", ready_timeout=2)
    rudderanalytics.track("Disabled")
    try:
        await rudderanalytics.ready()
        state = "ready"
    except PendoLoadError as error:
        state = str(error)
    rudderanalytics.track("Still No Exception")
    return [state, rudderanalytics.stats()]


def test_pendo_disabled_by_the_page(py: PythonPage) -> None:
    """A site disables Pendo with ``window.pendo_options = {disablePendo: true}``: the agent stays a stub."""
    py.page.evaluate("() => { window.pendo_options = {disablePendo: true}; }")
    state, stats = call_while_pendo_is_disabled(py)
    # The agent loaded and disabled itself: its methods only log, so it sends nothing, now or later.
    py.page.evaluate("() => window.pendo.track('Probe')")
    py.wait_until(lambda: "log: Pendo is currently disabled." in py.console, "the disabled agent's log line")
    assert "not ready within 2 s" in state
    assert (stats["undelivered"], stats["sent"]) == (2, 0)
    assert py.wire.track_events() == []


THROW_SECURITY_ERROR = 'throw new DOMException("The operation is insecure.", "SecurityError");'


@in_page
def identify_and_track_where_cookies_throw() -> list[Any]:
    """``[the user id, the user traits]`` after identifying and tracking."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("sandbox-key")
    rudderanalytics.identify("user-1", {"plan": "pro"})
    rudderanalytics.track("Sandboxed")
    return [rudderanalytics.get_user_id(), rudderanalytics.get_user_traits()]


def test_a_sandboxed_document_whose_cookies_throw(py: PythonPage) -> None:
    py.page.evaluate(f"""() => Object.defineProperty(Document.prototype, "cookie", {{configurable: true,
        get() {{ {THROW_SECURITY_ERROR} }}, set(value) {{ {THROW_SECURITY_ERROR} }} }})""")
    identity = identify_and_track_where_cookies_throw(py)
    assert identity == ["user-1", {"plan": "pro"}]
    assert sum("refuses access to document.cookie" in line for line in py.console) == 1
    py.wait_for_track("Sandboxed")


@in_page
def identify_and_track_where_local_storage_throws() -> str | None:
    """The user id after identifying and tracking."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("sandbox-key", storage="local_storage")
    rudderanalytics.identify("user-1")
    rudderanalytics.track("No Local Storage")
    return rudderanalytics.get_user_id()


def test_a_local_storage_getter_that_throws(py: PythonPage) -> None:
    py.page.evaluate(f"""() => Object.defineProperty(window, "localStorage", {{configurable: true,
        get() {{ {THROW_SECURITY_ERROR} }} }})""")
    assert identify_and_track_where_local_storage_throws(py) == "user-1"
    assert sum("refuses access to window.localStorage" in line for line in py.console) == 1
    py.wait_for_track("No Local Storage")


@in_page
async def load_and_track_before() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("storage-key")
    await rudderanalytics.ready()
    rudderanalytics.track("Before")


@in_page
def identify_and_track_twice() -> dict[str, Any]:
    """The stats after an identify and two tracks."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("user-1")
    rudderanalytics.track("Lost A")
    rudderanalytics.track("Lost B")
    return rudderanalytics.stats()


@in_page
def track_and_count_sent(event: str) -> int:
    """How many calls the agent has taken, once ``event`` is tracked."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track(event)
    sent: int = rudderanalytics.stats()["sent"]
    return sent


def test_storage_that_breaks_after_the_agent_started_is_counted_not_hidden(py: PythonPage) -> None:
    """The agent catches its own error when its storage throws, and loses the event: we count it undelivered."""
    load_and_track_before(py)
    py.wait_for_track("Before")
    py.page.evaluate(f"""() => {{
        window.workingStorage = {{}};
        for (const name of ["getItem", "setItem", "removeItem", "clear", "key"]) {{
            window.workingStorage[name] = Storage.prototype[name];
            Storage.prototype[name] = function () {{ {THROW_SECURITY_ERROR} }};
        }}
    }}""")
    stats = identify_and_track_twice(py)
    assert (stats["sent"], stats["undelivered"], stats["waiting"]) == (1, 3, 0)
    assert sum("localStorage throws since the agent started" in line for line in py.console) == 1

    py.page.evaluate("() => Object.assign(Storage.prototype, window.workingStorage)")
    assert track_and_count_sent(py, "Restored") == 2
    py.wait_for_track("Restored")
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before", "Restored"]
