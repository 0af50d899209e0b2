"""The whole chain once: Python in the page → our package → the real Pendo agent → the wire."""

from __future__ import annotations

from tests.browser.harness import PythonPage, in_page


@in_page
async def load_identify_and_track() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("smoke-key")
    rudderanalytics.identify("user-42", {"email": "ada@example.com", "plan": "pro"})
    rudderanalytics.track("Order Completed", {"total": 42.5, "currency": "EUR"})
    await rudderanalytics.ready()


def test_identify_and_track_reach_pendo(py: PythonPage) -> None:
    load_identify_and_track(py)
    py.wait_for_track("Order Completed")
    py.wait_until(lambda: "email" in py.wire.visitor(), "the visitor's metadata")

    visitor = py.wire.visitor()
    assert visitor["id"] == "user-42"
    assert visitor["email"] == "ada@example.com"
    assert visitor["plan"] == "pro"
    track = py.wire.track_events()[-1]
    assert track["track_event_name"] == "Order Completed"
    assert track["props"] == {"total": 42.5, "currency": "EUR"}
    assert track["visitor_id"] == "user-42"
