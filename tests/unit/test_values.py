"""to_json_value: every conversion rule, every error, and that outputs are new containers."""

from __future__ import annotations

import copy
import enum
import math
import sys
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from pyodide_pendo.values import JSONValue, join_path, to_json_value


class Color(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


class Ratio(float):
    pass


class Thing:
    pass


class ReadOnlyMapping(Mapping[str, object]):
    """A Mapping that is not a dict."""

    def __init__(self, data: dict[str, object]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> object:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def assert_exact(actual: object, expected: object) -> None:
    """Equality that also tells 1 from 1.0 and True, a str from a StrEnum, and key order."""
    assert type(actual) is type(expected), f"{actual!r}: {type(actual)}, not {type(expected)}"
    if isinstance(expected, dict):
        assert isinstance(actual, dict)
        assert list(actual) == list(expected)
        assert all(type(key) is str for key in actual)
        for key in expected:
            assert_exact(actual[key], expected[key])
    elif isinstance(expected, list):
        assert isinstance(actual, list)
        assert len(actual) == len(expected)
        for actual_item, expected_item in zip(actual, expected):
            assert_exact(actual_item, expected_item)
    else:
        assert actual == expected


def convert(value: object) -> tuple[JSONValue, list[str]]:
    warnings: list[str] = []
    return to_json_value(value, path="properties", warn=warnings.append), warnings


PLUS_ONE = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param(True, True, id="true"),
        pytest.param(False, False, id="false"),
        pytest.param("text", "text", id="str"),
        pytest.param("", "", id="empty-str"),
        pytest.param(Color.RED, "red", id="str-enum-to-plain-str"),
        pytest.param(0, 0, id="zero"),
        pytest.param(-17, -17, id="negative-int"),
        pytest.param(2**53, 2**53, id="int-at-limit"),
        pytest.param(-(2**53), -(2**53), id="negative-int-at-limit"),
        pytest.param(Size.LARGE, 3, id="int-enum-to-plain-int"),
        pytest.param(1.5, 1.5, id="float"),
        pytest.param(1e308, 1e308, id="large-float"),
        pytest.param(Ratio(0.25), 0.25, id="float-subclass-to-plain-float"),
        pytest.param(Decimal("1.0"), 1, id="integral-decimal-to-int"),
        pytest.param(Decimal("1E+2"), 100, id="decimal-with-exponent-to-int"),
        pytest.param(Decimal("-0"), 0, id="decimal-negative-zero"),
        pytest.param(Decimal("2.5"), 2.5, id="decimal-to-float"),
        pytest.param(Decimal("-0.125"), -0.125, id="negative-decimal-to-float"),
        pytest.param(
            datetime(2026, 11, 26, 5, 5, 6, 789999, tzinfo=PLUS_ONE),
            "2026-11-26T04:05:06.789Z",
            id="aware-datetime-to-utc-milliseconds-truncated",
        ),
        pytest.param(
            datetime(2026, 11, 26, 4, 5, 6, 789000, tzinfo=timezone.utc),
            "2026-11-26T04:05:06.789Z",
            id="utc-datetime",
        ),
        pytest.param(
            datetime(2026, 11, 26, 4, 5, 6, 789000),
            "2026-11-26T04:05:06.789Z",
            id="naive-datetime-taken-as-utc",
        ),
        pytest.param(
            datetime(2026, 1, 1, 0, 30, tzinfo=PLUS_ONE),
            "2025-12-31T23:30:00.000Z",
            id="aware-datetime-crossing-year",
        ),
        pytest.param(datetime(1, 2, 3), "0001-02-03T00:00:00.000Z", id="year-padded-to-4-digits"),
        pytest.param(date(2026, 11, 26), "2026-11-26", id="date"),
        pytest.param(date(5, 1, 2), "0005-01-02", id="early-date"),
        pytest.param(time(4, 5, 6), "04:05:06", id="time"),
        pytest.param(time(4, 5, 6, 789000), "04:05:06.789000", id="time-with-microseconds"),
        pytest.param(time(4, 5, 6, tzinfo=PLUS_ONE), "04:05:06+01:00", id="aware-time"),
        pytest.param([1, "a", None], [1, "a", None], id="list"),
        pytest.param((1, (2, 3)), [1, [2, 3]], id="tuples-to-lists"),
        pytest.param({3, 1, 2}, [1, 2, 3], id="set-sorted"),
        pytest.param(frozenset({"b", "c", "a"}), ["a", "b", "c"], id="frozenset-sorted"),
        pytest.param(set(), [], id="empty-set"),
        pytest.param({}, {}, id="empty-dict"),
        pytest.param([], [], id="empty-list"),
        pytest.param(
            {"b": 1, "a": {"c": [1.5, True]}},
            {"b": 1, "a": {"c": [1.5, True]}},
            id="nested-dict-keeps-order",
        ),
        pytest.param(OrderedDict(z=1, y=2), {"z": 1, "y": 2}, id="ordered-dict-to-dict"),
        pytest.param(types.MappingProxyType({"a": 1}), {"a": 1}, id="mappingproxy-to-dict"),
        pytest.param(ReadOnlyMapping({"a": (1,)}), {"a": [1]}, id="custom-mapping-to-dict"),
        pytest.param({Color.RED: Color.RED}, {"red": "red"}, id="str-enum-key-to-plain-str"),
        pytest.param(
            {"items": [{"sku": Decimal("3"), "at": date(2026, 1, 2)}]},
            {"items": [{"sku": 3, "at": "2026-01-02"}]},
            id="conversions-inside-containers",
        ),
    ],
)
def test_converts_without_warning(value: object, expected: JSONValue) -> None:
    result, warnings = convert(value)
    assert_exact(result, expected)
    assert warnings == []


