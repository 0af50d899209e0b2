"""10,000 calls through the public API into the real agent leave no proxy behind.

Payloads cross into JavaScript as JSON text, so a call should leave nothing on either side of the bridge. The
counters are Pyodide's own (private, for tests): ``hiwire.num_keys()`` counts JavaScript objects Python holds,
and with allocation tracing ``pyproxy_alloc_map`` holds every PyProxy created and not yet destroyed. Both are
read in the same synchronous JavaScript turn as the calls, so the harness's own proxies are not counted.
Performance figures come from ``./dev bench``, never from this test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.wire import PendoWire
from tests.browser.harness import PythonPage, in_page

CALLS = 10_000
WARM_UP_CALLS = 100


@in_page
def make_calls(count: int) -> str:
    """Every kind of call the agent receives, with callbacks; a reset (clearSession) every 2,500 calls. Says
    what ``stats()`` reports after them and how many callbacks ran, as JSON text."""
    import json

    from pyodide_pendo import rudderanalytics

    properties = {"order_id": "ord-1042", "total": 42.5, "currency": "EUR", "items": 3, "coupon": None,
                  "first_order": True, "category": "books", "sku": "B-1234", "discount": 0.1, "channel": "web"}
    traits = {"email": "ada@example.com", "name": "Ada Lovelace", "plan": "pro", "logins": 42, "verified": True}
    callbacks: list[str] = []

    def on_delivered(message: dict[str, Any]) -> None:
        callbacks.append(message["type"])

    for index in range(count):
        kind = index % 4
        if kind == 0:
            rudderanalytics.track("Leak Check", properties, on_delivered)
        elif kind == 1:
            rudderanalytics.identify("user-42", traits, on_delivered)
        elif kind == 2:
            rudderanalytics.group("acme", {"name": "Acme", "employees": 120}, on_delivered)
        else:
            rudderanalytics.page("Checkout", {"step": index}, on_delivered)
        if index % 2_500 == 2_499:
            rudderanalytics.reset()
    return json.dumps({"stats": rudderanalytics.stats(), "callbacks": len(callbacks)})


@in_page
async def load_pendo() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("leak-key")
    await rudderanalytics.ready()


# Counters, the calls, counters again: one synchronous turn, after a full collection on the Python side.
# ``make_calls`` and ``gc.collect`` are reached through proxies made before the first count and destroyed after
# the last, so that they are not counted.
MEASURE = """(count) => {
    const module = pyodide._module;
    const makeCalls = pyodide.globals.get("make_calls");
    const gc = pyodide.pyimport("gc");
    const collect = gc.collect;
    const counters = () => {
        collect();
        return {hiwire_keys: module.hiwire.num_keys(), pyproxies: module.pyproxy_alloc_map.size};
    };
    const before = counters();
    const result = JSON.parse(makeCalls(count));
    const after = counters();
    for (const proxy of [makeCalls, gc, collect]) proxy.destroy();
    return {before, after, ...result};
}"""


def leak_check_tracks(wire: PendoWire) -> list[dict[str, Any]]:
    """The ``Leak Check`` track events Pendo received (``make_calls`` sends one every fourth call)."""
    return [event for event in wire.track_events() if event["track_event_name"] == "Leak Check"]


@pytest.mark.only_under("pyodide")
def test_ten_thousand_calls_leave_no_proxies(py: PythonPage) -> None:
    """Pyodide only: the counters read are Pyodide's own proxy bookkeeping, which MicroPython does not have."""
    py.page.evaluate("() => pyodide._module.enable_pyproxy_allocation_tracing()")
    load_pendo(py)
    make_calls(py, 0)  # defines make_calls in the page, where MEASURE calls it
    warm_up = py.page.evaluate(MEASURE, WARM_UP_CALLS)
    assert warm_up["callbacks"] == WARM_UP_CALLS

    measured = py.page.evaluate(MEASURE, CALLS)
    py.page.evaluate("() => pyodide._module.disable_pyproxy_allocation_tracing()")

    assert measured["after"] == measured["before"], json.dumps(measured)
    assert measured["callbacks"] == CALLS
    stats = measured["stats"]
    assert stats["state"] == "ready"
    assert (stats["undelivered"], stats["dropped"], stats["filtered"], stats["waiting"]) == (0, 0, 0, 0)
    assert stats["sent"] == warm_up["stats"]["sent"] + CALLS + CALLS // 2_500
    # ``sent`` and the callbacks are Python's own bookkeeping, and equal counters are what no calls at all would
    # leave too: only the wire shows that the calls measured reached the agent. Every fourth call is a track.
    tracks_made = (WARM_UP_CALLS + CALLS) // 4
    py.wait_until(lambda: len(leak_check_tracks(py.wire)) >= tracks_made, f"{tracks_made} 'Leak Check' tracks")
    assert len(leak_check_tracks(py.wire)) == tracks_made
