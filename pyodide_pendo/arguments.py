"""RudderStack's argument rules, applied at the call site so bad input raises where the user called.

Each ``normalize_*`` takes the values as the user passed them and returns a record of checked, JSON-ready
copies. RudderStack v3's rules (the README lists them) hold, with two differences on purpose: an id must be a
``str`` or an ``int`` (a float or bool id raises instead of becoming ``"1.0"`` or ``"True"``), and an event
name must be more than white space.
"""

from .values import is_mapping, to_json_value

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable
    from typing import Any, TypeAlias

    from .values import JSONValue, Warn

    Callback: TypeAlias = Callable[[dict[str, Any]], object]
    JSONObject: TypeAlias = dict[str, JSONValue]
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


class IdentifyCall:
    __slots__ = ("user_id", "traits", "options", "callback")

    def __init__(self, user_id: str | None, traits: JSONObject, options: CallOptions,
                 callback: Callback | None) -> None:
        self.user_id = user_id
        self.traits = traits
        self.options = options
        self.callback = callback


class GroupCall:
    __slots__ = ("group_id", "traits", "options", "callback")

    def __init__(self, group_id: str | None, traits: JSONObject, options: CallOptions,
                 callback: Callback | None) -> None:
        self.group_id = group_id
        self.traits = traits
        self.options = options
        self.callback = callback


class TrackCall:
    __slots__ = ("event", "properties", "options", "callback")

    def __init__(self, event: str, properties: JSONObject, options: CallOptions,
                 callback: Callback | None) -> None:
        self.event = event
        self.properties = properties
        self.options = options
        self.callback = callback


class PageCall:
    __slots__ = ("category", "name", "properties", "options", "callback")

    def __init__(self, category: str | None, name: str | None, properties: JSONObject, options: CallOptions,
                 callback: Callback | None) -> None:
        self.category = category
        self.name = name
        self.properties = properties
        self.options = options
        self.callback = callback


class AliasCall:
    __slots__ = ("to", "from_", "options", "callback")

    def __init__(self, to: str, from_: str | None, options: CallOptions, callback: Callback | None) -> None:
        self.to = to
        self.from_ = from_
        self.options = options
        self.callback = callback


def split_callback(*values: object) -> tuple[list[object] | tuple[object, ...], Callback | None]:
    """Cut the arguments at the first callable: it is the callback and what follows it is ignored."""
    if not any(map(callable, values)):
        return values, None
    for index, value in enumerate(values):
        if callable(value):
            return list(values[:index]) + [None] * (len(values) - index), value  # type: ignore[return-value]
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
        return callback  # type: ignore[return-value]
    raise TypeError(f"callback must be callable (a function taking the message), not {type(callback).__name__}")


def normalize_identify(user_id: object, traits: object, options: object, callback: object, *,
                       warn: Warn) -> IdentifyCall:
    (user_id, traits, options), found = split_callback(user_id, traits, options)
    if is_mapping(user_id):  # identify(traits, options)
        user_id, traits, options = None, user_id, traits
    return IdentifyCall(
        normalize_id(user_id, argument="user_id"),
        normalize_mapping(traits, argument="traits", warn=warn),
        normalize_options(options, warn=warn),
        found or _check_callback(callback),
    )


def normalize_group(group_id: object, traits: object, options: object, callback: object, *,
                    warn: Warn) -> GroupCall:
    (group_id, traits, options), found = split_callback(group_id, traits, options)
    if is_mapping(group_id):  # group(traits, options)
        group_id, traits, options = None, group_id, traits
    return GroupCall(
        normalize_id(group_id, argument="group_id"),
        normalize_mapping(traits, argument="traits", warn=warn),
        normalize_options(options, warn=warn),
        found or _check_callback(callback),
    )


def normalize_event_name(event: object) -> str:
    if not isinstance(event, str):
        raise TypeError(f"event must be a non-empty str naming the event, e.g. 'Order Completed'; "
                        f"got {type(event).__name__}")
    if not event.strip():
        raise ValueError(f"event must be a non-empty str naming the event, e.g. 'Order Completed'; got {event!r}")
    return event


def normalize_track(event: object, properties: object, options: object, callback: object, *,
                    warn: Warn) -> TrackCall:
    (event, properties, options), found = split_callback(event, properties, options)
    return TrackCall(
        normalize_event_name(event),
        normalize_mapping(properties, argument="properties", warn=warn),
        normalize_options(options, warn=warn),
        found or _check_callback(callback),
    )


def normalize_page(category: object, name: object, properties: object, options: object, callback: object, *,
                   warn: Warn) -> PageCall:
    (category, name, properties, options), found = split_callback(category, name, properties, options)
    if is_mapping(category):  # page(properties, options)
        category, name, properties, options = None, None, category, name
    elif isinstance(category, str) and (name is None or is_mapping(name)):  # page(name, properties, options)
        category, name, properties, options = None, category, name, properties
    page_category, page_name = _page_text(category, "category"), _page_text(name, "name")
    page_properties = normalize_mapping(properties, argument="properties", warn=warn)
    if page_name is not None:
        page_properties["name"] = page_name
    if page_category is not None:
        page_properties["category"] = page_category
    return PageCall(page_category, page_name, page_properties, normalize_options(options, warn=warn),
                    found or _check_callback(callback))


def _page_text(value: object, argument: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"page {argument} must be a str, not {type(value).__name__}")


def normalize_alias(to: object, from_: object, options: object, callback: object, *, warn: Warn) -> AliasCall:
    (to, from_, options), found = split_callback(to, from_, options)
    if is_mapping(from_):  # alias(to, options)
        from_, options = None, from_
    return AliasCall(
        normalize_id(to, argument="to", required=True),  # type: ignore[arg-type]
        normalize_id(from_, argument="from_"),
        normalize_options(options, warn=warn),
        found or _check_callback(callback),
    )
