"""Consent management as RudderStack v3 has it: which consent categories Pendo needs, what the visitor allowed,
and whether that lets Pendo load. Pure Python; the page's facts come through a ``ConsentSource``
(``_browser.PageConsent`` in a page).

Three inputs, with RudderStack's names and shapes:
- the load option ``consentManagement``: ``{"enabled": True, "provider": "oneTrust" | "ketch" | "iubenda" |
  "custom", "allowedConsentIds": [...], "deniedConsentIds": [...]}`` (``ConsentManagement``);
- the Pendo destination config's categories: ``consentManagement`` (one entry per provider, with
  ``resolutionStrategy`` and ``consents``), and the legacy ``oneTrustCookieCategories`` and
  ``ketchConsentPurposes`` (``DestinationConsent``);
- the visitor's consent: ids given to ``load()`` or ``consent()``, else read from the provider as RudderStack's
  plugins read it (``read_consent``).

``is_destination_consented`` decides as RudderStack's plugin for the provider decides. Decisions of our own,
each where RudderStack would send to Pendo without the consent a site configured:
- categories configured and no provider set (consent management off): Pendo is not loaded (``blocked_reason``);
- the provider's consent cannot be read (OneTrust not loaded yet, a custom provider without ids) while Pendo has
  categories to check: Pendo waits (``None`` from ``decide``) instead of loading;
- a malformed category list or option is an error at ``load()``, not a pass;
- the strategy of the provider's own entry (``resolutionStrategy``) counts for every provider: RudderStack's
  OneTrust and Ketch plugins take it from the source's ``consentManagementMetadata``, which a pasted
  destination config does not carry. Without one it is ``and``, RudderStack's default.
"""

from .persistence import ENCODED_PREFIX, decode_value, uri_decode
from .values import is_mapping

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Mapping
    from typing import Any, Protocol

    from .calls import JSONObject
    from .persistence import KeyValueStore
    from .values import JSONValue, Warn

    class ConsentSource(Protocol):
        """The consent a provider left in the page: ``_browser.PageConsent``, or a stand-in in tests."""

        def one_trust(self) -> tuple[str, list[str]] | None:
            """``(window.OnetrustActiveGroups, [CustomGroupId of each of OneTrust.GetDomainData().Groups])``, or
            ``None`` if either global is missing or reading them failed."""

        def global_json(self, path: tuple[str, ...]) -> JSONValue:
            """The JSON value at ``window[path[0]][path[1]]…`` (``None`` if missing or not JSON)."""

        def cookies(self) -> str:
            """``document.cookie`` (``""`` if it cannot be read)."""
except ImportError:
    pass

PROVIDERS = ("oneTrust", "ketch", "iubenda", "custom")
STORAGE_STRATEGIES = ("none", "session", "anonymousId")
DELIVERY_TYPES = ("immediate", "buffer")
KETCH_COOKIE = "_ketch_consent_v1_"
IUBENDA_COOKIE_PREFIX = "_iub_cs-"
# What RudderStack's pre-consent storage strategies still persist (their session keys as our storage keys).
PERSISTED_BEFORE_CONSENT = {"none": (), "session": ("rl_session",), "anonymousId": ("rl_anonymous_id",)}
CONSENT_TRACK_EVENT = "Consent Management Interaction"  # RudderStack's event for consent({"trackConsent": True})


