"""RudderStack messages (the event spec), built from normalized calls and an identity snapshot.

The page and device facts (URL, title, user agent, …) come from an ``Environment``: the browser supplies the
real one, tests a fixed one. Timestamps follow JavaScript's ``Date.toJSON`` so messages look the same as the
ones RudderStack's JavaScript SDK builds.
"""

import time

from . import __version__, amp_linker
from .identity import deep_merge, random_uuid
from .urls import DIRECT_REFERRER, referring_domain, split_url, utm_parameters, without_hash

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable
    from typing import Any, Protocol

    from .calls import CallOptions, JSONObject
    from .identity import IdentitySnapshot

    class Environment(Protocol):
        """Page and device facts for messages: the browser's (``_browser.BrowserEnvironment``) or fixed ones."""

        def page(self) -> "PageInfo":
            """The page as it is now (single-page apps change it)."""

        def device_context(self) -> JSONObject:
            """Facts that do not change while the page lives: ``userAgent``, ``locale``, ``screen``."""

        def timezone_offset(self) -> int:
            """Minutes from local time to UTC now, as JavaScript's ``Date.getTimezoneOffset()``."""
except ImportError:
    pass

LIBRARY = {"name": "pyodide-pendo", "version": __version__}
DEFAULT_INTEGRATIONS: JSONObject = {"All": True}
# Names RudderStack's event spec reserves; a property or trait by one of these names (in any case) is warned about,
# as RudderStack's checkForReservedElements does.
RESERVED_NAMES = ("id", "anonymous_id", "user_id", "sent_at", "timestamp", "received_at", "original_timestamp",
                  "event", "event_text", "channel", "context_ip", "context_request_ip", "context_passed_ip",
                  "group_id", "previous_id")


class PageInfo:
    """The page facts RudderStack puts in ``context.page`` (and a page call's properties), and the page URL's
    UTM parameters (``context.campaign``).

    ``referring_domain`` defaults to the referrer's host and ``tab_url`` to ``url``; ``page_facts`` makes one
    from what the browser reports, as RudderStack does (canonical URL, no ``#hash``, ``$direct``).
    """

    __slots__ = ("url", "path", "search", "title", "referrer", "referring_domain", "tab_url", "campaign")

    def __init__(self, url: str = "", path: str = "", search: str = "", title: str = "", referrer: str = "",
                 referring_domain: str | None = None, tab_url: str | None = None) -> None:
        self.url = url
        self.path = path
        self.search = search
        self.title = title
        self.referrer = referrer
        self.referring_domain = _referring_domain(referrer) if referring_domain is None else referring_domain
        self.tab_url = url if tab_url is None else tab_url
        self.campaign = utm_parameters(self.tab_url)

    def as_context(self) -> JSONObject:
        return {"path": self.path, "referrer": self.referrer, "referring_domain": self.referring_domain,
                "search": self.search, "title": self.title, "url": self.url, "tab_url": self.tab_url}

    def facts(self, identity: IdentitySnapshot) -> JSONObject:
        """Everything RudderStack gives ``context.page``: the page's facts and the visitor's first referrer."""
        facts = self.as_context()
        facts["initial_referrer"] = identity.initial_referrer
        facts["initial_referring_domain"] = identity.initial_referring_domain
        return facts


_referring_domain = referring_domain  # PageInfo's argument of that name hides the function


def page_facts(href: str, pathname: str, search: str, title: str, referrer: str, canonical: str | None) -> PageInfo:
    """The page facts for the location's ``href``, ``pathname`` and ``search``, the document's ``title`` and
    ``referrer`` and its ``<link rel="canonical">`` ``href`` attribute (``None`` without one), as RudderStack's
    getDefaultPageProperties derives them: ``url`` is the canonical URL if it is absolute (with the location's
    query if it has none), else the location; either way without its ``#hash``. ``path`` is the canonical URL's,
    ``tab_url`` the location as it is, and an empty referrer is ``$direct``."""
    page_url = href
    if canonical:
        parts = split_url(canonical)
        if parts is not None:
            page_url = canonical + search if not parts.search else canonical
            pathname = parts.path
    return PageInfo(without_hash(page_url), pathname, search, title, referrer or DIRECT_REFERRER, None, href)


