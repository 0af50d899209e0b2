"""RudderStack message → Pendo agent calls. The last pure step before the browser.

identify, group and alias become ``identify({visitor, account[, parentAccount]})`` with the current visitor
and account; track becomes ``track(event, properties)``, page ``pageLoad(url)``, and reset ``clearSession()``
then ``identify`` with the new anonymous visitor (the README's "What Pendo receives" says how RudderStack's
integration differs). The visitor id is the user id, or ``_PENDO_T_`` + anonymousId, the prefix Pendo uses
for anonymous visitors, so ``get_anonymous_id()`` and Pendo agree. Without a group the account is
``{"id": null}``, which makes the agent drop its account (an empty one would let it keep the account it
stored for an earlier user, shared by every tab).
"""

from .values import is_mapping, json_text

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Mapping
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
    def __init__(self, sanitizer: PendoSanitizer) -> None:
        self._sanitizer = sanitizer

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
        """The agent calls for one message; ``snapshot`` supplies what the message does not carry."""
        kind = message.get("type")
        user_id = message.get("userId")
        anonymous_id = message.get("anonymousId") or snapshot.anonymous_id
        user_traits = (message.get("context") or {}).get("traits") or {}
        if kind in ("identify", "alias"):
            identity = self.identity(user_id, anonymous_id, user_traits, snapshot.group_id, snapshot.group_traits)
        elif kind == "group":
            identity = self.identity(user_id, anonymous_id, user_traits, message.get("groupId"),
                                     message.get("traits") or {})
        elif kind == "track":
            event = message["event"]
            return [PendoCall("track", (event, self._sanitizer.properties(event, message.get("properties") or {})))]
        elif kind == "page":
            properties = message.get("properties") or {}
            url = properties.get("url") or (message.get("context") or {}).get("page", {}).get("url") or None
            return [PendoCall("pageLoad", (url,) if url else ())]
        else:
            return []
        return [PendoCall("identify", (identity,))]

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
