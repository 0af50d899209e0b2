"""Each call kind of the API as one class: its argument rules, what it does to the identity, its message fields.

``Analytics`` dispatches on these classes, never on a kind's name: ``<Kind>Call.from_arguments`` applies
RudderStack's argument rules at the call site, so bad input raises where the user called, and returns a record
of checked, JSON-ready copies; ``apply`` later changes the identity as the call does and gives the message's
own fields (``kind`` is the message's ``type``). RudderStack v3's rules (the README lists them) hold, with two
differences on purpose: an id must be a ``str`` or an ``int`` (a float or bool id raises instead of becoming
``"1.0"`` or ``"True"``), and an event name must be more than white space.
"""

from .values import is_mapping, to_json_value

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable
    from typing import TYPE_CHECKING, Any, Self, TypeAlias

    from .identity import Identity, IdentitySnapshot
    from .values import JSONValue, Warn

    if TYPE_CHECKING:  # messages imports this module
        from .messages import PageInfo

    Callback: TypeAlias = Callable[[dict[str, Any]], object]
    JSONObject: TypeAlias = dict[str, JSONValue]
    Call: TypeAlias = "MessageCall | ResetCall | SetAnonymousIdCall"
except ImportError:
    pass


class CallOptions:
    """RudderStack's per-call ``options``: three top-level overrides, and the rest for ``context``."""

    __slots__ = ("anonymous_id", "original_timestamp", "integrations", "context")

    def __init__(self, anonymous_id: str | None = None, original_timestamp: str | None = None,
                 integrations: JSONObject | None = None, context: JSONObject | None = None) -> None:
        self.anonymous_id = anonymous_id
        self.original_timestamp = original_timestamp
        self.integrations = integrations
        self.context = context


NO_OPTIONS = CallOptions()


class MessageCall:
    """A call that builds a RudderStack message of type ``kind``. Each kind sets ``options`` and ``callback`` in
    its own ``__init__`` (no call up to this class's: one call fewer per API call)."""

    __slots__ = ("options", "callback")
    kind = ""
    options: CallOptions
    callback: Callback | None

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        """Change ``identity`` as this call does; returns the identity after it and the message's own fields."""
        raise NotImplementedError


class TraitsCall(MessageCall):
    """identify and group, which share their argument rules: an id (``id_argument``) and traits."""

    __slots__ = ("id", "traits")
    id_argument = ""

    def __init__(self, id: str | None, traits: JSONObject, options: CallOptions,
                 callback: Callback | None) -> None:
        self.options = options
        self.callback = callback
        self.id = id
        self.traits = traits

    @classmethod
    def from_arguments(cls, id: object, traits: object, options: object, callback: object, *,
                       warn: Warn) -> Self:
        """``(id, traits, options, callback)``, or ``(traits, options)`` keeping the current id."""
        (id, traits, options), found = split_callback(id, traits, options)
        if is_mapping(id):
            id, traits, options = None, id, traits
        return cls(normalize_id(id, argument=cls.id_argument), normalize_mapping(traits, argument="traits", warn=warn),
                   normalize_options(options, warn=warn), found or _check_callback(callback))


class IdentifyCall(TraitsCall):
    __slots__ = ()
    kind = "identify"
    id_argument = "user_id"

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        snapshot = identity.identify(self.id, self.traits)
        return snapshot, {"traits": snapshot.user_traits}


class GroupCall(TraitsCall):
    __slots__ = ()
    kind = "group"
    id_argument = "group_id"

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        snapshot = identity.group(self.id, self.traits)
        return snapshot, {"groupId": snapshot.group_id, "traits": snapshot.group_traits}


class TrackCall(MessageCall):
    __slots__ = ("event", "properties")
    kind = "track"

    def __init__(self, event: str, properties: JSONObject, options: CallOptions, callback: Callback | None) -> None:
        self.options = options
        self.callback = callback
        self.event = event
        self.properties = properties

    @classmethod
    def from_arguments(cls, event: object, properties: object, options: object, callback: object, *,
                       warn: Warn) -> "TrackCall":
        (event, properties, options), found = split_callback(event, properties, options)
        return cls(normalize_event_name(event), normalize_mapping(properties, argument="properties", warn=warn),
                   normalize_options(options, warn=warn), found or _check_callback(callback))

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        return identity.refresh(), {"event": self.event, "properties": self.properties}


class PageCall(MessageCall):
    __slots__ = ("category", "name", "properties")
    kind = "page"

    def __init__(self, category: str | None, name: str | None, properties: JSONObject, options: CallOptions,
                 callback: Callback | None) -> None:
        self.options = options
        self.callback = callback
        self.category = category
        self.name = name
        self.properties = properties

    @classmethod
    def from_arguments(cls, category: object, name: object, properties: object, options: object,
                       callback: object, *, warn: Warn) -> "PageCall":
        """``(category, name, properties, options)``, ``(name, properties, options)`` or
        ``(properties, options)``; name and category are copied into the properties."""
        (category, name, properties, options), found = split_callback(category, name, properties, options)
        if is_mapping(category):
            category, name, properties, options = None, None, category, name
        elif isinstance(category, str) and (name is None or is_mapping(name)):
            category, name, properties, options = None, category, name, properties
        page_category, page_name = _page_text(category, "category"), _page_text(name, "name")
        page_properties = normalize_mapping(properties, argument="properties", warn=warn)
        if page_name is not None:
            page_properties["name"] = page_name
        if page_category is not None:
            page_properties["category"] = page_category
        return cls(page_category, page_name, page_properties, normalize_options(options, warn=warn),
                   found or _check_callback(callback))

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        """The page's url, path, title… are the properties' defaults, as in RudderStack."""
        properties = page.as_context()
        properties.update(self.properties)
        return identity.refresh(), {"name": self.name, "category": self.category, "properties": properties}


