"""Identity persistence in RudderStack JavaScript SDK v3's storage format.

Same keys and encoding, so a page shares one visitor with a RudderStack JavaScript SDK: each value is
``"RS_ENC_v3_"`` + base64 of its compact JSON; cookies are URI-encoded, one year, path ``/``, ``SameSite=Lax``,
on the top-level domain (the shortest suffix that takes a test cookie); localStorage values are JSON-quoted as
v3's storejs writes them. Browser objects are passed in, so this runs under CPython.
"""

import base64
import json

from .values import MAX_NESTING, json_text

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable
    from typing import Any, Final, Protocol

    from .values import JSONValue, Warn

    class KeyValueStore(Protocol):
        """Where identity values live: cookies, localStorage or memory, as in RudderStack v3."""

        def get(self, key: str) -> str | None: ...

        def set(self, key: str, value: str) -> None: ...

        def remove(self, key: str) -> None: ...
except ImportError:
    pass

# RudderStack v3's storage keys for the identity values both SDKs share.
ANONYMOUS_ID: Final = "rl_anonymous_id"
USER_ID: Final = "rl_user_id"
USER_TRAITS: Final = "rl_trait"
GROUP_ID: Final = "rl_group_id"
GROUP_TRAITS: Final = "rl_group_trait"
# The visitor's first referrer and its domain, kept for the visitor's later pages as RudderStack keeps them.
INITIAL_REFERRER: Final = "rl_page_init_referrer"
INITIAL_REFERRING_DOMAIN: Final = "rl_page_init_referring_domain"
IDENTITY_KEYS: Final = (ANONYMOUS_ID, USER_ID, USER_TRAITS, GROUP_ID, GROUP_TRAITS, INITIAL_REFERRER,
                        INITIAL_REFERRING_DOMAIN)
ID_KEYS: Final = frozenset({ANONYMOUS_ID, USER_ID, GROUP_ID})
TEXT_KEYS: Final = ID_KEYS | {INITIAL_REFERRER, INITIAL_REFERRING_DOMAIN}  # the others hold trait objects
# RudderStack v3's key for the session (``sessions.Sessions`` keeps it, in its own IdentityStore).
SESSION_INFO: Final = "rl_session"

# Stored text longer than this is not read (a cookie holds 4 KB; localStorage far more, and anything may
# write there): reading it would cost the page time for no identity worth having.
MAX_STORED_LENGTH: Final = 64 * 1024

ENCODED_PREFIX: Final = "RS_ENC_v3_"
# RudderStack's v1.1 SDK stored AES ciphertext (key "Rudder") behind this prefix.
LEGACY_ENCRYPTED_PREFIX: Final = "RudderEncrypt:"

COOKIE_MAX_AGE_SECONDS: Final = 365 * 24 * 60 * 60
# The cookie RudderStack v3 sets and removes while it looks for the top-level domain.
TOP_DOMAIN_TEST_COOKIE: Final = "__tld__"
# What encodeURIComponent leaves unescaped, so the cookies match RudderStack's byte for byte.
_URI_COMPONENT_SAFE: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
_HEX_DIGITS: Final = "0123456789abcdefABCDEF"


def uri_encode(text: str) -> str:
    """JavaScript's ``encodeURIComponent``: UTF-8 bytes, ``%XX`` for all but letters, digits and ``-_.!~*'()``."""
    return "".join(chr(byte) if byte in _URI_COMPONENT_SAFE else "%{:02X}".format(byte)
                   for byte in text.encode("utf-8"))


def uri_decode(text: str) -> str:
    """``%XX`` escapes decoded as UTF-8, as a browser reads cookies; a ``%`` that starts no escape stays, and
    escapes that are not UTF-8 leave the text as it is (it is then unreadable further on)."""
    if "%" not in text:
        return text
    parts = text.split("%")
    decoded = bytearray(parts[0].encode("utf-8"))
    for part in parts[1:]:
        if len(part) >= 2 and part[0] in _HEX_DIGITS and part[1] in _HEX_DIGITS:
            decoded.append(int(part[:2], 16))
            decoded.extend(part[2:].encode("utf-8"))
        else:
            decoded.extend(b"%" + part.encode("utf-8"))
    try:
        return decoded.decode("utf-8")
    except UnicodeError:
        return text


