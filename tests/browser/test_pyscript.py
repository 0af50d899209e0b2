"""PyScript pages, on the main thread and in a worker, and the early-start script, against the real agent.

The pages live in ``tests/browser/pages``: ``pyscript_app.py`` is what a page does with the package (load,
identify, group, track, await ready) and reports in ``#result``; each page includes it a different way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, Route

from devtools.server import SiteServer

RESULT_TIMEOUT_MS = 120_000  # Pyodide's boot and the wheel's install, on a busy 2-core machine
EVENT_TIMEOUT_S = 30


@dataclass
class PyScriptPage:
    page: Page

    def result(self) -> dict[str, Any]:
        """What the page's Python reported in ``#result`` once it finished."""
        self.page.wait_for_function("() => (document.getElementById('result')?.textContent ?? '') !== ''",
                                    timeout=RESULT_TIMEOUT_MS)
        return json.loads(self.page.text_content("#result") or "")

    def flush(self, pendo: Any) -> None:
        """Have the agent send what it batched now, and wait until its track event is on the wire (a batch the
        agent sent by itself may still be in flight when ``flushNow()`` settles)."""
        self.page.evaluate("() => window.pendo.flushNow()")
        deadline = time.monotonic() + EVENT_TIMEOUT_S
        while not pendo.wire.track_events():
            assert time.monotonic() < deadline, "the agent sent no track event"
            self.page.wait_for_timeout(50)


@pytest.fixture
def open_page(page: Page, pendo: Any, origin: str) -> Callable[..., PyScriptPage]:
    """``open_page("worker.html")``: navigate to a test page (of ``origin``'s site)."""

    def open_(name: str, site_origin: str = origin) -> PyScriptPage:
        page.goto(f"{site_origin}/test/{name}", wait_until="commit")  # a held request may delay "load"
        return PyScriptPage(page)

    return open_


class Gate:
    """Holds the page's requests for ``url_pattern`` until ``open()``, to make the order of events certain."""

    def __init__(self, page: Page, url_pattern: str) -> None:
        self._held: list[Route] = []
        self._open = False
        page.route(url_pattern, self._handle)

    def _handle(self, route: Route) -> None:
        if self._open:
            route.fallback()
        else:
            self._held.append(route)

    def open(self) -> None:
        self._open = True
        for route in self._held:
            route.fallback()  # on to the `pendo` fixture's handler, which serves or stands in for Pendo


def assert_pendo_received_the_apps_calls(pendo: Any) -> None:
    """What ``pyscript_app.py`` sends: identify, group, track."""
    assert pendo.wire.visitor() == {"id": "user-7", "email": "grace@example.com", "plan": "team",
                                    "language": "en_US"}
    assert pendo.wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    (track,) = pendo.wire.track_events()
    assert track["track_event_name"] == "Report Exported"
    assert track["props"] == {"format": "csv", "rows": 1200}
    assert (track["visitor_id"], track["account_id"]) == ("user-7", "acme")


@pytest.mark.parametrize(("page_name", "thread"), [
    ("pyscript-config-attribute.html", "main"),  # <script type="py" config='{…}'>
    ("pyscript-py-config.html", "main"),  # <py-config>
    ("pyscript-toml.html", "main"),  # config="./pyscript.toml"
    ("worker.html", "worker"),  # <script type="py" worker config='{…}'>
])
def test_a_pyscript_page_delivers_to_pendo(open_page, pendo, page_name, thread):
    opened = open_page(page_name)
    result = opened.result()
    opened.flush(pendo)

    assert result["thread"] == thread
    assert result["error"] is None
    assert result["stats"]["sent"] == 3
    assert_pendo_received_the_apps_calls(pendo)


def test_a_worker_reports_a_blocked_agent_like_the_main_thread(open_page, pendo):
    pendo.agent = "404"
    result = open_page("worker.html").result()

    assert result["thread"] == "worker"
    assert "failed to load" in result["error"]
    assert result["stats"]["state"] == "failed"
    assert result["stats"]["undelivered"] == 3
    assert pendo.wire.events() == []


def test_a_worker_call_makes_few_round_trips_to_the_page(open_page, pendo):
    """Each synchronous access a worker makes to the page is a round trip (see worker-roundtrips.js)."""
    counts = open_page("worker-roundtrips.html").result()

    assert counts.pop("counter_cost") == 1  # reading the counter is itself one round trip, subtracted
    assert 0 < counts.pop("load") < 2_000  # once per page: the page objects the bridge keeps, the agent's <script>
    # Measured here, before the agent calls (handed over at the end of the task): track, page 3; alias,
    # group, reset 6; identify 8. Per message: location.href and document.title (2; pathname and search again
    # only when href changed, as for the first message after load) and document.cookie (1: the stored
    # identity, which another tab may have changed); identify, group, alias and reset also write cookies and
    # read them back. Then 3 per agent call (look up pendo[method], parse its arguments on the page, apply).
    # Before the bridge kept page objects in JavaScript, a track took 311.
    assert set(counts) == {"identify", "group", "track", "track again", "page", "alias", "reset"}
    assert counts["track"] <= 3 and counts["track again"] <= 3 and counts["page"] <= 3, counts
    assert all(0 < count <= 10 for count in counts.values()), counts