class AliasCall(MessageCall):
    __slots__ = ("to", "from_")
    kind = "alias"

    def __init__(self, to: str, from_: str | None, options: CallOptions, callback: Callback | None) -> None:
        self.options = options
        self.callback = callback
        self.to = to
        self.from_ = from_

    @classmethod
    def from_arguments(cls, to: object, from_: object, options: object, callback: object, *,
                       warn: Warn) -> "AliasCall":
        """``(to, from_, options)`` or ``(to, options)``."""
        (to, from_, options), found = split_callback(to, from_, options)
        if is_mapping(from_):
            from_, options = None, from_
        return cls(normalize_id(to, argument="to", required=True),  # type: ignore[arg-type]
                   normalize_id(from_, argument="from_"), normalize_options(options, warn=warn),
                   found or _check_callback(callback))

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        current = identity.refresh()
        previous = self.from_ or current.user_id or current.anonymous_id
        return identity.alias(self.to), {"previousId": previous}


class ResetCall:
    """``reset()``: no message; the agent starts a new session with the new identity."""

    __slots__ = ("reset_anonymous_id",)
    kind = "reset"

    def __init__(self, reset_anonymous_id: bool) -> None:
        self.reset_anonymous_id = reset_anonymous_id

    @classmethod
    def from_arguments(cls, reset_anonymous_id: object) -> "ResetCall":
        if not isinstance(reset_anonymous_id, bool):
            raise TypeError("reset_anonymous_id must be True or False")
        return cls(reset_anonymous_id)


class SetAnonymousIdCall:
    """``set_anonymous_id()``: no message; ``None`` makes a new UUID."""

    __slots__ = ("anonymous_id",)
    kind = "set_anonymous_id"

    def __init__(self, anonymous_id: str | None) -> None:
        self.anonymous_id = anonymous_id

    @classmethod
    def from_arguments(cls, anonymous_id: object) -> "SetAnonymousIdCall":
        return cls(normalize_id(anonymous_id, argument="anonymous_id"))


def split_callback(*values: object) -> tuple[list[object] | tuple[object, ...], Callback | None]:
    """Cut the arguments at the first callable: it is the callback and what follows it is ignored."""
    if not any(map(callable, values)):
        return values, None
    for index, value in enumerate(values):
        if callable(value):
            return list(values[:index]) + [None] * (len(values) - index), value
    return list(values), None


def normalize_id(value: object, *, argument: str, required: bool = False) -> str | None:
    """``str`` as is, ``int`` as its decimal text; ``None`` or ``""`` mean "not given"."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{argument} is required: pass a non-empty string (or an int)")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(
        f"{argument} must be a str or an int, not {type(value).__name__}: pass the id as text, e.g. str(id)"
    )


def normalize_mapping(value: object, *, argument: str, warn: Warn) -> JSONObject:
    if value is None:
        return {}
    if not is_mapping(value):
        raise TypeError(f"{argument} must be a dict (a mapping of str keys), not {type(value).__name__}")
    return to_json_value(value, path=argument, warn=warn)  # type: ignore[return-value]


def normalize_options(value: object, *, warn: Warn) -> CallOptions:
    """RudderStack's ``options``: three keys override the message, the rest deep-merge into ``context``."""
    if value is None:
        return NO_OPTIONS
    options = normalize_mapping(value, argument="options", warn=warn)
    anonymous_id = normalize_id(options.pop("anonymousId", None), argument="options['anonymousId']")
    original_timestamp = options.pop("originalTimestamp", None)
    if original_timestamp is not None and not isinstance(original_timestamp, str):
        raise TypeError("options['originalTimestamp'] must be an ISO 8601 str or a datetime")
    integrations = options.pop("integrations", None)
    if integrations is not None and not isinstance(integrations, dict):
        raise TypeError(
            "options['integrations'] must be a dict such as {'All': False, 'Pendo': True}, "
            f"not {type(integrations).__name__}"
        )
    return CallOptions(anonymous_id, original_timestamp, integrations, options or None)


def _check_callback(callback: object) -> Callback | None:
    if callback is None or callable(callback):
        return callback
    raise TypeError(f"callback must be callable (a function taking the message), not {type(callback).__name__}")


def normalize_event_name(event: object) -> str:
    if not isinstance(event, str):
        raise TypeError(f"event must be a non-empty str naming the event, e.g. 'Order Completed'; "
                        f"got {type(event).__name__}")
    if not event.strip():
        raise ValueError(f"event must be a non-empty str naming the event, e.g. 'Order Completed'; got {event!r}")
    return event


def _page_text(value: object, argument: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"page {argument} must be a str, not {type(value).__name__}")
