"""Each call kind of the API as one class: its argument rules, what it does to the identity, its message fields.

``Analytics`` dispatches on these classes, never on a kind's name: ``<Kind>Call.from_arguments`` applies
RudderStack's argument rules at the call site, so bad input raises where the user called, and returns a record
of checked, JSON-ready copies; ``apply`` later changes the identity as the call does and gives the message's
own fields (``kind`` is the message's ``type``). RudderStack v3's rules (the README lists them) hold, with these
differences on purpose:
- an id must be a ``str`` or an ``int`` (a float or bool id raises instead of becoming ``"1.0"`` or ``"True"``),
  and an event name must be more than white space;
- ``None`` means "not given" (JavaScript's ``undefined``), so a keyword call does what the same values do in
  position: ``page("Docs", properties={...}, options={...})`` is ``page("Docs", None, {...}, {...})``. Where an
  argument moves left (``identify({...}, None, options)``), a ``None`` it would move does not push out a later
  argument that was given: JavaScript would drop ``options`` there;
- a ``None`` id keeps the current one (in JavaScript ``null`` keeps it and ``undefined`` clears it).
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


# RudderStack's top-level message fields that options override, and the context keys options never override
# (its event spec; ``consentManagement`` is the SDK's own, from the consent settings).
TOP_LEVEL_OPTIONS = ("integrations", "anonymousId", "originalTimestamp")
RESERVED_CONTEXT_KEYS = ("library", "consentManagement", "userAgent", "ua-ch", "screen")


class CallOptions:
    """RudderStack's per-call ``options``: three top-level overrides, what merges into ``context`` (in the order
    given: one patch per key), and ``options["page"]``, which also gives a page call's properties their defaults."""

    __slots__ = ("anonymous_id", "original_timestamp", "integrations", "context", "page")

    def __init__(self, anonymous_id: str | None = None, original_timestamp: str | None = None,
                 integrations: JSONObject | None = None, context: tuple[JSONObject, ...] = (),
                 page: JSONObject | None = None) -> None:
        self.anonymous_id = anonymous_id
        self.original_timestamp = original_timestamp
        self.integrations = integrations
        self.context = context
        self.page = page


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
            id, traits, options = None, id, _shifted(traits, options)
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
            category, name, properties, options = None, None, category, _shifted(name, options)
        elif is_mapping(name):
            name, properties, options = None, name, _shifted(properties, options)
        if isinstance(category, str) and not isinstance(name, str):  # one text alone is the page's name
            category, name = None, category
        page_category, page_name = _page_text(category, "category"), _page_text(name, "name")
        page_properties = normalize_mapping(properties, argument="properties", warn=warn)
        if page_name:  # as RudderStack: an empty name or category is not copied
            page_properties["name"] = page_name
        if page_category:
            page_properties["category"] = page_category
        return cls(page_category, page_name, page_properties, normalize_options(options, warn=warn),
                   found or _check_callback(callback))

    def apply(self, identity: Identity, page: "PageInfo") -> tuple[IdentitySnapshot, JSONObject]:
        """Each page fact the properties lack (``url``, ``path``, ``referrer``…, ``initial_referrer``) comes from
        ``options["page"]``, else from the page, as RudderStack's getUpdatedPageProperties does."""
        snapshot = identity.refresh()
        properties = dict(self.properties)
        given = self.options.page or {}
        for key, value in page.facts(snapshot).items():
            if key not in properties:
                properties[key] = given.get(key) or value
        return snapshot, {"name": self.name, "category": self.category, "properties": properties}


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


# What reset() clears by default (True) and keeps (False), by RudderStack's entry names; ``sessionInfo`` and
# ``authToken`` are RudderStack's too (a new session; the data plane's token, which device mode has none of).
RESET_ENTRIES = {"userId": True, "userTraits": True, "groupId": True, "groupTraits": True, "sessionInfo": True,
                 "authToken": True, "anonymousId": False, "initialReferrer": False, "initialReferringDomain": False}


class ResetCall:
    """``reset()``: no message; the agent starts a new session with the new identity. ``entries`` says, for each
    of ``RESET_ENTRIES``, whether it is cleared."""

    __slots__ = ("entries",)
    kind = "reset"

    def __init__(self, entries: dict[str, bool]) -> None:
        self.entries = entries

    @classmethod
    def from_arguments(cls, options: object) -> "ResetCall":
        """``None`` (the defaults), ``{"entries": {...}}`` over the defaults, or ``True``/``False`` (RudderStack's
        deprecated form: whether the anonymousId is cleared too)."""
        entries = dict(RESET_ENTRIES)
        if isinstance(options, bool):
            entries["anonymousId"] = options
            return cls(entries)
        if options is None:
            return cls(entries)
        given = _plain_dict(options, ("entries",))
        chosen = _plain_dict(given.get("entries"), tuple(RESET_ENTRIES)) if given is not None else None
        if chosen is None:
            raise TypeError("reset() takes {'entries': {'anonymousId': True, ...}} with RudderStack's entry names "
                            f"({', '.join(RESET_ENTRIES)}), or (deprecated) True or False; got {options!r}")
        for name, value in chosen.items():
            if not isinstance(value, bool):
                raise TypeError(f"reset(): entries[{name!r}] must be True or False, not {type(value).__name__}")
            entries[name] = value
        return cls(entries)


