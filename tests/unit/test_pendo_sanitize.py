"""PendoSanitizer: metadata flattening, key rewriting, list values, limits, and warn-once."""

from __future__ import annotations

import copy
import json

import pytest

from pyodide_pendo import pendo_sanitize
from pyodide_pendo.pendo_sanitize import PendoSanitizer
from pyodide_pendo.values import JSONValue


def assert_exact(actual: object, expected: object) -> None:
    """Equality that also tells 1 from 1.0 and True, and checks key order."""
    assert type(actual) is type(expected), f"{actual!r}: {type(actual)}, not {type(expected)}"
    if isinstance(expected, dict):
        assert isinstance(actual, dict)
        assert list(actual) == list(expected)
        for key in expected:
            assert_exact(actual[key], expected[key])
    elif isinstance(expected, list):
        assert isinstance(actual, list)
        assert len(actual) == len(expected)
        for actual_item, expected_item in zip(actual, expected):
            assert_exact(actual_item, expected_item)
    else:
        assert actual == expected


def sanitizer() -> tuple[PendoSanitizer, list[str]]:
    warnings: list[str] = []
    return PendoSanitizer(warnings.append), warnings


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            {"address": {"city": "Paris", "geo": {"lat": 1}}},
            {"address_city": "Paris", "address_geo_lat": 1},
            id="nested-mappings-flattened",
        ),
        pytest.param({"a": {}, "b": 1}, {"b": 1}, id="empty-nested-mapping-dropped"),
        pytest.param({"a": {"b": {}}}, {}, id="only-empty-mappings"),
        pytest.param({"a": {"1": 2}}, {"a_1": 2}, id="nested-digit-key-not-prefixed"),
        pytest.param(
            {"Address": {"Zip Code": "75001"}},
            {"address_zip_code": "75001"},
            id="nested-keys-rewritten",
        ),
        pytest.param({"Plan": "pro"}, {"plan": "pro"}, id="lowercased"),
        pytest.param({"First Name": "Ada"}, {"first_name": "Ada"}, id="space"),
        pytest.param({"a.b": 1}, {"a_b": 1}, id="dot"),
        pytest.param({"e-mail": "x"}, {"e_mail": "x"}, id="dash"),
        pytest.param({"1st": 1}, {"_1st": 1}, id="leading-digit"),
        pytest.param({"123": 1}, {"_123": 1}, id="all-digits"),
        pytest.param({"": 1}, {"_": 1}, id="empty-key"),
        pytest.param({"_private": 1}, {"_private": 1}, id="leading-underscore-kept"),
        pytest.param({"café": 1}, {"caf_": 1}, id="accented-letter"),
        pytest.param({"名前": 1}, {"__": 1}, id="non-latin-letters"),
        pytest.param({"\u212a": 1}, {"k": 1}, id="kelvin-sign-lowercases-to-ascii-k"),
        pytest.param({"\u0130d": 1}, {"i_d": 1}, id="dotted-capital-i-lowercases-to-2-characters"),
        pytest.param({"__proto__": 1}, {"_proto_": 1}, id="__proto__ (JavaScript would drop it)"),
        pytest.param(
            {"constructor": 1, "toString": 2},
            {"constructor": 1, "tostring": 2},
            id="object-prototype-names",
        ),
        pytest.param(
            {"s": "x", "i": 1, "f": 2.5, "t": True, "n": None},
            {"s": "x", "i": 1, "f": 2.5, "t": True, "n": None},
            id="scalars-pass-through",
        ),
        pytest.param(
            {"tags": ["a", 1, 2.5, True, False, None, -3]},
            {"tags": ["a", "1", "2.5", "true", "false", "-3"]},
            id="list-items-to-strings-none-dropped",
        ),
        pytest.param(
            {"items": [{"b": 1, "a": [1, None]}, [1, "x"], {}]},
            {"items": ['{"a":[1,null],"b":1}', '[1,"x"]', "{}"]},
            id="container-items-to-compact-sorted-json",
        ),
        pytest.param(
            {"cities": [{"name": "Zürich"}]},
            {"cities": ['{"name":"Zürich"}']},
            id="json-text-keeps-non-ascii",
        ),
        pytest.param({"tags": []}, {"tags": []}, id="empty-list"),
        pytest.param({"tags": [None]}, {"tags": []}, id="list-of-none"),
        pytest.param(
            {"outer": {"tags": [1], "Flag": False}},
            {"outer_tags": ["1"], "outer_flag": False},
            id="lists-inside-nested-mappings",
        ),
    ],
)
def test_metadata(values: dict[str, JSONValue], expected: dict[str, JSONValue]) -> None:
    sanitize, warnings = sanitizer()
    assert_exact(sanitize.metadata(values, kind="visitor"), expected)
    assert warnings == []


