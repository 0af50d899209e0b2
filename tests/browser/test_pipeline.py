"""Consent, event filtering, integrations and before_send hooks, judged by what the real agent sends."""

from __future__ import annotations

from typing import Any

from devtools.browser import PendoEdge
from tests.browser.harness import PythonPage, in_page


def page_clock(py: PythonPage) -> float:
    """The page's ``Date.now()``: the clock the agent stamps its events' ``browser_time`` with."""
    return float(py.page.evaluate("() => Date.now()"))


@in_page
def call_while_consent_is_pending() -> int:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("consent-key", consent="pending")
    rudderanalytics.identify("user-1", {"plan": "pro"})
    rudderanalytics.track("Before Consent")
    waiting: int = rudderanalytics.stats()["waiting"]
    return waiting


@in_page
async def grant_consent() -> int:
    from pyodide_pendo import rudderanalytics

    sent = rudderanalytics.consent(granted=True)
    await rudderanalytics.ready()
    return sent


def test_nothing_loads_or_is_sent_until_consent_is_granted(py: PythonPage, pendo: PendoEdge) -> None:
    waiting = call_while_consent_is_pending(py)
    assert waiting == 2
    assert pendo.agent_requests == [] and py.wire.requests == []
    assert py.page.evaluate("() => window.pendo === undefined")

    granted_at = page_clock(py)
    sent = grant_consent(py)
    assert sent == 2
    assert py.wait_for_track("Before Consent")["visitor_id"] == "user-1"
    py.wait_until(lambda: py.wire.visitor().get("plan") == "pro", "the visitor's metadata")
    # The held track arriving is the marker: whatever the agent recorded before it is on the wire by now, so
    # an agent started before consent (by anything deferred) would show as events from before the grant.
    assert len(pendo.agent_requests) == 1
    assert [event for event in py.wire.events() if event["browser_time"] < granted_at] == []


@in_page
def deny_consent_between_tracks() -> tuple[int, dict[str, Any]]:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("consent-key", consent="pending")
    rudderanalytics.track("A")
    rudderanalytics.track("B")
    discarded = rudderanalytics.consent(granted=False)
    rudderanalytics.track("C")
    return discarded, rudderanalytics.stats()


def test_denied_consent_discards_and_sends_nothing(py: PythonPage, pendo: PendoEdge) -> None:
    discarded, stats = deny_consent_between_tracks(py)
    assert discarded == 2 and stats["filtered"] == 3
    # Nothing can be sent without the agent, and "idle" says it was never started: nothing deferred is pending
    # that could load it later (only load() and consent(True) start it), so there is nothing to wait for.
    assert stats["state"] == "idle"
    assert pendo.agent_requests == [] and py.wire.requests == []


@in_page
def track_then_deny_consent_and_track_again() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("consent-key", consent="pending")
    rudderanalytics.track("A")
    rudderanalytics.consent(granted=False)
    rudderanalytics.track("B")


@in_page
async def grant_consent_and_track() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.consent(granted=True)
    rudderanalytics.track("After Consent")
    await rudderanalytics.ready()


def test_consent_granted_after_a_denial_sends_later_calls_but_never_the_discarded(py: PythonPage,
                                                                                   pendo: PendoEdge) -> None:
    track_then_deny_consent_and_track_again(py)
    # The later track arriving is the marker after which nothing sent while consent was denied could still be
    # on its way: no event from before the grant, neither A nor B.
    granted_at = page_clock(py)
    grant_consent_and_track(py)
    py.wait_for_track("After Consent")
    assert len(pendo.agent_requests) == 1
    assert [event for event in py.wire.events() if event["browser_time"] < granted_at] == []
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["After Consent"]


@in_page
async def load_with_a_filter_and_a_hook_and_track() -> None:
    from pyodide_pendo import rudderanalytics

    def redact_email(message: dict[str, Any]) -> dict[str, Any]:
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


@in_page
def stats() -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    return rudderanalytics.stats()


def test_event_filtering_integrations_and_hooks(py: PythonPage) -> None:
    load_with_a_filter_and_a_hook_and_track(py)
    py.wait_for_track("Last")
    tracks = {event["track_event_name"]: event["props"] for event in py.wire.track_events()}
    assert tracks == {"Signed Up": {"plan": "pro"}, "Last": {}}
    assert stats(py)["filtered"] == 2
