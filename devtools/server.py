"""The static server behind the demo and the tests: loopback by default, cross-origin isolated, no caching.

Every response carries ``Cross-Origin-Opener-Policy: same-origin`` and ``Cross-Origin-Embedder-Policy:
require-corp`` (PyScript workers need ``crossOriginIsolated`` to reach ``window``), plus
``Cross-Origin-Resource-Policy`` so our own files load under that policy.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "no-store",
}

# A handler for one path prefix: (method, origin, path, query, body) -> (status, headers, body) or None, where
# origin is the one the browser asked for (see _SiteHandler.origin).
Route = Callable[[str, str, str, str, bytes], "tuple[int, dict[str, str], bytes] | None"]
# A Host header worth echoing into a page: a name or IPv4 address, or a bracketed IPv6 address, and a port.
HOST_HEADER = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class _SiteHandler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".whl": "application/zip",
        ".json": "application/json",
        ".toml": "text/plain",
        ".py": "text/plain",
        ".zip": "application/zip",
    }
    routes: dict[str, Route] = {}
    extra_headers: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in {**ISOLATION_HEADERS, **self.extra_headers}.items():
            self.send_header(name, value)
        super().end_headers()

    def origin(self) -> str:
        """The origin the browser asked for, from its Host header. It is not the address this server listens
        on when that is 0.0.0.0, or behind a forwarded port (a container's); a missing or odd header gives the
        listening address."""
        host = self.headers.get("Host", "")
        if HOST_HEADER.fullmatch(host):
            return f"http://{host}"
        address = cast("tuple[str, int]", self.server.server_address)  # an AF_INET server
        return f"http://{address[0]}:{address[1]}"

    def _dispatch(self, method: str) -> bool:
        path, _, query = self.path.partition("?")
        for prefix, route in self.routes.items():
            if path.startswith(prefix):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = route(method, self.origin(), path, query, body)
                if answer is None:
                    return False
                status, headers, payload = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return True
        return False

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if not self._dispatch("GET"):
            super().do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not self._dispatch("POST"):
            self.send_error(404)

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests and the demo print their own
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closes a page hangs up on responses still being sent: not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class SiteServer:
    """Serves ``root`` on ``host:port`` (port 0 picks a free one) in a background thread.

    Any ``host`` other than loopback serves the site to other machines: only ``./dev demo --host``, which
    warns, asks for that. Binding raises ``OSError`` (a taken port, an unknown host) at once.
    """

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 0,
                 routes: dict[str, Route] | None = None, extra_headers: dict[str, str] | None = None) -> None:
        handler = type("Handler", (_SiteHandler,), {"routes": routes or {}, "extra_headers": extra_headers or {}})
        self._server = _QuietServer((host, port), partial(handler, directory=str(root)))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
