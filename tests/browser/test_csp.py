"""A page whose Content-Security-Policy allows only its own origin, Pendo's hosts and 'wasm-unsafe-eval'."""


def test_everything_works_under_a_strict_content_security_policy(py, origin):
    py.page.goto(f"{origin}/test/csp.html")
    py.page.wait_for_function("() => window.pyodide !== undefined", timeout=60_000)
    stats = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("csp-key")
rudderanalytics.identify("user-csp", {"plan": "pro"})
rudderanalytics.group("acme", {"name": "Acme"})
rudderanalytics.track("Under CSP", {"strict": True})
await rudderanalytics.ready()
rudderanalytics.stats()
""")
    track = py.wait_for_track("Under CSP")
    assert track["props"] == {"strict": True}
    py.wait_until(lambda: py.wire.visitor().get("plan") == "pro" and py.wire.account().get("name") == "Acme",
                  "the visitor's and the account's metadata")
    assert (stats["state"], stats["undelivered"]) == ("ready", 0)
    assert py.page.evaluate("() => window.cspViolations") == []
    # The policy is in force: the page itself cannot eval.
    blocked = py.run("""
import js
try:
    js.eval("1 + 1")
    outcome = "eval allowed"
except Exception as error:
    outcome = str(error)
outcome
""")
    assert "unsafe-eval" in blocked or "EvalError" in blocked
