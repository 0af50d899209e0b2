"""What a PyScript page does with the package, as the README shows it.

The same file runs on the main thread and in a worker (``<script type="py" worker>``), so the tests show
that both deliver the same events to Pendo. It reports what happened in ``#result`` for the test to read.
"""

import json

import js
from pyscript import RUNNING_IN_WORKER, document, window

# The early-start tests compare the agent's first event with this (the worker's clock is the page's).
python_started_at = js.Date.now()

from pyodide_pendo import PendoLoadError, rudderanalytics  # noqa: E402 (after the time is taken)

rudderanalytics.load("pyscript-key")
window.loadReturnedAt = window.Date.now()  # tests wait for it to order events
rudderanalytics.identify("user-7", {"email": "grace@example.com", "plan": "team"})
rudderanalytics.group("acme", {"name": "Acme", "employees": 120})
rudderanalytics.track("Report Exported", {"format": "csv", "rows": 1200})
try:
    await rudderanalytics.ready()
    error = None
except PendoLoadError as failure:
    error = str(failure)

document.getElementById("result").textContent = json.dumps({
    "thread": "worker" if RUNNING_IN_WORKER else "main",
    "error": error,
    "anonymous_id": rudderanalytics.get_anonymous_id(),
    "python_started_at": python_started_at,
    "stats": rudderanalytics.stats(),
})
