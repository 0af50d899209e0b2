"""100,000 track calls in one page against the real agent: every event arrives, in order, and memory stays flat."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import CDPSession

from tests.browser.harness import PythonPage, in_page

BUILD = Path(__file__).parents[2] / "build"
CALLS = 100_000
CHUNK = 10_000
CHUNK_ARRIVES_SECONDS = 120.0  # a busy 2-core machine
# A leak of even 200 bytes per call would add 16 MB over the 80,000 calls after the warm-up.
FLAT_HEAP_BYTES = 16 * 1024 * 1024


def used_heap(cdp: CDPSession) -> int:
    cdp.send("HeapProfiler.collectGarbage")
    return int(cdp.send("Runtime.getHeapUsage")["usedSize"])


@in_page
async def load_pendo() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("soak-key")
    await rudderanalytics.ready()


@in_page
def send(start: int, count: int) -> None:
    import gc

    from pyodide_pendo import rudderanalytics

    for number in range(start, start + count):
        rudderanalytics.track("Soak", {"n": number})
    gc.collect()


@in_page
def package_stats() -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    return rudderanalytics.stats()


def wait_for_tracks(py: PythonPage, count: int) -> None:
    """Wait until ``count`` track events are on the wire."""
    py.wait_until(lambda: len(py.wire.track_events()) >= count, f"{count} track events",
                  timeout=CHUNK_ARRIVES_SECONDS)


@pytest.mark.only_under("pyodide")
def test_soak(py: PythonPage) -> None:
    """Pyodide only: the WebAssembly memory is read from Pyodide's module (``pyodide._module``); MicroPython's
    interpreter object does not expose its memory."""
    cdp = py.page.context.new_cdp_session(py.page)
    load_pendo(py)
    heap_after_warm_up = wasm_after_warm_up = 0
    started = time.monotonic()
    for start in range(0, CALLS, CHUNK):
        send(py, start, CHUNK)
        wait_for_tracks(py, start + CHUNK)  # each chunk on the wire before the next: no backlog in the heap
        if start == CHUNK:  # after 20,000 calls: the agent's and Pyodide's caches are warm
            heap_after_warm_up = used_heap(cdp)
            wasm_after_warm_up = py.page.evaluate("() => pyodide._module.HEAP8.length")

    events = py.wire.track_events()
    stats = package_stats(py)

    heap_growth = used_heap(cdp) - heap_after_warm_up
    wasm_growth = py.page.evaluate("() => pyodide._module.HEAP8.length") - wasm_after_warm_up
    figures = {"calls": CALLS, "arrived": len(events), "requests": len(py.wire.requests),
               "seconds": round(time.monotonic() - started, 1), "js_heap_growth_bytes": heap_growth,
               "wasm_memory_growth_bytes": wasm_growth, "stats": stats}
    BUILD.mkdir(exist_ok=True)
    (BUILD / "soak.json").write_text(json.dumps(figures, indent=2))
    print(f"soak: {figures}")
    assert (stats["sent"], stats["undelivered"], stats["dropped"], stats["waiting"]) == (CALLS, 0, 0, 0)
    assert len(events) == CALLS
    by_sequence = sorted(events, key=lambda event: event["sequence"])
    assert [event["props"]["n"] for event in by_sequence] == list(range(CALLS))
    assert heap_growth < FLAT_HEAP_BYTES
    assert wasm_growth == 0
