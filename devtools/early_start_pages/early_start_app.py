"""The benchmark pages' Python: load, identify and track as soon as PyScript runs it, as an app would."""

from pyscript import window

from pyodide_pendo import rudderanalytics

origin = window.location.origin  # the demo server: the self-hosted agent and Pendo's data host
window.loadCalledAt = window.performance.now()  # read by devtools/early_start_bench.py
rudderanalytics.load("bench-key", agent_url=f"{origin}/pendo-agent.mjs", pendo_options={"dataHost": origin})
rudderanalytics.identify("user-42", {"email": "ada@example.com"})
rudderanalytics.track("App Started")
