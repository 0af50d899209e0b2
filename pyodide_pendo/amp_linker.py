"""The anonymousId in an AMP linker parameter, read as RudderStack's ``setAnonymousId(id, rudderAmpLinkerParam)``
reads it (its GoogleLinker plugin, which follows Google's linker format).

A linker value is ``1*<checksum>*<key>*<base64 value>*…``: version 1, then a checksum, then key/value pairs; the
anonymousId is the value of ``rs_amp_id``. The checksum is a CRC-32, in base 36, of
``<userAgent>*<timezone offset>*<language>*<minutes since the epoch>*<the pairs>``, so a value is good only in
the browser it was made for and for about two minutes (this minute or the one before). A value that fails any
check gives ``None``: the caller then makes a new anonymousId, as RudderStack does. Where RudderStack would throw
on a value that is not base64 or not UTF-8, this gives ``None`` too.
"""

import base64

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from typing import Final
except ImportError:
    pass

ANONYMOUS_ID_KEY: Final = "rs_amp_id"
_VERSION: Final = "1"
_CHECKSUM_MINUTES: Final = 2  # this minute and the one before
_KEY_CHARACTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_BASE36_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xEDB88320 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE: Final = _crc_table()


def crc32(text: str) -> int:
    """CRC-32 as RudderStack computes it: over the low byte of each UTF-16 code unit of ``text``."""
    crc = 0xFFFFFFFF
    for character in text:
        code = ord(character)
        units = (code,) if code < 0x10000 else (0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF))
        for unit in units:
            crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ unit) & 0xFF]
    return crc ^ 0xFFFFFFFF


def base36(number: int) -> str:
    """A non-negative integer in base 36, as JavaScript's ``number.toString(36)`` writes it."""
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36_DIGITS[digit] + digits
        if not number:
            return digits


def checksum(serialized_ids: str, user_agent: str, timezone_offset: int, language: str, minute: int) -> str:
    """The checksum a linker made in ``minute`` (minutes since the epoch) carries; ``timezone_offset`` is
    JavaScript's ``Date.getTimezoneOffset()``."""
    return base36(crc32("*".join((user_agent, str(timezone_offset), language, str(minute), serialized_ids))))


def _decode(value: str) -> str | None:
    """A value as the linker encodes it: base64 of UTF-8 (a trailing ``..`` dropped); ``None`` if it is not."""
    if value.endswith(".."):
        value = value[:-2]
    digits = value.rstrip("=")
    try:
        return base64.b64decode(digits + "=" * (-len(digits) % 4)).decode("utf-8")
    except Exception:  # binascii.Error, UnicodeError (MicroPython raises others for bad base64)
        return None


def anonymous_id(linker: str, *, user_agent: str, timezone_offset: int, language: str,
                 now_minute: int) -> str | None:
    """The ``rs_amp_id`` in ``linker``, if its format and checksum hold for this browser and time; else ``None``.

    Args:
        linker: the linker parameter's value (``1*abc123*rs_amp_id*…``).
        user_agent, timezone_offset, language: this browser's ``navigator.userAgent``,
            ``Date.getTimezoneOffset()`` and ``navigator.language``, which the checksum covers.
        now_minute: minutes since the epoch now.
    """
    parts = linker.split("*")
    if len(parts) < 4 or len(parts) % 2 or parts[0] != _VERSION:
        return None
    given, serialized_ids = parts[1], "*".join(parts[2:])
    if not given or not serialized_ids or not any(
            checksum(serialized_ids, user_agent, timezone_offset, language, now_minute - offset) == given
            for offset in range(_CHECKSUM_MINUTES)):
        return None
    found = None
    for index in range(2, len(parts), 2):
        key = parts[index]
        if key and all(character in _KEY_CHARACTERS for character in key) and key == ANONYMOUS_ID_KEY:
            found = _decode(parts[index + 1])
    return found or None
