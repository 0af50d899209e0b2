"""``./dev demo``: the interactive demo on loopback, with this server standing in for Pendo by default.

Two modes, picked by the environment:

- Offline (default): the page loads the real agent from npm ``@pendo/agent`` through ``web/pendo-agent.mjs``
  (our self-hosted loader), and this server is Pendo's data host: ``load(agent_url=…/pendo-agent.mjs,
  pendo_options={"dataHost": <this origin>})``. It answers ``/data/ptm.gif/<key>`` and ``/data/guide.json/<key>``
  as Pendo does (a 1x1 GIF), decodes them into a ``PendoWire`` and serves what it received at
  ``/collected.json`` for the page's panel.
- Pendo: with ``PENDO_API_KEY`` (and optionally ``PENDO_ENV``, e.g. ``eu``) set, the page loads Pendo's agent
  from Pendo's CDN and sends to Pendo; nothing is collected here.

The page reads its settings from ``/demo-config.json``. ``/`` (``index.html``) is rendered with the same
settings on the early-start script's ``data-`` attributes, so the agent starts loading while Pyodide boots.
Both name this server by the origin the browser asked for, which is not the listening address with
``--host 0.0.0.0`` or behind a forwarded port.
"""

from __future__ import annotations

import argparse
import errno
import html
import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.server import Route, SiteServer
from devtools.wire import PIXEL_GIF, PendoRequest, PendoWire
from pyodide_pendo.config import ENVIRONMENT_ALIASES, ENVIRONMENTS, is_api_key

OFFLINE_API_KEY = "demo-key"
LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1")
ALL_INTERFACES = ("0.0.0.0", "")
EARLY_START_PLACEHOLDER = "@DEMO_EARLY_START_ATTRIBUTES@"
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class DemoSettings:
    """Where the page's events go: ``api_key`` and ``env`` for Pendo, or offline (``env`` is ``None``)."""

    api_key: str = OFFLINE_API_KEY
    env: str | None = None

    @property
    def offline(self) -> bool:
        return self.env is None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> DemoSettings:
        api_key = environ.get("PENDO_API_KEY", "").strip()
        if not api_key:
            return cls()
        if not is_api_key(api_key):
            raise SystemExit("PENDO_API_KEY does not look like a Pendo API key (letters, digits, '-' and '_')")
        env = environ.get("PENDO_ENV", "io").strip() or "io"
        env = ENVIRONMENT_ALIASES.get(env, env)
        if env not in ENVIRONMENTS:
            raise SystemExit(f"PENDO_ENV must be one of {', '.join(ENVIRONMENTS)}; got {env!r}")
        return cls(api_key, env)

    def page_config(self, origin: str) -> dict[str, Any]:
        """``/demo-config.json``: what the page passes to ``load()``, plus where to poll for the wire."""
        if self.offline:
            return {"mode": "offline", "apiKey": self.api_key, "agentUrl": f"{origin}/pendo-agent.mjs",
                    "pendoOptions": {"dataHost": origin}, "collector": "/collected.json"}
        return {"mode": "pendo", "apiKey": self.api_key, "env": self.env, "agentUrl": None, "pendoOptions": None,
                "collector": None}

    def early_start_attributes(self, origin: str) -> str:
        """The early-start script's attributes: the same options the page passes to ``load()``
        (``page_config``), so that the script starts Pendo exactly as ``load()`` would."""
        config = self.page_config(origin)
        attributes = {"data-api-key": self.api_key}
        if self.offline:
            attributes["data-agent-url"] = config["agentUrl"]
            attributes["data-pendo-options"] = json.dumps(config["pendoOptions"])
        else:
            attributes["data-env"] = self.env or "io"
        return " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())


class Collector:
    """Pendo's data endpoints, answered as Pendo answers them; what arrives is decoded and kept."""

    def __init__(self) -> None:
        self.wire = PendoWire()
        self._arrivals: list[tuple[float, PendoRequest]] = []  # for the early-start benchmark
        self._lock = threading.Lock()

    def receive(self, method: str, url: str, body: bytes) -> bool:
        """Record a request to ``…/data/<endpoint>/<key>``; ``False`` for any other URL."""
        request = PendoRequest.parse(method, url, body)
        if request is None:
            return False
        with self._lock:
            self._arrivals.append((time.time(), request))
        self.wire.record(request)
        return True

    def arrivals(self) -> list[tuple[float, PendoRequest]]:
        """Every request so far, with the ``time.time()`` it arrived at."""
        with self._lock:
            return list(self._arrivals)

    def as_json(self) -> bytes:
        return json.dumps({"events": self.wire.events(), "endpoints": self.wire.endpoints()}).encode()


