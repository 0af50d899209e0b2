"""Identity persistence in RudderStack JavaScript SDK v3's storage format.

Same keys and encoding, so a page shares one visitor with a RudderStack JavaScript SDK: each value is
``"RS_ENC_v3_"`` + base64 of its compact JSON; cookies are URI-encoded, one year, path ``/``, ``SameSite=Lax``,
on the top-level domain (the shortest suffix that takes a test cookie); localStorage values are JSON-quoted as
v3's storejs writes them. Browser objects are passed in, so this runs under CPython.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final, Protocol
from urllib.parse import quote, unquote

from .values import JSONValue, Warn

# RudderStack v3's storage keys for the identity values both SDKs share.
ANONYMOUS_ID: Final = "rl_anonymous_id"
USER_ID: Final = "rl_user_id"
USER_TRAITS: Final = "rl_trait"
GROUP_ID: Final = "rl_group_id"
GROUP_TRAITS: Final = "rl_group_trait"

ENCODED_PREFIX: Final = "RS_ENC_v3_"
# RudderStack's v1.1 SDK stored AES ciphertext (key "Rudder") behind this prefix.
LEGACY_ENCRYPTED_PREFIX: Final = "RudderEncrypt:"

COOKIE_MAX_AGE_SECONDS: Final = 365 * 24 * 60 * 60
# The cookie RudderStack v3 sets and removes while it looks for the top-level domain.
TOP_DOMAIN_TEST_COOKIE: Final = "__tld__"
# encodeURIComponent leaves these unescaped (besides letters and digits), so the cookies match byte for byte.
_URI_COMPONENT_SAFE: Final = "-_.!~*'()"


def encode_value(value: JSONValue) -> str:
    """Encode ``value`` exactly as RudderStack v3 stores it, so its SDK can read what we write."""
    # JSON.stringify's form: no spaces, non-ASCII characters left as they are (then encoded as UTF-8).
    json_text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return ENCODED_PREFIX + base64.b64encode(json_text.encode("utf-8")).decode("ascii")


def decode_value(text: str) -> JSONValue:
    """Decode a stored value; a value without the prefix is read as plain JSON text, as v3 does.

    Raises ``ValueError`` saying why the text cannot be read.
    """
    if text.startswith(LEGACY_ENCRYPTED_PREFIX):
        raise ValueError("it is AES-encrypted by RudderStack's v1.1 SDK, which this package does not read")
    json_text = text
    if text.startswith(ENCODED_PREFIX):
        payload = text.removeprefix(ENCODED_PREFIX)
        # atob accepts base64 without its "=" padding; b64decode needs it.
        padded_payload = payload + "=" * (-len(payload) % 4)
        try:
            json_text = base64.b64decode(padded_payload, validate=True).decode("utf-8")
        except binascii.Error as error:
            raise ValueError(f"its {ENCODED_PREFIX} payload is not valid base64 ({error})") from error
        except UnicodeDecodeError as error:
            raise ValueError(f"its {ENCODED_PREFIX} payload is not UTF-8 text ({error})") from error
    try:
        decoded: JSONValue = json.loads(json_text)
    except json.JSONDecodeError as error:
        raise ValueError(f"it is not JSON text ({error})") from error
    return decoded


class KeyValueStore(Protocol):
    """Where identity values live: cookies, localStorage or memory, as in RudderStack v3."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def remove(self, key: str) -> None: ...


class MemoryStore:
    """Keeps values for this page only: the fallback when the browser refuses cookies and localStorage."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        self._values[key] = value

    def remove(self, key: str) -> None:
        self._values.pop(key, None)


class LocalStorageStore:
    """Stores values in ``window.localStorage`` JSON-quoted, as v3's storejs does, so both read each other's."""

    def __init__(self, local_storage: Any) -> None:
        self._local_storage = local_storage

    def get(self, key: str) -> str | None:
        stored_text = self._local_storage.getItem(key)
        # A missing key is JS null, which Pyodide hands over as ``jsnull`` (or ``None`` in its compat mode).
        if not isinstance(stored_text, str):
            return None
        # Like storejs: unquote a JSON string, keep any other text as it is.
        try:
            unquoted = json.loads(stored_text)
        except json.JSONDecodeError:
            return stored_text
        return unquoted if isinstance(unquoted, str) else stored_text

    def set(self, key: str, value: str) -> None:
        self._local_storage.setItem(key, json.dumps(value, ensure_ascii=False))

    def remove(self, key: str) -> None:
        self._local_storage.removeItem(key)


class CookieStore:
    """Stores values in first-party cookies with RudderStack v3's encoding and attributes.

    On the site's top-level domain by default, so a RudderStack SDK on another subdomain shares them.
    """

    def __init__(self, document: Any, *, hostname: str, domain: str | None = None, secure: bool = False) -> None:
        self._document = document
        self._secure = secure
        self._domain = domain if domain is not None else _detect_top_domain(document, hostname)

    @property
    def domain(self) -> str | None:
        """The cookies' ``Domain`` attribute; ``None`` for host-only cookies."""
        return self._domain

    def get(self, key: str) -> str | None:
        return _read_cookie(self._document.cookie, key)

    def set(self, key: str, value: str) -> None:
        self._write(key, value, COOKIE_MAX_AGE_SECONDS)

    def remove(self, key: str) -> None:
        # A browser deletes a cookie when one with the same name, domain and path expires.
        self._write(key, "", 0)

    def _write(self, key: str, value: str, max_age: int) -> None:
        attributes = [
            f"{quote(key, safe=_URI_COMPONENT_SAFE)}={quote(value, safe=_URI_COMPONENT_SAFE)}",
            f"Max-Age={max_age}",
            "Path=/",
        ]
        if self._domain is not None:
            attributes.append(f"Domain={self._domain}")
        attributes.append("SameSite=Lax")
        if self._secure:
            attributes.append("Secure")
        self._document.cookie = "; ".join(attributes)