def encode_value(value: JSONValue) -> str:
    """Encode ``value`` exactly as RudderStack v3 stores it, so its SDK can read what we write."""
    # JSON.stringify's form: no spaces, non-ASCII characters left as they are (then encoded as UTF-8).
    return ENCODED_PREFIX + base64.b64encode(json_text(value).encode("utf-8")).decode("ascii")


BASE64_DIGITS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def decode_value(text: str) -> JSONValue:
    """Decode a stored value; a value without the prefix is read as plain JSON text, as v3 does.

    Raises ``ValueError`` saying why the text cannot be read.
    """
    if text.startswith(LEGACY_ENCRYPTED_PREFIX):
        raise ValueError("it is AES-encrypted by RudderStack's v1.1 SDK, which this package does not read")
    stored_json = text
    if text.startswith(ENCODED_PREFIX):
        payload = text[len(ENCODED_PREFIX):]
        digits = payload.rstrip("=")
        # Checked here first: given bad base64, MicroPython's b64decode raises AttributeError (its binascii has
        # no Error to raise).
        if len(payload) - len(digits) > 2 or len(digits) % 4 == 1 or not all(
                digit in BASE64_DIGITS for digit in digits):
            raise ValueError(f"its {ENCODED_PREFIX} payload is not valid base64")
        try:
            # atob accepts base64 without its "=" padding; b64decode needs it.
            stored_json = base64.b64decode(digits + "=" * (-len(digits) % 4), validate=True).decode("utf-8")
        except UnicodeError as error:  # before ValueError, which it is too
            raise ValueError(f"its {ENCODED_PREFIX} payload is not UTF-8 text ({error})") from error
        except ValueError as error:  # binascii.Error (MicroPython has no binascii.Error)
            raise ValueError(f"its {ENCODED_PREFIX} payload is not valid base64 ({error})") from error
    return _bounded_json(stored_json)


def _bounded_json(text: str) -> JSONValue:
    """``json.loads`` for text anything may have written: too long or too deeply nested text is refused first,
    since in Pyodide a deep enough value (``"[" * 7000``) exhausts the browser's stack and kills the interpreter."""
    if len(text) > MAX_STORED_LENGTH:
        raise ValueError(f"it is {len(text):,} characters long, over the {MAX_STORED_LENGTH:,} read")
    # Nesting cannot exceed the number of opening brackets, so the exact count is needed only past the limit.
    if text.count("[") + text.count("{") > MAX_NESTING and _nesting_depth(text) > MAX_NESTING:
        raise ValueError(f"it is nested deeper than {MAX_NESTING} levels")
    try:
        decoded: JSONValue = json.loads(text)
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"it is not JSON text ({error})") from error
    return decoded


