"""The per-call benchmark's Python, the same under ``type="py"`` and ``type="mpy"``: the cost of a call through
the public API until its batch has reached the real agent, timed by the page's clock (``performance.now``:
the one clock both interpreters read). Reports JSON in ``#result``."""

import asyncio
import json

from pyscript import document, window

from pyodide_pendo import rudderanalytics

try:  # for the annotation only: MicroPython has no typing module
    from typing import Callable
except ImportError:
    pass

CALLS = 2000
REPEATS = 5
PROPERTIES = {"order_id": "ord-1042", "total": 42.5, "currency": "EUR", "items": 3, "first_order": True}
TRAITS = {"email": "ada@example.com", "name": "Ada Lovelace", "plan": "pro", "logins": 42}


def track() -> None:
    rudderanalytics.track("Order Completed", PROPERTIES)


def identify() -> None:
    rudderanalytics.identify("user-42", TRAITS)


async def microseconds_per_call(call: "Callable[[], None]") -> float:
    started: float = window.performance.now()
    for _ in range(CALLS):
        call()
    await asyncio.sleep(0)  # the batch is handed to the agent at the end of the task
    ended: float = window.performance.now()
    return (ended - started) * 1000 / CALLS


async def main() -> None:
    origin = window.location.origin
    rudderanalytics.load("bench-key", agent_url=origin + "/pendo-agent.mjs", pendo_options={"dataHost": origin})
    await rudderanalytics.ready()
    figures = {}
    for name, call in (("track", track), ("identify", identify)):
        await microseconds_per_call(call)  # warm-up
        runs = []
        for _ in range(REPEATS):
            runs.append(await microseconds_per_call(call))
        figures[name] = sorted(runs)[len(runs) // 2]
    document.getElementById("result").textContent = json.dumps(figures)


asyncio.create_task(main())