def _ids(value: object, name: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{name} must be a list of consent category ids (str), e.g. ['C0001', 'C0003']; got {value!r}")
    return list(value)


def _check_keys(value: Mapping[str, Any], allowed: tuple[str, ...], name: str) -> None:
    unknown = sorted(key for key in value if key not in allowed)
    if unknown:
        raise TypeError(f"{name} got unknown key(s) {', '.join(map(repr, unknown))}; it takes {', '.join(allowed)}")


class ConsentData:
    """The visitor's consent: the allowed and denied category ids (RudderStack's ``state.consents.data``)."""

    __slots__ = ("allowed", "denied")

    def __init__(self, allowed: list[str], denied: list[str]) -> None:
        self.allowed = allowed
        self.denied = denied

    @classmethod
    def from_options(cls, options: Mapping[str, Any], name: str) -> "ConsentData | None":
        """From ``allowedConsentIds``/``deniedConsentIds`` as RudderStack reads them: either one present (a list,
        even empty) makes the data known; neither, ``None``. Raises ``TypeError`` for a list of non-strings."""
        allowed, denied = options.get("allowedConsentIds"), options.get("deniedConsentIds")
        if allowed is None and denied is None:
            return None
        return cls([] if allowed is None else _ids(allowed, f"{name}['allowedConsentIds']"),
                   [] if denied is None else _ids(denied, f"{name}['deniedConsentIds']"))

    @classmethod
    def from_flags(cls, flags: Mapping[str, Any]) -> "ConsentData":
        """From ``{id: granted}`` (Ketch's and iubenda's purposes), in their order."""
        return cls([key for key, value in flags.items() if value], [key for key, value in flags.items() if not value])


class ConsentManagement:
    """The load option ``consentManagement``, checked."""

    __slots__ = ("enabled", "provider", "data")

    KEYS = ("enabled", "provider", "allowedConsentIds", "deniedConsentIds")

    def __init__(self, enabled: bool, provider: str | None, data: ConsentData | None) -> None:
        self.enabled = enabled
        self.provider = provider
        self.data = data

    @classmethod
    def parse(cls, value: object) -> "ConsentManagement":
        """The option's value, or ``TypeError``/``ValueError`` naming what is wrong. ``enabled`` must be
        ``True`` for it to act, as in RudderStack; an unknown provider is an error here (RudderStack logs it
        and turns consent management off)."""
        if not is_mapping(value):
            raise TypeError("consentManagement must be a dict such as {'enabled': True, 'provider': 'oneTrust'}")
        options: Mapping[str, Any] = value  # type: ignore[assignment]
        _check_keys(options, cls.KEYS, "consentManagement")
        enabled = options.get("enabled", False)
        if not isinstance(enabled, bool):
            raise TypeError("consentManagement['enabled'] must be True or False")
        provider = options.get("provider")
        if enabled and provider not in PROVIDERS:
            raise ValueError(f"consentManagement['provider'] must be one of {', '.join(PROVIDERS)} "
                             f"(RudderStack's consent managers); got {provider!r}")
        return cls(enabled, provider if enabled else None, ConsentData.from_options(options, "consentManagement"))


class PreConsent:
    """The load option ``preConsent``: ``{"enabled": True, "storage": {"strategy": …}, "events": {"delivery":
    …}}``. ``delivery`` is checked and has no effect here: it steers RudderStack's queue to its data plane, and
    messages for a device-mode destination wait for consent either way."""

    __slots__ = ("enabled", "strategy", "delivery")

    def __init__(self, enabled: bool, strategy: str, delivery: str) -> None:
        self.enabled = enabled
        self.strategy = strategy
        self.delivery = delivery

    @classmethod
    def parse(cls, value: object) -> "PreConsent":
        """The option's value, or ``TypeError``/``ValueError`` naming what is wrong (RudderStack warns and uses
        the default for an unknown strategy or delivery)."""
        if not is_mapping(value):
            raise TypeError("preConsent must be a dict such as {'enabled': True, 'storage': {'strategy': 'none'}}")
        options: Mapping[str, Any] = value  # type: ignore[assignment]
        _check_keys(options, ("enabled", "storage", "events"), "preConsent")
        enabled = options.get("enabled", False)
        if not isinstance(enabled, bool):
            raise TypeError("preConsent['enabled'] must be True or False")
        strategy = cls._choice(options, "storage", "strategy", STORAGE_STRATEGIES)
        delivery = cls._choice(options, "events", "delivery", DELIVERY_TYPES)
        return cls(enabled, strategy, delivery)

    @staticmethod
    def _choice(options: Mapping[str, Any], group: str, key: str, allowed: tuple[str, ...]) -> str:
        inner = options.get(group) or {}
        if not is_mapping(inner):
            raise TypeError(f"preConsent['{group}'] must be a dict such as {{'{key}': '{allowed[0]}'}}")
        _check_keys(inner, (key,), f"preConsent['{group}']")
        choice = inner.get(key, allowed[0])
        if choice not in allowed:
            raise ValueError(f"preConsent['{group}']['{key}'] must be one of {', '.join(allowed)}; got {choice!r}")
        return choice  # type: ignore[no-any-return]


def _names(entries: object, key: str, name: str) -> list[str]:
    """``[{key: "x"}, …]`` → the trimmed, non-empty names, as RudderStack's plugins read them."""
    if not isinstance(entries, (list, tuple)) or not all(
            is_mapping(entry) and isinstance(entry.get(key, ""), str) for entry in entries):
        raise TypeError(f"{name} must be a list like [{{'{key}': 'C0001'}}]; got {entries!r}")
    names = [entry.get(key, "").strip() for entry in entries]
    return [item for item in names if item]


class ProviderCategories:
    """One entry of the destination config's ``consentManagement``: a provider's category ids, and how they
    combine (``or``: any one allowed; ``and``: all; ``None``: the default)."""

    __slots__ = ("provider", "strategy", "consents")

    def __init__(self, provider: str, strategy: str | None, consents: list[str] | None) -> None:
        self.provider = provider
        self.strategy = strategy
        self.consents = consents  # None: the entry has no ``consents`` at all


class DestinationConsent:
    """The consent categories of a Pendo destination config, checked: ``consentManagement`` (``None`` when the
    key is absent), ``oneTrustCookieCategories`` and ``ketchConsentPurposes`` (``None`` when absent)."""

    __slots__ = ("entries", "one_trust", "ketch")

    def __init__(self, entries: list[ProviderCategories] | None = None, one_trust: list[str] | None = None,
                 ketch: list[str] | None = None) -> None:
        self.entries = entries
        self.one_trust = one_trust
        self.ketch = ketch

    @classmethod
    def parse(cls, config: Mapping[str, Any]) -> "DestinationConsent":
        """From a destination config (the keys not used are ignored); ``TypeError`` naming a malformed key."""
        entries = None
        if config.get("consentManagement") is not None:
            listed = config["consentManagement"]
            if not isinstance(listed, (list, tuple)) or not all(
                    is_mapping(entry) and isinstance(entry.get("provider"), str) for entry in listed):
                raise TypeError("the destination config's consentManagement must be a list like [{'provider': "
                                "'oneTrust', 'resolutionStrategy': 'and', 'consents': [{'consent': 'C0001'}]}]")
            entries = []
            for entry in listed:
                strategy = entry.get("resolutionStrategy")
                if strategy is not None and not isinstance(strategy, str):
                    raise TypeError(f"resolutionStrategy must be 'and' or 'or'; got {strategy!r}")
                consents = entry.get("consents")
                entries.append(ProviderCategories(
                    entry["provider"], strategy or None,
                    None if consents is None else _names(consents, "consent", "consentManagement[…]['consents']")))
        one_trust = config.get("oneTrustCookieCategories")
        ketch = config.get("ketchConsentPurposes")
        return cls(entries,
                   None if one_trust is None else _names(one_trust, "oneTrustCookieCategory",
                                                         "oneTrustCookieCategories"),
                   None if ketch is None else _names(ketch, "purpose", "ketchConsentPurposes"))

    def configured(self) -> bool:
        """Whether any category is set, for any provider."""
        return bool(any(entry.consents for entry in self.entries or ()) or self.one_trust or self.ketch)

    def to_check(self, provider: str, default_strategy: str | None = "and") -> tuple[list[str], str] | None:
        """The category ids RudderStack's plugin for ``provider`` checks, and how (``"and"``/``"or"``);
        ``None`` when it checks nothing (then Pendo is consented). The generic list wins over the legacy ones
        whenever it is present, even empty, as in RudderStack."""
        if self.entries is not None:
            entry = next((entry for entry in self.entries if entry.provider == provider), None)
            if entry is None or entry.consents is None:
                return None
            return entry.consents, "or" if (entry.strategy or default_strategy) == "or" else "and"
        if provider == "oneTrust" and self.one_trust is not None:
            return self.one_trust, "and"
        if provider == "ketch" and self.ketch is not None:
            return self.ketch, "or"
        return None


def consent_context(provider: str, data: ConsentData | None, categories: DestinationConsent) -> JSONObject:
    """RudderStack's ``context.consentManagement``: the visitor's consent ids as last read or given (left out
    while unknown), the provider, and the resolution strategy, which ``custom`` has none of. RudderStack takes
    the strategy from its source's metadata; a pasted destination config has none, so it is the strategy this
    package checks Pendo's categories with (``and`` when the config checks none)."""
    context: JSONObject = {}
    if data is not None:
        context["deniedConsentIds"] = list(data.denied)
        context["allowedConsentIds"] = list(data.allowed)
    context["provider"] = provider
    if provider != "custom":
        context["resolutionStrategy"] = (categories.to_check(provider) or ([], "and"))[1]
    return context


def is_destination_consented(provider: str, data: ConsentData | None, categories: DestinationConsent,
                             default_strategy: str | None = "and") -> bool:
    """RudderStack's ``isDestinationConsented`` for ``provider``: ``True`` without data (not initialized), or
    when the config checks nothing for this provider; else ``and`` needs every id allowed, ``or`` any one (or
    an empty list). ``decide`` is what ``load()`` and ``consent()`` use: it waits where this passes."""
    check = categories.to_check(provider, default_strategy)
    if data is None or check is None:
        return True
    ids, strategy = check
    if strategy == "or":
        return any(item in data.allowed for item in ids) or not ids
    return all(item in data.allowed for item in ids)


def decide(provider: str, data: ConsentData | None, categories: DestinationConsent) -> bool | None:
    """Whether Pendo may load: as ``is_destination_consented``, except ``None`` (wait) when the visitor's
    consent is unknown and there is a category to check."""
    check = categories.to_check(provider)
    if data is None and check is not None and check[0]:
        return None
    return is_destination_consented(provider, data, categories)


def blocked_reason(management: ConsentManagement | None, categories: DestinationConsent) -> str | None:
    """Why Pendo must not load at all: the config sets consent categories and no provider says whose consent
    they are (RudderStack would send to Pendo then); ``None`` if that is not so."""
    if categories.configured() and (management is None or not management.enabled):
        return ("the Pendo destination config sets consent categories (consentManagement, "
                "oneTrustCookieCategories or ketchConsentPurposes) but no consent manager is set, so Pendo is not "
                "loaded: pass load(..., consentManagement={'enabled': True, 'provider': 'oneTrust'}) (or 'ketch', "
                "'iubenda', 'custom'), or remove the categories from the config")
    return None


def cookie_pairs(header: str) -> list[tuple[str, str]]:
    """``document.cookie`` as (name, value) pairs, both URI-decoded as RudderStack's cookie reader does."""
    pairs = []
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            pairs.append((uri_decode(name), uri_decode(value)))
    return pairs


def _one_trust(source: ConsentSource, warn: Warn) -> ConsentData | None:
    groups = source.one_trust()
    if groups is None:
        warn("OneTrust's consent could not be read (window.OneTrust or window.OnetrustActiveGroups is missing): "
             "load the OneTrust SDK before calling load(), or call consent() once it has loaded")
        return None
    active, all_ids = groups
    allowed = [item for item in active.split(",") if item]
    return ConsentData(allowed, [item for item in all_ids if item not in allowed])


def _flags(value: JSONValue) -> ConsentData | None:
    return ConsentData.from_flags(value) if isinstance(value, dict) else None


def _ketch(source: ConsentSource, warn: Warn) -> ConsentData | None:
    data = _flags(source.global_json(("ketchConsent",)))
    if data is not None:
        return data
    raw = next((value for name, value in cookie_pairs(source.cookies()) if name == KETCH_COOKIE), None)
    if raw is None:
        return None
    try:  # base64 of JSON, as RudderStack's fromBase64 reads it
        purposes = decode_value(ENCODED_PREFIX + raw)
    except ValueError as error:
        warn(f"Ketch's consent cookie {KETCH_COOKIE} could not be read: {error}")
        return None
    if not isinstance(purposes, dict):
        return None
    return ConsentData.from_flags({code: isinstance(value, dict) and value.get("status") == "granted"
                                   for code, value in purposes.items()})


def _iubenda(source: ConsentSource, warn: Warn) -> ConsentData | None:
    data = _flags(source.global_json(("_iub", "cs", "consent", "purposes")))
    if data is not None:
        return data
    raw = next((value for name, value in cookie_pairs(source.cookies())
                if name.startswith(IUBENDA_COOKIE_PREFIX) and name[len(IUBENDA_COOKIE_PREFIX):].isdigit()), None)
    if raw is None:
        return None
    try:  # URI-encoded JSON, decoded once more as RudderStack's plugin does
        cookie = decode_value(uri_decode(raw))
    except ValueError as error:
        warn(f"iubenda's consent cookie could not be read: {error}")
        return None
    return _flags(cookie.get("purposes")) if isinstance(cookie, dict) else None


def read_consent(provider: str, source: ConsentSource, warn: Warn) -> ConsentData | None:
    """The visitor's consent as ``provider`` left it in the page, read as RudderStack's plugin reads it;
    ``None`` if there is none to read (a custom provider never has any: its ids come from the site)."""
    if provider == "oneTrust":
        return _one_trust(source, warn)
    if provider == "ketch":
        return _ketch(source, warn)
    if provider == "iubenda":
        return _iubenda(source, warn)
    return None


class NoConsentSource:
    """A page with no consent manager in it: for an injected agent (tests, CPython)."""

    def one_trust(self) -> tuple[str, list[str]] | None:
        return None

    def global_json(self, path: tuple[str, ...]) -> JSONValue:
        return None

    def cookies(self) -> str:
        return ""


class ConsentOptions:
    """``consent()``'s argument, checked: ``True``/``False`` (the short form) or RudderStack's options dict."""

    __slots__ = ("denied", "data", "discard", "track", "page", "integrations")

    KEYS = ("consentManagement", "discardPreConsentEvents", "trackConsent", "sendPageEvent", "integrations")

    def __init__(self, denied: bool = False, data: ConsentData | None = None, discard: bool = False,
                 track: bool = False, page: bool = False, integrations: Mapping[str, Any] | None = None) -> None:
        self.denied = denied
        self.data = data
        self.discard = discard
        self.track = track
        self.page = page
        self.integrations = integrations

    @classmethod
    def parse(cls, value: object) -> "ConsentOptions":
        """``TypeError`` naming what is wrong; RudderStack's keys only (its ``storage`` is not taken: set the
        storage with ``load(storage=…)``)."""
        if isinstance(value, bool):
            return cls(denied=not value)
        if not is_mapping(value):
            raise TypeError("consent() takes True, False or a dict of RudderStack's consent options, e.g. "
                            "{'consentManagement': {'allowedConsentIds': ['C0001']}}")
        options: Mapping[str, Any] = value  # type: ignore[assignment]
        _check_keys(options, cls.KEYS, "consent()")
        flags = {}
        for key in ("discardPreConsentEvents", "trackConsent", "sendPageEvent"):
            flags[key] = options.get(key, False)
            if not isinstance(flags[key], bool):
                raise TypeError(f"consent()'s {key} must be True or False")
        management = options.get("consentManagement")
        if management is not None and not is_mapping(management):
            raise TypeError("consent()'s consentManagement must be a dict such as {'allowedConsentIds': ['C0001']}")
        if management is not None:
            _check_keys(management, ConsentManagement.KEYS, "consent()'s consentManagement")
        integrations = options.get("integrations")
        if integrations is not None and not is_mapping(integrations):
            raise TypeError("consent()'s integrations must be a dict such as {'All': False, 'Pendo': True}")
        data = ConsentData.from_options(management, "consentManagement") if management else None
        return cls(False, data, flags["discardPreConsentEvents"], flags["trackConsent"], flags["sendPageEvent"],
                   integrations or None)


class PreConsentStore:
    """A store that, until ``release()``, keeps in memory every key its strategy does not persist (RudderStack's
    pre-consent storage strategy): nothing of them is read from or written to the page's storage before consent.

    On release the page's storage counts again: a value stored there wins (a returning visitor is recognized from
    then on); one kept in memory is written where the storage has none."""

    def __init__(self, store: KeyValueStore, persisted: tuple[str, ...]) -> None:
        self._store = store
        self._persisted = persisted
        self._memory: dict[str, str] | None = {}

    def get(self, key: str) -> str | None:
        if self._memory is None or key in self._persisted:
            return self._store.get(key)
        return self._memory.get(key)

    def set(self, key: str, value: str) -> None:
        if self._memory is None or key in self._persisted:
            self._store.set(key, value)
        else:
            self._memory[key] = value

    def remove(self, key: str) -> None:
        if self._memory is None or key in self._persisted:
            self._store.remove(key)
        else:
            self._memory.pop(key, None)

    def release(self) -> None:
        """Consent was given: from now on the page's storage, with what was kept in memory where it has none."""
        memory, self._memory = self._memory, None
        for key, value in (memory or {}).items():
            if not self._store.get(key):
                self._store.set(key, value)
