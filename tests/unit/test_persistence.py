"""Persistence must be byte-compatible with RudderStack JS SDK v3, so both share one identity on a site."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest

from pyodide_pendo.persistence import (
    ANONYMOUS_ID,
    ENCODED_PREFIX,
    GROUP_ID,
    GROUP_TRAITS,
    TOP_DOMAIN_TEST_COOKIE,
    USER_ID,
    USER_TRAITS,
    CookieStore,
    IdentityStore,
    LocalStorageStore,
    MemoryStore,
    decode_value,
    encode_value,
)
from pyodide_pendo.values import JSONValue

KNOWN_ANONYMOUS_ID = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e"
# Captured from RudderStack JS SDK v3 (see /work/shared/reference/rudderstack.md).
ANONYMOUS_ID_COOKIE = "rl_anonymous_id=RS_ENC_v3_ImYwZTFkMmMzLWI0YTUtNDk2OC04Nzc4LTY5NWE0YjNjMmQxZSI%3D"
PUBLIC_SUFFIXES = frozenset({"com", "uk", "co.uk", "io", "github.io"})


# --- fakes -------------------------------------------------------------------------------------------------


@dataclass
class FakeCookie:
    value: str
    attributes: dict[str, str]


@dataclass
class FakeDocument:
    """A ``document`` whose ``cookie`` behaves like a browser's, for one page's hostname.

    Writes are ignored when their Domain is a public suffix or does not cover the hostname; Max-Age <= 0 or a
    past Expires deletes. Several documents can share one ``jar`` to model subdomains of one site.
    """

    hostname: str
    jar: dict[tuple[str, str, str], FakeCookie] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)

    @property
    def cookie(self) -> str:
        return "; ".join(
            f"{name}={cookie.value}"
            for (name, domain, _path), cookie in self.jar.items()
            if self._covers(domain, host_only="domain" not in cookie.attributes)
        )

    @cookie.setter
    def cookie(self, header: str) -> None:
        self.writes.append(header)
        name_value, *attribute_texts = header.split(";")
        name, _, value = name_value.strip().partition("=")
        attributes: dict[str, str] = {}
        for attribute_text in attribute_texts:
            attribute_name, _, attribute_value = attribute_text.strip().partition("=")
            attributes[attribute_name.lower()] = attribute_value
        domain = attributes.get("domain", "").lstrip(".").lower()
        if domain and (domain in PUBLIC_SUFFIXES or not self._covers(domain, host_only=False)):
            return
        key = (name, domain or self.hostname, attributes.get("path", "/"))
        if self._expired(attributes):
            self.jar.pop(key, None)
        else:
            self.jar[key] = FakeCookie(value, attributes)

    def _covers(self, domain: str, *, host_only: bool) -> bool:
        return self.hostname == domain or (not host_only and self.hostname.endswith("." + domain))

    @staticmethod
    def _expired(attributes: dict[str, str]) -> bool:
        if "max-age" in attributes:
            return int(attributes["max-age"]) <= 0
        if "expires" in attributes:
            return parsedate_to_datetime(attributes["expires"]) <= datetime.now(timezone.utc)
        return False


class FakeLocalStorage:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def getItem(self, key: str) -> str | None:  # noqa: N802 - the Web Storage API's name
        return self.items.get(key)

    def setItem(self, key: str, value: str) -> None:  # noqa: N802
        self.items[key] = value

    def removeItem(self, key: str) -> None:  # noqa: N802
        self.items.pop(key, None)


class JsNull:
    """Stands in for Pyodide's ``jsnull``: what ``localStorage.getItem`` returns for a missing key."""

    def __bool__(self) -> bool:
        return False


def encoded_json_text(json_text: bytes) -> str:
    return ENCODED_PREFIX + base64.b64encode(json_text).decode("ascii")


# --- encoding ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (KNOWN_ANONYMOUS_ID, "RS_ENC_v3_ImYwZTFkMmMzLWI0YTUtNDk2OC04Nzc4LTY5NWE0YjNjMmQxZSI="),
        # RudderStack's docs: getEncryptedValueBrowser('test-data').
        ("test-data", "RS_ENC_v3_InRlc3QtZGF0YSI="),
        # Non-ASCII goes in as UTF-8 bytes (TextEncoder), not as \u escapes.
        ("é", encoded_json_text('"é"'.encode())),
        # JSON.stringify's compact form.
        ({"plan": "pro", "seats": [1, 2]}, encoded_json_text(b'{"plan":"pro","seats":[1,2]}')),
    ],
)
def test_encode_value_matches_rudderstack_v3(value: JSONValue, stored: str) -> None:
    assert encode_value(value) == stored