class DemoServer:
    """The demo site with its dynamic parts: the rendered page, its config and, offline, the collector."""

    def __init__(self, root: Path, settings: DemoSettings, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._root = root
        self.settings = settings
        self.collector = Collector()
        routes: dict[str, Route] = {"/demo-config.json": self._config}
        if settings.offline:
            routes |= {"/data/": self._data, "/collected.json": self._collected}
        routes["/"] = self._page  # last: it answers "/" and "/index.html" and lets the rest be served as files
        self._server = SiteServer(root, host=host, port=port, routes=routes)

    @property
    def origin(self) -> str:
        """The listening address, e.g. ``http://127.0.0.1:8000``."""
        return self._server.origin

    def _data(self, method: str, origin: str, path: str, query: str,
              body: bytes) -> tuple[int, dict[str, str], bytes] | None:
        if not self.collector.receive(method, f"{origin}{path}?{query}", body):
            return None
        return 200, {"Content-Type": "image/gif"}, PIXEL_GIF

    def _collected(self, method: str, origin: str, path: str, query: str,
                   body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, JSON_HEADERS, self.collector.as_json()

    def _config(self, method: str, origin: str, path: str, query: str,
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, JSON_HEADERS, json.dumps(self.settings.page_config(origin)).encode()

    def _page(self, method: str, origin: str, path: str, query: str,
              body: bytes) -> tuple[int, dict[str, str], bytes] | None:
        if path not in ("/", "/index.html"):
            return None
        text = (self._root / "index.html").read_text()
        text = text.replace(EARLY_START_PLACEHOLDER, self.settings.early_start_attributes(origin))
        return 200, {"Content-Type": "text/html; charset=utf-8"}, text.encode()

    def start(self) -> DemoServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """What to tell a person whose ``./dev demo`` cannot listen, instead of a traceback."""
    if error.errno == errno.EADDRINUSE:
        return (f"Port {port} on {host} is taken (another ./dev demo?): stop what uses it, "
                f"or pick another port with --port N (--port 0 picks a free one).")
    return f"Cannot listen on {host} port {port}: {error.strerror or error}."


def exposure_warning(host: str, port: int, offline: bool) -> str:
    """Printed for ``--host`` beyond loopback: the demo has no authentication, and offline it needs a loopback
    address in the browser (``load()`` takes an ``http`` agent URL only from localhost)."""
    warning = (f"Warning: --host {host} makes the demo reachable from other machines: anyone who can reach port "
               f"{port} can use it")
    if not offline:
        return f"{warning}. Use it on a network you trust."
    return (f"{warning} and read what the agent sent it (/collected.json). Use it on a network you trust. Open it "
            f"at a localhost address (a container's or VM's forwarded port, or an SSH tunnel): offline, the page "
            f"loads its http agent only from localhost.")


def main() -> None:
    from devtools.site import assemble

    parser = argparse.ArgumentParser(description="Serve the pyodide-pendo demo.")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1); 0.0.0.0 lets a container's forwarded "
                             "port reach the demo, and exposes it to other machines")
    options = parser.parse_args()
    settings = DemoSettings.from_environment()
    site = assemble()
    try:
        server = DemoServer(site.root, settings, host=options.host, port=options.port).start()
    except OSError as error:
        raise SystemExit(cannot_listen(options.host, options.port, error)) from None
    port = int(server.origin.rsplit(":", 1)[1])
    if options.host not in LOOPBACK_ADDRESSES:
        print(exposure_warning(options.host, port, settings.offline), file=sys.stderr, flush=True)
    url = f"http://localhost:{port}/" if options.host in ALL_INTERFACES else f"{server.origin}/"
    where = ("offline: the npm agent, this server as Pendo's data host" if settings.offline
             else f"sending to Pendo ({settings.env}) with PENDO_API_KEY")
    print(f"pyodide-pendo demo ({where}): open {url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