def test_a_bare_pyodide_worker_is_told_to_use_pyscript(open_page, pendo):
    error = open_page("worker-bare-pyodide.html").result()["outcome"]

    assert error.startswith("RuntimeError: pyodide_pendo needs the page's window, and this Pyodide worker has none")
    assert 'PyScript worker (<script type="py" worker>)' in error


@pytest.fixture
def origin_without_isolation(site: Any) -> Iterator[str]:
    """The same site, served without the COOP/COEP headers a worker needs to reach ``window``."""
    built, _ = site
    server = SiteServer(built.root, extra_headers={"Cross-Origin-Opener-Policy": "unsafe-none",
                                                   "Cross-Origin-Embedder-Policy": "unsafe-none"}).start()
    yield server.origin
    server.stop()


def test_a_worker_without_cross_origin_isolation_is_told_which_headers_to_send(open_page, pendo,
                                                                                origin_without_isolation):
    opened = open_page("worker.html", origin_without_isolation)
    with opened.page.expect_console_message(lambda message: "RuntimeError" in message.text,
                                            timeout=RESULT_TIMEOUT_MS) as error:
        pass

    assert "this PyScript worker cannot reach the page's window" in error.value.text
    assert "Cross-Origin-Opener-Policy: same-origin" in error.value.text
    assert "Cross-Origin-Embedder-Policy: require-corp" in error.value.text
    assert pendo.agent_requests == []


def agent_scripts(page: Page) -> list[dict[str, str | None]]:
    return page.evaluate("""() => [...document.scripts].filter((s) => s.src.includes('/agent/static/'))
        .map((s) => ({src: s.src, mark: s.getAttribute('data-pyodide-pendo')}))""")


def assert_the_early_agent_was_adopted(opened: PyScriptPage, pendo: Any) -> None:
    result = opened.result()
    opened.flush(pendo)

    assert result["error"] is None
    assert pendo.agent_requests == ["https://cdn.pendo.io/agent/static/pyscript-key/pendo.js"]
    assert agent_scripts(opened.page) == [{"src": pendo.agent_requests[0], "mark": "early"}]
    assert_pendo_received_the_apps_calls(pendo)
    # The agent was initialized with Python's visitor, not an anonymous visitor of its own.
    first_identify = pendo.wire.identify_events()[0]
    assert first_identify["props"]["old_visitor_id"] == "_PENDO_T_" + result["anonymous_id"]


def test_early_start_the_agent_loads_first_and_python_adopts_it(page, open_page, pendo):
    wheel = Gate(page, "**/wheels/*.whl")  # Python cannot start until the agent is there
    opened = open_page("pyscript-early-start.html")
    page.wait_for_function("() => typeof window.pendo?.isReady === 'function'", timeout=RESULT_TIMEOUT_MS)
    wheel.open()

    assert_the_early_agent_was_adopted(opened, pendo)


def test_early_start_python_loads_first_and_the_agent_replays_its_queue(page, open_page, pendo):
    agent = Gate(page, "https://cdn.pendo.io/agent/static/**")
    opened = open_page("pyscript-early-start.html")
    page.wait_for_function("() => (window.pendo?._q ?? []).some((call) => call[0] === 'initialize')",
                           timeout=RESULT_TIMEOUT_MS)
    agent.open()

    assert_the_early_agent_was_adopted(opened, pendo)


def test_early_start_an_agent_that_failed_before_python_started_is_reported_at_once(page, open_page, pendo):
    pendo.agent = "404"
    wheel = Gate(page, "**/wheels/*.whl")
    opened = open_page("pyscript-early-start.html")
    page.wait_for_function("() => document.querySelector('script[data-pyodide-pendo=failed]') !== null",
                           timeout=RESULT_TIMEOUT_MS)
    wheel.open()
    result = opened.result()

    # A script error, not the ready timeout's "was not ready within 10 s".
    assert result["error"].startswith("the Pendo agent script https://cdn.pendo.io/agent/static/pyscript-key/"
                                      "pendo.js failed to load")
    assert result["stats"]["undelivered"] == 3
