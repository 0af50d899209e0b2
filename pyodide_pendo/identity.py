"""Who the visitor is: anonymousId, user id and traits, group id and traits, with RudderStack's rules.

Changes make new dicts, so a snapshot taken for a waiting call keeps its values. Traits deep-merge across
calls, but lists are *replaced*, not merged by index as RudderStack does (rudder-sdk-js#1875: ``["a", "b"]``
then ``["c"]`` gave ``["c", "b"]``); identify with another user id first resets user and group.
"""

import os

from .persistence import (
    ANONYMOUS_ID,
    GROUP_ID,
    GROUP_TRAITS,
    INITIAL_REFERRER,
    INITIAL_REFERRING_DOMAIN,
    USER_ID,
    USER_TRAITS,
)
from .urls import referring_domain

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable
    from typing import Any, TypeAlias

    from .persistence import IdentityStore
    from .values import JSONValue

    JSONObject: TypeAlias = dict[str, JSONValue]
except ImportError:
    pass


def deep_merge(base: JSONObject, update: JSONObject) -> JSONObject:
    """A new dict: ``update`` over ``base``, nested dicts merged, everything else replaced."""
    merged = dict(base)
    merged.update(update)
    for key, value in update.items():
        if type(value) is dict:
            current = base.get(key)
            if type(current) is dict:
                merged[key] = deep_merge(current, value)
    return merged


class _RandomPool:
    """Random bytes drawn 4 KiB at a time from ``source``: ``os.urandom`` (in Pyodide each draw is a call into
    the page's crypto). MicroPython has no ``os.urandom``, and its ``random`` module is a 32-bit-seeded
    generator, too few sequences for ids that must not collide across visitors: there the browser bridge
    gives the page's ``crypto.getRandomValues`` (``use_random_source``) before the first id is made."""

    def __init__(self, source: Callable[[int], bytes] | None) -> None:
        self.source = source
        self._pool = b""
        self._offset = 0

    def take(self, count: int) -> bytes:
        if self._offset + count > len(self._pool):
            if self.source is None:
                raise RuntimeError("no source of random bytes: call use_random_source() first")
            self._pool, self._offset = self.source(4096), 0
        self._offset += count
        return self._pool[self._offset - count:self._offset]


_random_pool = _RandomPool(getattr(os, "urandom", None))


def use_random_source(source: Callable[[int], bytes]) -> None:
    """Draw ids' random bytes from ``source(count)`` from now on."""
    _random_pool.source = source


def random_uuid() -> str:
    """A random UUID v4 as text, like ``str(uuid.uuid4())`` from 16 random bytes.

    Formatted directly: half the cost of building a ``uuid.UUID`` in Pyodide (every message takes one), and
    importing the ``uuid`` module costs about 25 ms there.
    """
    random_bytes = _random_pool.take(16)
    digits = random_bytes.hex()
    variant = "89ab"[random_bytes[8] >> 4 & 3]  # the RFC 4122 variant: 10xx in the top bits of byte 8
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def new_anonymous_id() -> str:
    return random_uuid()


class IdentitySnapshot:
    """The identity at one moment. Never changed in place: ``replace`` makes a new one, so a waiting call
    keeps the identity it was made with."""

    __slots__ = ("anonymous_id", "user_id", "user_traits", "group_id", "group_traits", "initial_referrer",
                 "initial_referring_domain")

    def __init__(self, anonymous_id: str, user_id: str | None, user_traits: JSONObject, group_id: str | None,
                 group_traits: JSONObject, initial_referrer: str = "", initial_referring_domain: str = "") -> None:
        self.anonymous_id = anonymous_id
        self.user_id = user_id
        self.user_traits = user_traits
        self.group_id = group_id
        self.group_traits = group_traits
        self.initial_referrer = initial_referrer
        self.initial_referring_domain = initial_referring_domain

    def replace(self, **changes: Any) -> "IdentitySnapshot":
        """A copy with ``changes`` (field name → new value)."""
        fields = {name: getattr(self, name) for name in IdentitySnapshot.__slots__}
        fields.update(changes)
        return IdentitySnapshot(**fields)


STORAGE_KEYS = {"anonymous_id": ANONYMOUS_ID, "user_id": USER_ID, "user_traits": USER_TRAITS, "group_id": GROUP_ID,
                "group_traits": GROUP_TRAITS, "initial_referrer": INITIAL_REFERRER,
                "initial_referring_domain": INITIAL_REFERRING_DOMAIN}
# reset()'s entry names (RudderStack's) for the values here
RESET_FIELDS = {"userId": "user_id", "userTraits": "user_traits", "groupId": "group_id", "groupTraits": "group_traits",
                "initialReferrer": "initial_referrer", "initialReferringDomain": "initial_referring_domain"}
CLEARED: dict[str, Any] = {"user_id": None, "user_traits": {}, "group_id": None, "group_traits": {},
                           "initial_referrer": "", "initial_referring_domain": ""}
FIELDS = {key: name for name, key in STORAGE_KEYS.items()}


