"""Consent, event filtering, integrations and before_send hooks, judged by what the real agent sends."""

from __future__ import annotations


def test_nothing_loads_or_is_sent_until_consent_is_granted(py, pendo):
    waiting = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("consent-key", consent="pending")
rudderanalytics.identify("user-1", {"plan": "pro"})
rudderanalytics.track("Before Consent")
rudderanalytics.stats()["waiting"]
""")
    py.page.wait_for_timeout(500)
    assert waiting == 2
    assert pendo.agent_requests == [] and py.wire.requests == []
    assert py.page.evaluate("() => window.pendo === undefined")

    sent = py.run("""
sent = rudderanalytics.consent(granted=True)
await rudderanalytics.ready()
sent
""")
    assert sent == 2
    assert py.wait_for_track("Before Consent")["visitor_id"] == "user-1"
    py.wait_until(lambda: py.wire.visitor().get("plan") == "pro", "the visitor's metadata")


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
    py.page.wait_for_timeout(500)
    assert discarded[0] == 2 and discarded[1]["filtered"] == 3
    assert pendo.agent_requests == [] and py.wire.requests == []


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
