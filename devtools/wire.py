"""What the Pendo agent sent, decoded: used by the tests' network stand-in and by the demo's collector.

The agent sends ``GET https://<data host>/data/ptm.gif/<API_KEY>?v=…&ct=…&jzb=…`` (or POSTs the same ``jzb``
as the body with ``sendEventsWithPostOnly``). ``jzb`` is URL-safe base64 (no padding) of zlib-compressed JSON:
a list of events for ``ptm.gif``, one object for ``guide.json``.
"""

from __future__ import annotations

import base64
import json
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Answer for Pendo's data endpoints: a 1x1 transparent GIF, as Pendo's collector does.
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def decode_jzb(jzb: str) -> Any:
    """Decode one ``jzb`` parameter into the JSON it carries."""
    return json.loads(zlib.decompress(base64.urlsafe_b64decode(jzb + "=" * (-len(jzb) % 4))))


@dataclass(frozen=True)
class PendoRequest:
    """One request to a Pendo data endpoint, e.g. ``ptm.gif`` (events) or ``guide.json`` (guide lookup)."""

    method: str
    url: str
    endpoint: str
    api_key: str
    payload: Any

    @classmethod
    def parse(cls, method: str, url: str, body: bytes | str | None = None) -> PendoRequest | None:
        """Parse a request to ``…/data/<endpoint>/<API_KEY>``; anything else gives ``None``."""
        parts = urlsplit(url)
        segments = parts.path.strip("/").split("/")
        if len(segments) < 3 or segments[-3] != "data":
            return None
        endpoint, api_key = segments[-2], segments[-1]
        jzb = parse_qs(parts.query).get("jzb", [None])[0]
        if jzb is None and body:
            text = body.decode() if isinstance(body, bytes) else body
            jzb = text if not text.lstrip().startswith(("[", "{")) else None
            payload = json.loads(text) if jzb is None else decode_jzb(jzb)
        else:
            payload = decode_jzb(jzb) if jzb else None
        return cls(method, url, endpoint, api_key, payload)


@dataclass
class PendoWire:
    """Everything the agent sent in one browser context, with the events de-duplicated.

    The agent re-sends a batch it thinks failed, so events are keyed by (``tabId``, ``frameId``, ``sequence``):
    ``sequence`` counts per agent instance, and a reload starts a new ``frameId``.
    Thread-safe: the demo's server threads and Playwright's handler both feed it.
    """

    requests: list[PendoRequest] = field(default_factory=list)
    _events: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, request: PendoRequest) -> None:
        with self._lock:
            self.requests.append(request)
            if request.endpoint == "ptm.gif" and isinstance(request.payload, list):
                for event in request.payload:
                    key = (event.get("tabId", ""), event.get("frameId", ""), event.get("sequence", -1))
                    self._events.setdefault(key, event)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Events in the order the agent numbered them, optionally of one ``type`` (track, identify, meta, load)."""
        with self._lock:
            ordered = sorted(self._events.values(), key=lambda e: (e.get("browser_time", 0), e.get("sequence", 0)))
        return [e for e in ordered if type is None or e.get("type") == type]

    def track_events(self) -> list[dict[str, Any]]:
        return self.events("track")

    def identify_events(self) -> list[dict[str, Any]]:
        return self.events("identify")

    def meta_events(self) -> list[dict[str, Any]]:
        return self.events("meta")

    def metadata(self) -> dict[str, Any]:
        """The latest metadata the agent sent (``visitor``, ``account``, ``parentAccount``), or ``{}``."""
        metas = self.meta_events()
        return metas[-1]["props"] if metas else {}

    def visitor(self) -> dict[str, Any]:
        visitor: dict[str, Any] = self.metadata().get("visitor", {})
        return visitor

    def account(self) -> dict[str, Any]:
        account: dict[str, Any] = self.metadata().get("account", {})
        return account

    def endpoints(self) -> list[str]:
        with self._lock:
            return [r.endpoint for r in self.requests]