@pytest.mark.parametrize(
    ("values", "expected", "warning"),
    [
        pytest.param(
            {"Plan": "a", "plan": "b"},
            {"plan": "b"},
            "Pendo visitor metadata: visitor.Plan and visitor.plan both become the key 'plan' "
            "(Pendo lowercases keys and allows only a-z, 0-9 and _); the value of visitor.plan "
            "is kept. Rename one to keep both.",
            id="case",
        ),
        pytest.param(
            {"a.b": 1, "a_b": 2},
            {"a_b": 2},
            "Pendo visitor metadata: visitor['a.b'] and visitor.a_b both become the key 'a_b' "
            "(Pendo lowercases keys and allows only a-z, 0-9 and _); the value of visitor.a_b "
            "is kept. Rename one to keep both.",
            id="dot-and-underscore",
        ),
        pytest.param(
            {"address": {"city": "Paris"}, "address_city": "Lyon"},
            {"address_city": "Lyon"},
            "Pendo visitor metadata: visitor.address.city and visitor.address_city both become "
            "the key 'address_city' (Pendo lowercases keys and allows only a-z, 0-9 and _); "
            "the value of visitor.address_city is kept. Rename one to keep both.",
            id="flattened-then-flat",
        ),
        pytest.param(
            {"address_city": "Lyon", "address": {"city": "Paris"}},
            {"address_city": "Paris"},
            "Pendo visitor metadata: visitor.address_city and visitor.address.city both become "
            "the key 'address_city' (Pendo lowercases keys and allows only a-z, 0-9 and _); "
            "the value of visitor.address.city is kept. Rename one to keep both.",
            id="flat-then-flattened",
        ),
        pytest.param(
            {"e-mail": "a", "E mail": "b", "first": 1},
            {"e_mail": "b", "first": 1},
            "Pendo visitor metadata: visitor['e-mail'] and visitor['E mail'] both become the "
            "key 'e_mail' (Pendo lowercases keys and allows only a-z, 0-9 and _); the value of "
            "visitor['E mail'] is kept. Rename one to keep both.",
            id="different-invalid-characters",
        ),
    ],
)
def test_metadata_collision_keeps_the_later_value_and_warns(
    values: dict[str, JSONValue], expected: dict[str, JSONValue], warning: str
) -> None:
    sanitize, warnings = sanitizer()
    assert_exact(sanitize.metadata(values, kind="visitor"), expected)
    assert warnings == [warning]


def test_metadata_collision_warned_once_per_key_and_kind() -> None:
    sanitize, warnings = sanitizer()
    for _ in range(3):
        result = sanitize.metadata({"Plan": "a", "plan": "b", "PLAN": "c"}, kind="visitor")
        assert_exact(result, {"plan": "c"})
    assert len(warnings) == 1
    sanitize.metadata({"Tier": 1, "tier": 2}, kind="visitor")
    sanitize.metadata({"Plan": "a", "plan": "b"}, kind="account")
    assert [message.split(":")[0] for message in warnings] == [
        "Pendo visitor metadata",
        "Pendo visitor metadata",
        "Pendo account metadata",
    ]
    assert "'tier'" in warnings[1]
    assert "account.Plan and account.plan" in warnings[2]


