"""Counts the worker-to-page round trips each API call makes (read by ``worker-roundtrips.js``'s counter)."""

import json

from pyscript import document, window

from pyodide_pendo import rudderanalytics


def round_trips(action) -> int:
    before = window.workerRoundTrips
    action()
    return window.workerRoundTrips - before


reading_the_counter = round_trips(lambda: None)
counts = {}
counts["load"] = round_trips(lambda: rudderanalytics.load("roundtrip-key"))
await rudderanalytics.ready()
counts["identify"] = round_trips(lambda: rudderanalytics.identify("user-7", {"email": "grace@example.com"}))
counts["group"] = round_trips(lambda: rudderanalytics.group("acme", {"name": "Acme"}))
counts["track"] = round_trips(lambda: rudderanalytics.track("Report Exported", {"format": "csv"}))
counts["track again"] = round_trips(lambda: rudderanalytics.track("Report Exported", {"format": "pdf"}))
counts["page"] = round_trips(lambda: rudderanalytics.page("Reports"))
counts["alias"] = round_trips(lambda: rudderanalytics.alias("user-8"))
counts["reset"] = round_trips(lambda: rudderanalytics.reset())
counts = {call: count - reading_the_counter for call, count in counts.items()}
document.getElementById("result").textContent = json.dumps({"counter_cost": reading_the_counter, **counts})