def _nesting_depth(text: str) -> int:
    """The deepest nesting of brackets in JSON text, outside its strings."""
    depth = deepest = 0
    in_string = escaped = False
    for character in text:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


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
        # Like storejs: unquote a JSON string, keep any other text as it is (parsed only if it is a string, so
        # no nesting: anything may write here).
        if not stored_text.startswith('"'):
            return stored_text
        try:
            unquoted = json.loads(stored_text)
        except ValueError:
            return stored_text
        return unquoted if isinstance(unquoted, str) else stored_text

    def set(self, key: str, value: str) -> None:
        self._local_storage.setItem(key, json_text(value))

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
        # Per set of keys: the document.cookie text get_many last parsed for them, and what it held.
        self._parsed: dict[tuple[str, ...], tuple[str, dict[str, str | None]]] = {}

    @property
    def domain(self) -> str | None:
        """The cookies' ``Domain`` attribute; ``None`` for host-only cookies."""
        return self._domain

    def get(self, key: str) -> str | None:
        return _read_cookie(self._document.cookie, key)

    def get_many(self, keys: tuple[str, ...]) -> dict[str, str | None]:
        """Several values from one read of ``document.cookie`` (from a worker, each read is a round trip),
        parsed only when the header changed since the last read of the same keys (it is read before every
        call, for the identity's keys and the session's)."""
        header = self._document.cookie
        parsed = self._parsed.get(keys)
        if parsed is None or parsed[0] != header:
            values: dict[str, str | None] = dict.fromkeys(keys)
            for pair in header.split(";"):
                name, _, value = pair.strip().partition("=")
                name = uri_decode(name)
                if name in values:
                    values[name] = uri_decode(value)  # the last of duplicate names wins, as in v3
            parsed = self._parsed[keys] = (header, values)
        return dict(parsed[1])

    def set(self, key: str, value: str) -> None:
        self._write(key, value, COOKIE_MAX_AGE_SECONDS)

    def remove(self, key: str) -> None:
        # A browser deletes a cookie when one with the same name, domain and path expires.
        self._write(key, "", 0)

    def _write(self, key: str, value: str, max_age: int) -> None:
        attributes = [
            f"{uri_encode(key)}={uri_encode(value)}",
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
        if uri_decode(pair_name) == name:
            value = uri_decode(pair_value)
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


def usable_store(make: Callable[[], KeyValueStore], where: str, warn: Warn) -> KeyValueStore:
    """The store ``make`` builds, if it can be read; else a ``MemoryStore``, with a warning. A sandboxed
    document throws on ``document.cookie``, a browser with storage blocked on ``window.localStorage``."""
    try:
        store = make()
        store.get(ANONYMOUS_ID)
    except Exception as error:
        warn(f"The browser refuses access to {where} ({error}): the identity is kept in memory for this page only "
             "and will not survive a reload")
        return MemoryStore()
    return store


class IdentityStore:
    """The identity values (or the ``keys`` given: the session's) in a KeyValueStore with RudderStack v3's
    encoding, as RudderStack reads them: what is stored is the identity, re-read on each access, so tabs (and a
    RudderStack SDK on the page) that share the storage share one identity.

    The text each key held when last read or written is remembered, so ``changes()`` decodes only what someone
    else changed. A write that does not stick (a cookie over 4 KB that the browser drops, a cookie domain it
    refuses, a storage that throws) is found by reading it back: the key is then removed, so no stale value
    comes back after a reload, and the value lives on in memory for this page, with one warning per page.
    """

    def __init__(self, store: KeyValueStore, warn: Warn,
                 at_end_of_task: Callable[[Callable[[], None]], object] | None = None,
                 keys: tuple[str, ...] = IDENTITY_KEYS) -> None:
        """``at_end_of_task(callback)``, in a page, runs ``callback`` once the running code returns to the event
        loop: the storage is then read once per task, not once per call (Chromium's ``document.cookie`` getter
        costs tens of microseconds, and no other tab's script can run inside our task). Without it (no page),
        every ``changes()`` reads the storage."""
        self._store = store
        self._warn = warn
        self._at_end_of_task = at_end_of_task
        self._keys = keys
        self._read_in_this_task = False
        self._known: dict[str, str | None] = dict.fromkeys(keys)
        self._warned: set[str] = set()  # "read", "write": warned once per page, shared with siblings

    def sibling(self, keys: tuple[str, ...]) -> "IdentityStore":
        """A store for other ``keys`` in the same storage (the session's), with its own record of what changed
        and the warnings shared: a storage that fails is warned about once, whatever it fails to keep."""
        sibling = IdentityStore(self._store, self._warn, self._at_end_of_task, keys)
        sibling._warned = self._warned
        return sibling

    def read_all(self) -> dict[str, JSONValue | None]:
        """Every identity value as stored now; an unreadable one is reported and ``None``, never raised."""
        self._known = dict.fromkeys(self._keys, "")  # nothing known yet: everything counts as changed
        self._read_in_this_task = False
        values: dict[str, JSONValue | None] = dict.fromkeys(self._keys)
        values.update(self.changes())
        return values

    def changes(self) -> dict[str, JSONValue | None]:
        """The values whose stored text changed since we last read or wrote them (another tab wrote them)."""
        if self._read_in_this_task:
            return {}
        if self._at_end_of_task is not None:
            self._read_in_this_task = True
            self._at_end_of_task(self._task_ended)
        stored = self._get_all()
        if stored is None:
            return {}
        changed: dict[str, JSONValue | None] = {}
        for key, text in stored.items():
            if text != self._known[key]:
                self._known[key] = text
                changed[key] = self._decode(key, text)
        return changed

    def _task_ended(self) -> None:
        self._read_in_this_task = False

    def holds(self, key: str) -> bool:
        """Whether ``key`` was stored when last read or written (not, e.g., a value kept in memory only)."""
        return self._known[key] is not None

    def _get_all(self) -> dict[str, str | None] | None:
        get_many = getattr(self._store, "get_many", None)  # one read for all keys, where the store has it
        try:
            if get_many is not None:
                return {key: text or None for key, text in get_many(self._keys).items()}
            return {key: self._store.get(key) or None for key in self._keys}
        except Exception as error:  # a browser storage can throw anything (SecurityError, a JS exception)
            if "read" not in self._warned:
                self._warned.add("read")
                self._warn(f"Could not read the identity from storage (it is kept in memory): {error}")
            return None

    def _decode(self, key: str, text: str | None) -> JSONValue | None:
        """An unreadable value is reported and ``None``. It stays stored until a call changes that value (it
        may belong to another SDK on the site, e.g. v1.1's AES), except an anonymousId: a new one replaces it."""
        if text is None:
            return None
        try:
            value = decode_value(text)
        except ValueError as error:
            problem = str(error)
        else:
            if key not in TEXT_KEYS:
                if type(value) is dict:
                    return value
                problem = "it is not an object" + ("" if key == SESSION_INFO else " of traits")
            elif type(value) is int and key in ID_KEYS:  # ids are stored as strings; an integer reads as its text
                return str(value)
            elif type(value) is str and value:
                return value
            else:
                problem = "it is not an id (a non-empty string)" if key in ID_KEYS else "it is not a non-empty string"
        fate = "a new anonymousId replaces it" if key == ANONYMOUS_ID else "it stays stored until a call changes it"
        self._warn(f"Ignoring the stored {key!r}: {problem}; {fate}")
        return None

    def write(self, values: dict[str, JSONValue | None]) -> None:
        """Store each value; ``None``, ``""`` and ``{}`` remove the key, as v3 does for cleared values.

        Each is read back: one that did not stick is removed and warned about (see the class), never raised.
        """
        wanted = {key: None if value is None or value == "" or value == {} else encode_value(value)
                  for key, value in values.items()}
        failure = ""
        for key, text in wanted.items():
            try:
                if text is None:
                    self._store.remove(key)
                else:
                    self._store.set(key, text)
            except Exception as error:
                failure = str(error)
        stored = self._get_all() or {}
        lost = [key for key, text in wanted.items() if stored.get(key, "") != text]
        for key in wanted:
            self._known[key] = stored.get(key)
        if not lost:
            return
        for key in lost:  # nothing stale may come back after a reload
            try:
                self._store.remove(key)
                self._known[key] = self._store.get(key) or None
            except Exception:
                self._known[key] = None
        if "write" not in self._warned:
            self._warned.add("write")
            sizes = ", ".join(f"{key} ({len(wanted[key] or ''):,} characters)" for key in lost)
            why = ": " + failure if failure else ""  # outside the f-string: MicroPython reads its ':' as a format
            self._warn(f"The browser did not keep {sizes} in storage{why} (a cookie "
                       "over 4 KB, a cookie domain the browser refuses, or storage that is full or blocked). The "
                       "identity is kept in memory for this page only and will not survive a reload; the older "
                       "stored value was removed so it cannot come back. Later such writes are not warned about.")