def test_separate_sanitizers_warn_separately() -> None:
    first, first_warnings = sanitizer()
    second, second_warnings = sanitizer()
    first.metadata({"Plan": 1, "plan": 2}, kind="visitor")
    second.metadata({"Plan": 1, "plan": 2}, kind="visitor")
    assert len(first_warnings) == 1
    assert len(second_warnings) == 1


@pytest.mark.parametrize(
    ("values", "kind", "warnings_expected"),
    [
        pytest.param({"bio": "x" * 1500}, "visitor", [], id="string-at-limit"),
        pytest.param(
            {"bio": "x" * 1501},
            "visitor",
            [
                "Pendo visitor metadata 'bio' is 1,501 characters long; Pendo keeps string "
                "values under 1,500 characters. Send a shorter value."
            ],
            id="string-over-limit",
        ),
        pytest.param(
            {"Profile": {"Bio": "x" * 2000}},
            "account",
            [
                "Pendo account metadata 'profile_bio' is 2,000 characters long; Pendo keeps "
                "string values under 1,500 characters. Send a shorter value."
            ],
            id="flattened-string-over-limit-named-by-pendo-key",
        ),
        pytest.param({"tags": ["x" * 2000]}, "visitor", [], id="list-items-not-checked"),
        pytest.param({"id": "v" * 128}, "visitor", [], id="visitor-id-at-limit"),
        pytest.param(
            {"id": "v" * 129},
            "visitor",
            [
                "The Pendo visitor id is 129 bytes in UTF-8; Pendo truncates visitor ids over "
                "128 bytes, so visitors whose ids start alike would merge. Use a shorter id."
            ],
            id="visitor-id-over-limit",
        ),
        pytest.param(
            {"ID": "é" * 65},
            "visitor",
            [
                "The Pendo visitor id is 130 bytes in UTF-8; Pendo truncates visitor ids over "
                "128 bytes, so visitors whose ids start alike would merge. Use a shorter id."
            ],
            id="visitor-id-counted-in-bytes-after-key-rewrite",
        ),
        pytest.param({"id": "a" * 200}, "account", [], id="account-id-not-limited"),
        pytest.param({"id": 10**15}, "visitor", [], id="numeric-visitor-id"),
    ],
)
def test_metadata_limits(
    values: dict[str, JSONValue], kind: str, warnings_expected: list[str]
) -> None:
    sanitize, warnings = sanitizer()
    original = copy.deepcopy(values)
    result = sanitize.metadata(values, kind=kind)
    assert warnings == warnings_expected
    assert list(result.values()) == _leaves(original)  # nothing truncated


def _leaves(values: dict[str, JSONValue]) -> list[JSONValue]:
    leaves: list[JSONValue] = []
    for value in values.values():
        leaves.extend(_leaves(value) if isinstance(value, dict) else [value])
    return leaves


def test_metadata_limits_warned_once_per_key() -> None:
    sanitize, warnings = sanitizer()
    for _ in range(3):
        sanitize.metadata({"id": "v" * 200, "bio": "x" * 1600, "notes": "y" * 1600}, kind="visitor")
    assert [message.split(";")[0] for message in warnings] == [
        "The Pendo visitor id is 200 bytes in UTF-8",
        "Pendo visitor metadata 'bio' is 1,600 characters long",
        "Pendo visitor metadata 'notes' is 1,600 characters long",
    ]


def test_metadata_returns_new_containers_and_leaves_input_unchanged() -> None:
    source: dict[str, JSONValue] = {
        "Tags": ["a", 1, None],
        "address": {"City": "Paris"},
        "Plan": "x",
        "plan": "y",
    }
    snapshot = copy.deepcopy(source)
    sanitize, _ = sanitizer()
    result = sanitize.metadata(source, kind="visitor")
    assert source == snapshot
    assert result["tags"] is not source["Tags"]
    assert_exact(result, {"tags": ["a", "1"], "address_city": "Paris", "plan": "y"})


def test_properties_pass_through_unchanged() -> None:
    source: dict[str, JSONValue] = {
        "Plan Name": "Pro",
        "a.b": 1,
        "nested": {"Deep": [1, None, {"x": 2.5}]},
        "__proto__": True,
        "empty": None,
    }
    snapshot = copy.deepcopy(source)
    sanitize, warnings = sanitizer()
    result = sanitize.properties("Signed Up", source)
    assert_exact(result, snapshot)
    assert_exact(source, snapshot)
    assert source == snapshot
    assert warnings == []


