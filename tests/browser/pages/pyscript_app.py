"""What a PyScript page does with the package, as the README shows it.

The same file runs on the main thread and in a worker (``<script type="py" worker>``), so the tests show
that both deliver the same events to Pendo. It reports what happened in ``#result`` for the test to read.
"""

import json

from pyscript import RUNNING_IN_WORKER, document

from pyodide_pendo import PendoLoadError, rudderanalytics

rudderanalytics.load("pyscript-key")
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
    "stats": rudderanalytics.stats(),
})
