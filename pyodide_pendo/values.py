"""Turn user-supplied values into JSON-ready values.

This runs at the call site (identify, track, ...), not when the call is delivered, so that
bad input raises where the user made the mistake, and so that the caller may change its
own objects afterwards without changing what gets sent.
"""

import json
import math
import sys

try:  # Names for annotations only: MicroPython has no typing module, and never evaluates annotations.
    from collections.abc import Callable, Iterable
    from datetime import datetime
    from decimal import Decimal
    from typing import Any, TypeAlias

    JSONValue: TypeAlias = (
        None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]
    )
    Warn: TypeAlias = Callable[[str], None]  # receives one human-readable warning message
except ImportError:
    pass

# JavaScript numbers are doubles: integers beyond this magnitude lose precision.
JS_EXACT_INTEGER_LIMIT = 2**53
# Containers nested deeper than this are refused, so pathological input cannot exhaust
# the browser's small stack or freeze the page.
MAX_NESTING = 64

_UNCHANGED_TYPES = frozenset({str, bool, type(None)})
_ACCEPTED_TYPES = (
    "None, bool, int, float, str, decimal.Decimal, datetime.datetime, datetime.date, "
    "datetime.time, list, tuple, set, frozenset, or a mapping with str keys"
)


def _json_text_function() -> Callable[[object], str]:
    """``JSON.stringify``'s form: compact, non-ASCII characters as they are. CPython's encoder is built once
    (``json.dumps`` with options builds one per call); MicroPython's ``dumps`` takes only ``separators`` and
    already keeps non-ASCII text as it is. NaN and infinities never get here: ``to_json_value`` made them null."""
    encoder_class = getattr(json, "JSONEncoder", None)
    if encoder_class is None:
        return lambda value: json.dumps(value, separators=(",", ":"))
    return encoder_class(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode  # type: ignore[no-any-return]


json_text = _json_text_function()


def join_path(path: str, key: str | int) -> str:
    """Extend a value's path (``properties.items[2].sku``) so messages point at the value.

    Keys that are not identifiers are quoted, so ``a.b`` and ``{"a.b": ...}`` stay distinct.
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _is_identifier(key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def _is_identifier(text: str) -> bool:
    """Letters (any script), digits and ``_``, not starting with a digit: what ``str.isidentifier`` says for
    the keys people write (MicroPython has no ``isidentifier``)."""
    return text != "" and not text[0].isdigit() and all(character.isalpha() or character.isdigit()
                                                        or character == "_" for character in text)


def is_mapping(value: object) -> bool:
    """A dict, or anything dict-like (``keys`` and item access), as ``collections.abc.Mapping`` would
    accept: plain duck typing, so MicroPython (no ``collections.abc``) decides the same way."""
    return isinstance(value, dict) or (hasattr(value, "keys") and hasattr(value, "__getitem__")
                                       and not isinstance(value, (str, bytes)))


def to_json_value(value: object, *, path: str, warn: Warn) -> JSONValue:
    """Return a JSON-ready copy of ``value``; ``path`` names it in errors and warnings.

    TypeError for values JSON cannot carry, ValueError for cycles and nesting deeper than
    ``MAX_NESTING``; NaN, infinities and integers beyond 2**53 are converted and reported to
    ``warn``. Naive datetimes are taken as UTC (the browser's zone is the visitor's, not the data's).
    """
    try:
        if type(value) is dict:  # the common case, one call shorter
            return _convert_mapping(value, path, 0, warn, {})
        return _convert(value, path, 0, warn, {})
    except RuntimeError:  # the stack ran out first: MicroPython's holds fewer levels (CPython's RecursionError too)
        raise ValueError(f"{path} is nested more levels deep than this interpreter's stack holds; flatten the "
                         "data (this limit protects the page from pathological input).") from None


def _convert(
    value: Any, path: str, depth: int, warn: Warn, ancestors: dict[int, str]
) -> JSONValue:
    """Convert one value; ``depth`` counts the containers around it, ``ancestors`` maps
    the ids of those containers to their paths (to recognise a container inside itself)."""
    value_type = type(value)
    if value_type in _UNCHANGED_TYPES:
        unchanged: JSONValue = value  # str, bool or None (typed for the checker; the cost is one store)
        return unchanged
    if value_type is int:
        return _exact_int(value, path, warn)
    if value_type is float:
        return value if math.isfinite(value) else _non_finite(value, path, warn)
    if value_type is dict:
        return _convert_mapping(value, path, depth, warn, ancestors)
    if value_type is list or value_type is tuple:
        return _convert_items(value, value, path, depth, warn, ancestors)
    # Subclasses and the less common types.
    if isinstance(value, str):
        return value[:]  # a plain str (a slice of a subclass is one), e.g. from a StrEnum member
    if isinstance(value, int):
        return _exact_int(int(value), path, warn)
    if isinstance(value, float):
        number = float(value)
        return number if math.isfinite(number) else _non_finite(value, path, warn)
    # Importing decimal costs about 9 ms in Pyodide, and a Decimal can exist only once its module is imported.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        return _convert_decimal(value, path, warn)
    # The same for datetime: it is imported only by code that has its values.
    datetime_module = sys.modules.get("datetime")
    if datetime_module is not None:
        if isinstance(value, datetime_module.datetime):
            return _datetime_to_json(value, path)
        if isinstance(value, (datetime_module.date, datetime_module.time)):
            return str(value.isoformat())
    if is_mapping(value):
        return _convert_mapping(value, path, depth, warn, ancestors)
    if isinstance(value, (list, tuple)):
        return _convert_items(value, value, path, depth, warn, ancestors)
    if isinstance(value, (set, frozenset)):
        try:
            items = sorted(value)
        except TypeError:  # mixed or unorderable items: keep iteration order
            items = list(value)
        return _convert_items(items, value, path, depth, warn, ancestors)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{path} has type {_type_name(value)}, which JSON cannot carry; decode it to a str "
            f"first (for example value.decode('utf-8'), or base64 for binary data)."
        )
    raise TypeError(
        f"{path} has type {_type_name(value)}, which cannot be sent as analytics data; "
        f"use {_ACCEPTED_TYPES}.{_js_proxy_hint(value)}"
    )


def _enter(
    container: object, path: str, depth: int, ancestors: dict[int, str]
) -> None:
    """Refuse cycles and runaway nesting before descending into ``container``."""
    container_id = id(container)
    if container_id in ancestors:
        raise ValueError(
            f"{ancestors[container_id]} contains itself (again at {path}); JSON cannot "
            f"represent that, so pass a copy without the cycle."
        )
    if depth >= MAX_NESTING:
        raise ValueError(
            f"{path} is nested more than {MAX_NESTING} levels deep; flatten the data "
            f"(this limit protects the page from pathological input)."
        )
    ancestors[container_id] = path


def _convert_mapping(
    mapping: Any,
    path: str,
    depth: int,
    warn: Warn,
    ancestors: dict[int, str],
) -> dict[str, JSONValue]:
    _enter(mapping, path, depth, ancestors)
    converted: dict[str, JSONValue] = {}
    for key in mapping.keys():
        item = mapping[key]
        if type(key) is not str:
            if not isinstance(key, str):
                raise TypeError(
                    f"{path} has a key of type {_type_name(key)} ({_short_repr(key)}); "
                    f"keys must be str, so convert them first."
                )
            key = key[:]
        item_type = type(item)
        # Fast path for the common scalars: no path string, no function call.
        if item_type in _UNCHANGED_TYPES or (
            item_type is float and math.isfinite(item)
        ):
            converted[key] = item
        elif item_type is int and -JS_EXACT_INTEGER_LIMIT <= item <= JS_EXACT_INTEGER_LIMIT:
            converted[key] = item
        else:
            converted[key] = _convert(item, join_path(path, key), depth + 1, warn, ancestors)
    del ancestors[id(mapping)]
    return converted


def _convert_items(
    items: Iterable[Any],
    container: object,
    path: str,
    depth: int,
    warn: Warn,
    ancestors: dict[int, str],
) -> list[JSONValue]:
    """Convert the items of ``container`` (a list, tuple or set), given in the order to send."""
    _enter(container, path, depth, ancestors)
    converted: list[JSONValue] = []
    for index, item in enumerate(items):
        item_type = type(item)
        # Fast path for the common scalars: no path string, no function call.
        if item_type in _UNCHANGED_TYPES or (
            item_type is float and math.isfinite(item)
        ):
            converted.append(item)
        elif item_type is int and -JS_EXACT_INTEGER_LIMIT <= item <= JS_EXACT_INTEGER_LIMIT:
            converted.append(item)
        else:
            converted.append(_convert(item, f"{path}[{index}]", depth + 1, warn, ancestors))
    del ancestors[id(container)]
    return converted


def _exact_int(value: int, path: str, warn: Warn) -> int | str:
    """Send integers JavaScript cannot hold exactly as decimal strings, so no digit is lost."""
    if -JS_EXACT_INTEGER_LIMIT <= value <= JS_EXACT_INTEGER_LIMIT:
        return value
    try:
        text = str(value)
    except ValueError:  # beyond sys.get_int_max_str_digits(): only CPython has that limit
        raise ValueError(
            f"{path} is an integer with more than {sys.get_int_max_str_digits()} digits; "
            f"that is too large to send, so send a shorter value."
        ) from None
    warn(
        f"{path} is {text}, beyond ±2**53 where JavaScript numbers lose precision; "
        f"it is sent as the string {text!r}. Pass a str yourself to silence this warning."
    )
    return text


def _non_finite(value: float | Decimal, path: str, warn: Warn) -> JSONValue:
    """Always ``None`` (JSON's null), after saying so."""
    warn(
        f"{path} is {value}, which JSON cannot represent; it is sent as null. "
        f"Pass None or a finite number to silence this warning."
    )
    return None


def _convert_decimal(value: Decimal, path: str, warn: Warn) -> JSONValue:
    if not value.is_finite():
        return _non_finite(value, path, warn)
    if value == value.to_integral_value():
        return _exact_int(int(value), path, warn)
    return float(value)


def _datetime_to_json(value: datetime, path: str) -> str:
    """Format like JavaScript's ``Date.prototype.toJSON``: UTC, milliseconds, ``Z``."""
    from datetime import timezone

    if value.utcoffset() is not None:
        try:
            value = value.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError(
                f"{path} is {value.isoformat()}, which falls outside the years 1-9999 "
                f"once converted to UTC; send a date within that range."
            ) from None
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def _type_name(value: object) -> str:
    value_type = type(value)
    name = getattr(value_type, "__qualname__", value_type.__name__)  # MicroPython: only __name__
    module = getattr(value_type, "__module__", "builtins")
    return name if module == "builtins" else f"{module}.{name}"


def _short_repr(value: object) -> str:
    """``repr`` cut to 60 characters, for error messages about values of any size."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _js_proxy_hint(value: object) -> str:
    """JavaScript objects reach Python as JsProxy; point at the conversion they need."""
    ffi = sys.modules.get("pyodide.ffi")
    if ffi is not None and isinstance(value, ffi.JsProxy):
        return " It is a JavaScript object: convert it with .to_py() first."
    return ""
