"""``load()``'s arguments, validated: RudderStack's Pendo destination config plus our own options.

The destination config keys keep RudderStack's camelCase names (``apiKey``, ``eventFilteringOption``,
``whitelistedEvents``, ``blacklistedEvents``) so a config copied from RudderStack's dashboard works as it is,
either as the first argument or as keyword arguments; our own options are snake_case.

Security: ``api_key`` and ``env`` become part of the agent's URL, so they are checked against strict
patterns; ``agent_url`` must be ``https``, or ``http`` on a loopback host (a local development server), with
no backslash, no credentials and in the browser's canonical form. It is checked twice: here by text, and in the
browser by the page's own URL parser (WHATWG ``URL``, see ``check_agent_url``), so Python and the browser
cannot read two different hosts from it.
"""

from .filters import EventFilter
from .values import is_mapping, to_json_value

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable, Mapping
    from typing import Any
except ImportError:
    pass

# Pendo's CDN per environment (the agent's dist/servers.json); "jpn" is accepted for "jp", the name the
# @pendo/agent README uses.
ENVIRONMENTS = {"io": "cdn.pendo.io", "eu": "cdn.eu.pendo.io", "us1": "us1.cdn.pendo.io", "jp": "cdn.jpn.pendo.io",
                "au": "cdn.au.pendo.io", "gov": "cdn.gov.pendo.io"}
ENVIRONMENT_ALIASES = {"jpn": "jp"}
API_KEY_MAX_LENGTH = 128
_LETTERS_AND_DIGITS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
STORAGE_TYPES = ("cookie", "local_storage", "memory")
CONSENT_STATES = ("granted", "pending")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
DOMAIN_LABEL_MAX_LENGTH = 63


def is_api_key(text: object) -> bool:
    """A Pendo API key: a letter or digit, then up to 127 letters, digits, ``-`` and ``_`` (checked by hand:
    MicroPython's ``re`` has no ``{m,n}``)."""
    return (isinstance(text, str) and 0 < len(text) <= API_KEY_MAX_LENGTH and text[0] in _LETTERS_AND_DIGITS
            and all(character in _LETTERS_AND_DIGITS or character in "-_" for character in text))


def is_domain_name(text: str) -> bool:
    """A plain domain name for the cookies' ``Domain`` attribute: dot-separated labels of letters, digits and
    ``-`` (not at a label's ends), each at most 63 long; one leading dot allowed."""
    labels = (text[1:] if text.startswith(".") else text).split(".")
    return all(0 < len(label) <= DOMAIN_LABEL_MAX_LENGTH and label[0] != "-" and label[-1] != "-"
               and all(character in _LETTERS_AND_DIGITS or character == "-" for character in label)
               for label in labels)

# Keys of a RudderStack destination config that we accept and do not act on (they steer RudderStack's own
# loading and consent machinery, which this package replaces).
IGNORED_DESTINATION_KEYS = frozenset({
    "useNativeSDK", "useNativeSDKToSend", "connectionMode", "oneTrustCookieCategories", "ketchConsentPurposes",
    "consentManagement",
})


def agent_script_url(api_key: str, env: str) -> str:
    return f"https://{ENVIRONMENTS[env]}/agent/static/{api_key}/pendo.js"


class UrlParts:
    """A URL as a parser read it: the browser's ``URL`` (``_browser.url_parts``) or ``python_url_parts``."""

    __slots__ = ("href", "protocol", "hostname", "username", "password")

    def __init__(self, href: str, protocol: str, hostname: str, username: str, password: str) -> None:
        self.href = href
        self.protocol = protocol  # with its colon, as the browser's URL gives it: "https:"
        self.hostname = hostname  # an IPv6 address in brackets
        self.username = username
        self.password = password


def _authority(url: str) -> str:
    """What stands between ``//`` and the path, query or fragment: ``user:password@host:port``."""
    rest = url.partition("//")[2]
    for index, character in enumerate(rest):
        if character in "/?#":
            return rest[:index]
    return rest


