"""RudderStack messages (the event spec), built from normalized calls and an identity snapshot.

The page and device facts (URL, title, user agent, …) come from an ``Environment``: the browser supplies the
real one, tests a fixed one. Timestamps follow JavaScript's ``Date.toJSON`` so messages look the same as the
ones RudderStack's JavaScript SDK builds.
"""

import time

from . import __version__
from .identity import deep_merge, random_uuid

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from typing import Any, Protocol

    from .calls import CallOptions, JSONObject
    from .identity import IdentitySnapshot

    class Environment(Protocol):
        """Page and device facts for messages: the browser's (``_browser.BrowserEnvironment``) or fixed ones."""

        def page(self) -> "PageInfo":
            """The page as it is now (single-page apps change it)."""

        def device_context(self) -> JSONObject:
            """Facts that do not change while the page lives: ``userAgent``, ``locale``, ``screen``."""
except ImportError:
    pass

LIBRARY = {"name": "pyodide-pendo", "version": __version__}
DEFAULT_INTEGRATIONS: JSONObject = {"All": True}


class PageInfo:
    """The page facts RudderStack puts in ``context.page`` (and a page call's properties)."""

    __slots__ = ("url", "path", "search", "title", "referrer")

    def __init__(self, url: str = "", path: str = "", search: str = "", title: str = "", referrer: str = "") -> None:
        self.url = url
        self.path = path
        self.search = search
        self.title = title
        self.referrer = referrer

    def as_context(self) -> JSONObject:
        return {"path": self.path, "referrer": self.referrer, "search": self.search, "title": self.title,
                "url": self.url}


class FixedEnvironment:
    """An environment that never changes: for CPython, tests and server-side rendering of messages."""

    __slots__ = ("page_info", "device")

    def __init__(self, page_info: PageInfo | None = None, device: JSONObject | None = None) -> None:
        self.page_info = page_info if page_info is not None else PageInfo()
        self.device = device

    def page(self) -> PageInfo:
        return self.page_info

    def device_context(self) -> JSONObject:
        return dict(self.device or {})


def iso_timestamp(epoch_milliseconds: int) -> str:
    """``2026-11-26T04:05:06.789Z``, as JavaScript's ``Date.toJSON`` writes it.

    Runs for every message, so the date and time of day are formatted once per second (``_second_text``).
    """
    return f"{_second_text(epoch_milliseconds // 1000)}.{epoch_milliseconds % 1000:03d}Z"


def now_milliseconds() -> int:
    """Milliseconds since the epoch, truncated as ``Date.now()`` is (integer arithmetic: no float rounding)."""
    return time.time_ns() // 1_000_000


_last_second: list[object] = [None, ""]  # (epoch second, its text): messages come many per second


def _second_text(epoch_second: int) -> str:
    if _last_second[0] != epoch_second:
        _last_second[0], _last_second[1] = epoch_second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_second))
    return _last_second[1]  # type: ignore[return-value]


class MessageBuilder:
    """Turns (type, identity, options, per-type fields) into one RudderStack message dict."""

    def __init__(self, environment: Environment, *, integrations: JSONObject | None = None) -> None:
        self._environment = environment
        self._device = environment.device_context()
        self._integrations = deep_merge(DEFAULT_INTEGRATIONS, integrations or {})

    def now(self) -> str:
        return iso_timestamp(now_milliseconds())

    def page_info(self) -> PageInfo:
        return self._environment.page()

    def build(self, message_type: str, identity: IdentitySnapshot, options: CallOptions, fields: JSONObject, *,
              timestamp: str | None = None, page: PageInfo | None = None,
              session: JSONObject | None = None) -> dict[str, Any]:
        """``session``: the session's context keys (``sessions.Sessions.refresh``); options may override them."""
        page = page or self._environment.page()
        context: JSONObject = {"traits": identity.user_traits, "library": dict(LIBRARY), "page": page.as_context()}
        if session:
            context.update(session)
        context.update(self._device)
        if options.context:
            context = deep_merge(context, options.context)
        sent_at = timestamp or self.now()
        integrations = (deep_merge(self._integrations, options.integrations) if options.integrations
                        else dict(self._integrations))  # a copy either way: hooks may change the message
        message: dict[str, Any] = {
            "type": message_type,
            "messageId": random_uuid(),
            "anonymousId": options.anonymous_id or identity.anonymous_id,
            "userId": identity.user_id,
            "channel": "web",
            "originalTimestamp": options.original_timestamp or sent_at,
            "sentAt": sent_at,
            "context": context,
            "integrations": integrations,
        }
        message.update(fields)
        return message
