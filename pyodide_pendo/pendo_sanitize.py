"""Make JSON-ready values into what Pendo can use.

The Pendo agent sends metadata as it gets it, but Pendo itself ignores nested objects,
lowercases keys (later duplicates overwrite earlier ones) and expects list values to be
lists of strings. Rewriting the metadata here keeps every value usable and makes the
losses visible as warnings instead of silent gaps in Pendo. Track properties are kept as
sent, since Pendo stores them that way; only its limits are warned about.
"""


from .values import join_path, json_text

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Mapping

    from .values import JSONValue, Warn
except ImportError:
    pass

# Pendo's documented limits.
METADATA_STRING_MAX_CHARACTERS = 1_500
VISITOR_ID_MAX_BYTES = 128
PROPERTY_NAME_MAX_CHARACTERS = 32
PROPERTY_JSON_MAX_BYTES = 512

_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
# A str's JSON text is at most 6 bytes per character (\uXXXX) plus its quotes, so strings
# this short cannot exceed the property limit and need no json.dumps.
_PROPERTY_STRING_ALWAYS_SMALL = (PROPERTY_JSON_MAX_BYTES - 2) // 6


class PendoSanitizer:
    """One per Analytics instance: remembers which keys it already warned about, so a
    page that identifies or tracks repeatedly is told about each problem once."""

    def __init__(self, warn: Warn) -> None:
        self._warn = warn
        self._warned: set[tuple[str, ...]] = set()

    def metadata(self, values: Mapping[str, JSONValue], *, kind: str) -> dict[str, JSONValue]:
        """Flatten, rename and convert visitor/account metadata the way Pendo stores it.

        ``kind`` ("visitor", "account" or "parentAccount") names the metadata in warnings.
        """
        sanitized: dict[str, JSONValue] = {}
        sources: dict[str, tuple[str, ...]] = {}
        self._flatten(values, (), kind, sanitized, sources)
        return sanitized

    def properties(self, event: str, values: dict[str, JSONValue]) -> dict[str, JSONValue]:
        """Return track properties unchanged (not copied: the Pendo call's JSON is taken at once), warning
        once per name about Pendo's limits."""
        for name, value in values.items():
            if len(name) > PROPERTY_NAME_MAX_CHARACTERS and self._first_time("name", name):
                self._warn(
                    f"track({event!r}): property name {name!r} is {len(name)} characters "
                    f"long; Pendo accepts at most {PROPERTY_NAME_MAX_CHARACTERS}. "
                    f"Use a shorter name."
                )
            value_type = type(value)
            # Numbers, booleans, null and short strings always fit (integers beyond 2**53 arrive as strings).
            if (len(value) > _PROPERTY_STRING_ALWAYS_SMALL if value_type is str  # type: ignore[arg-type]
                    else value_type is dict or value_type is list):
                size = _json_bytes(value)
                if size > PROPERTY_JSON_MAX_BYTES and self._first_time("size", name):
                    self._warn(
                        f"track({event!r}): property {name!r} is {size:,} bytes as JSON, "
                        f"over Pendo's {PROPERTY_JSON_MAX_BYTES}-byte limit, so Pendo shows "
                        f"it as 'too large'. Send a smaller value, such as an id or a summary."
                    )
        return values

    def _flatten(
        self,
        values: Mapping[str, JSONValue],
        prefix: tuple[str, ...],
        kind: str,
        sanitized: dict[str, JSONValue],
        sources: dict[str, tuple[str, ...]],
    ) -> None:
        """Add ``values`` to ``sanitized``; ``sources`` records each Pendo key's source key
        path, so a collision can name both keys."""
        for key, value in values.items():
            source = prefix + (key,)
            value_type = type(value)
            if value_type is dict:
                self._flatten(value, source, kind, sanitized, sources)  # type: ignore[arg-type]
                continue
            pendo_key = _pendo_key("_".join(source) if prefix else key)
            earlier = sources.get(pendo_key)
            if earlier is not None and self._first_time("collision", kind, pendo_key):
                self._warn(
                    f"Pendo {kind} metadata: {_source_path(kind, earlier)} and "
                    f"{_source_path(kind, source)} both become the key {pendo_key!r} "
                    f"(Pendo lowercases keys and allows only a-z, 0-9 and _); the value of "
                    f"{_source_path(kind, source)} is kept. Rename one to keep both."
                )
            sources[pendo_key] = source
            if value_type is list or value_type is str and (
                    len(value) > METADATA_STRING_MAX_CHARACTERS or pendo_key == "id"):  # type: ignore[arg-type]
                value = self._metadata_value(value, kind, pendo_key)
            sanitized[pendo_key] = value

    def _metadata_value(self, value: JSONValue, kind: str, pendo_key: str) -> JSONValue:
        if isinstance(value, list):
            return [_list_item_text(item) for item in value if item is not None]
        if isinstance(value, str):
            if len(value) > METADATA_STRING_MAX_CHARACTERS and self._first_time(
                "long", kind, pendo_key
            ):
                self._warn(
                    f"Pendo {kind} metadata {pendo_key!r} is {len(value):,} characters long; "
                    f"Pendo keeps string values under {METADATA_STRING_MAX_CHARACTERS:,} "
                    f"characters. Send a shorter value."
                )
            if kind == "visitor" and pendo_key == "id":
                size = len(value.encode("utf-8", "surrogatepass"))
                if size > VISITOR_ID_MAX_BYTES and self._first_time("id", kind, pendo_key):
                    self._warn(
                        f"The Pendo visitor id is {size} bytes in UTF-8; Pendo truncates "
                        f"visitor ids over {VISITOR_ID_MAX_BYTES} bytes, so visitors whose ids "
                        f"start alike would merge. Use a shorter id."
                    )
        return value

    def _first_time(self, *warning: str) -> bool:
        """Record ``warning`` (what and which key) and tell whether it is new."""
        if warning in self._warned:
            return False
        self._warned.add(warning)
        return True