def test_unsortable_set_keeps_iteration_order() -> None:
    mixed = frozenset({1, (2,), 3})
    result, warnings = convert(mixed)
    assert_exact(result, [[item[0]] if isinstance(item, tuple) else item for item in mixed])
    assert warnings == []


@pytest.mark.parametrize(
    ("value", "expected", "warning"),
    [
        pytest.param(
            2**53 + 1,
            "9007199254740993",
            "properties is 9007199254740993, beyond ±2**53 where JavaScript numbers lose "
            "precision; it is sent as the string '9007199254740993'. Pass a str yourself to "
            "silence this warning.",
            id="int-above-limit",
        ),
        pytest.param(
            -(2**53) - 1,
            "-9007199254740993",
            "properties is -9007199254740993, beyond ±2**53 where JavaScript numbers lose "
            "precision; it is sent as the string '-9007199254740993'. Pass a str yourself to "
            "silence this warning.",
            id="int-below-limit",
        ),
        pytest.param(
            Decimal("9007199254740993"),
            "9007199254740993",
            "properties is 9007199254740993, beyond ±2**53 where JavaScript numbers lose "
            "precision; it is sent as the string '9007199254740993'. Pass a str yourself to "
            "silence this warning.",
            id="decimal-above-limit",
        ),
        pytest.param(
            float("nan"),
            None,
            "properties is nan, which JSON cannot represent; it is sent as null. "
            "Pass None or a finite number to silence this warning.",
            id="nan",
        ),
        pytest.param(
            float("inf"),
            None,
            "properties is inf, which JSON cannot represent; it is sent as null. "
            "Pass None or a finite number to silence this warning.",
            id="inf",
        ),
        pytest.param(
            float("-inf"),
            None,
            "properties is -inf, which JSON cannot represent; it is sent as null. "
            "Pass None or a finite number to silence this warning.",
            id="negative-inf",
        ),
        pytest.param(
            Decimal("NaN"),
            None,
            "properties is NaN, which JSON cannot represent; it is sent as null. "
            "Pass None or a finite number to silence this warning.",
            id="decimal-nan",
        ),
        pytest.param(
            Decimal("sNaN"),
            None,
            "properties is sNaN, which JSON cannot represent; it is sent as null. "
            "Pass None or a finite number to silence this warning.",
            id="decimal-signalling-nan",
        ),
        pytest.param(
            Decimal("-Infinity"),
            None,
            "properties is -Infinity, which JSON cannot represent; it is sent as null. "
            "Pass None or a finite number to silence this warning.",
            id="decimal-negative-infinity",
        ),
    ],
)
def test_converts_with_warning(value: object, expected: JSONValue, warning: str) -> None:
    result, warnings = convert(value)
    assert_exact(result, expected)
    assert warnings == [warning]


