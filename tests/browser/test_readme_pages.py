"""The README's quick-start pages, run as printed: the CDN page and the local page for ``./dev demo``.

Each page is taken from README.md, from the fenced ``html`` block under its marker comment
(``<!-- quick start: cdn page … -->``, ``<!-- quick start: local page … -->``), and served byte for byte as
printed: no placeholder is substituted (``load("PENDO_API_KEY")`` is a well-formed key, which the stand-in for
Pendo's CDN accepts like any other). Two runs change the page, each exactly as the README says to: the local
page under MicroPython (``type="mpy"`` and the MicroPython interpreter URL), and the CDN page with the wheel's
URL beside the page in place of the name, the README's advice until the package is on PyPI.

- **Local page**: written to ``build/site/hello.html``, where the README says to save it, and opened from a
  ``DemoServer`` (``./dev demo``'s server), offline mode. Every file comes from that server; what the agent sent
  is read from the server's collector (``demo.collector.wire``), the stand-in for Pendo's data host. The
  ``pendo`` fixture fails the test if anything asks a host other than loopback (a CDN, or Pendo's own hosts).
- **CDN page**: served from a loopback origin, with its CDN requests answered from the pinned local copies
  (no internet here, and tests must not leave the machine):

  - ``https://cdn.jsdelivr.net/npm/@pyscript/core@0.7.31/dist/…`` → ``build/site/pyscript/…``, npm
    ``@pyscript/core`` (the test checks that the URL's version is the one package.json pins);
  - ``https://cdn.jsdelivr.net/pyodide/v<version>/full/…`` → ``build/site/pyodide/…``: the page names no
    interpreter, so PyScript asks for its default Pyodide, 314.0.2 for PyScript 0.7.31 (checked against the
    version PyScript's bundle names); the pinned Pyodide, 314.0.7, stands in for it;
  - ``https://pypi.org/simple/pyodide-pendo/``, micropip's by-name look-up → a PEP 691 JSON page listing one
    file, this checkout's wheel, at a ``files.pythonhosted.org`` URL, as PyPI will once the package is published;
  - ``https://files.pythonhosted.org/packages/…/pyodide_pendo-…whl`` → ``build/site/wheels/…``;
  - Pendo's CDN and data hosts → the ``pendo`` fixture: the npm agent, and the events recorded, decoded, in
    ``pendo.wire``.

  Anything else off loopback fails the test (the ``pendo`` fixture). So the by-name install is tested against a
  stand-in for PyPI, not PyPI itself: the package is not published yet.

Both check the same facts on the wire: the visitor's and account's metadata and the track event, as the agent
sent them, and "Pendo is ready" in the console (``await ready()`` returned).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from email.parser import Parser
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from devtools.browser import EDGE_HEADERS, PendoEdge
from devtools.demo import DemoServer, DemoSettings
from devtools.site import Site
from devtools.wire import PendoWire
from tests.browser.harness import watch_console

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
LOCAL_PAGE_NAME = "hello.html"  # where the README says to save the local page, in build/site
EVENT_TIMEOUT_S = 120  # Pyodide's boot, the wheel's install and the agent's start, on a busy 2-core machine
CONTENT_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                 ".whl": "application/zip", ".json": "application/json", ".zip": "application/zip",
                 ".css": "text/css"}
PYSCRIPT_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/@pyscript/core@([^/]+)/dist/(.+)$")
PYODIDE_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/pyodide/v([^/]+)/full/(.+)$")
PYPI_PROJECT = "https://pypi.org/simple/pyodide-pendo/"
FILES_HOST = "https://files.pythonhosted.org/packages/"
WHEEL_BESIDE_THE_PAGE = '"packages": ["./pyodide_pendo-0.1.0-py3-none-any.whl"]'  # the README's words


def readme_page(name: str) -> str:
    """The README's HTML block under ``<!-- quick start: <name> page … -->``, exactly as printed."""
    text = README.read_text(encoding="utf-8")
    found = re.findall(rf"^<!-- quick start: {name} page[^\n]*-->\n```html\n(.*?)^```$", text, re.S | re.M)
    assert len(found) == 1, f"README.md has {len(found)} blocks marked as the {name} page; expected one"
    page: str = found[0]
    return page