_pendo_keys: dict[str, str] = {}  # source key → Pendo key: a page uses few keys, each on every identify
PENDO_KEYS_CACHED = 1024


def _pendo_key(source_key: str) -> str:
    """Pendo keys are lowercase letters, digits and underscores, not starting with a digit.

    ``__proto__`` is valid by those rules but JavaScript drops it when the agent copies the metadata
    (assigning it sets the prototype instead), so it becomes ``_proto_``. Letters outside ASCII become ``_``
    whatever their case, so MicroPython's ASCII-only ``str.lower`` gives the same keys.
    """
    key = _pendo_keys.get(source_key)
    if key is not None:
        return key
    # Character by character, not a regular expression: MicroPython's ``re`` sees UTF-8 bytes, and would turn
    # one letter outside ASCII into two underscores.
    key = "".join([character if character in _KEY_CHARACTERS else "_" for character in source_key.lower()])
    if key == "__proto__":
        key = "_proto_"
    elif not key:
        key = "_"
    elif key[0] in "0123456789":
        key = "_" + key
    if len(_pendo_keys) < PENDO_KEYS_CACHED:
        _pendo_keys[source_key] = key
    return key


def _source_path(kind: str, source: tuple[str, ...]) -> str:
    path = kind
    for key in source:
        path = join_path(path, key)
    return path


def _list_item_text(item: JSONValue) -> str:
    """Pendo list metadata holds strings, so other items become their JSON text (keys sorted: the same
    dict gives the same text)."""
    if isinstance(item, str):
        return item
    return _sorted_json_text(item)


def _sorted_json_text(value: JSONValue) -> str:
    """JSON text with every object's keys sorted, written here: MicroPython's ``json.dumps`` has no
    ``sort_keys``, and its dicts do not keep the order keys were added in."""
    if isinstance(value, dict):
        return "{" + ",".join(json_text(key) + ":" + _sorted_json_text(value[key]) for key in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_sorted_json_text(item) for item in value) + "]"
    return json_text(value)


def _json_bytes(value: JSONValue) -> int:
    """Size of the value as the agent sends it: JSON.stringify's compact UTF-8 text."""
    return len(json_text(value).encode("utf-8", "surrogatepass"))
