"""RudderStack message → Pendo agent calls. The last pure step before the browser.

identify, group and alias become ``identify({visitor, account[, parentAccount]})`` with the current visitor
and account; track becomes ``track(event, properties)``, page ``pageLoad(url)``, and reset ``clearSession()``
then ``identify`` with the new anonymous visitor (the README's "What Pendo receives" says how RudderStack's
integration differs). The visitor id is the user id, or ``_PENDO_T_`` + anonymousId, the prefix Pendo uses
for anonymous visitors, so ``get_anonymous_id()`` and Pendo agree. Without a group the account is
``{"id": null}``, which makes the agent drop its account (an empty one would let it keep the account it
stored for an earlier user, shared by every tab).
"""

from .calls import AliasCall, GroupCall, IdentifyCall, PageCall, TrackCall
from .values import is_mapping, json_text

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable, Mapping
    from typing import Any

    from .identity import IdentitySnapshot
    from .pendo_sanitize import PendoSanitizer
    from .values import JSONValue
except ImportError:
    pass

ANONYMOUS_PREFIX = "_PENDO_T_"
PARENT_ACCOUNT_TRAIT = "parentAccount"


class PendoCall:
    """One call on ``window.pendo``: ``method`` and its JSON-ready arguments."""

    __slots__ = ("method", "arguments")

    def __init__(self, method: str, arguments: tuple[JSONValue, ...] = ()) -> None:
        self.method = method
        self.arguments = arguments

    def arguments_json(self) -> str:
        """The arguments as JSON text: what crosses into JavaScript (one string, no proxies)."""
        return json_text(self.arguments)


def visitor_id(user_id: str | None, anonymous_id: str) -> str:
    return user_id or ANONYMOUS_PREFIX + anonymous_id


class PendoMapper:
    """Pendo's side of each call kind: one method per message type, found through ``_by_kind``."""

    def __init__(self, sanitizer: PendoSanitizer) -> None:
        self._sanitizer = sanitizer
        self._by_kind: dict[str, Callable[[Mapping[str, Any], IdentitySnapshot], list[PendoCall]]] = {
            IdentifyCall.kind: self._identify, AliasCall.kind: self._identify, GroupCall.kind: self._group,
            TrackCall.kind: self._track, PageCall.kind: self._page,
        }

    def _metadata(self, identifier: str | None, traits: Mapping[str, Any], kind: str) -> dict[str, JSONValue]:
        if identifier is None:
            return {}
        # The id goes through the sanitizer too, for Pendo's visitor-id length check; it wins over a trait "id".
        metadata = dict(traits)
        metadata["id"] = identifier
        return self._sanitizer.metadata(metadata, kind=kind)

    def identity(self, user_id: str | None, anonymous_id: str, user_traits: Mapping[str, Any],
                 group_id: str | None, group_traits: Mapping[str, Any]) -> dict[str, JSONValue]:
        """Pendo's ``{visitor, account, parentAccount}`` for ``initialize`` and ``identify``."""
        account_traits = dict(group_traits)
        parent = account_traits.pop(PARENT_ACCOUNT_TRAIT, None)
        options: dict[str, JSONValue] = {
            "visitor": self._metadata(visitor_id(user_id, anonymous_id), user_traits, "visitor"),
            "account": {"id": None} if group_id is None else self._metadata(group_id, account_traits, "account"),
        }
        if is_mapping(parent) and parent.get("id") not in (None, ""):
            parent_traits = dict(parent)
            parent_id = str(parent_traits.pop("id"))
            options["parentAccount"] = self._metadata(parent_id, parent_traits, "parentAccount")
        elif isinstance(parent, (str, int)) and not isinstance(parent, bool) and parent != "":
            options["parentAccount"] = {"id": str(parent)}
        return options

    def snapshot_identity(self, snapshot: IdentitySnapshot) -> dict[str, JSONValue]:
        return self.identity(snapshot.user_id, snapshot.anonymous_id, snapshot.user_traits,
                             snapshot.group_id, snapshot.group_traits)

    def calls(self, message: Mapping[str, Any], snapshot: IdentitySnapshot) -> list[PendoCall]:
        """The agent calls for one message; ``snapshot`` supplies what the message does not carry. A message
        type with no mapping (a hook may change the type) makes no call."""
        mapper = self._by_kind.get(message.get("type"))  # type: ignore[arg-type]
        return mapper(message, snapshot) if mapper is not None else []

    def _identify(self, message: Mapping[str, Any], snapshot: IdentitySnapshot) -> list[PendoCall]:
        """identify and alias: the message's visitor, with the current account."""
        return [PendoCall("identify", (self.identity(
            message.get("userId"), message.get("anonymousId") or snapshot.anonymous_id,
            (message.get("context") or {}).get("traits") or {}, snapshot.group_id, snapshot.group_traits),))]

    def _group(self, message: Mapping[str, Any], snapshot: IdentitySnapshot) -> list[PendoCall]:
        """The message's account (its traits as account metadata), with the current visitor."""
        return [PendoCall("identify", (self.identity(
            message.get("userId"), message.get("anonymousId") or snapshot.anonymous_id,
            (message.get("context") or {}).get("traits") or {}, message.get("groupId"),
            message.get("traits") or {}),))]

    def _track(self, message: Mapping[str, Any], snapshot: IdentitySnapshot) -> list[PendoCall]:
        event = message["event"]
        return [PendoCall("track", (event, self._sanitizer.properties(event, message.get("properties") or {})))]

    def _page(self, message: Mapping[str, Any], snapshot: IdentitySnapshot) -> list[PendoCall]:
        properties = message.get("properties") or {}
        url = properties.get("url") or (message.get("context") or {}).get("page", {}).get("url") or None
        return [PendoCall("pageLoad", (url,) if url else ())]

    def reset_calls(self, snapshot: IdentitySnapshot) -> list[PendoCall]:
        return [PendoCall("clearSession"), PendoCall("identify", (self.snapshot_identity(snapshot),))]

    def switch_calls(self, told: IdentitySnapshot, snapshot: IdentitySnapshot) -> list[PendoCall]:
        """Calls that move the agent from the identity it was ``told`` to ``snapshot`` (another tab changed the
        stored identity); none if they agree. Another user, or none, starts a new session as ``reset`` does."""
        if (visitor_id(told.user_id, told.anonymous_id), told.user_traits, told.group_id, told.group_traits) == (
                visitor_id(snapshot.user_id, snapshot.anonymous_id), snapshot.user_traits, snapshot.group_id,
                snapshot.group_traits):
            return []
        if told.user_id is not None and told.user_id != snapshot.user_id:
            return self.reset_calls(snapshot)
        return [PendoCall("identify", (self.snapshot_identity(snapshot),))]
