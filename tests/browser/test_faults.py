"""Faults of the page and the network never raise into the caller and never lose events silently."""

from __future__ import annotations

import pytest

LOAD_AND_CALL = """
from pyodide_pendo import rudderanalytics, PendoLoadError
rudderanalytics.load("fault-key", ready_timeout={timeout})
rudderanalytics.identify("user-1", {{"plan": "pro"}})
rudderanalytics.track("While Loading")
try:
    await rudderanalytics.ready()
    outcome = "ready"
except PendoLoadError as error:
    outcome = f"{{type(error).__name__}}: {{error}} | {{error.url}}"
rudderanalytics.track("After Failure")
[outcome, rudderanalytics.stats()]
"""


@pytest.mark.parametrize(("agent", "words"), [
    ("404", "failed to load"),
    ("abort", "failed to load"),
    (4_000, "not ready within 1 s"),
])
def test_an_agent_that_never_arrives(py, pendo, agent, words):
    pendo.agent = agent
    outcome, stats = py.run(LOAD_AND_CALL.format(timeout=1))
    assert outcome.startswith("PendoLoadError: ")
    assert words in outcome
    assert "blocked" in outcome
    assert outcome.endswith("| https://cdn.pendo.io/agent/static/fault-key/pendo.js")
    assert stats["state"] == "failed"
    assert stats["undelivered"] == 3 and stats["sent"] == 0 and stats["waiting"] == 0
    assert sum("events are not reaching Pendo" in line for line in py.console) == 1


def test_the_ready_callback_receives_the_error(py, pendo):
    pendo.agent = "404"
    received = py.run("""
from pyodide_pendo import rudderanalytics
import asyncio
received = []
rudderanalytics.ready(lambda error=None: received.append(type(error).__name__))
rudderanalytics.load("fault-key")
while not received:
    await asyncio.sleep(0.05)
received
""")
    assert received == ["PendoLoadError"]


def test_an_agent_arriving_late_within_the_timeout_gets_every_call_in_order(py, pendo):
    pendo.agent = 1_500
    stats = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("late-key", ready_timeout=20)
rudderanalytics.identify("user-1")
for number in range(20):
    rudderanalytics.track(f"Event {number}")
waiting = rudderanalytics.stats()["waiting"]
await rudderanalytics.ready()
[waiting, rudderanalytics.stats()]
""")
    py.flush()
    assert stats[0] == 21
    assert stats[1]["sent"] == 21 and stats[1]["waiting"] == 0 and stats[1]["undelivered"] == 0
    assert [event["track_event_name"] for event in py.wire.track_events()] == [f"Event {n}" for n in range(20)]
    assert all(event["visitor_id"] == "user-1" for event in py.wire.track_events())


def test_the_waiting_queue_is_bounded_and_reports_overflow(py, pendo):
    pendo.agent = 1_000
    stats = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("late-key", queue_size=5)
for number in range(8):
    rudderanalytics.track(f"Event {number}")
await rudderanalytics.ready()
rudderanalytics.stats()
""")
    py.flush()
    assert (stats["sent"], stats["dropped"]) == (5, 3)
    assert [event["track_event_name"] for event in py.wire.track_events()] == [f"Event {n}" for n in range(5)]
    assert any("queue for the Pendo agent is full" in line for line in py.console)


def test_an_agent_whose_track_throws(py):
    """A throw inside the agent fails that call only: calls batched around it in the same task still go out."""
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("throwing-key")
await rudderanalytics.ready()
""")
    py.page.evaluate("""() => {
        const track = window.pendo.track;
        window.pendo.track = function (name, ...rest) {
            if (name === "Lost") throw new TypeError("track exploded inside the agent");
            return track.call(this, name, ...rest);
        };
    }""")
    stats = py.run("""
