"""Consent governs the Pendo agent itself: withdrawn, the agent captures and sends nothing; granted, it resumes."""

from __future__ import annotations

from typing import Any

from tests.browser.harness import PythonPage, in_page


@in_page
async def load_identify_and_track() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("consent-key")
    rudderanalytics.identify("user-c")
    await rudderanalytics.ready()
    rudderanalytics.track("Before")


@in_page
def track_then_withdraw_consent() -> int:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track("Made Before Withdrawing")
    return rudderanalytics.consent(granted=False)


@in_page
def track_while_withdrawn() -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track("While Withdrawn")
    return rudderanalytics.stats()


@in_page
def grant_consent_and_track() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.consent(granted=True)
    rudderanalytics.track("After")


def test_withdrawn_consent_stops_the_agents_own_capture_and_granting_resumes_it(py: PythonPage) -> None:
    load_identify_and_track(py)
    py.wait_for_track("Before")
    withdrawn_at = py.page.evaluate("() => Date.now()")
    discarded = track_then_withdraw_consent(py)
    # What the agent captures and sends on its own: clicks, a single-page app's page change, its own API.
    py.page.click("h1")
    py.page.evaluate("""() => {
        history.pushState({}, "", "/test/another-view");
        window.pendo.pageLoad();
        window.pendo.track("Sent By Page Script");
        return window.pendo.flushNow();
    }""")
    stats = track_while_withdrawn(py)
    granted_at = py.page.evaluate("() => Date.now()")

    grant_consent_and_track(py)
    py.wait_for_track("After")
    py.page.click("h1")
    py.wait_until(lambda: any(event["type"] == "click" and event["browser_time"] > granted_at
                              for event in py.wire.events()), "a click captured after consent was given again")

    assert [event for event in py.wire.events() if withdrawn_at <= event["browser_time"] < granted_at] == []
    assert discarded == 1  # the track made in the same task, not yet handed to the agent
    assert (stats["sent"], stats["filtered"]) == (2, 2)
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before", "After"]