def python_url_parts(url: str) -> UrlParts:
    """``url`` as Python reads it (RFC 3986's split, lower-case scheme); ``href`` is the text itself (only the
    browser knows its canonical form). Written here: MicroPython has no ``urllib.parse``."""
    scheme = url.partition(":")[0].lower() if "://" in url else ""
    userinfo, _, host_port = _authority(url).rpartition("@")
    hostname = host_port.partition("]")[0] + "]" if host_port.startswith("[") else host_port.partition(":")[0]
    username, _, password = userinfo.partition(":")
    return UrlParts(url, f"{scheme}:", hostname, username, password)


def check_agent_url(url: object, parts: UrlParts | None = None) -> str:
    """``url`` if it is a URL the agent may load from, else ``ValueError`` saying why and what to do.

    ``parts`` is the URL as the browser's own parser reads it; without it, as Python reads it. Anything on
    which parsers disagree is refused: a backslash (browsers read it as ``/``, so ``http://evil\\@localhost/``
    loads from ``evil``), credentials, white space, or a form other than the canonical one.
    """
    if not isinstance(url, str):
        raise TypeError(f"agent_url must be a str URL, not {type(url).__name__}")
    parts = parts or python_url_parts(url)
    advice = "pass the agent's address as an absolute https:// URL (or http:// on localhost)"
    if "\\" in url:
        problem = "contains a backslash, which browsers read as '/'"
    elif any(character <= " " or character == "\x7f" for character in url):
        problem = "contains white space or control characters"
    elif parts.username or parts.password or "@" in _authority(url):
        problem = "contains credentials (user@host)"
    elif not url.startswith(("https://", "http://")):
        problem = "must start with https:// (or http:// on localhost), in lower case"
    elif parts.protocol not in ("https:", "http:") or not parts.hostname:
        problem = "has no host"
    elif parts.protocol == "http:" and parts.hostname not in LOOPBACK_HOSTS:
        problem = "uses http:// on a host other than localhost"
    elif parts.hostname != parts.hostname.lower():
        problem = "has upper-case letters in its host"
        advice = "write the host in lower case"
    elif parts.href != url:
        problem = "is not in the browser's canonical form"
        advice = f"write it as {parts.href!r}"
    else:
        return url
    raise ValueError(f"agent_url must be an absolute https:// URL (or http:// on localhost) that the browser reads "
                     f"as written; {url!r} {problem}: {advice}")


