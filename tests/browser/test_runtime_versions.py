"""The runtimes users run: the oldest and newest Pyodide, each PyScript line, and installing by name.

Every release here is an npm package pinned in package.json (an alias per older release, e.g.
``"pyodide-0.25": "npm:pyodide@0.25.1"``), laid out by devtools/site.py under ``build/site/versions/``. Each test
makes the calls of ``pages/pyscript_app.py`` (load, identify, group, track, ``await ready()``) and checks what the
real agent sent. Each test also checks which release ran (``pyodide.version``, or the folders a PyScript page
fetched from), so a page that fell back to the pinned Pyodide or PyScript fails.

Each PyScript line runs with a Pyodide it loads (its own default in brackets), chosen so that together they cover
every Pyodide line from 0.26: 0.4.56 with 0.26.4 (0.26.1), 0.5.16 with 0.27.8 (0.26.2), 0.6.72 with 0.28.3
(0.28.2), 0.7.31 with 0.29.5 (314.0.2; with the pinned 314.0.7 it is ``test_pyscript.py``'s). Each line from 0.4.56
also runs the pinned MicroPython port (``type="mpy"``; on 0.7.31 that too is ``test_pyscript.py``'s). PyScript
0.4.56 runs a script with top-level ``await`` only when its tag says ``async``, for ``py`` and ``mpy`` alike:
without it the page never reports.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page

from devtools.browser import PendoEdge
from devtools.server import SiteServer
from devtools.site import Site
from tests.browser.harness import PyScriptPage, PythonPage, assert_pendo_received_the_apps_calls, in_page

MICROPYTHON = "micropython"  # the pinned port, build/site/micropython (not a versions/ folder)


@in_page
async def the_apps_calls() -> None:
    """What ``pages/pyscript_app.py`` does with the package."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("runtime-key")
    rudderanalytics.identify("user-7", {"email": "grace@example.com", "plan": "team"})
    rudderanalytics.group("acme", {"name": "Acme", "employees": 120})
    rudderanalytics.track("Report Exported", {"format": "csv", "rows": 1200})
    await rudderanalytics.ready()


@in_page
async def install_by_name(index_url: str) -> None:
    """``micropip.install("pyodide-pendo")`` from the package index at ``index_url``."""
    import micropip  # type: ignore[import-not-found]  # Pyodide's installer, in the page only

    micropip.set_index_urls([index_url])
    await micropip.install("pyodide-pendo")


def pyscript_page(site: Site, pyscript: str, interpreter: str, tag_async: bool) -> str:
    """The page a user writes for one PyScript release and interpreter (package.json's names for both)."""
    core = site.runtimes[pyscript].folder
    if interpreter == MICROPYTHON:
        script_type, interpreter_url = "mpy", "../micropython/micropython.mjs"
    else:
        script_type, interpreter_url = "py", f"../{site.runtimes[interpreter].folder}/pyodide.mjs"
    config = json.dumps({"interpreter": interpreter_url, "packages": [f"../{site.wheel_path}"]})
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>PyScript {site.runtimes[pyscript].version}, {interpreter}</title>
  <link rel="stylesheet" href="../{core}/core.css">
  <script type="module" src="../{core}/core.js"></script>
</head>
<body>
  <output id="result"></output>
  <script type="{script_type}"{" async" if tag_async else ""} src="../test/pyscript_app.py"
          config='{config}'></script>
