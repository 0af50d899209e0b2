"""PyScript pages, on the main thread and in a worker, against the real agent.

The pages live in ``tests/browser/pages``: ``pyscript_app.py`` is what a page does with the package (load,
identify, group, track, await ready) and reports in ``#result``; each page includes it a different way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devtools.browser import PendoEdge
from devtools.server import SiteServer
from tests.browser.harness import (
    INTERPRETERS,
    RESULT_TIMEOUT_MS,
    PyScriptPage,
    assert_pendo_received_the_apps_calls,
)

WORKER_PAGES = {"pyodide": "worker.html", "micropython": "mpy-worker.html"}

@pytest.mark.parametrize(("page_name", "thread"), [
    ("pyscript-config-attribute.html", "main"),  # <script type="py" config='{…}'>
    ("pyscript-py-config.html", "main"),  # <py-config>
    ("pyscript-toml.html", "main"),  # config="./pyscript.toml"
    ("worker.html", "worker"),  # <script type="py" worker config='{…}'>
    ("mpy-config-attribute.html", "main"),  # <script type="mpy" config='{…}'>: MicroPython
    ("mpy-worker.html", "worker"),  # <script type="mpy" worker config='{…}'>
])
def test_a_pyscript_page_delivers_to_pendo(
    open_page: Callable[..., PyScriptPage], pendo: PendoEdge, page_name: str, thread: str,
) -> None:
    opened = open_page(page_name)
    result = opened.result()
    opened.flush(pendo)

    assert result["thread"] == thread
    assert result["error"] is None
    assert result["stats"]["sent"] == 3
    assert_pendo_received_the_apps_calls(pendo)


@pytest.mark.parametrize("interpreter", INTERPRETERS)
def test_a_worker_reports_a_blocked_agent_like_the_main_thread(
    open_page: Callable[..., PyScriptPage], pendo: PendoEdge, interpreter: str,
) -> None:
    pendo.agent = "404"
    result = open_page(WORKER_PAGES[interpreter]).result()

    assert result["thread"] == "worker"
    assert "failed to load" in result["error"]
    assert result["stats"]["state"] == "failed"
    assert result["stats"]["undelivered"] == 3
    assert pendo.wire.events() == []


def test_a_worker_call_makes_few_round_trips_to_the_page(
    open_page: Callable[..., PyScriptPage], pendo: PendoEdge,
) -> None:
    """Each synchronous access a worker makes to the page is a round trip (see worker-roundtrips.js).

    Pyodide only: the counts are those of the bridge as Pyodide's proxies use it (boxes that keep page objects
    in JavaScript); under MicroPython a worker's page calls go through the page-side catcher instead."""
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


def test_a_bare_pyodide_worker_is_told_to_use_pyscript(
    open_page: Callable[..., PyScriptPage], pendo: PendoEdge,
) -> None:
    """Pyodide only: a worker without PyScript exists for Pyodide (``loadPyodide`` in a worker); MicroPython's
    is installed by PyScript, whose workers reach the page."""
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


@pytest.mark.parametrize("interpreter", INTERPRETERS)
def test_a_worker_without_cross_origin_isolation_is_told_which_headers_to_send(
    open_page: Callable[..., PyScriptPage], pendo: PendoEdge, origin_without_isolation: str, interpreter: str,
) -> None:
    opened = open_page(WORKER_PAGES[interpreter], origin_without_isolation)
    with opened.page.expect_console_message(lambda message: "RuntimeError" in message.text,
                                            timeout=RESULT_TIMEOUT_MS) as error:
        pass

    assert "this PyScript worker cannot reach the page's window" in error.value.text
    assert "Cross-Origin-Opener-Policy: same-origin" in error.value.text
    assert "Cross-Origin-Embedder-Policy: require-corp" in error.value.text
    assert pendo.agent_requests == []
