"""Consent, event filtering, integrations and before_send hooks, judged by what the real agent sends."""

from __future__ import annotations


from tests.browser.harness import PythonPage


def page_clock(py: PythonPage) -> float:
    """The page's ``Date.now()``: the clock the agent stamps its events' ``browser_time`` with."""
    return float(py.page.evaluate("() => Date.now()"))


def test_nothing_loads_or_is_sent_until_consent_is_granted(py, pendo):
    waiting = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("consent-key", consent="pending")
rudderanalytics.identify("user-1", {"plan": "pro"})
rudderanalytics.track("Before Consent")
rudderanalytics.stats()["waiting"]
""")
    assert waiting == 2
    assert pendo.agent_requests == [] and py.wire.requests == []
    assert py.page.evaluate("() => window.pendo === undefined")

    granted_at = page_clock(py)
    sent = py.run("""
sent = rudderanalytics.consent(granted=True)
await rudderanalytics.ready()
sent
""")
    assert sent == 2
    assert py.wait_for_track("Before Consent")["visitor_id"] == "user-1"
    py.wait_until(lambda: py.wire.visitor().get("plan") == "pro", "the visitor's metadata")
    # The held track arriving is the marker: whatever the agent recorded before it is on the wire by now, so
    # an agent started before consent (by anything deferred) would show as events from before the grant.
    assert len(pendo.agent_requests) == 1
    assert [event for event in py.wire.events() if event["browser_time"] < granted_at] == []


def test_denied_consent_discards_and_sends_nothing(py, pendo):
    discarded = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("consent-key", consent="pending")
rudderanalytics.track("A")
rudderanalytics.track("B")
discarded = rudderanalytics.consent(granted=False)
rudderanalytics.track("C")
[discarded, rudderanalytics.stats()]
""")
    assert discarded[0] == 2 and discarded[1]["filtered"] == 3
    # Nothing can be sent without the agent, and "idle" says it was never started: nothing deferred is pending
    # that could load it later (only load() and consent(True) start it), so there is nothing to wait for.
    assert discarded[1]["state"] == "idle"
    assert pendo.agent_requests == [] and py.wire.requests == []


def test_consent_granted_after_a_denial_sends_later_calls_but_never_the_discarded(py, pendo):
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("consent-key", consent="pending")
rudderanalytics.track("A")
rudderanalytics.consent(granted=False)
rudderanalytics.track("B")
""")
    # The later track arriving is the marker after which nothing sent while consent was denied could still be
    # on its way: no event from before the grant, neither A nor B.
    granted_at = page_clock(py)
    py.run("""
rudderanalytics.consent(granted=True)
rudderanalytics.track("After Consent")
await rudderanalytics.ready()
""")
    py.wait_for_track("After Consent")
    assert len(pendo.agent_requests) == 1
    assert [event for event in py.wire.events() if event["browser_time"] < granted_at] == []
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["After Consent"]


def test_event_filtering_integrations_and_hooks(py):
    py.run("""
from pyodide_pendo import rudderanalytics

def redact_email(message):
    message.get("properties", {}).pop("email", None)
    return message

rudderanalytics.load({
    "apiKey": "filter-key",
    "eventFilteringOption": "blacklistedEvents",
    "blacklistedEvents": [{"eventName": "Heartbeat"}],
}, before_send=redact_email)
await rudderanalytics.ready()
rudderanalytics.track("Heartbeat")
rudderanalytics.track("Not For Pendo", None, {"integrations": {"Pendo": False}})
rudderanalytics.track("Signed Up", {"email": "a@example.com", "plan": "pro"})
rudderanalytics.track("Last")
""")
    py.wait_for_track("Last")
    tracks = {event["track_event_name"]: event["props"] for event in py.wire.track_events()}
    assert tracks == {"Signed Up": {"plan": "pro"}, "Last": {}}
    assert py.run("rudderanalytics.stats()")["filtered"] == 2