def _read_cookie(cookie_header: str, name: str) -> str | None:
    """Find ``name`` in a ``document.cookie`` string and URI-decode its value.

    When the name appears more than once (e.g. a host-only and a domain cookie), the last one wins, as in v3.
    """
    value: str | None = None
    for pair in cookie_header.split(";"):
        pair_name, _, pair_value = pair.strip().partition("=")
        if unquote(pair_name) == name:
            value = unquote(pair_value)
    return value


def _detect_top_domain(document: Any, hostname: str) -> str | None:
    """Find the shortest domain suffix of ``hostname`` the browser lets us set a cookie on, as v3 does.

    Browsers refuse cookies for public suffixes (``com``, ``co.uk``), so the first suffix that takes one is
    the site's registrable domain. ``None`` (host-only cookies) for localhost, IP addresses, single-label
    hosts, or when no suffix takes the cookie.
    """
    if hostname == "localhost" or _is_ip_address(hostname):
        return None
    labels = hostname.split(".")
    # v3 starts at two labels: a cookie on a bare top-level domain is never accepted.
    for start in range(len(labels) - 2, -1, -1):
        candidate = ".".join(labels[start:])
        document.cookie = f"{TOP_DOMAIN_TEST_COOKIE}=1; Domain={candidate}"
        if _read_cookie(document.cookie, TOP_DOMAIN_TEST_COOKIE):
            document.cookie = f"{TOP_DOMAIN_TEST_COOKIE}=; Max-Age=0; Domain={candidate}"
            return candidate
    return None


def _is_ip_address(hostname: str) -> bool:
    """``location.hostname`` comes normalized by the browser: an IPv6 address in brackets, an IPv4 address as
    four decimal numbers (``0x7f.1`` already reads ``127.0.0.1``). Checked as text: ``ipaddress`` would cost
    milliseconds of import time in Pyodide for this one test."""
    if hostname.startswith("[") or ":" in hostname:
        return True
    parts = hostname.split(".")
    return len(parts) == 4 and all(part.isdigit() for part in parts)


class IdentityStore:
    """Reads and writes the five identity values through a KeyValueStore with RudderStack v3's encoding."""

    def __init__(self, store: KeyValueStore, warn: Warn) -> None:
        self._store = store
        self._warn = warn

    def read(self, key: str) -> JSONValue | None:
        """The stored value, or ``None``; an unreadable value is reported and treated as absent, never raised.

        The unreadable value is left in place: it may belong to another SDK on the site (e.g. v1.1's AES).
        """
        try:
            stored_text = self._store.get(key)
        except Exception as error:  # a browser storage can throw anything (SecurityError, a JS exception)
            self._warn(f"Could not read {key!r} from storage: {error}")
            return None
        if not stored_text:
            return None
        try:
            return decode_value(stored_text)
        except ValueError as error:
            self._warn(f"Ignoring the stored {key!r}: {error}")
            return None

    def write(self, key: str, value: JSONValue | None) -> None:
        """Store ``value``; ``None``, ``""`` and ``{}`` remove the key, as v3 does for cleared values.

        A storage that refuses (a full localStorage, cookies blocked) is the page's fault, not the caller's:
        it is reported and the identity lives on in memory for this page.
        """
        try:
            if value is None or value == "" or value == {}:
                self._store.remove(key)
            else:
                self._store.set(key, encode_value(value))
        except Exception as error:
            self._warn(f"Could not write {key!r} to storage (the identity is kept in memory only): {error}")
