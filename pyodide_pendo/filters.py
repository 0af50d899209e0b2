"""Which messages reach Pendo: the ``integrations`` option and RudderStack's client-side event filtering.

Event filtering follows RudderStack v3: it applies to track events only; names are trimmed and compared
case-sensitively; the lists use the destination config's shape, ``[{"eventName": "..."}]``, and entries with
an empty name are ignored (RudderStack's dashboard saves one such entry by default).
"""

from .values import is_mapping

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Mapping
    from typing import Any
except ImportError:
    pass

DESTINATION_NAME = "Pendo"
FILTERING_OPTIONS = ("disable", "whitelistedEvents", "blacklistedEvents")


def destination_enabled(integrations: Mapping[str, Any], name: str = DESTINATION_NAME) -> bool:
    """``{"Pendo": False}`` turns Pendo off, ``{"All": False, "Pendo": True}`` picks it alone."""
    if name in integrations:
        return integrations[name] is not False
    return integrations.get("All", True) is not False


def _event_names(entries: object, *, argument: str) -> frozenset[str]:
    if entries is None:
        return frozenset()
    if not isinstance(entries, (list, tuple)):
        raise TypeError(f"{argument} must be a list like [{{'eventName': 'Order Completed'}}]")
    names = set()
    for entry in entries:
        if not is_mapping(entry) or not isinstance(entry.get("eventName", ""), str):
            raise TypeError(f"{argument} entries must look like {{'eventName': 'Order Completed'}}, got {entry!r}")
        name = entry.get("eventName", "").strip()
        if name:
            names.add(name)
    return frozenset(names)


class EventFilter:
    """RudderStack's client-side event filter: ``option`` is one of ``FILTERING_OPTIONS``."""

    __slots__ = ("option", "allowed", "blocked")

    def __init__(self, option: str = "disable", allowed: frozenset[str] = frozenset(),
                 blocked: frozenset[str] = frozenset()) -> None:
        self.option = option
        self.allowed = allowed
        self.blocked = blocked

    @classmethod
    def from_config(cls, option: object = "disable", whitelisted: object = None, blacklisted: object = None,
                    ) -> "EventFilter":
        """From the destination config's ``eventFilteringOption``, ``whitelistedEvents``, ``blacklistedEvents``.

        Raises ``ValueError`` for an unknown option, ``TypeError`` for lists not shaped like RudderStack's.
        """
        if not isinstance(option, str) or option not in FILTERING_OPTIONS:
            raise ValueError(f"eventFilteringOption must be one of {', '.join(FILTERING_OPTIONS)}; got {option!r}")
        return cls(option, _event_names(whitelisted, argument="whitelistedEvents"),
                   _event_names(blacklisted, argument="blacklistedEvents"))

    def allows(self, message: Mapping[str, Any]) -> bool:
        if self.option == "disable" or message.get("type") != "track":
            return True
        name = (message.get("event") or "").strip()
        if self.option == "whitelistedEvents":
            return bool(name) and name in self.allowed
        return name not in self.blocked
