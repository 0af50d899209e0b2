"""A page whose Content-Security-Policy allows only its own origin, Pendo's hosts and 'wasm-unsafe-eval' (and
'unsafe-eval' on the MicroPython page, which PyScript's core needs: see ``pages/csp-micropython.html``)."""

from __future__ import annotations

from typing import Any

from tests.browser.harness import PythonPage, in_page

CSP_PAGES = {"pyodide": "csp.html", "micropython": "csp-micropython.html"}


@in_page
async def load_identify_group_and_track() -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("csp-key")
    rudderanalytics.identify("user-csp", {"plan": "pro"})
    rudderanalytics.group("acme", {"name": "Acme"})
    rudderanalytics.track("Under CSP", {"strict": True})
    await rudderanalytics.ready()
    return rudderanalytics.stats()


@in_page
def fetch_from_another_origin() -> None:
    import js

    js.fetch("https://example.com/")


def test_everything_works_under_a_strict_content_security_policy(py: PythonPage, origin: str) -> None:
    py.open(f"{origin}/test/{CSP_PAGES[py.interpreter]}")
    stats = load_identify_group_and_track(py)
    track = py.wait_for_track("Under CSP")
    assert track["props"] == {"strict": True}
    py.wait_until(lambda: py.wire.visitor().get("plan") == "pro" and py.wire.account().get("name") == "Acme",
                  "the visitor's and the account's metadata")
    assert (stats["state"], stats["undelivered"]) == ("ready", 0)
    assert py.page.evaluate("() => window.cspViolations") == []
    # The policy is in force: the page cannot reach another origin.
    fetch_from_another_origin(py)
    py.page.wait_for_function("() => window.cspViolations.some((line) => line.startsWith('connect-src'))")