@pytest.mark.parametrize(
    "value",
    [
        KNOWN_ANONYMOUS_ID,
        "",
        'quotes " and \\ backslash',
        "Zoë 🙂 日本語",
        {"name": "Zoë Ångström", "address": {"city": "Zürich", "emoji": "🙂"}, "tags": ["a", "ß"]},
        {},
        42,
        -0.5,
        1e21,
        0,
        True,
        False,
        None,
        [1, "two", {"three": 3.0}],
    ],
)
def test_encode_decode_round_trip(value: JSONValue) -> None:
    assert decode_value(encode_value(value)) == value


def test_encode_value_refuses_nan_which_javascript_could_not_parse() -> None:
    with pytest.raises(ValueError):
        encode_value(float("nan"))


@pytest.mark.parametrize(
    ("stored", "value"),
    [
        ('"plain-id"', "plain-id"),
        ('{"plan":"pro"}', {"plan": "pro"}),
        ("42", 42),
    ],
)
def test_decode_value_reads_text_without_prefix_as_json(stored: str, value: JSONValue) -> None:
    assert decode_value(stored) == value


def test_decode_value_accepts_base64_without_padding_as_atob_does() -> None:
    assert decode_value("RS_ENC_v3_InRlc3QtZGF0YSI") == "test-data"


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("RudderEncrypt:U2FsdGVkX1+5q5jbuzWYX7vQ4fk4cXb0kG2Z5xq3h1c=", "v1.1"),
        ("RS_ENC_v3_not*base64", "base64"),
        (encoded_json_text(b"\xff\xfe"), "UTF-8"),
        (encoded_json_text(b"test-data"), "JSON"),
        ("plain-id", "JSON"),
    ],
)
def test_decode_value_says_why_it_cannot_read(stored: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        decode_value(stored)


# --- IdentityStore ----------------------------------------------------------------------------------------


def test_identity_store_reads_the_cookie_rudderstack_wrote() -> None:
    document = FakeDocument("www.example.com")
    document.cookie = f"{ANONYMOUS_ID_COOKIE}; Path=/"
    document.cookie = "other=1; Path=/"
    identity = IdentityStore(CookieStore(document, hostname="www.example.com"), warn=pytest.fail)

    assert identity.read_all()[ANONYMOUS_ID] == KNOWN_ANONYMOUS_ID


def test_identity_store_writes_the_cookie_rudderstack_writes() -> None:
    document = FakeDocument("www.example.com")
    identity = IdentityStore(CookieStore(document, hostname="www.example.com"), warn=pytest.fail)

    identity.write({ANONYMOUS_ID: KNOWN_ANONYMOUS_ID})

    assert document.writes[-1].startswith(ANONYMOUS_ID_COOKIE + ";")
    assert ANONYMOUS_ID_COOKIE in document.cookie


@pytest.mark.parametrize(
    ("key", "value"),
    [(ANONYMOUS_ID, KNOWN_ANONYMOUS_ID), (USER_TRAITS, {"name": "Zoë", "nested": {"ok": True}}), (USER_ID, "7")],
)
def test_identity_store_round_trip(key: str, value: JSONValue) -> None:
    identity = IdentityStore(MemoryStore(), warn=pytest.fail)
    identity.write({key: value})
    assert identity.read_all()[key] == value


@pytest.mark.parametrize("cleared", [None, "", {}])
def test_identity_store_write_of_a_cleared_value_removes_the_key(cleared: JSONValue) -> None:
    store = MemoryStore()
    identity = IdentityStore(store, warn=pytest.fail)
    identity.write({GROUP_TRAITS: {"name": "Acme"}})

    identity.write({GROUP_TRAITS: cleared})

    assert store.get(GROUP_TRAITS) is None
    assert identity.read_all()[GROUP_TRAITS] is None


@pytest.mark.parametrize("stored", [None, ""])
def test_identity_store_read_of_nothing_is_none_without_warning(stored: str | None) -> None:
    store = MemoryStore()
    if stored is not None:
        store.set(USER_ID, stored)
    assert IdentityStore(store, warn=pytest.fail).read_all()[USER_ID] is None


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("RudderEncrypt:U2FsdGVkX1+5q5jbuzWYX7vQ4fk4cXb0kG2Z5xq3h1c=", "v1.1"),
        ("RS_ENC_v3_%%%", "base64"),
        (encoded_json_text(b"{not json"), "JSON"),
    ],
)
def test_identity_store_warns_about_an_unreadable_value_and_keeps_it(stored: str, reason: str) -> None:
    store = MemoryStore()
    store.set(USER_ID, stored)
    warnings: list[str] = []

    assert IdentityStore(store, warn=warnings.append).read_all()[USER_ID] is None

    assert len(warnings) == 1
    assert USER_ID in warnings[0]
    assert reason in warnings[0]
    assert store.get(USER_ID) == stored


