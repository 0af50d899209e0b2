"""Browser harness: Debian's Chromium, the offline site, Pendo's hosts stood in for at the network edge.

- ``site``: the assembled site (Pyodide, PyScript, the agent, our fresh wheel, test pages) on loopback.
- ``pendo``: per test, routes every request of the browser context. Loopback goes to the site server;
  Pendo's CDN hosts serve the real agent from npm ``@pendo/agent``; Pendo's data endpoints are answered as
  Pendo does and recorded, decoded, in ``pendo.wire``; anything else is aborted and fails the test.
- ``py``: a page with Pyodide (micropip) or PyScript's MicroPython (``packages`` config) booted and our wheel
  installed; ``py.run(code)`` runs Python there. Each test using it runs under both (``interpreter``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from devtools.site import Site, assemble
from devtools.server import SiteServer
from devtools.wire import PIXEL_GIF, PendoRequest, PendoWire
PAGES = Path(__file__).parent / "pages"
AGENT_PACKAGE = Path(__file__).parents[2] / "node_modules/@pendo/agent"
AGENT_VERSION = json.loads((AGENT_PACKAGE / "package.json").read_text())["version"]
AGENT_SERVERS = json.loads((AGENT_PACKAGE / "dist/servers.json").read_text())
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PENDO_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*pendo\.io$")
AGENT_PATH = re.compile(r"^/agent/static/([^/]+)/pendo\.js$")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-quic", "--no-first-run"]
CDN_TO_DATA_HOST = {f"https://{AGENT_SERVERS['assetHost'][env]}": data for env, data in AGENT_SERVERS["data"].items()}
QUIET_SECONDS = 0.3
FLUSH_SECONDS = 5.0
EDGE_HEADERS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin",
                "Cache-Control": "no-store"}


def chromium_executable() -> str | None:
    """``$PYODIDE_PENDO_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else Playwright's own (None)."""
    configured = os.environ.get("PYODIDE_PENDO_CHROMIUM")
    if configured:
        if not Path(configured).exists():
            pytest.exit(f"PYODIDE_PENDO_CHROMIUM={configured} does not exist", returncode=3)
        return configured
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = chromium_executable()
    if executable is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            managed = Path(playwright.chromium.executable_path)
        if not managed.exists():
            pytest.exit("No Chromium for the browser tests: run `apt-get install chromium` (./dev test does it "
                        "when run as root), or set PYODIDE_PENDO_CHROMIUM to a Chromium binary.", returncode=3)
    return {**browser_type_launch_args, "executable_path": executable,
            "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS]}


RUDDERSTACK_COOKIES = Path(__file__).parents[2] / "node_modules/@rudderstack/analytics-js-cookies/dist/npm/modern/esm"


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


def agent_loader(origin: str, api_key: str, cdn_origin: str, delay_ms: int = 0) -> str:
    """What Pendo's CDN would serve as ``pendo.js``: the npm agent, adopting ``window.pendo`` and its queue."""
    data_host = CDN_TO_DATA_HOST[cdn_origin]
    config = {"apiKey": api_key, "env": "prod", "server": data_host, "designerServer": data_host,
              "assetHost": urlsplit(cdn_origin).hostname, "assetPath": f"agent/releases/{AGENT_VERSION}",
              "loadAsModule": False}
    load = f'import("{origin}/pendo/pendo.module.js").then((agent) => agent.loadAgent({json.dumps(config)}));'
    return f"setTimeout(() => {{ {load} }}, {delay_ms});" if delay_ms else load


@dataclass
class PendoEdge:
    """The network beyond the page. Set ``agent`` to ``"ok"``, ``"404"``, ``"abort"`` or a delay in ms."""

    origin: str
    wire: PendoWire = field(default_factory=PendoWire)
    agent: str | int = "ok"
    agent_requests: list[str] = field(default_factory=list)
    other_pendo_requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        request = route.request
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        if parts.scheme in ("data", "blob") or host in LOOPBACK_HOSTS:
            route.continue_()
        elif PENDO_HOST.match(host):
            self._pendo(route, parts)
        else:
            self.violations.append(request.url)
            route.abort()

    def _pendo(self, route: Route, parts: Any) -> None:
        request = route.request
        agent_path = AGENT_PATH.match(parts.path)
        if agent_path:
            self.agent_requests.append(request.url)
            if self.agent == "abort":
                route.abort("blockedbyclient")
            elif self.agent == "404":
                route.fulfill(status=404, body="Not Found", headers=EDGE_HEADERS)
            else:
                delay = self.agent if isinstance(self.agent, int) else 0
                cdn_origin = f"{parts.scheme}://{parts.hostname}"
                route.fulfill(status=200, content_type="text/javascript", headers=EDGE_HEADERS,
                              body=agent_loader(self.origin, agent_path.group(1), cdn_origin, delay))
            return
        recorded = PendoRequest.parse(request.method, request.url, request.post_data_buffer)
        if recorded is not None:
            self.wire.record(recorded)
            route.fulfill(status=200, content_type="image/gif", headers=EDGE_HEADERS, body=PIXEL_GIF)
        else:  # guide assets, the debugger: not part of what we test
            self.other_pendo_requests.append(request.url)
            route.fulfill(status=404, headers=EDGE_HEADERS, body="")


@pytest.fixture
def pendo(context: BrowserContext, origin: str) -> Iterator[PendoEdge]:
    edge = PendoEdge(origin)
    context.route("**/*", edge.handle)
    yield edge
    assert not edge.violations, f"requests left the machine: {edge.violations}"


INTERPRETERS = ("pyodide", "micropython")
TEST_PAGES = {"pyodide": "pyodide.html", "micropython": "micropython.html"}
PYTHON_READY = "() => window.testPython !== undefined && document.getElementById('status')?.textContent === 'ready'"
BOOT_TIMEOUT_MS = 60_000


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


def with_last_expression_kept(code: str) -> str:
    """MicroPython's ``runPythonAsync`` returns nothing: rewrite ``code`` so that its last top-level expression
    is left, as JSON text, in ``window.testPythonResult`` (CPython parses it; the page runs it)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(textwrap.dedent(code), "<test>", "exec", flags=flags)
    source = textwrap.dedent(code)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return source
    last = tree.body[-1]
    lines = source.splitlines()
    before = [*lines[:last.lineno - 1], lines[last.lineno - 1][:last.col_offset].rstrip().rstrip(";")]
    return "\n".join([*before, f"_test_result = ({ast.get_source_segment(source, last)})",
                      "import js as _test_js, json as _test_json",
                      "_test_js.window.testPythonResult = _test_json.dumps(_test_result)"])


@dataclass
class PythonPage:
    """A page with an interpreter booted and our wheel installed as a user installs it: Pyodide's micropip
    (``pyodide.html``), or PyScript's ``packages`` config for MicroPython (``micropython.html``)."""

    page: Page
    wire: PendoWire
    console: list[str]
    interpreter: str = "pyodide"

    @property
    def test_page(self) -> str:
        """This interpreter's test page, e.g. ``pyodide.html`` (under ``/test/``)."""
        return TEST_PAGES[self.interpreter]

    def open(self, url: str) -> None:
        """Navigate to ``url`` (a page that boots ``boot.mjs`` or ``boot-micropython.mjs``) and wait for Python."""
        self.page.goto(url)
        self.wait_for_python()

    def wait_for_python(self) -> None:
        self.page.wait_for_function(PYTHON_READY, timeout=BOOT_TIMEOUT_MS)

    def run(self, code: str, within_seconds: float | None = None) -> Any:
        """Run Python (top-level await allowed) in the page; returns the last expression, converted to JSON.

        ``within_seconds``: fail if the code has not finished by then (for code that could hang the interpreter).
        """
        if self.interpreter == "micropython":
            code = with_last_expression_kept(code)
        if within_seconds is None:
            return self.page.evaluate("(code) => window.testPython.run(code)", code)
        outcome = self.page.evaluate("""async ([code, ms]) => {
            const late = new Promise((resolve) => setTimeout(() => resolve({late: true}), ms));
            return await Promise.race([window.testPython.run(code).then((value) => ({value})), late]);
        }""", [code, within_seconds * 1000])
        assert "late" not in outcome, f"the code did not finish within {within_seconds} s"
        return outcome.get("value")

    def wait_for_track(self, name: str, timeout: float = 10.0) -> dict[str, Any]:
        """Flush until the agent has sent the track event ``name``; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.evaluate("() => window.pendo && window.pendo.flushNow ? window.pendo.flushNow() : null")
            for event in self.wire.track_events():
                if event["track_event_name"] == name:
                    return event
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no track event {name!r} reached the wire within {timeout} s")

    def reload(self) -> None:
        """Reload the page (cookies and storage stay) and wait for the interpreter and our wheel again."""
        self.page.reload()
        self.wait_for_python()

    def flush(self) -> None:
        """Have the agent send what it batched, then wait until no new request arrived for a while.

        Pendo sends metadata and track events in separate requests, on their own timers, so a fixed pause
        can miss one on a busy machine; quiet for ``QUIET_SECONDS`` (at most ``FLUSH_SECONDS``) cannot.
        """
        deadline = time.monotonic() + FLUSH_SECONDS
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            self.page.evaluate("() => window.pendo && window.pendo.flushNow ? window.pendo.flushNow() : null")
            count = len(self.wire.requests)
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_SECONDS:
                return
            self.page.wait_for_timeout(50)

    def wait_until(self, condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
        """Flush until ``condition()`` holds (for facts that arrive in a later request)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what}: not seen on the wire within {timeout} s")
            self.page.evaluate("() => window.pendo && window.pendo.flushNow ? window.pendo.flushNow() : null")
            self.page.wait_for_timeout(100)


@pytest.fixture
def interpreter() -> str:
    """The interpreter a Python page runs; ``pytest_generate_tests`` parametrizes it over ``INTERPRETERS``."""
    return "pyodide"


def watch_console(page: Page) -> list[str]:
    """The page's console messages and uncaught errors, as ``"<type>: <text>"`` lines."""
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    return console


@pytest.fixture
def py(page: Page, pendo: PendoEdge, origin: str, interpreter: str) -> PythonPage:
    python = PythonPage(page, pendo.wire, watch_console(page), interpreter)
    python.open(f"{origin}/test/{python.test_page}")
    return python


# -- PyScript pages (pages that run pyscript_app.py and report in #result) ---------------------------------

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