class FixedEnvironment:
    """An environment that never changes: for CPython, tests and server-side rendering of messages."""

    __slots__ = ("page_info", "device", "offset")

    def __init__(self, page_info: PageInfo | None = None, device: JSONObject | None = None,
                 timezone_offset: int = 0) -> None:
        self.page_info = page_info if page_info is not None else PageInfo()
        self.device = device
        self.offset = timezone_offset

    def page(self) -> PageInfo:
        return self.page_info

    def device_context(self) -> JSONObject:
        return dict(self.device or {})

    def timezone_offset(self) -> int:
        return self.offset


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

    def __init__(self, environment: Environment, *, integrations: JSONObject | None = None,
                 warn_once: Callable[[str, str], None] | None = None) -> None:
        """``integrations``: the messages' default (``load(integrations=…)``), over ``{"All": True}``.
        ``warn_once(key, text)`` gets the warnings about reserved names, each ``key`` once."""
        self._environment = environment
        self._device = environment.device_context()
        self._integrations = deep_merge(DEFAULT_INTEGRATIONS, integrations or {})
        self._warn_once = warn_once
        self._names_checked: dict[str, set[str]] = {}  # per place, the names already checked: warned once

    def now(self) -> str:
        return iso_timestamp(now_milliseconds())

    def page_info(self) -> PageInfo:
        return self._environment.page()

    def amp_linker_id(self, linker: str) -> str | None:
        """The anonymousId in an AMP linker parameter, checked against this browser (see ``amp_linker``)."""
        return amp_linker.anonymous_id(linker, user_agent=str(self._device.get("userAgent") or ""),
                                       timezone_offset=self._environment.timezone_offset(),
                                       language=str(self._device.get("locale") or ""),
                                       now_minute=now_milliseconds() // 60_000)

    def build(self, message_type: str, identity: IdentitySnapshot, options: CallOptions, fields: JSONObject, *,
              timestamp: str | None = None, page: PageInfo | None = None,
              session: JSONObject | None = None, consent: JSONObject | None = None) -> dict[str, Any]:
        """One message, as RudderStack's getEnrichedEvent builds it: ``context.page`` from the page (for a page
        call, each fact its properties give wins when not empty), ``context.campaign`` from the URL's UTM
        parameters, the session's keys (``session``, from ``sessions.Sessions.refresh``), ``consentManagement``
        (``consent``, with consent management on: ``consent_management.consent_context``), then ``options``
        (``CallOptions``), which may override them. ``event`` and ``properties`` are ``None`` where the type
        has none, as in RudderStack's messages."""
        page = page or self._environment.page()
        page_context = page.facts(identity)
        if message_type == "page":
            properties = fields["properties"]
            for key, value in page_context.items():
                page_context[key] = properties.get(key) or value  # type: ignore[union-attr]
        context: JSONObject = {"traits": identity.user_traits, "library": dict(LIBRARY),
                               "campaign": dict(page.campaign), "page": page_context}
        if session:
            context.update(session)
        if consent is not None:
            context["consentManagement"] = deep_merge(consent, {})  # a copy: hooks may change the message
        context.update(self._device)
        for patch in options.context:
            context = deep_merge(context, patch)
        sent_at = timestamp or self.now()
        message: dict[str, Any] = {
            "type": message_type,
            "messageId": random_uuid(),
            "anonymousId": options.anonymous_id or identity.anonymous_id,
            "userId": identity.user_id,
            "channel": "web",
            "originalTimestamp": options.original_timestamp or sent_at,
            "sentAt": sent_at,
            "context": context,
            # a copy either way: hooks may change the message
            "integrations": dict(options.integrations or self._integrations),
            "event": None,
        }
        if message_type not in _TYPES_WITH_PROPERTIES:
            message["properties"] = None
        message.update(fields)
        if self._warn_once is not None:
            self._check_reserved_names(message)
        return message

    def _check_reserved_names(self, message: dict[str, Any]) -> None:
        """Warn, once per name and place, about a property or trait named as RudderStack reserves (its
        checkForReservedElements, which warns on every message)."""
        places = [("properties", message.get("properties")), ("context.traits", message["context"].get("traits"))]
        if message["type"] == "group":  # an identify message's traits are its context.traits
            places.insert(1, ("traits", message.get("traits")))
        for place, values in places:
            if type(values) is not dict:
                continue
            checked = self._names_checked.setdefault(place, set())
            if checked.issuperset(values):  # the usual case: the same names message after message
                continue
            for name in values:
                if name in checked:
                    continue
                checked.add(name)
                if name.lower() in RESERVED_NAMES:
                    self._warn_once(f"reserved {place} {name}",  # type: ignore[misc]
                                    f"{place}[{name!r}]: {name!r} is a name RudderStack's event spec reserves "
                                    f"({', '.join(RESERVED_NAMES)}); rename it to avoid clashing with those fields "
                                    "downstream (warned once)")


_TYPES_WITH_PROPERTIES = ("track", "page")