@pytest.mark.parametrize(
    ("values", "warnings_expected"),
    [
        pytest.param({"n" * 32: 1}, [], id="name-at-limit"),
        pytest.param(
            {"n" * 33: 1},
            [
                f"track('Signed Up'): property name {'n' * 33!r} is 33 characters long; "
                f"Pendo accepts at most 32. Use a shorter name."
            ],
            id="name-over-limit",
        ),
        pytest.param({"s": "x" * 510}, [], id="string-json-at-512-bytes"),
        pytest.param(
            {"s": "x" * 511},
            [
                "track('Signed Up'): property 's' is 513 bytes as JSON, over Pendo's 512-byte "
                "limit, so Pendo shows it as 'too large'. Send a smaller value, such as an id "
                "or a summary."
            ],
            id="string-json-over-512-bytes",
        ),
        pytest.param({"s": "é" * 255}, [], id="utf8-string-json-at-512-bytes"),
        pytest.param(
            {"s": "é" * 256},
            [
                "track('Signed Up'): property 's' is 514 bytes as JSON, over Pendo's 512-byte "
                "limit, so Pendo shows it as 'too large'. Send a smaller value, such as an id "
                "or a summary."
            ],
            id="size-counted-in-utf8-bytes",
        ),
        pytest.param({"d": {"a": "x" * 504}}, [], id="object-json-at-512-bytes"),
        pytest.param(
            {"d": {"a": "x" * 505}},
            [
                "track('Signed Up'): property 'd' is 513 bytes as JSON, over Pendo's 512-byte "
                "limit, so Pendo shows it as 'too large'. Send a smaller value, such as an id "
                "or a summary."
            ],
            id="object-json-over-512-bytes",
        ),
        pytest.param({"l": ["x" * 100] * 4}, [], id="list-json-under-512-bytes"),
        pytest.param(
            {"l": list(range(200))},
            [
                "track('Signed Up'): property 'l' is 691 bytes as JSON, over Pendo's 512-byte "
                "limit, so Pendo shows it as 'too large'. Send a smaller value, such as an id "
                "or a summary."
            ],
            id="list-json-over-512-bytes",
        ),
    ],
)
def test_properties_limits(values: dict[str, JSONValue], warnings_expected: list[str]) -> None:
    sanitize, warnings = sanitizer()
    result = sanitize.properties("Signed Up", values)
    assert warnings == warnings_expected
    assert_exact(result, values)


def test_properties_size_measured_as_compact_json() -> None:
    """Measured like the agent's JSON.stringify: no spaces, non-ASCII not escaped."""
    value = {"k": ["x" * 123] * 4}
    assert len(json.dumps(value, separators=(",", ":"))) == 511
    assert len(json.dumps(value)) == 515
    sanitize, warnings = sanitizer()
    sanitize.properties("e", {"p": value, "q": "é" * 255})
    assert warnings == []


def test_properties_warned_once_per_name_across_events() -> None:
    sanitize, warnings = sanitizer()
    long_name = "a_property_name_longer_than_32_characters"
    for event in ("First", "Second", "First"):
        sanitize.properties(event, {long_name: "x" * 600, "other": "y" * 600})
    assert [message.split(" is ")[0] for message in warnings] == [
        f"track('First'): property name {long_name!r}",
        f"track('First'): property {long_name!r}",
        "track('First'): property 'other'",
    ]


def test_properties_skip_json_for_values_that_always_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> str:
        raise AssertionError("json_text called for a value that always fits")

    monkeypatch.setattr(pendo_sanitize, "json_text", fail)
    sanitize, warnings = sanitizer()
    values: dict[str, JSONValue] = {"s": "x" * 85, "i": 2**53, "f": -1.5e300, "b": True, "n": None}
    assert_exact(sanitize.properties("Checked Out", values), values)
    assert warnings == []
