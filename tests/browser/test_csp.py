"""A page whose Content-Security-Policy allows only its own origin, Pendo's hosts and 'wasm-unsafe-eval' (and
'unsafe-eval' on the MicroPython page, which PyScript's core needs: see ``pages/csp-micropython.html``)."""

CSP_PAGES = {"pyodide": "csp.html", "micropython": "csp-micropython.html"}


def test_everything_works_under_a_strict_content_security_policy(py, origin):
    py.open(f"{origin}/test/{CSP_PAGES[py.interpreter]}")
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
    # The policy is in force: the page cannot reach another origin.
    py.run("""
import js
refused = js.fetch("https://example.com/")
""")
    py.page.wait_for_function("() => window.cspViolations.some((line) => line.startsWith('connect-src'))")