@pytest.mark.parametrize(
    ("value", "expected", "warned_path"),
    [
        pytest.param(
            {"ratio": float("nan")}, {"ratio": None}, "properties.ratio is nan", id="dict"
        ),
        pytest.param([1, float("inf")], [1, None], "properties[1] is inf", id="list"),
        pytest.param(
            {"items": [{"sku": 2**60}]},
            {"items": [{"sku": str(2**60)}]},
            f"properties.items[0].sku is {2**60}",
            id="deep",
        ),
        pytest.param(
            {"a.b": {"my key": Decimal("Infinity")}},
            {"a.b": {"my key": None}},
            "properties['a.b']['my key'] is Infinity",
            id="keys-that-are-not-identifiers-are-quoted",
        ),
    ],
)
def test_warnings_name_the_full_path(value: object, expected: JSONValue, warned_path: str) -> None:
    result, warnings = convert(value)
    assert_exact(result, expected)
    assert len(warnings) == 1
    assert warnings[0].startswith(warned_path + ",")


def test_path_uses_the_given_root() -> None:
    warnings: list[str] = []
    to_json_value({"address": {"zip": float("nan")}}, path="traits", warn=warnings.append)
    assert [message.split(",")[0] for message in warnings] == ["traits.address.zip is nan"]


def test_every_problem_is_warned() -> None:
    result, warnings = convert([float("nan"), float("nan")])
    assert_exact(result, [None, None])
    assert [message.split(",")[0] for message in warnings] == [
        "properties[0] is nan",
        "properties[1] is nan",
    ]


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        pytest.param(
            {1: "a"},
            TypeError,
            "properties has a key of type int (1); keys must be str, so convert them first.",
            id="int-key",
        ),
        pytest.param(
            {"a": {(1, 2): "a"}},
            TypeError,
            "properties.a has a key of type tuple ((1, 2)); keys must be str, so convert them "
            "first.",
            id="nested-tuple-key",
        ),
        pytest.param(
            {"a": {"b": [1, Thing()]}},
            TypeError,
            "properties.a.b[1] has type test_values.Thing, which cannot be sent as analytics "
            "data; use None, bool, int, float, str, decimal.Decimal, datetime.datetime, "
            "datetime.date, datetime.time, list, tuple, set, frozenset, or a mapping with "
            "str keys.",
            id="object",
        ),
        pytest.param(
            {"callback": print},
            TypeError,
            "properties.callback has type builtin_function_or_method, which cannot be sent",
            id="function",
        ),
        pytest.param(
            {"z": 1j},
            TypeError,
            "properties.z has type complex, which cannot be sent",
            id="complex",
        ),
        pytest.param(
            {"raw": b"abc"},
            TypeError,
            "properties.raw has type bytes, which JSON cannot carry; decode it to a str first "
            "(for example value.decode('utf-8'), or base64 for binary data).",
            id="bytes",
        ),
        pytest.param(
            [bytearray(b"abc")],
            TypeError,
            "properties[0] has type bytearray, which JSON cannot carry; decode it to a str first",
            id="bytearray",
        ),
        pytest.param(
            {"view": memoryview(b"abc")},
            TypeError,
            "properties.view has type memoryview, which JSON cannot carry; decode it to a str",
            id="memoryview",
        ),
        pytest.param(
            {"n": 10**5000},
            ValueError,
            f"properties.n is an integer with more than {sys.get_int_max_str_digits()} digits; "
            f"that is too large to send, so send a shorter value.",
            id="int-too-long-for-str",
        ),
        pytest.param(
            {"at": datetime(1, 1, 1, 0, 30, tzinfo=PLUS_ONE)},
            ValueError,
            "properties.at is 0001-01-01T00:30:00+01:00, which falls outside the years 1-9999 "
            "once converted to UTC; send a date within that range.",
            id="datetime-out-of-range-in-utc",
        ),
    ],
)
def test_rejects(value: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        convert(value)
    assert str(raised.value).startswith(message)


def test_js_proxy_error_says_to_convert(monkeypatch: pytest.MonkeyPatch) -> None:
    class JsProxy:
        pass

    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsProxy = JsProxy  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    with pytest.raises(TypeError) as raised:
        convert({"element": JsProxy()})
    assert str(raised.value).endswith(
        "or a mapping with str keys. It is a JavaScript object: convert it with .to_py() first."
    )


def self_containing_dict() -> dict[str, object]:
    value: dict[str, object] = {"name": "x"}
    value["self"] = value
    return value


def self_containing_list() -> list[object]:
    value: list[object] = [1]
    value.append(value)
    return value


def indirect_cycle() -> dict[str, object]:
    inner: dict[str, object] = {}
    outer: dict[str, object] = {"a": [inner]}
    inner["back"] = outer
    return outer


def cycle_through_tuple() -> dict[str, object]:
    items: list[object] = []
    items.append((items,))
    return {"items": items}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            self_containing_dict(),
            "properties contains itself (again at properties.self); JSON cannot represent "
            "that, so pass a copy without the cycle.",
            id="dict",
        ),
        pytest.param(
            self_containing_list(),
            "properties contains itself (again at properties[1]); JSON cannot represent "
            "that, so pass a copy without the cycle.",
            id="list",
        ),
        pytest.param(
            indirect_cycle(),
            "properties contains itself (again at properties.a[0].back)",
            id="indirect",
        ),
        pytest.param(
            cycle_through_tuple(),
            "properties.items contains itself (again at properties.items[0][0])",
            id="through-tuple",
        ),
    ],
)
def test_rejects_containers_that_contain_themselves(value: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        convert(value)
    assert str(raised.value).startswith(message)


def test_same_container_twice_is_not_a_cycle() -> None:
    shared = {"a": [1]}
    result, _ = convert({"first": shared, "second": shared, "list": [shared, shared]})
    assert_exact(
        result,
        {"first": {"a": [1]}, "second": {"a": [1]}, "list": [{"a": [1]}, {"a": [1]}]},
    )


def nested_dicts(levels: int) -> object:
    value: object = "leaf"
    for _ in range(levels):
        value = {"a": value}
    return value


def nested_lists(levels: int) -> object:
    value: object = "leaf"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("build", [nested_dicts, nested_lists])
@pytest.mark.parametrize("levels", [50, 64])
def test_deep_nesting_up_to_64_levels_works(build: Callable[[int], object], levels: int) -> None:
    value = build(levels)
    result, warnings = convert(value)
    assert_exact(result, value)
    assert result is not value
    assert warnings == []


@pytest.mark.parametrize(
    ("value", "path"),
    [
        pytest.param(nested_dicts(65), "properties" + ".a" * 64, id="dicts"),
        pytest.param(nested_lists(65), "properties" + "[0]" * 64, id="lists"),
        pytest.param(nested_lists(1000), "properties" + "[0]" * 64, id="far-too-deep"),
    ],
)
def test_nesting_deeper_than_64_levels_raises(value: object, path: str) -> None:
    with pytest.raises(ValueError) as raised:
        convert(value)
    assert str(raised.value) == (
        f"{path} is nested more than 64 levels deep; flatten the data "
        f"(this limit protects the page from pathological input)."
    )


def test_returns_new_containers_and_leaves_input_unchanged() -> None:
    source = {
        "list": [1, {"inner": [2]}],
        "tuple": (3,),
        "dict": {"when": datetime(2026, 1, 1), "n": float("nan")},
        "set": {5, 4},
    }
    snapshot = copy.deepcopy(source)
    result, _ = convert(source)
    assert source == snapshot
    assert isinstance(result, dict)
    assert result["list"] is not source["list"]
    assert result["list"][1] is not source["list"][1]
    assert result["list"][1]["inner"] is not source["list"][1]["inner"]
    assert result["dict"] is not source["dict"]
    source["list"][1]["inner"].append(99)  # the caller changes its data after the call
    source["dict"]["when"] = "later"
    assert_exact(
        result,
        {
            "list": [1, {"inner": [2]}],
            "tuple": [3],
            "dict": {"when": "2026-01-01T00:00:00.000Z", "n": None},
            "set": [4, 5],
        },
    )


def test_typical_properties_keep_their_values_exactly() -> None:
    source = {"plan": "pro", "seats": 12, "price": 9.99, "trial": False, "coupon": None}
    result, warnings = convert(source)
    assert_exact(result, source)
    assert result is not source
    assert warnings == []


def test_negative_zero_keeps_its_sign() -> None:
    result, _ = convert([-0.0])
    assert result == [0.0]
    assert isinstance(result, list) and math.copysign(1.0, result[0]) == -1.0


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("properties", "sku", "properties.sku"),
        ("properties", 2, "properties[2]"),
        ("traits", "a.b", "traits['a.b']"),
        ("traits", "", "traits['']"),
        ("traits", "my key", "traits['my key']"),
        ("traits", "café", "traits.café"),
    ],
)
def test_join_path(path: str, key: str | int, expected: str) -> None:
    assert join_path(path, key) == expected