class Identity:
    """The current identity, written through to the store on every change.

    The store is shared by every tab of the site (and by RudderStack's SDK), so, as RudderStack does, what it
    holds is the identity: ``refresh()`` takes over what another tab stored since. Each change is made from the
    refreshed identity and written whole, so a user id is never stored next to another user's traits or group.
    """

    def __init__(self, store: IdentityStore, anonymous_id_if_none: str | None = None, referrer: str = "") -> None:
        """``anonymous_id_if_none``: the anonymousId to use when the store holds none (the one the early-start
        script gave Pendo); else a new one. ``referrer``: this page's, which becomes the visitor's initial
        referrer unless the store holds both it and its domain (RudderStack's setInitialReferrerInfo)."""
        self._store = store
        stored = store.read_all()
        initial_referrer = stored.get(INITIAL_REFERRER) or ""
        initial_domain = stored.get(INITIAL_REFERRING_DOMAIN) or ""
        if not (initial_referrer and initial_domain):
            initial_referrer = initial_referrer or referrer
            initial_domain = referring_domain(initial_referrer)  # type: ignore[arg-type]
        self.current = IdentitySnapshot(
            anonymous_id=stored.get(ANONYMOUS_ID) or anonymous_id_if_none or new_anonymous_id(),  # type: ignore[arg-type]
            user_id=stored.get(USER_ID),  # type: ignore[arg-type]
            user_traits=stored.get(USER_TRAITS) or {},  # type: ignore[arg-type]
            group_id=stored.get(GROUP_ID),  # type: ignore[arg-type]
            group_traits=stored.get(GROUP_TRAITS) or {},  # type: ignore[arg-type]
            initial_referrer=initial_referrer,  # type: ignore[arg-type]
            initial_referring_domain=initial_domain,  # type: ignore[arg-type]
        )
        writes = {ANONYMOUS_ID: self.current.anonymous_id}
        for key, value in ((INITIAL_REFERRER, initial_referrer), (INITIAL_REFERRING_DOMAIN, initial_domain)):
            if stored.get(key) != value:
                writes[key] = value  # type: ignore[assignment]
        self._store.write(writes)  # type: ignore[arg-type]

    def refresh(self) -> IdentitySnapshot:
        """The identity as stored now. A removed anonymousId is written back (an id must always exist)."""
        changed = self._store.changes()
        if changed:
            values = {FIELDS[key]: value for key, value in changed.items()}
            for name, empty in (("user_traits", {}), ("group_traits", {}), ("initial_referrer", ""),
                                ("initial_referring_domain", "")):
                if name in values and values[name] is None:
                    values[name] = empty
            if "anonymous_id" in values and values["anonymous_id"] is None:
                del values["anonymous_id"]
                self._store.write({ANONYMOUS_ID: self.current.anonymous_id})
            # Values kept in memory only (their write did not stick) belong to the user or group they came with.
            for owner, owned in (("user_id", ("user_traits", "group_id", "group_traits")),
                                 ("group_id", ("group_traits",))):
                if owner in values and values[owner] != getattr(self.current, owner):
                    for name in owned:
                        if name not in values and not self._store.holds(STORAGE_KEYS[name]):
                            values[name] = None if name == "group_id" else {}
            self.current = self.current.replace(**values)
        return self.current

    def _change(self, **changes: Any) -> IdentitySnapshot:
        writes = {STORAGE_KEYS[name]: value for name, value in changes.items() if getattr(self.current, name) != value}
        if writes:
            self._store.write(writes)
        self.current = self.current.replace(**changes)
        return self.current

    def identify(self, user_id: str | None, traits: JSONObject) -> IdentitySnapshot:
        current = self.refresh()
        if user_id is not None and current.user_id is not None and user_id != current.user_id:
            current = current.replace(user_id=None, user_traits={}, group_id=None, group_traits={})
        return self._change(user_id=user_id or current.user_id, user_traits=deep_merge(current.user_traits, traits),
                            group_id=current.group_id, group_traits=current.group_traits)

    def group(self, group_id: str | None, traits: JSONObject) -> IdentitySnapshot:
        current = self.refresh()
        return self._change(group_id=group_id or current.group_id,
                            group_traits=deep_merge(current.group_traits, traits))

    def alias(self, to: str) -> IdentitySnapshot:
        self.refresh()
        return self._change(user_id=to)

    def reset(self, entries: dict[str, bool]) -> IdentitySnapshot:
        """Clear the values whose entry (by RudderStack's names: ``userId``, ``anonymousId``, …) is ``True``; a
        cleared anonymousId is replaced by a new one. Entries for values kept elsewhere are not looked at."""
        self.refresh()
        changes: dict[str, Any] = {}
        for entry, field in RESET_FIELDS.items():
            if entries.get(entry):
                changes[field] = CLEARED[field]
        if entries.get("anonymousId"):
            changes["anonymous_id"] = new_anonymous_id()
        return self._change(**changes)

    def set_anonymous_id(self, anonymous_id: str | None) -> IdentitySnapshot:
        self.refresh()
        return self._change(anonymous_id=anonymous_id or new_anonymous_id())
