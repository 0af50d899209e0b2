"""The floor variant's Python: no package at all; its first line sends the event through the agent the
early-start script started, and has it sent at once."""

from pyscript import window

window.loadCalledAt = window.performance.now()  # read by devtools/early_start_bench.py as "Python ready"
window.pendo.track("App Started")
window.pendo.flushNow()