def test_identity_store_warns_when_the_storage_itself_fails() -> None:
    class BrokenStore(MemoryStore):
        def get(self, key: str) -> str | None:
            raise RuntimeError("SecurityError: access denied")

    warnings: list[str] = []
    store = IdentityStore(BrokenStore(), warn=warnings.append)
    assert store.read_all()[GROUP_ID] is None
    assert store.changes() == {}
    assert len(warnings) == 1 and "Could not read the identity" in warnings[0]
    assert "access denied" in warnings[0]


# --- CookieStore ------------------------------------------------------------------------------------------


# One year, as RudderStack's DEFAULT_COOKIE_MAX_AGE.
USER_ID_COOKIE_WRITE = "rl_user_id=a%20b%3B%C3%A9; Max-Age=31536000; Path=/; Domain=example.com; SameSite=Lax"


@pytest.mark.parametrize(
    ("secure", "expected_write"),
    [(False, USER_ID_COOKIE_WRITE), (True, USER_ID_COOKIE_WRITE + "; Secure")],
)
def test_cookie_store_writes_rudderstack_attributes(secure: bool, expected_write: str) -> None:
    document = FakeDocument("app.example.com")
    store = CookieStore(document, hostname="app.example.com", secure=secure)

    store.set(USER_ID, "a b;é")

    assert document.writes[-1] == expected_write
    assert store.get(USER_ID) == "a b;é"


def test_cookie_value_is_escaped_like_encode_uri_component() -> None:
    document = FakeDocument("example.com")
    store = CookieStore(document, hostname="example.com")

    store.set("k", "AZaz09-_.!~*'() /+=?&%\"")

    assert document.writes[-1].startswith("k=AZaz09-_.!~*'()%20%2F%2B%3D%3F%26%25%22;")


@pytest.mark.parametrize(
    ("hostname", "domain"),
    [
        ("example.com", "example.com"),
        ("www.example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("www.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("someone.github.io", "someone.github.io"),
        ("localhost", None),
        ("127.0.0.1", None),
        ("[::1]", None),
        ("intranet", None),
    ],
)
def test_cookie_store_detects_the_top_level_domain(hostname: str, domain: str | None) -> None:
    document = FakeDocument(hostname)
    store = CookieStore(document, hostname=hostname)

    assert store.domain == domain
    assert TOP_DOMAIN_TEST_COOKIE not in document.cookie
    store.set(GROUP_ID, "g1")
    assert ("Domain=" in document.writes[-1]) == (domain is not None)
    assert store.get(GROUP_ID) == "g1"


def test_top_level_domain_detection_tries_the_shortest_suffix_first() -> None:
    document = FakeDocument("www.example.co.uk")
    CookieStore(document, hostname="www.example.co.uk")

    tried = [write.split("Domain=")[1] for write in document.writes if "Max-Age=0" not in write]
    assert tried == ["co.uk", "example.co.uk"]
    assert all(write.startswith(f"{TOP_DOMAIN_TEST_COOKIE}=") for write in document.writes)


def test_localhost_and_ip_addresses_write_no_test_cookie() -> None:
    for hostname in ("localhost", "192.168.0.10"):
        document = FakeDocument(hostname)
        CookieStore(document, hostname=hostname)
        assert document.writes == []


def test_no_domain_when_the_browser_refuses_every_suffix() -> None:
    class CookielessDocument(FakeDocument):
        @property
        def cookie(self) -> str:
            return ""

        @cookie.setter
        def cookie(self, header: str) -> None:
            self.writes.append(header)

    assert CookieStore(CookielessDocument("www.example.com"), hostname="www.example.com").domain is None


def test_a_given_domain_skips_detection() -> None:
    document = FakeDocument("www.example.com")
    store = CookieStore(document, hostname="www.example.com", domain="www.example.com")

    assert document.writes == []
    store.set(USER_ID, "u1")
    assert "Domain=www.example.com;" in document.writes[-1]


def test_cookies_are_shared_with_another_subdomain_of_the_site() -> None:
    shop = FakeDocument("shop.example.com")
    blog = FakeDocument("blog.example.com", jar=shop.jar)

    IdentityStore(CookieStore(shop, hostname="shop.example.com"), warn=pytest.fail).write(
        {ANONYMOUS_ID: KNOWN_ANONYMOUS_ID}
    )

    assert ANONYMOUS_ID_COOKIE in blog.cookie
    blog_identity = IdentityStore(CookieStore(blog, hostname="blog.example.com"), warn=pytest.fail)
    assert blog_identity.read_all()[ANONYMOUS_ID] == KNOWN_ANONYMOUS_ID


@pytest.mark.parametrize("hostname", ["www.example.com", "localhost"])
def test_cookie_store_remove_expires_the_cookie(hostname: str) -> None:
    document = FakeDocument(hostname)
    store = CookieStore(document, hostname=hostname)
    store.set(USER_ID, "u1")
    set_attributes = document.writes[-1].split("; ")[2:]

    store.remove(USER_ID)

    remove_attributes = document.writes[-1].split("; ")
    assert remove_attributes[:2] == ["rl_user_id=", "Max-Age=0"]
    assert remove_attributes[2:] == set_attributes
    assert store.get(USER_ID) is None
    assert document.jar == {}


def test_cookie_store_get_uri_decodes_and_ignores_other_cookies() -> None:
    document = FakeDocument("example.com")
    document.cookie = "rl_user_idx=wrong"
    document.cookie = "rl_user_id=a%20b%C3%A9%3D"
    document.cookie = "z=1"

    assert CookieStore(document, hostname="example.com").get("rl_user_id") == "a bé="
    assert CookieStore(document, hostname="example.com").get("missing") is None


def test_cookie_store_get_takes_the_last_of_duplicate_names_as_rudderstack_does() -> None:
    class FixedDocument:
        cookie = "rl_user_id=first; rl_user_id=second"

    assert CookieStore(FixedDocument(), hostname="localhost").get("rl_user_id") == "second"


# --- LocalStorageStore and MemoryStore --------------------------------------------------------------------


def test_local_storage_store_json_quotes_values_like_rudderstacks_storejs() -> None:
    local_storage = FakeLocalStorage()
    store = LocalStorageStore(local_storage)

    store.set(ANONYMOUS_ID, encode_value(KNOWN_ANONYMOUS_ID))

    assert local_storage.items[ANONYMOUS_ID] == json.dumps(encode_value(KNOWN_ANONYMOUS_ID))
    assert store.get(ANONYMOUS_ID) == encode_value(KNOWN_ANONYMOUS_ID)


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ('"RS_ENC_v3_InRlc3QtZGF0YSI="', "RS_ENC_v3_InRlc3QtZGF0YSI="),
        ("RS_ENC_v3_InRlc3QtZGF0YSI=", "RS_ENC_v3_InRlc3QtZGF0YSI="),
        ('{"plan":"pro"}', '{"plan":"pro"}'),
    ],
)
def test_local_storage_store_reads_quoted_and_unquoted_entries(stored: str, read: str) -> None:
    local_storage = FakeLocalStorage()
    local_storage.items["k"] = stored
    assert LocalStorageStore(local_storage).get("k") == read