def _json_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``pendo_options`` as JSON, or an error naming the option: they cross to the agent as JSON text."""
    def refuse(text: str) -> None:  # what would be a warning for event data is an error here
        what = text.partition(", which")[0].partition(", beyond")[0]
        raise ValueError(f"{what}: pendo_options cross to the agent as JSON text, so pass "
                         "finite numbers and integers within ±2**53 (or their text)")

    return to_json_value(options, path="pendo_options", warn=refuse)  # type: ignore[return-value]


class LoadConfig:
    """``load()``'s options, checked. Built only by ``parse``."""

    api_key: str
    env: str
    agent_url: str | None
    pendo_options: dict[str, Any] | None
    debug: bool
    ready_timeout: float
    queue_size: int
    integrations: Mapping[str, Any] | None
    consent: str
    storage: str
    cookie_domain: str | None
    secure_cookie: bool
    before_send: tuple[Callable[[dict[str, Any]], dict[str, Any] | None], ...]
    event_filter: EventFilter

    def __init__(self, api_key: str, event_filter: EventFilter, **options: Any) -> None:
        self.api_key = api_key
        self.event_filter = event_filter
        for name, default in OPTION_DEFAULTS.items():
            setattr(self, name, options.pop(name, default))
        if options:
            raise TypeError(f"LoadConfig got unknown option(s): {', '.join(sorted(options))}")

    @property
    def script_url(self) -> str:
        return self.agent_url or agent_script_url(self.api_key, self.env)

    @classmethod
    def parse(cls, api_key_or_config: object, options: Mapping[str, Any]) -> "LoadConfig":
        """``load()``'s arguments, checked: ``TypeError`` or ``ValueError`` naming the option at fault."""
        settings = dict(options)
        if is_mapping(api_key_or_config):
            settings = dict(api_key_or_config)  # type: ignore[call-overload]
            settings.update(options)
        elif api_key_or_config is not None:
            settings["apiKey"] = api_key_or_config
        for key in IGNORED_DESTINATION_KEYS:
            settings.pop(key, None)
        api_key = settings.pop("apiKey", None)
        if not is_api_key(api_key):
            raise ValueError("api_key must be your Pendo app's API key (letters, digits, '-' and '_', "
                             f"as shown in Pendo's install settings); got {api_key!r}")
        event_filter = EventFilter.from_config(settings.pop("eventFilteringOption", "disable"),
                                               settings.pop("whitelistedEvents", None),
                                               settings.pop("blacklistedEvents", None))
        env = settings.pop("env", "io")
        env = ENVIRONMENT_ALIASES.get(env, env) if isinstance(env, str) else env
        if env not in ENVIRONMENTS:
            raise ValueError(f"env must be one of {', '.join(ENVIRONMENTS)} (Pendo's regions); got {env!r}")
        agent_url = settings.pop("agent_url", None)
        before_send = settings.pop("before_send", ())
        if callable(before_send):
            before_send = (before_send,)
        if not isinstance(before_send, (list, tuple)) or not all(callable(h) for h in before_send):
            raise TypeError("before_send must be a callable or a list of callables taking and returning a message")
        simple = {key: settings.pop(key) for key in list(settings) if key in _SIMPLE_OPTIONS}
        config = cls(api_key, event_filter, env=env,
                     agent_url=None if agent_url is None else check_agent_url(agent_url),
                     before_send=tuple(before_send), **simple)
        if settings:
            unknown = ", ".join(sorted(settings))
            raise TypeError(f"load() got unknown option(s): {unknown}; see the README's load() options")
        config._check_values()
        if config.pendo_options is not None:
            config.pendo_options = _json_options(config.pendo_options)
        return config

    def _check_values(self) -> None:
        if self.pendo_options is not None and not is_mapping(self.pendo_options):
            raise TypeError("pendo_options must be a dict of Pendo initialize options, e.g. {'excludeAllText': True}")
        if not isinstance(self.ready_timeout, (int, float)) or isinstance(self.ready_timeout, bool) \
                or not 0 < self.ready_timeout <= 300:
            raise ValueError(f"ready_timeout must be seconds between 0 and 300; got {self.ready_timeout!r}")
        if not isinstance(self.queue_size, int) or isinstance(self.queue_size, bool) or self.queue_size < 1:
            raise ValueError(f"queue_size must be a positive int; got {self.queue_size!r}")
        if self.integrations is not None and not is_mapping(self.integrations):
            raise TypeError("integrations must be a dict such as {'All': False, 'Pendo': True}")
        if self.consent not in CONSENT_STATES:
            raise ValueError(f"consent must be one of {', '.join(CONSENT_STATES)}; got {self.consent!r}")
        if self.storage not in STORAGE_TYPES:
            raise ValueError(f"storage must be one of {', '.join(STORAGE_TYPES)}; got {self.storage!r}")
        if self.cookie_domain is not None and not isinstance(self.cookie_domain, str):
            raise TypeError("cookie_domain must be a str such as 'example.com'")
        if self.cookie_domain is not None and not is_domain_name(self.cookie_domain):
            raise ValueError("cookie_domain must be a plain domain name such as 'example.com' (letters, digits, "
                             f"'-' and dots; no ';', '=' or spaces); got {self.cookie_domain!r}")
        if not isinstance(self.debug, bool) or not isinstance(self.secure_cookie, bool):
            raise TypeError("debug and secure_cookie must be True or False")


# Every option's default; the ones parse() takes as they are, then checks, are _SIMPLE_OPTIONS.
OPTION_DEFAULTS: dict[str, Any] = {
    "env": "io", "agent_url": None, "pendo_options": None, "debug": False, "ready_timeout": 10.0, "queue_size": 100,
    "integrations": None, "consent": "granted", "storage": "cookie", "cookie_domain": None, "secure_cookie": False,
    "before_send": (),
}
_SIMPLE_OPTIONS = frozenset(OPTION_DEFAULTS) - {"env", "agent_url", "before_send"}
