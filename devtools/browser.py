"""The browser stack the browser tests and ``./dev bench`` share: which Chromium, how it is launched, and the
network beyond the page, where Pendo's hosts are stood in for.

- ``chromium_executable()`` and ``CHROMIUM_FLAGS``: Debian's Chromium (or ``$PYODIDE_PENDO_CHROMIUM``), with
  nothing of its own reaching the network.
- ``PendoEdge``: a Playwright route handler. Loopback goes to the site server; Pendo's CDN hosts serve the real
  agent from npm ``@pendo/agent`` (``agent_loader``); Pendo's data endpoints are answered as Pendo does and
  recorded, decoded, in ``edge.wire``; anything else is aborted and listed in ``edge.violations``.

It lives here, not in ``tests/``, so that the benchmarks measure on exactly the tests' stack without importing
the test suite (whose ``conftest.py`` imports ``devtools``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from playwright.sync_api import Route

from devtools.wire import PIXEL_GIF, PendoRequest, PendoWire

ROOT = Path(__file__).parents[1]
AGENT_PACKAGE = ROOT / "node_modules/@pendo/agent"
AGENT_VERSION: str = json.loads((AGENT_PACKAGE / "package.json").read_text())["version"]
AGENT_SERVERS: dict[str, Any] = json.loads((AGENT_PACKAGE / "dist/servers.json").read_text())
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-quic", "--no-first-run"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PENDO_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*pendo\.io$")
AGENT_PATH = re.compile(r"^/agent/static/([^/]+)/pendo\.js$")
CDN_TO_DATA_HOST = {f"https://{AGENT_SERVERS['assetHost'][env]}": data for env, data in AGENT_SERVERS["data"].items()}
EDGE_HEADERS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin",
                "Cache-Control": "no-store"}


class ChromiumNotFoundError(RuntimeError):
    """``$PYODIDE_PENDO_CHROMIUM`` names a file that does not exist (a typo should not fall back silently)."""


def chromium_executable() -> str | None:
    """``$PYODIDE_PENDO_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else ``None`` (Playwright's own).

    Raises:
        ChromiumNotFoundError: ``$PYODIDE_PENDO_CHROMIUM`` is set to a path that does not exist.
    """
    configured = os.environ.get("PYODIDE_PENDO_CHROMIUM")
    if configured:
        if not Path(configured).exists():
            raise ChromiumNotFoundError(f"PYODIDE_PENDO_CHROMIUM={configured} does not exist")
        return configured
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def agent_loader(origin: str, api_key: str, cdn_origin: str, delay_ms: int = 0) -> str:
    """What Pendo's CDN would serve as ``pendo.js``: the npm agent (from the site at ``origin``), adopting
    ``window.pendo`` and its queue, configured for the data host that belongs to ``cdn_origin``'s region."""
    data_host = CDN_TO_DATA_HOST[cdn_origin]
    config = {"apiKey": api_key, "env": "prod", "server": data_host, "designerServer": data_host,
              "assetHost": urlsplit(cdn_origin).hostname, "assetPath": f"agent/releases/{AGENT_VERSION}",
              "loadAsModule": False}
    load = f'import("{origin}/pendo/pendo.module.js").then((agent) => agent.loadAgent({json.dumps(config)}));'
    return f"setTimeout(() => {{ {load} }}, {delay_ms});" if delay_ms else load


@dataclass
class PendoEdge:
    """The network beyond the page, for ``context.route("**/*", edge.handle)``.

    ``agent`` says how Pendo's CDN answers for ``pendo.js``: ``"ok"``, ``"404"``, ``"abort"`` or a delay in ms
    before the agent loads. ``origin`` is the site server's, which also serves the agent's module.
    """

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

    def _pendo(self, route: Route, parts: SplitResult) -> None:
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
