"""Consent governs the Pendo agent itself: withdrawn, the agent captures and sends nothing; granted, it resumes."""

from __future__ import annotations


def test_withdrawn_consent_stops_the_agents_own_capture_and_granting_resumes_it(py):
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("consent-key")
rudderanalytics.identify("user-c")
await rudderanalytics.ready()
rudderanalytics.track("Before")
""")
    py.wait_for_track("Before")
    withdrawn_at = py.page.evaluate("() => Date.now()")
    discarded = py.run("rudderanalytics.track('Made Before Withdrawing'); rudderanalytics.consent(granted=False)")
    # What the agent captures and sends on its own: clicks, a single-page app's page change, its own API.
    py.page.click("h1")
    py.page.evaluate("""() => {
        history.pushState({}, "", "/test/another-view");
        window.pendo.pageLoad();
        window.pendo.track("Sent By Page Script");
        return window.pendo.flushNow();
    }""")
    stats = py.run("rudderanalytics.track('While Withdrawn'); rudderanalytics.stats()")
    granted_at = py.page.evaluate("() => Date.now()")

    py.run("rudderanalytics.consent(granted=True); rudderanalytics.track('After')")
    py.wait_for_track("After")
    py.page.click("h1")
    py.wait_until(lambda: any(event["type"] == "click" and event["browser_time"] > granted_at
                              for event in py.wire.events()), "a click captured after consent was given again")

    assert [event for event in py.wire.events() if withdrawn_at <= event["browser_time"] < granted_at] == []
    assert discarded == 1  # the track made in the same task, not yet handed to the agent
    assert (stats["sent"], stats["filtered"]) == (2, 2)
    assert [event["track_event_name"] for event in py.wire.track_events()] == ["Before", "After"]
