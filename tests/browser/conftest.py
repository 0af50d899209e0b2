"""The browser tests' fixtures: Debian's Chromium, the offline site, Pendo's hosts stood in for at the network
edge (the stack is ``devtools/browser.py``, shared with ``./dev bench``; what tests drive is ``harness.py``).

- ``site``: the assembled site (Pyodide, PyScript, the agent, our fresh wheel, test pages) on loopback.
- ``pendo``: per test, routes every request of the browser context. Loopback goes to the site server;
  Pendo's CDN hosts serve the real agent from npm ``@pendo/agent``; Pendo's data endpoints are answered as
  Pendo does and recorded, decoded, in ``pendo.wire``; anything else is aborted and fails the test.
- ``py``: a page with Pyodide (micropip) or PyScript's MicroPython (``packages`` config) booted and our wheel
  installed; ``in_page`` functions run Python there. Each test using it runs under both (``interpreter``).
- ``open_page``: opens a PyScript test page that runs its own Python.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from devtools.browser import CHROMIUM_FLAGS, ChromiumNotFoundError, PendoEdge, chromium_executable
from devtools.server import SiteServer
from devtools.site import Site, assemble
from tests.browser.harness import INTERPRETERS, PyScriptPage, PythonPage, watch_console

PAGES = Path(__file__).parent / "pages"
RUDDERSTACK_COOKIES = Path(__file__).parents[2] / "node_modules/@rudderstack/analytics-js-cookies/dist/npm/modern/esm"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    try:
        executable = chromium_executable()
    except ChromiumNotFoundError as error:
        pytest.exit(str(error), returncode=3)
    if executable is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            managed = Path(playwright.chromium.executable_path)
        if not managed.exists():
            pytest.exit("No Chromium for the browser tests: run `apt-get install chromium` (./dev test does it "
                        "when run as root), or set PYODIDE_PENDO_CHROMIUM to a Chromium binary.", returncode=3)
    return {**browser_type_launch_args, "executable_path": executable,
            "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS]}


@pytest.fixture(scope="session")
def site() -> Iterator[tuple[Site, str]]:
    built = assemble(extra_pages=PAGES)
    # RudderStack's own cookie code (npm @rudderstack/analytics-js-cookies), for the interop tests.
    shutil.copyfile(RUDDERSTACK_COOKIES / "index.mjs", built.root / "test" / "rudderstack-cookies.mjs")
    server = SiteServer(built.root).start()
    yield built, server.origin
    server.stop()


@pytest.fixture(scope="session")
def origin(site: tuple[Site, str]) -> str:
    return site[1]


@pytest.fixture
def pendo(context: BrowserContext, origin: str) -> Iterator[PendoEdge]:
    edge = PendoEdge(origin)
    context.route("**/*", edge.handle)
    yield edge
    assert not edge.violations, f"requests left the machine: {edge.violations}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a Python page runs once per interpreter, unless marked ``only_under(...)``, which
    needs a docstring saying why (the subject exists under one interpreter only)."""
    if "interpreter" not in metafunc.fixturenames:
        return
    for parametrized in metafunc.definition.iter_markers("parametrize"):
        names = parametrized.args[0]
        if "interpreter" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return  # the test chooses its interpreters itself
    marker = metafunc.definition.get_closest_marker("only_under")
    interpreters = marker.args if marker else INTERPRETERS
    if marker and not (metafunc.function.__doc__ or "").strip():
        raise pytest.UsageError(f"{metafunc.function.__name__} runs under {interpreters} only: "
                                "its docstring must say why")
    metafunc.parametrize("interpreter", interpreters)


@pytest.fixture
def interpreter() -> str:
    """The interpreter a Python page runs; ``pytest_generate_tests`` parametrizes it over ``INTERPRETERS``."""
    return "pyodide"


@pytest.fixture
def py(page: Page, pendo: PendoEdge, origin: str, interpreter: str) -> PythonPage:
    python = PythonPage(page, pendo.wire, watch_console(page), interpreter)
    python.open(f"{origin}/test/{python.test_page}")
    return python


@pytest.fixture
def open_page(page: Page, pendo: Any, origin: str) -> Callable[..., PyScriptPage]:
    """``open_page("worker.html")``: navigate to a test page (of ``origin``'s site)."""

    def open_(name: str, site_origin: str = origin) -> PyScriptPage:
        page.goto(f"{site_origin}/test/{name}", wait_until="commit")  # a held request may delay "load"
        return PyScriptPage(page)

    return open_


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