def test_local_storage_store_missing_key_and_remove() -> None:
    local_storage = FakeLocalStorage()
    store = LocalStorageStore(local_storage)
    assert store.get("k") is None

    store.set("k", "v")
    store.remove("k")

    assert local_storage.items == {}
    assert store.get("k") is None


def test_local_storage_store_treats_pyodides_jsnull_as_missing() -> None:
    class JsNullLocalStorage(FakeLocalStorage):
        def getItem(self, key: str) -> JsNull:  # type: ignore[override]  # noqa: N802
            return JsNull()

    assert LocalStorageStore(JsNullLocalStorage()).get("k") is None


def test_identity_store_round_trip_through_local_storage() -> None:
    identity = IdentityStore(LocalStorageStore(FakeLocalStorage()), warn=pytest.fail)
    traits: JSONValue = {"name": "Zoë", "company": {"name": "Ærø"}}

    identity.write({USER_TRAITS: traits})

    assert identity.read_all()[USER_TRAITS] == traits


def test_memory_store() -> None:
    store = MemoryStore()
    store.set("k", "v")
    assert store.get("k") == "v"
    store.remove("k")
    store.remove("k")
    assert store.get("k") is None


def test_cookie_store_reads_several_values_from_one_read_and_parses_only_a_changed_header() -> None:
    class CountingDocument(FakeDocument):
        reads = 0

        @property
        def cookie(self) -> str:
            self.reads += 1
            return FakeDocument.cookie.fget(self)  # type: ignore[attr-defined]

        @cookie.setter
        def cookie(self, header: str) -> None:
            FakeDocument.cookie.fset(self, header)  # type: ignore[attr-defined]

    document = CountingDocument("localhost")
    store = CookieStore(document, hostname="localhost")
    store.set(USER_ID, "a b")
    store.set(GROUP_ID, "g1")
    document.reads = 0

    assert store.get_many((USER_ID, GROUP_ID, USER_TRAITS)) == {USER_ID: "a b", GROUP_ID: "g1", USER_TRAITS: None}
    assert document.reads == 1
    store.set(GROUP_ID, "g2")
    assert store.get_many((USER_ID, GROUP_ID, USER_TRAITS))[GROUP_ID] == "g2"