</body>
</html>
"""


class PackageIndex:
    """PyPI's simple JSON API (PEP 691) at ``/simple/``, listing one project: the site's wheel.

    The file entry carries what PyPI's does (URL, sha256, Requires-Python from the wheel's metadata).
    """

    def __init__(self, site: Site) -> None:
        self._site = site
        self.asked: list[str] = []

    def __call__(self, method: str, origin: str, path: str, query: str,
                 body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.asked.append(path)
        wheel = self._site.root / self._site.wheel_path
        with zipfile.ZipFile(wheel) as archive:
            (metadata_name,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
            metadata = Parser().parsestr(archive.read(metadata_name).decode())
        project = metadata["Name"].lower().replace("_", "-")
        if path != f"/simple/{project}/":
            return 404, {"Content-Type": "text/plain"}, b"no such project"
        document = {
            "meta": {"api-version": "1.1"},
            "name": project,
            "versions": [metadata["Version"]],
            "files": [{
                "filename": wheel.name,
                "url": f"{origin}/{self._site.wheel_path}",
                "hashes": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()},
                "requires-python": metadata["Requires-Python"],
            }],
        }
        return 200, {"Content-Type": "application/vnd.pypi.simple.v1+json"}, json.dumps(document).encode()


@pytest.fixture(scope="module")
def package_index(site: tuple[Site, str]) -> PackageIndex:
    return PackageIndex(site[0])


@pytest.fixture(scope="module")
def origin(site: tuple[Site, str], package_index: PackageIndex) -> Iterator[str]:
    """This module's site server: the site, plus PyScript pages rendered per release and the package index."""
    built, _ = site

    def pages(method: str, origin: str, path: str, query: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        asked = {name: values[0] for name, values in parse_qs(query).items()}
        html = pyscript_page(built, asked["pyscript"], asked["interpreter"], asked.get("async") == "yes")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()

    server = SiteServer(built.root, routes={"/runtimes/pyscript.html": pages, "/simple/": package_index}).start()
    yield server.origin
    server.stop()


def served_paths(page: Page) -> list[str]:
    """The paths the page (and its workers) fetch from here on."""
    paths: list[str] = []
    page.on("request", lambda request: paths.append(urlsplit(request.url).path))
    return paths


def folders(paths: list[str]) -> set[str]:
    """The site folders ``paths`` fetched from: ``pyodide``, ``versions/pyodide-0.25.1``, ``test``…"""
    return {"/".join(path.split("/")[1:3 if path.startswith("/versions/") else 2]) for path in paths}


def wait_for_the_apps_calls(page: Page, pendo: PendoEdge) -> None:
    """Flush the agent until its track event and the metadata with the account are both on the wire: it sends
    them in separate requests, on timers of their own."""
    PythonPage(page, pendo.wire, []).wait_until(
        lambda: pendo.wire.track_events() and pendo.wire.account().get("id") == "acme",
        "the app's track event and account metadata", timeout=30)


def open_pyodide(page: Page, pendo: PendoEdge, origin: str, folder: str,
                 install_wheel: bool = True) -> PythonPage:
    """A plain Pyodide page (``pages/pyodide.html``) booting the Pyodide in ``folder``, with micropip loaded and,
    if ``install_wheel``, our wheel installed by its URL."""
    page.goto(f"{origin}/test/pyodide.html?pyodide=../{folder}&install={'yes' if install_wheel else 'no'}")
    page.wait_for_function("() => window.pyodide !== undefined", timeout=60_000)
    return PythonPage(page, pendo.wire, [])


@pytest.mark.parametrize("pyodide", [
    pytest.param("pyodide-0.25", id="oldest: pyodide-0.25"),
    pytest.param("pyodide", id="newest: pyodide"),
])
def test_a_pyodide_page_delivers_the_apps_calls_to_pendo(page: Page, pendo: PendoEdge, origin: str,
                                                         site: tuple[Site, str], pyodide: str) -> None:
    runtime = site[0].runtimes[pyodide]
    py = open_pyodide(page, pendo, origin, runtime.folder)

    the_apps_calls(py)
    wait_for_the_apps_calls(page, pendo)

    assert page.evaluate("pyodide.version") == runtime.version
    assert_pendo_received_the_apps_calls(pendo)


def open_pyscript(page: Page, origin: str, pyscript: str, interpreter: str, tag_async: bool) -> PyScriptPage:
    query = f"pyscript={pyscript}&interpreter={interpreter}&async={'yes' if tag_async else 'no'}"
    page.goto(f"{origin}/runtimes/pyscript.html?{query}", wait_until="commit")
    return PyScriptPage(page)


@pytest.mark.parametrize(("pyscript", "interpreter", "tag_async"), [
    pytest.param("pyscript-core-0.4", "pyodide-0.26", True, id="pyscript-core-0.4 with pyodide-0.26"),
    pytest.param("pyscript-core-0.5", "pyodide-0.27", False, id="pyscript-core-0.5 with pyodide-0.27"),
    pytest.param("pyscript-core-0.6", "pyodide-0.28", False, id="pyscript-core-0.6 with pyodide-0.28"),
    pytest.param("@pyscript/core", "pyodide-0.29", False, id="pyscript-core-0.7 with pyodide-0.29"),
    pytest.param("pyscript-core-0.4", MICROPYTHON, True, id="pyscript-core-0.4 with micropython"),
    pytest.param("pyscript-core-0.5", MICROPYTHON, False, id="pyscript-core-0.5 with micropython"),
    pytest.param("pyscript-core-0.6", MICROPYTHON, False, id="pyscript-core-0.6 with micropython"),
])
def test_a_pyscript_release_delivers_the_apps_calls_to_pendo(page: Page, pendo: PendoEdge, origin: str,
                                                             site: tuple[Site, str], pyscript: str, interpreter: str,
                                                             tag_async: bool) -> None:
    built = site[0]
    paths = served_paths(page)
    opened = open_pyscript(page, origin, pyscript, interpreter, tag_async)
    result = opened.result()
    wait_for_the_apps_calls(page, pendo)

    assert result["error"] is None
    assert result["stats"]["sent"] == 3
    assert_pendo_received_the_apps_calls(pendo)
    interpreter_folder = MICROPYTHON if interpreter == MICROPYTHON else built.runtimes[interpreter].folder
    assert folders(paths) >= {built.runtimes[pyscript].folder, interpreter_folder}
    assert not folders(paths) & {"pyscript", "pyodide"} - {built.runtimes[pyscript].folder, interpreter_folder}


def test_micropip_installs_pyodide_pendo_by_name_from_a_package_index(page: Page, pendo: PendoEdge, origin: str,
                                                                     site: tuple[Site, str],
                                                                     package_index: PackageIndex) -> None:
    paths = served_paths(page)
    py = open_pyodide(page, pendo, origin, site[0].runtimes["pyodide"].folder, install_wheel=False)

    install_by_name(py, f"{origin}/simple")
    the_apps_calls(py)
    wait_for_the_apps_calls(page, pendo)

    assert package_index.asked == ["/simple/pyodide-pendo/"]
    assert paths.count(f"/{site[0].wheel_path}") == 1
    assert_pendo_received_the_apps_calls(pendo)
