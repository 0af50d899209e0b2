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

from .consent_management import ConsentManagement, DestinationConsent, PreConsent
from .filters import EventFilter
from .sessions import DEFAULT_SESSIONS, check_sessions_option
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
# loading machinery, which this package replaces).
IGNORED_DESTINATION_KEYS = frozenset({"useNativeSDK", "useNativeSDKToSend", "connectionMode"})
# The destination config's consent categories (consent_management.DestinationConsent). ``consentManagement`` is
# also a load option: a list is the destination's categories, a dict the load option.
DESTINATION_CONSENT_KEYS = ("consentManagement", "oneTrustCookieCategories", "ketchConsentPurposes")


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


def is_relative_url(url: str) -> bool:
    """No scheme before the path, query or fragment: ``/agent/pendo.js``, ``pendo.js``, ``//host/pendo.js``."""
    for character in url:
        if character in "/?#":
            return True
        if character == ":":
            return False
    return True


def check_agent_url(url: object, parts: UrlParts | None = None) -> str:
    """``url`` if it is a URL the agent may load from, else ``ValueError`` saying why and what to do.

    ``parts`` is the URL as the browser's own parser reads it, resolved against the page (a relative URL is
    then checked, and returned, as it resolved); without it, as Python reads it, and a relative URL passes
    (only the browser knows the page it resolves against). Anything on which parsers disagree is refused: a
    backslash (browsers read it as ``/``, so ``http://evil\\@localhost/`` loads from ``evil``), credentials,
    white space, or a form other than the canonical one.
    """
    if not isinstance(url, str):
        raise TypeError(f"agent_url must be a str URL, not {type(url).__name__}")
    browser_parts = parts
    parts = parts or python_url_parts(url)
    advice = "pass the agent's address as an https:// URL (or http:// on localhost), or relative to the page"
    if "\\" in url:
        problem = "contains a backslash, which browsers read as '/'"
    elif any(character <= " " or character == "\x7f" for character in url):
        problem = "contains white space or control characters"
    elif parts.username or parts.password or "@" in _authority(url):
        problem = "contains credentials (user@host)"
    elif url and is_relative_url(url):
        return url if browser_parts is None else check_agent_url(browser_parts.href, browser_parts)
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
    raise ValueError(f"agent_url must be an https:// URL (or http:// on localhost), or a URL relative to the page, "
                     f"that the browser reads as written; {url!r} {problem}: {advice}")


def _env(value: object) -> str:
    env = ENVIRONMENT_ALIASES.get(value, value) if isinstance(value, str) else value
    if env not in ENVIRONMENTS:
        raise ValueError(f"env must be one of {', '.join(ENVIRONMENTS)} (Pendo's regions); got {value!r}")
    return env


def _agent_url(value: object) -> str | None:
    return None if value is None else check_agent_url(value)


def _pendo_options(value: object) -> dict[str, Any] | None:
    """As JSON, or an error naming the option: they cross to the agent as JSON text."""
    if value is None:
        return None
    if not is_mapping(value):
        raise TypeError("pendo_options must be a dict of Pendo initialize options, e.g. {'excludeAllText': True}")

    def refuse(text: str) -> None:  # what would be a warning for event data is an error here
        what = text.partition(", which")[0].partition(", beyond")[0]
        raise ValueError(f"{what}: pendo_options cross to the agent as JSON text, so pass "
                         "finite numbers and integers within ±2**53 (or their text)")

    return to_json_value(value, path="pendo_options", warn=refuse)  # type: ignore[return-value]


