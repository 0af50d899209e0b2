"""What ``web/pyodide-pendo-early.js`` did before Python started, and how ``load()`` joins it.

The script initializes Pendo at page speed with the identity it reads from RudderStack's storage and leaves a
record in ``window.pyodidePendoEarlyStart``; ``_browser`` hands that record over as a dict. ``load()`` then:

- adopts the script's anonymousId when its own storage holds none (``storage="memory"``, or a stored value
  that neither side can read), so both name the same visitor;
- compares its options with the script's ``data-`` attributes, which mirror them by name, and warns for each
  difference, naming the attribute to set: the agent keeps what it was initialized with (``api_key``, ``env``,
  ``agent_url``, ``pendo_options``), and a storage option that differs can mean another identity;
- has the agent take Python's identity through ``pendo.identify`` when it differs from the script's, or when
  stored traits must reach Pendo as metadata (the agent records no identify event for unchanged ids).

Pure Python: it runs under CPython in the unit tests.
"""

import json

from .values import is_mapping

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Mapping
    from typing import Any

    from .config import LoadConfig
except ImportError:
    pass

RECORD_NAME = "pyodidePendoEarlyStart"
STARTED = "started"
# load()'s options that the script's data- attributes mirror (data-cookie-domain is cookie_domain), in the
# order the warnings name them; the script records its values under these names.
MIRRORED_OPTIONS = ("api_key", "env", "agent_url", "storage", "cookie_domain", "secure_cookie", "consent",
                    "pendo_options")
# Options the agent takes once, at initialize: a difference stays for this page.
FIXED_AT_INITIALIZE = frozenset({"api_key", "env", "agent_url", "pendo_options"})


def attribute_name(option: str) -> str:
    """``cookie_domain`` → ``data-cookie-domain``."""
    return "data-" + option.replace("_", "-")


def _attribute_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _comparable(option: str, value: Any) -> object:
    if option == "pendo_options" and (value is None or is_mapping(value)):
        return json.loads(json.dumps(dict(value or {})))  # compared as the JSON the script parsed; none is {}
    return value


class EarlyStart:
    """The early-start script's record, checked: what it started, with which options and identity."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.state = str(record.get("state"))
        self.error: str | None = record.get("error") if isinstance(record.get("error"), str) else None
        options = record.get("options")
        self.options: dict[str, Any] = options if isinstance(options, dict) else {}
        self.script_url = _text(record.get("scriptUrl"))
        self.anonymous_id = _text(record.get("anonymousId"))
        self.visitor_id = _text(record.get("visitorId"))
        self.account_id = _text(record.get("accountId"))

    @property
    def started(self) -> bool:
        """The agent was initialized (its ``initialize`` is queued or done): ``load()`` must not do it again."""
        return self.state == STARTED

    def warnings(self, config: LoadConfig, visitor_id: str, account_id: str | None) -> list[str]:
        """What ``load()`` warns about: each option that differs, then an identity that differs."""
        identity = self.identity_warning(visitor_id, account_id)
        return self.option_warnings(config) + ([] if identity is None else [identity])

    def option_warnings(self, config: LoadConfig) -> list[str]:
        """One warning per ``load()`` option that differs from the script's attribute, naming the attribute."""
        if self.error is not None:
            return [f"the early-start script (pyodide-pendo-early.js) did not start Pendo: {self.error}; load() "
                    "starts it instead"]
        warnings = []
        for option in MIRRORED_OPTIONS:
            ours, theirs = _comparable(option, getattr(config, option)), _comparable(option, self.options.get(option))
            if ours == theirs:
                continue
            attribute = attribute_name(option)
            if option == "consent":
                consequence = ("Pendo was started before consent" if self.started else "Pendo was not started early")
            elif option in FIXED_AT_INITIALIZE:
                consequence = "the agent keeps the script's value for this page"
            else:
                consequence = "Python's identity wins where the two differ"
            wanted = "remove the attribute" if ours in (None, {}) else f'set {attribute}="{_attribute_value(ours)}"'
            shown = "not set" if theirs in (None, {}) else _attribute_value(theirs)
            warnings.append(f"load({option}={ours!r}) differs from the early-start script's {attribute} ({shown}): "
                            f"{consequence}; {wanted} on its <script> tag")
        return warnings

    def initialized_with(self, identity: Mapping[str, Any]) -> bool:
        """Whether the agent already has exactly this identity (ids, and no metadata to add)."""
        return dict(identity) == {"visitor": {"id": self.visitor_id}, "account": {"id": self.account_id}}

    def identity_warning(self, visitor_id: str, account_id: str | None) -> str | None:
        """A warning when Python's visitor or account differs from the ones the agent was initialized with."""
        if not self.started or (visitor_id, account_id) == (self.visitor_id, self.account_id):
            return None
        return (f"the early-start script started Pendo with visitor {self.visitor_id!r} and account "
                f"{self.account_id!r}, Python's identity is visitor {visitor_id!r} and account {account_id!r}: "
                "Pendo is switched to Python's through pendo.identify (give the script and load() the same "
                "storage options so both read the same identity)")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
