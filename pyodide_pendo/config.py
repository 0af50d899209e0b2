"""``load()``'s arguments, validated: RudderStack's Pendo destination config plus our own options.

The destination config keys keep RudderStack's camelCase names (``apiKey``, ``eventFilteringOption``,
``whitelistedEvents``, ``blacklistedEvents``) so a config copied from RudderStack's dashboard works as it is,
either as the first argument or as keyword arguments; our own options are snake_case.

Security: ``api_key`` and ``env`` become part of the agent's URL, so they are checked against strict
patterns; ``agent_url`` must be ``https``, or ``http`` on a loopback host (a local development server).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .filters import EventFilter

# Pendo's CDN per environment (the agent's dist/servers.json); "jpn" is accepted for "jp", the name the
# @pendo/agent README uses.
ENVIRONMENTS = {"io": "cdn.pendo.io", "eu": "cdn.eu.pendo.io", "us1": "us1.cdn.pendo.io", "jp": "cdn.jpn.pendo.io",
                "au": "cdn.au.pendo.io", "gov": "cdn.gov.pendo.io"}
ENVIRONMENT_ALIASES = {"jpn": "jp"}
API_KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
STORAGE_TYPES = ("cookie", "local_storage", "memory")
CONSENT_STATES = ("granted", "pending")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")

# Keys of a RudderStack destination config that we accept and do not act on (they steer RudderStack's own
# loading and consent machinery, which this package replaces).
IGNORED_DESTINATION_KEYS = frozenset({
    "useNativeSDK", "useNativeSDKToSend", "connectionMode", "oneTrustCookieCategories", "ketchConsentPurposes",
    "consentManagement",
})


def agent_script_url(api_key: str, env: str) -> str:
    return f"https://{ENVIRONMENTS[env]}/agent/static/{api_key}/pendo.js"


def _check_agent_url(url: object) -> str:
    if not isinstance(url, str):
        raise TypeError(f"agent_url must be a str URL, not {type(url).__name__}")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return url
    raise ValueError(f"agent_url must be an absolute https:// URL (or http:// on localhost); got {url!r}")


class LoadConfig(NamedTuple):
    api_key: str
    env: str = "io"
    agent_url: str | None = None
    pendo_options: Mapping[str, Any] | None = None
    debug: bool = False
    ready_timeout: float = 10.0
    queue_size: int = 100
    integrations: Mapping[str, Any] | None = None
    consent: str = "granted"
    storage: str = "cookie"
    cookie_domain: str | None = None
    secure_cookie: bool = False
    before_send: tuple[Callable[[dict[str, Any]], dict[str, Any] | None], ...] = ()
    event_filter: EventFilter = EventFilter()

    @property
    def script_url(self) -> str:
        return self.agent_url or agent_script_url(self.api_key, self.env)

    @classmethod
    def parse(cls, api_key_or_config: object, options: Mapping[str, Any]) -> LoadConfig:
        settings = dict(options)
        if isinstance(api_key_or_config, Mapping):
            settings = {**api_key_or_config, **settings}
        elif api_key_or_config is not None:
            settings["apiKey"] = api_key_or_config
        for key in IGNORED_DESTINATION_KEYS:
            settings.pop(key, None)
        api_key = settings.pop("apiKey", None)
        if not isinstance(api_key, str) or not API_KEY_PATTERN.fullmatch(api_key):
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
        config = cls(
            api_key=api_key,
            env=env,
            agent_url=None if agent_url is None else _check_agent_url(agent_url),
            event_filter=event_filter,
            before_send=tuple(before_send),
            **{key: settings.pop(key) for key in list(settings) if key in _SIMPLE_OPTIONS},
        )
        if settings:
            unknown = ", ".join(sorted(settings))
            raise TypeError(f"load() got unknown option(s): {unknown}; see the README's load() options")
        config._check_values()
        return config

    def _check_values(self) -> None:
        if self.pendo_options is not None and not isinstance(self.pendo_options, Mapping):
            raise TypeError("pendo_options must be a dict of Pendo initialize options, e.g. {'excludeAllText': True}")
        if not isinstance(self.ready_timeout, (int, float)) or isinstance(self.ready_timeout, bool) \
                or not 0 < self.ready_timeout <= 300:
            raise ValueError(f"ready_timeout must be seconds between 0 and 300; got {self.ready_timeout!r}")
        if not isinstance(self.queue_size, int) or isinstance(self.queue_size, bool) or self.queue_size < 1:
            raise ValueError(f"queue_size must be a positive int; got {self.queue_size!r}")
        if self.integrations is not None and not isinstance(self.integrations, Mapping):
            raise TypeError("integrations must be a dict such as {'All': False, 'Pendo': True}")
        if self.consent not in CONSENT_STATES:
            raise ValueError(f"consent must be one of {', '.join(CONSENT_STATES)}; got {self.consent!r}")
        if self.storage not in STORAGE_TYPES:
            raise ValueError(f"storage must be one of {', '.join(STORAGE_TYPES)}; got {self.storage!r}")
        if self.cookie_domain is not None and not isinstance(self.cookie_domain, str):
            raise TypeError("cookie_domain must be a str such as 'example.com'")
        if not isinstance(self.debug, bool) or not isinstance(self.secure_cookie, bool):
            raise TypeError("debug and secure_cookie must be True or False")


_SIMPLE_OPTIONS = frozenset({"pendo_options", "debug", "ready_timeout", "queue_size", "integrations", "consent",
                             "storage", "cookie_domain", "secure_cookie"})