class SetAnonymousIdCall:
    """``set_anonymous_id()``: no message. Without an id, the one in an AMP linker parameter, else a new UUID."""

    __slots__ = ("anonymous_id", "amp_linker_param")
    kind = "set_anonymous_id"

    def __init__(self, anonymous_id: str | None, amp_linker_param: str | None = None) -> None:
        self.anonymous_id = anonymous_id
        self.amp_linker_param = amp_linker_param

    @classmethod
    def from_arguments(cls, anonymous_id: object, amp_linker_param: object = None) -> "SetAnonymousIdCall":
        if amp_linker_param is not None and not isinstance(amp_linker_param, str):
            raise TypeError("amp_linker_param must be a str (the linker parameter's value from the URL), "
                            f"not {type(amp_linker_param).__name__}")
        return cls(normalize_id(anonymous_id, argument="anonymous_id"), amp_linker_param or None)


def check_anonymous_id_options(options: object) -> None:
    """``get_anonymous_id(options)``: RudderStack's ``{"autoCapture": {"enabled": bool, "source": str}}``."""
    if options is None:
        return
    given = _plain_dict(options, ("autoCapture",))
    capture = given.get("autoCapture") if given is not None else None
    if given is None or capture is not None and _plain_dict(capture, ("enabled", "source")) is None:
        raise TypeError("get_anonymous_id() takes {'autoCapture': {'enabled': True, 'source': 'segment'}} or "
                        f"nothing; got {options!r}")


def _plain_dict(value: object, names: tuple[str, ...]) -> dict[str, Any] | None:
    """``value`` as a dict if it is a mapping whose keys are all in ``names``; else ``None``."""
    if not is_mapping(value):
        return None
    copy = {key: value[key] for key in value.keys()}  # type: ignore[attr-defined,index]
    return copy if all(key in names for key in copy) else None


def split_callback(*values: object) -> tuple[list[object] | tuple[object, ...], Callback | None]:
    """Cut the arguments at the first callable: it is the callback and what follows it is ignored."""
    if not any(map(callable, values)):
        return values, None
    for index, value in enumerate(values):
        if callable(value):
            return list(values[:index]) + [None] * (len(values) - index), value
    return list(values), None


def _shifted(moved: object, given: object) -> object:
    """The value that moves into an argument when the arguments shift left: ``None`` (not given) moving in does
    not replace a value given there by keyword or in position."""
    return given if moved is None else moved


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
    """RudderStack's ``options`` (its processOptions and getMergedContext): ``anonymousId``, ``originalTimestamp``
    and a non-empty ``integrations`` replace the message's own; the contents of ``options["context"]`` and every
    other key deep-merge into ``context``, in the order given, except RudderStack's reserved context keys
    (``RESERVED_CONTEXT_KEYS``), which are left out silently, as there. A ``context`` that is not a dict is
    ignored with a warning, as there."""
    if value is None:
        return NO_OPTIONS
    options = normalize_mapping(value, argument="options", warn=warn)
    anonymous_id = normalize_id(options.get("anonymousId"), argument="options['anonymousId']")
    original_timestamp = options.get("originalTimestamp")
    if original_timestamp is not None and not isinstance(original_timestamp, str):
        raise TypeError("options['originalTimestamp'] must be an ISO 8601 str or a datetime")
    integrations = options.get("integrations")
    if integrations is not None and not isinstance(integrations, dict):
        raise TypeError(
            "options['integrations'] must be a dict such as {'All': False, 'Pendo': True}, "
            f"not {type(integrations).__name__}"
        )
    patches: list[JSONObject] = []
    for key, option in options.items():
        if key in TOP_LEVEL_OPTIONS or key in RESERVED_CONTEXT_KEYS:
            continue
        if key != "context":
            patches.append({key: option})
        elif type(option) is dict:
            patches.append({name: item for name, item in option.items() if name not in RESERVED_CONTEXT_KEYS})
        else:
            warn(f"options['context'] must be a dict of context keys and values, not {_type_name(option)}: "
                 "it is ignored (its keys can also be given at the top level of options)")
    page = options.get("page")
    return CallOptions(anonymous_id, original_timestamp, integrations or None, tuple(patches),
                       page if type(page) is dict else None)


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


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