def pyscript_default_pyodide(site: Site) -> str:
    """The Pyodide version the pinned PyScript loads when the page names no interpreter (from its bundle)."""
    bundle = site.root / site.runtimes["@pyscript/core"].folder
    versions: set[str] = set()
    for chunk in bundle.glob("*.js"):
        versions |= set(re.findall(r'type:"pyodide",module:\(\w+="([^"]+)"\)', chunk.read_text(errors="ignore")))
    assert len(versions) == 1, f"PyScript's default Pyodide: found {versions or 'none'} in {bundle}"
    return versions.pop()


def served(route: Route, path: Path) -> None:
    """Answer ``route`` with the file at ``path``, as a CDN would (CORS, cross-origin resource policy)."""
    if not path.is_file():
        route.fulfill(status=404, headers=EDGE_HEADERS, body="Not Found")
        return
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    route.fulfill(status=200, headers={**EDGE_HEADERS, "Content-Type": content_type}, body=path.read_bytes())


class Cdn:
    """The CDNs the quick-start page uses, answered from the site's pinned copies (see the module docstring)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.pyscript_versions: set[str] = set()
        self.pyodide_versions: set[str] = set()
        self.asked_pypi: list[str] = []
        self.wheel_downloads = 0
        wheel = site.root / site.wheel_path
        self.wheel_url = f"{FILES_HOST}{hashlib.sha256(wheel.read_bytes()).hexdigest()[:2]}/{wheel.name}"

    def install(self, page: Page) -> None:
        page.route(PYSCRIPT_CDN, self._pyscript)
        page.route(PYODIDE_CDN, self._pyodide)
        page.route(PYPI_PROJECT, self._pypi)
        page.route(self.wheel_url, self._wheel)

    def _pyscript(self, route: Route) -> None:
        version, rest = PYSCRIPT_CDN.match(route.request.url).groups()  # type: ignore[union-attr]
        self.pyscript_versions.add(version)
        served(route, self.site.root / self.site.runtimes["@pyscript/core"].folder / rest.split("?")[0])

    def _pyodide(self, route: Route) -> None:
        version, rest = PYODIDE_CDN.match(route.request.url).groups()  # type: ignore[union-attr]
        self.pyodide_versions.add(version)
        served(route, self.site.root / self.site.runtimes["pyodide"].folder / rest.split("?")[0])

    def _pypi(self, route: Route) -> None:
        """PyPI's simple JSON API (PEP 691) for the project: one file, this checkout's wheel."""
        self.asked_pypi.append(route.request.url)
        wheel = self.site.root / self.site.wheel_path
        with zipfile.ZipFile(wheel) as archive:
            (metadata_name,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
            metadata = Parser().parsestr(archive.read(metadata_name).decode())
        document = {
            "meta": {"api-version": "1.1"},
            "name": "pyodide-pendo",
            "versions": [metadata["Version"]],
            "files": [{"filename": wheel.name, "url": self.wheel_url,
                       "hashes": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()},
                       "requires-python": metadata["Requires-Python"]}],
        }
        route.fulfill(status=200, headers={**EDGE_HEADERS, "Content-Type": "application/vnd.pypi.simple.v1+json"},
                      body=json.dumps(document))

    def _wheel(self, route: Route) -> None:
        self.wheel_downloads += 1
        served(route, self.site.root / self.site.wheel_path)


def wait_for_the_pages_calls(page: Page, wire: PendoWire, console: list[str]) -> None:
    """Have the agent send what it batched until the page's three calls are on the wire (metadata and track
    events come in separate requests, on the agent's own timers)."""
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    while not (wire.track_events() and wire.account().get("id") == "acme"):
        errors = [line for line in console if line.startswith(("pageerror", "error"))]
        assert not errors, f"the page failed: {errors}"
        assert time.monotonic() < deadline, f"the page's calls did not reach the wire; console: {console}"
        page.evaluate("() => window.pendo && window.pendo.flushNow ? window.pendo.flushNow() : null")
        page.wait_for_timeout(200)


def assert_the_pages_calls_arrived(wire: PendoWire, console: list[str]) -> None:
    assert wire.visitor() == {"id": "user-42", "email": "ada@example.com", "plan": "pro", "language": "en_US"}
    assert wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    (track,) = wire.track_events()
    assert track["track_event_name"] == "Order Completed"
    assert track["props"] == {"total": 42.5, "currency": "EUR"}
    assert (track["visitor_id"], track["account_id"]) == ("user-42", "acme")
    assert "log: Pendo is ready" in console