def _ready_timeout(value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 300:
        raise ValueError(f"ready_timeout must be seconds between 0 and 300; got {value!r}")
    return value


def _queue_size(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"queue_size must be a positive int; got {value!r}")
    return value


def _one_of(name: str, allowed: tuple[str, ...]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        return value

    return check


def _cookie_domain(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("cookie_domain must be a str such as 'example.com'")
    if not is_domain_name(value):
        raise ValueError("cookie_domain must be a plain domain name such as 'example.com' (letters, digits, "
                         f"'-' and dots; no ';', '=' or spaces); got {value!r}")
    return value


def _true_or_false(name: str) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False")
        return value

    return check


def _integrations(value: object) -> Mapping[str, Any] | None:
    if value is not None and not is_mapping(value):
        raise TypeError("integrations must be a dict such as {'All': False, 'Pendo': True}")
    return value  # type: ignore[return-value]


def _before_send(value: object) -> tuple[Callable[[dict[str, Any]], dict[str, Any] | None], ...]:
    hooks = (value,) if callable(value) else value
    if not isinstance(hooks, (list, tuple)) or not all(callable(hook) for hook in hooks):
        raise TypeError("before_send must be a callable or a list of callables taking and returning a message")
    return tuple(hooks)


def _optional(parse: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: None if value is None else parse(value)


class Option:
    """One ``load()`` option: its name, its default, the check that returns the value to use (or raises
    ``TypeError``/``ValueError`` naming the option), and the line the README's options table shows."""

    __slots__ = ("name", "default", "check", "doc")

    def __init__(self, name: str, default: object, check: Callable[[object], object], doc: str) -> None:
        self.name = name
        self.default = default
        self.check = check
        self.doc = doc


# Every load() option, declared once: LoadConfig, its checks, PendoDestination's settings and the README's
# table (tests/unit/test_load_options.py keeps it current) come from here. Its attribute types are annotated on
# LoadConfig, and a test checks the two name the same options.
OPTIONS = (
    Option("env", "io", _env, "Pendo region: `io`, `eu`, `us1`, `jp` (also `jpn`), `au`, `gov`; picks the agent's "
           "CDN host"),
    Option("agent_url", None, _agent_url, "a self-hosted agent or a custom domain instead of Pendo's CDN: "
           "`https://…`, or `http://` on localhost, or a URL relative to the page; as the browser writes it "
           "(checked with the browser's own URL parser: no backslash, no `user@`, lower-case scheme and host). "
           "A URL ending in `.mjs` is loaded as a module script"),
    Option("pendo_options", None, _pendo_options, "passed to `pendo.initialize` as they are (`excludeAllText`, "
           "`disableCookies`, `dataHost`, `guides`, …); they cross as JSON, so a value JSON cannot carry (NaN, "
           "bytes, an object, a function) raises at `load()`"),
    Option("ready_timeout", 10.0, _ready_timeout, "seconds to wait for the agent before it counts as failed"),
    Option("queue_size", 100, _queue_size, "calls that may wait for the agent, for consent, or for `load()` "
           "itself: of the calls made before `load()` (at most 10,000 are kept until then), the first "
           "`queue_size` go on when it runs and the rest are dropped; more are dropped and counted, with one "
           "warning"),
    Option("consent", "granted", _one_of("consent", CONSENT_STATES), "`\"pending\"`: load and send nothing "
           "until `consent(granted=True)` (a `consent()` call made before `load()` wins). Consent governs what "
           "is loaded and sent to Pendo; the identity is still kept in RudderStack's `rl_*` cookies, as "
           "RudderStack's SDK does: pass `storage=\"memory\"` if those cookies need consent too"),
    Option("storage", "cookie", _one_of("storage", STORAGE_TYPES), "where identity persists: `cookie`, "
           "`local_storage`, `memory`"),
    Option("cookie_domain", None, _cookie_domain, "the cookies' domain, a plain domain name (`example.com`); "
           "`None` is the page's top-level domain"),
    Option("secure_cookie", False, _true_or_false("secure_cookie"), "the cookies' `Secure` attribute"),
    Option("integrations", None, _integrations, "default destinations for every event, e.g. "
           "`{\"All\": False, \"Pendo\": True}`; `None` is `{\"All\": True}`"),
    Option("sessions", DEFAULT_SESSIONS, check_sessions_option, "RudderStack's session tracking: `autoTrack` "
           "(messages carry `context.sessionId`, and `sessionStart` on a session's first), `timeout` (ms of "
           "inactivity that end a session; 0 turns tracking off, under 10 s is warned about) and `cutOff` "
           "(`{\"enabled\": True, \"duration\": ms}`: the longest a session lasts); see Sessions"),
    Option("before_send", (), _before_send, "a callable (or list) taking a message and returning it, changed, "
           "or `None` to drop it"),
    Option("debug", False, _true_or_false("debug"), "turns on Pendo's debugging and our verbose log"),
    Option("consentManagement", None, _optional(ConsentManagement.parse), "RudderStack's consent management: "
           "`{\"enabled\": True, \"provider\": \"oneTrust\"}` (or `ketch`, `iubenda`, `custom`), optionally "
           "with `allowedConsentIds`/`deniedConsentIds`; Pendo loads only if the consent categories of the "
           "destination config are allowed (see \"Consent management\")"),
    Option("preConsent", None, _optional(PreConsent.parse), "with `consentManagement`: `{\"enabled\": True}` "
           "loads nothing until `consent()`; `storage.strategy` (`none`, `session`, `anonymousId`) says which "
           "identity values may be stored before it; `events.delivery` (`immediate`, `buffer`) is accepted "
           "(messages wait for consent either way)"),
)
_OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}


class LoadConfig:
    """``load()``'s options, checked (the types of ``OPTIONS``). Built only by ``parse``."""

    api_key: str
    event_filter: EventFilter
    env: str
    agent_url: str | None
    pendo_options: dict[str, Any] | None
    ready_timeout: float
    queue_size: int
    consent: str
    storage: str
    cookie_domain: str | None
    secure_cookie: bool
    integrations: Mapping[str, Any] | None
    sessions: dict[str, Any]
    before_send: tuple[Callable[[dict[str, Any]], dict[str, Any] | None], ...]
    debug: bool
    consentManagement: ConsentManagement | None  # noqa: N815 (RudderStack's load option names)
    preConsent: PreConsent | None  # noqa: N815
    destination_consent: DestinationConsent

    def __init__(self, api_key: str, event_filter: EventFilter, values: Mapping[str, object],
                 destination_consent: DestinationConsent | None = None) -> None:
        self.api_key = api_key
        self.event_filter = event_filter
        self.destination_consent = destination_consent or DestinationConsent()
        for option in OPTIONS:
            setattr(self, option.name, values.get(option.name, option.default))

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
        categories: dict[str, Any] = {}  # the destination's, from the config or the keywords (these win)
        for source in ((api_key_or_config, options) if is_mapping(api_key_or_config) else (options,)):
            for key in DESTINATION_CONSENT_KEYS:
                value = source.get(key)  # type: ignore[attr-defined]
                if value is not None and not (key == "consentManagement" and is_mapping(value)):
                    categories[key] = value
        for key in DESTINATION_CONSENT_KEYS:
            if key in settings and not (key == "consentManagement" and is_mapping(settings[key])):
                del settings[key]
        api_key = settings.pop("apiKey", None)
        if not is_api_key(api_key):
            raise ValueError("api_key must be your Pendo app's API key (letters, digits, '-' and '_', "
                             f"as shown in Pendo's install settings); got {api_key!r}")
        event_filter = EventFilter.from_config(settings.pop("eventFilteringOption", "disable"),
                                               settings.pop("whitelistedEvents", None),
                                               settings.pop("blacklistedEvents", None))
        unknown = [name for name in settings if name not in _OPTIONS_BY_NAME]
        if unknown:
            raise TypeError(f"load() got unknown option(s): {', '.join(sorted(unknown))}; see the README's "
                            "load() options")
        values = {name: _OPTIONS_BY_NAME[name].check(value) for name, value in settings.items()}
        return cls(api_key, event_filter, values, DestinationConsent.parse(categories))
