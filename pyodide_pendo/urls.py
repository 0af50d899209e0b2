"""The URL facts RudderStack derives for a message: a URL without its ``#hash``, a referrer's domain, the UTM
parameters of the page's URL (``context.campaign``).

Pure Python, since MicroPython has no ``urllib.parse``. RudderStack reads these with the browser's ``new URL()``,
which refuses anything but an absolute URL; ``split_url`` follows it for the URLs a page has (``http``, ``https``
and the like): a scheme, then ``//`` and the host for the schemes that have one. What it does not do is the
browser's normalization of unusual URLs (percent-encoding, IDNA, ``..`` segments): the page's own URLs come from
the browser already normalized, and a URL a caller passes is used as given.
"""

from .persistence import uri_decode

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from typing import Final
except ImportError:
    pass

DIRECT_REFERRER: Final = "$direct"  # RudderStack's referrer for a page opened directly (an empty referrer)
UTM_PREFIX: Final = "utm_"
# The schemes whose URLs have a host, and their default ports (the browser leaves those out of ``host``).
_SPECIAL_SCHEMES: Final = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21", "file": ""}
_SCHEME_CHARACTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")


class URLParts:
    """An absolute URL's parts, as the browser's ``URL`` names them."""

    __slots__ = ("scheme", "host", "path", "search", "hash")

    def __init__(self, scheme: str, host: str, path: str, search: str, hash: str) -> None:
        self.scheme = scheme
        self.host = host
        self.path = path
        self.search = search
        self.hash = hash

    def without_hash(self) -> str:
        authority = "//" + self.host if self.scheme in _SPECIAL_SCHEMES else ""
        return self.scheme + ":" + authority + self.path + self.search


def split_url(url: str) -> URLParts | None:
    """``url``'s parts, or ``None`` where the browser's ``new URL(url)`` would throw (no scheme: a relative URL)."""
    colon = url.find(":")
    scheme = url[:colon].lower()
    if colon < 1 or not ("a" <= scheme[0] <= "z") or not all(character in _SCHEME_CHARACTERS for character in scheme):
        return None
    rest = url[colon + 1:]
    hash_at = rest.find("#")
    fragment = rest[hash_at:] if hash_at >= 0 else ""
    rest = rest[:hash_at] if hash_at >= 0 else rest
    query_at = rest.find("?")
    search = rest[query_at:] if query_at >= 0 else ""
    rest = rest[:query_at] if query_at >= 0 else rest
    host = ""
    if scheme in _SPECIAL_SCHEMES:
        rest = rest.replace("\\", "/").lstrip("/")  # as the browser reads http:x, http:/x and http:\\x
        slash = rest.find("/")
        authority, rest = (rest[:slash], rest[slash:]) if slash >= 0 else (rest, "/")
        host = authority[authority.rfind("@") + 1:].lower()
        if ":" in host and not host.endswith("]"):
            name, port = host.rsplit(":", 1)
            if port in ("", _SPECIAL_SCHEMES[scheme]):
                host = name
        if not host and scheme != "file":
            return None
    return URLParts(scheme, host, rest, "" if search == "?" else search, "" if fragment == "#" else fragment)


def without_hash(url: str) -> str:
    """``url`` up to its ``#hash``, as RudderStack writes a page's ``url``; a string that is not a URL as it is."""
    parts = split_url(url)
    return url if parts is None else parts.without_hash()


def referring_domain(referrer: str) -> str:
    """The host (with a port other than the default) of ``referrer``; ``""`` if it is not a URL (``$direct``)."""
    parts = split_url(referrer)
    return "" if parts is None else parts.host


def utm_parameters(url: str) -> dict[str, str]:
    """``context.campaign``: each ``utm_x`` query parameter of ``url`` as ``x`` (``utm_campaign`` as ``name``),
    decoded as the browser's ``URLSearchParams`` decodes; a later repeat wins."""
    parts = split_url(url)
    campaign: dict[str, str] = {}
    if parts is None or not parts.search:
        return campaign
    for pair in parts.search[1:].split("&"):
        equals = pair.find("=")
        key, value = (pair[:equals], pair[equals + 1:]) if equals >= 0 else (pair, "")
        key = uri_decode(key.replace("+", " "))
        if key.startswith(UTM_PREFIX):
            name = key[len(UTM_PREFIX):]
            campaign["name" if name == "campaign" else name] = uri_decode(value.replace("+", " "))
    return campaign