@pytest.fixture
def demo(site: tuple[Site, str]) -> Iterator[DemoServer]:
    built, _ = site
    server = DemoServer(built.root, DemoSettings()).start()
    yield server
    server.stop()


@pytest.fixture
def local_page(site: tuple[Site, str]) -> Iterator[Callable[[str], None]]:
    """``local_page(html)`` saves the page where the README says (``build/site/hello.html``); afterwards the file
    is removed, or put back as it was if a reader had saved one there."""
    path = site[0].root / LOCAL_PAGE_NAME
    before = path.read_bytes() if path.exists() else None

    def save(html: str) -> None:
        path.write_text(html, encoding="utf-8")

    yield save
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


def as_micropython(html: str) -> str:
    """The local page with the two changes the README gives for MicroPython."""
    changed = html.replace('<script type="py" ', '<script type="mpy" ', 1)
    changed = changed.replace('"/pyodide/pyodide.mjs"', '"/micropython/micropython.mjs"', 1)
    assert changed.count('type="mpy"') == 1 and "/micropython/micropython.mjs" in changed, "the page changed shape"
    return changed


def test_the_local_quick_start_page_runs_against_the_demo_server(page: Page, pendo: PendoEdge, demo: DemoServer,
                                                                 local_page: Callable[[str], None],
                                                                 interpreter: str) -> None:
    html = readme_page("local")
    local_page(html if interpreter == "pyodide" else as_micropython(html))
    console = watch_console(page)
    paths: list[str] = []
    page.on("request", lambda request: paths.append(request.url))

    page.goto(f"{demo.origin}/{LOCAL_PAGE_NAME}")
    wire = demo.collector.wire
    wait_for_the_pages_calls(page, wire, console)

    assert_the_pages_calls_arrived(wire, console)
    assert all(url.startswith(demo.origin) for url in paths), [u for u in paths if not u.startswith(demo.origin)]
    assert not pendo.agent_requests and not pendo.wire.requests  # Pendo's own hosts were never asked


def with_the_wheel_beside_the_page(html: str) -> str:
    """The CDN page as the README says to change it until the package is on PyPI: the wheel's URL for its name."""
    by_name, by_url = '"packages": ["pyodide-pendo"]', WHEEL_BESIDE_THE_PAGE
    assert f"`{by_url}`" in README.read_text(encoding="utf-8"), "the README no longer gives this change"
    assert html.count(by_name) == 1, "the README's page changed shape"
    return html.replace(by_name, by_url)


@pytest.mark.parametrize("install", ["by name", "wheel beside the page"])
def test_the_cdn_quick_start_page_runs_with_its_cdns_stood_in_for(page: Page, pendo: PendoEdge, origin: str,
                                                                  site: tuple[Site, str], install: str) -> None:
    """By name, as printed; and with the one change the README gives until the package is on PyPI."""
    built, _ = site
    html = readme_page("cdn")
    if install == "wheel beside the page":
        html = with_the_wheel_beside_the_page(html)
    cdn = Cdn(built)
    cdn.install(page)
    page_url = f"{origin}/quick-start/index.html"
    page.route(page_url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                                     body=html))
    beside: list[str] = []

    def wheel_beside_the_page(route: Route) -> None:
        beside.append(route.request.url)
        served(route, built.root / built.wheel_path)

    page.route(f"{origin}/quick-start/{built.wheel_name}", wheel_beside_the_page)
    console = watch_console(page)

    page.goto(page_url)
    wait_for_the_pages_calls(page, pendo.wire, console)

    assert_the_pages_calls_arrived(pendo.wire, console)
    assert cdn.pyscript_versions == {built.runtimes["@pyscript/core"].version}  # the version the project pins
    assert cdn.pyodide_versions == {pyscript_default_pyodide(built)}  # PyScript's own default: no interpreter set
    if install == "by name":
        assert cdn.asked_pypi == [PYPI_PROJECT] and cdn.wheel_downloads == 1 and not beside
    else:
        assert not cdn.asked_pypi and not cdn.wheel_downloads and len(beside) == 1
    assert pendo.agent_requests == ["https://cdn.pendo.io/agent/static/PENDO_API_KEY/pendo.js"]