rudderanalytics.track("Before")
rudderanalytics.track("Lost")
rudderanalytics.track("Delivered")
rudderanalytics.identify("user-after")
rudderanalytics.stats()
""")
    py.flush()
    assert (stats["undelivered"], stats["sent"], stats["waiting"]) == (1, 3, 0)
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before", "Delivered"]
    assert py.wire.visitor()["id"] == "user-after"
    assert any("pendo.track failed inside the agent" in line and "track exploded" in line for line in py.console)


def test_page_code_replacing_window_pendo_does_not_divert_our_calls(py):
    """We keep the agent object we adopted (the agent upgrades that object in place when it loads)."""
    stats = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("replaced-key")
await rudderanalytics.ready()
import js
js.window.pendo = js.JSON.parse('{"track": null}')
rudderanalytics.track("Still Delivered")
rudderanalytics.identify("user-1")
rudderanalytics.stats()
""")
    assert (stats["sent"], stats["undelivered"]) == (2, 0)
    py.wait_for_track("Still Delivered")
    # Metadata travels in its own request; with window.pendo replaced, the agent sends it on its own timer.
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-1", "the identified visitor's metadata")


def test_pendo_disabled_by_the_page(py):
    """A site disables Pendo with ``window.pendo_options = {disablePendo: true}``: the agent stays a stub."""
    py.page.evaluate("() => { window.pendo_options = {disablePendo: true}; }")
    outcome = py.run("""
from pyodide_pendo import rudderanalytics, PendoLoadError
rudderanalytics.load("disabled-key", ready_timeout=2)
rudderanalytics.track("Disabled")
try:
    await rudderanalytics.ready()
    state = "ready"
except PendoLoadError as error:
    state = str(error)
rudderanalytics.track("Still No Exception")
[state, rudderanalytics.stats()]
""")
    py.flush()
    state, stats = outcome
    assert "not ready within 2 s" in state
    assert (stats["undelivered"], stats["sent"]) == (2, 0)
    assert py.wire.track_events() == []


THROW_SECURITY_ERROR = 'throw new DOMException("The operation is insecure.", "SecurityError");'


def test_a_sandboxed_document_whose_cookies_throw(py):
    py.page.evaluate(f"""() => Object.defineProperty(Document.prototype, "cookie", {{configurable: true,
        get() {{ {THROW_SECURITY_ERROR} }}, set(value) {{ {THROW_SECURITY_ERROR} }} }})""")
    identity = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("sandbox-key")
rudderanalytics.identify("user-1", {"plan": "pro"})
rudderanalytics.track("Sandboxed")
[rudderanalytics.get_user_id(), rudderanalytics.get_user_traits()]
""")
    assert identity == ["user-1", {"plan": "pro"}]
    assert sum("refuses access to document.cookie" in line for line in py.console) == 1
    py.wait_for_track("Sandboxed")


def test_a_local_storage_getter_that_throws(py):
    py.page.evaluate(f"""() => Object.defineProperty(window, "localStorage", {{configurable: true,
        get() {{ {THROW_SECURITY_ERROR} }} }})""")
    identity = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("sandbox-key", storage="local_storage")
rudderanalytics.identify("user-1")
rudderanalytics.track("No Local Storage")
rudderanalytics.get_user_id()
""")
    assert identity == "user-1"
    assert sum("refuses access to window.localStorage" in line for line in py.console) == 1
    py.wait_for_track("No Local Storage")


def test_storage_that_breaks_after_the_agent_started_is_counted_not_hidden(py):
    """The agent catches its own error when its storage throws, and loses the event: we count it undelivered."""
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("storage-key")
await rudderanalytics.ready()
rudderanalytics.track("Before")
""")
    py.wait_for_track("Before")
    py.page.evaluate(f"""() => {{
        window.workingStorage = {{}};
        for (const name of ["getItem", "setItem", "removeItem", "clear", "key"]) {{
            window.workingStorage[name] = Storage.prototype[name];
            Storage.prototype[name] = function () {{ {THROW_SECURITY_ERROR} }};
        }}
    }}""")
    stats = py.run("""
rudderanalytics.identify("user-1")
rudderanalytics.track("Lost A")
rudderanalytics.track("Lost B")
rudderanalytics.stats()
""")
    assert (stats["sent"], stats["undelivered"], stats["waiting"]) == (1, 3, 0)
    assert sum("localStorage throws since the agent started" in line for line in py.console) == 1

    py.page.evaluate("() => Object.assign(Storage.prototype, window.workingStorage)")
    assert py.run("rudderanalytics.track('Restored'); rudderanalytics.stats()['sent']") == 2
    py.wait_for_track("Restored")
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before", "Restored"]
