"""Consent management as RudderStack v3 has it: RudderStack's own consent plugin tests, ported case by case
(each cites its source in rudder-sdk-js), then what ``load()`` and ``consent()`` do with the decision.

Sources (rudder-sdk-js, packages/analytics-js-plugins/__tests__/): oneTrustConsentManager/index.test.ts,
ketchConsentManager/index.test.ts and utils.test.ts, iubendaConsentManager/index.test.ts and utils.test.ts,
customConsentManager/index.test.ts; packages/analytics-js/__tests__/components/utilities/consent.test.ts.
Where we depart on purpose (README, "Consent management"), the test says so.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import quote

import pytest

from pyodide_pendo import Analytics, PendoLoadError
from pyodide_pendo.consent_management import (
    ConsentData,
    ConsentManagement,
    ConsentOptions,
    DestinationConsent,
    PreConsent,
    is_destination_consented,
    read_consent,
)
from pyodide_pendo.messages import FixedEnvironment
from pyodide_pendo.persistence import MemoryStore
from tests.unit.async_support import run
from tests.unit.conftest import PAGE, ManualSchedule, RecordingAgent

ONE_TRUST_GROUPS = [("C0001", "Functional Cookies"), ("C0002", "Performance Cookies"),
                    ("C0003", "Analytical Cookies"), ("C0004", "Targeting Cookies"),
                    ("C0005", "Social Media Cookies"), ("C0006", "Advertisement Cookies")]


class PageWithConsent:
    """What a consent manager left in the page: OneTrust's globals, other globals, and cookies."""

    def __init__(self, active_groups: str | None = None, groups: list[str] | None = None,
                 globals_: dict[str, Any] | None = None, cookies: str = "") -> None:
        self.active_groups = active_groups
        self.groups = groups if groups is not None else [group_id for group_id, _ in ONE_TRUST_GROUPS]
        self.globals = globals_ or {}
        self.cookie_text = cookies

    def one_trust(self) -> tuple[str, list[str]] | None:
        return None if self.active_groups is None else (self.active_groups, self.groups)

    def global_json(self, path: tuple[str, ...]) -> Any:
        value: Any = self.globals
        for name in path:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        return value

    def cookies(self) -> str:
        return self.cookie_text


def consented(provider: str, allowed: list[str] | None, config: dict[str, Any], strategy: str | None = "and") -> bool:
    data = None if allowed is None else ConsentData(allowed, [])
    return is_destination_consented(provider, data, DestinationConsent.parse(config), strategy)


def warnings() -> tuple[list[str], Any]:
    heard: list[str] = []
    return heard, heard.append


def generic(*entries: tuple[str, list[str]] | tuple[str, list[str], str]) -> dict[str, Any]:
    """A destination config's consentManagement: (provider, consent ids[, resolutionStrategy]) per entry."""
    listed = []
    for entry in entries:
        item: dict[str, Any] = {"provider": entry[0], "consents": [{"consent": name} for name in entry[1]]}
        if len(entry) == 3:
            item["resolutionStrategy"] = entry[2]
        listed.append(item)
    return {"blacklistedEvents": [], "whitelistedEvents": [], "eventFilteringOption": "disable",
            "consentManagement": listed}


# -- OneTrust: oneTrustConsentManager/index.test.ts ---------------------------------------------------------

def test_one_trust_consent_is_read_from_its_globals() -> None:
    """'should update the consent info if OneTrust SDK is already loaded'."""
    heard, warn = warnings()
    data = read_consent("oneTrust", PageWithConsent(",C0001,C0003,"), warn)
    assert data is not None and heard == []
    assert (data.allowed, data.denied) == (["C0001", "C0003"], ["C0002", "C0004", "C0005", "C0006"])


def test_one_trust_not_loaded_leaves_the_consent_unknown_and_says_so() -> None:
    """'should not successfully update consents data the plugin if OneTrust SDK is not loaded'."""
    heard, warn = warnings()
    assert read_consent("oneTrust", PageWithConsent(), warn) is None
    assert len(heard) == 1 and "load the OneTrust SDK before calling load()" in heard[0]


ONE_TRUST_LEGACY = {"blacklistedEvents": [], "whitelistedEvents": [], "eventFilteringOption": "disable",
                    "key": "value"}


@pytest.mark.parametrize(("case", "categories", "allowed", "expected"), [
    ("should return true if destination specific category is consented", ["C0001", "C0003", ""],
     ["C0001", "C0003"], True),
    ("should return true if plugin is not initialized", ["C0001", ""], None, True),
    ("should return false if destination categories are not consented", ["C0001", "C0004"], ["C0001", "C0003"],
     False),
])
def test_one_trust_legacy_categories(case: str, categories: list[str], allowed: list[str] | None,
                                     expected: bool) -> None:
    """oneTrustConsentManager/index.test.ts, ``case``: every legacy category must be allowed."""
    config = dict(ONE_TRUST_LEGACY, oneTrustCookieCategories=[{"oneTrustCookieCategory": name}
                                                              for name in categories])
    assert consented("oneTrust", allowed, config) is expected


def test_one_trust_without_any_mapping_is_consented() -> None:
    """'should return true if destination config does not have any mapping'."""
    assert consented("oneTrust", ["C0001", "C0003"], ONE_TRUST_LEGACY) is True


def test_a_malformed_category_list_is_an_error_at_load_not_a_pass() -> None:
    """'should return true and log error if an exception occurs during destination consent status check'
    (``oneTrustCookieCategories: {}``): RudderStack sends to the destination then; we refuse the config."""
    with pytest.raises(TypeError, match="oneTrustCookieCategories must be a list"):
        DestinationConsent.parse(dict(ONE_TRUST_LEGACY, oneTrustCookieCategories={}))


@pytest.mark.parametrize(("case", "config", "strategy", "expected"), [
    ("should return false if the destination categories are not consented in generic consent management config",
     generic(("oneTrust", ["C0001", "C0004"]), ("ketch", ["C0003"])), "and", False),
    ("should return true if the active consent provider's configuration data is not present in the destination "
     "config", generic(("ketch", ["C0003"])), "and", True),
    ("should return true if all the configured consents in generic consent management are consented",
     generic(("oneTrust", ["C0001", "C0003"]), ("ketch", ["C0003"])), "and", True),
    ("should return appropriate consent status if the resolution strategy is \"or\"",
     generic(("oneTrust", ["C0001", "C0004"]), ("ketch", ["C0003"])), "or", True),
    ("should return true when the consent values are empty in the generic consent management config and "
     "resolution strategy is \"or\"", generic(("oneTrust", []), ("ketch", ["C0003"])), "or", True),
])
def test_one_trust_generic_categories(case: str, config: dict[str, Any], strategy: str, expected: bool) -> None:
    """oneTrustConsentManager/index.test.ts, ``case`` (allowed: C0001, C0003; the source's strategy given)."""
    assert consented("oneTrust", ["C0001", "C0003"], config, strategy) is expected


# -- Ketch: ketchConsentManager/index.test.ts and utils.test.ts ----------------------------------------------

KETCH_FLAGS = {"purpose1": True, "purpose2": False, "purpose3": True, "purpose4": False, "purpose5": True}


def ketch_cookie(statuses: dict[str, str]) -> str:
    return "_ketch_consent_v1_=" + base64.b64encode(json.dumps(
        {purpose: {"status": status} for purpose, status in statuses.items()}).encode()).decode()


def test_ketch_consent_is_read_from_window_ketch_consent() -> None:
    """ketchConsentManager/index.test.ts: 'should update state with consents data from ketch window resources'."""
    data = read_consent("ketch", PageWithConsent(globals_={"ketchConsent": KETCH_FLAGS}), warnings()[1])
    assert data is not None
    assert (data.allowed, data.denied) == (["purpose1", "purpose3", "purpose5"], ["purpose2", "purpose4"])


def test_ketch_consent_falls_back_to_its_cookie() -> None:
    """ketchConsentManager/index.test.ts: 'should get consent data from ketch cookies if ketch consent data is
    not available on the window object'; utils.test.ts: 'should get the ketch consent data from cookies'."""
    cookie = ketch_cookie({name: "granted" if flag else "denied" for name, flag in KETCH_FLAGS.items()})
    data = read_consent("ketch", PageWithConsent(cookies=f"other=1; {cookie}"), warnings()[1])
    assert data is not None
    assert (data.allowed, data.denied) == (["purpose1", "purpose3", "purpose5"], ["purpose2", "purpose4"])


@pytest.mark.parametrize(("case", "cookie", "warned"), [
    ("should return undefined if ketch consent cookie is not present", "", False),
    ("should return undefined if ketch consent cookie data is not properly encoded", "_ketch_consent_v1_=eHl",
     True),
    ("should return undefined if ketch consent cookie data is not JSON string", "_ketch_consent_v1_=YWJjZGU=",
     True),
    ("should return undefined if ketch consent data inside the cookie is null", "_ketch_consent_v1_=bnVsbA==",
     False),
    ("should return undefined if ketch consent data inside the cookie is an empty string",
     "_ketch_consent_v1_=IiI=", False),
])
def test_an_unreadable_ketch_cookie_leaves_the_consent_unknown(case: str, cookie: str, warned: bool) -> None:
    """ketchConsentManager/utils.test.ts, ``case`` (a parse failure is warned about, as RudderStack logs it)."""
    heard, warn = warnings()
    assert read_consent("ketch", PageWithConsent(cookies=cookie), warn) is None
    assert bool(heard) is warned


@pytest.mark.parametrize(("case", "config", "allowed", "strategy", "expected"), [
    ("should return true if the consent manager is not initialized", {"ketchConsentPurposes": [{"purpose": "p"}]},
     None, "and", True),
    ("should return true if the destination config does not contain ketch consent purposes data", {"key": "v"},
     ["purpose1", "purpose3"], "and", True),
    ("should return true if the ketch consent purposes data is empty in the destination config",
     {"ketchConsentPurposes": []}, ["purpose1", "purpose3"], "and", True),
    ("should return true if at least one of the ketch consent purposes in the destination config is allowed",
     {"ketchConsentPurposes": [{"purpose": "purpose1"}, {"purpose": "purpose2"}, {"purpose": ""}]},
     ["purpose1", "purpose3"], "and", True),
    ("should return false if none of the ketch consent purposes in the destination config is allowed",
     {"ketchConsentPurposes": [{"purpose": "purpose2"}, {"purpose": "purpose4"}]}, ["purpose1", "purpose3"],
     "and", False),
    ("should return false if the destination categories are not consented in generic consent management config",
     generic(("oneTrust", ["Functional Cookies", "C0004"]), ("ketch", ["C0004"])), ["C0001", "C0003"], "or",
     False),
    ("should return true if the active consent provider's configuration data is not present in the destination "
     "config", generic(("oneTrust", ["Functional Cookies"])), ["C0001", "C0003"], "or", True),
    ("should return true if at least one of the configured consents in generic consent management are consented",
     generic(("oneTrust", ["Functional Cookies", "C0003"]), ("ketch", ["C0003"])), ["C0001", "C0003"], "or",
     True),
    ("should return appropriate value when the resolution strategy is set to \"and\"",
     generic(("ketch", ["C0001", "C0002"])), ["C0001", "C0002", "C0003"], "and", True),
    ("should return appropriate value when the resolution strategy not set",
     generic(("ketch", ["C0001", "C0002"])), ["C0001", "C0002", "C0003"], None, True),
])
def test_ketch_categories(case: str, config: dict[str, Any], allowed: list[str] | None, strategy: str | None,
                          expected: bool) -> None:
    """ketchConsentManager/index.test.ts, ``case``: legacy purposes need any one allowed."""
    assert consented("ketch", allowed, config, strategy) is expected


# -- iubenda: iubendaConsentManager/index.test.ts and utils.test.ts ------------------------------------------

IUBENDA_CONSENT = {"timestamp": "2024-10-1T01:57:25.825Z", "version": "1.67.1",
                   "purposes": {"1": True, "2": False, "3": False, "4": True, "5": True}, "id": 252372,
                   "cons": {"rand": "92f72a"}}


def test_iubenda_consent_is_read_from_window_iub() -> None:
    """iubendaConsentManager/index.test.ts: 'should update state with consents data from iubenda window
    resources'."""
    page = PageWithConsent(globals_={"_iub": {"cs": {"consent": IUBENDA_CONSENT}}})
    data = read_consent("iubenda", page, warnings()[1])
    assert data is not None and (data.allowed, data.denied) == (["1", "4", "5"], ["2", "3"])


def test_iubenda_consent_falls_back_to_its_cookie() -> None:
    """iubendaConsentManager/index.test.ts: 'should get consent data from iubenda cookies if iubenda consent
    data is not available on the window object'; utils.test.ts: 'should get the iubenda consent data from
    cookies'."""
    cookie = "_iub_cs-252372=" + quote(json.dumps(IUBENDA_CONSENT), safe="")
    data = read_consent("iubenda", PageWithConsent(cookies=f"_iub_cs-x=1; {cookie}"), warnings()[1])
    assert data is not None and (data.allowed, data.denied) == (["1", "4", "5"], ["2", "3"])


@pytest.mark.parametrize(("case", "cookie"), [
    ("should return undefined if iubenda consent cookie is not present", ""),
    ("should return undefined if iubenda consent data inside the cookie is null", "_iub_cs-252372=null"),
    ("should return undefined if iubenda consent data inside the cookie is an empty string",
     "_iub_cs-252372=%22%22"),
])
def test_an_unreadable_iubenda_cookie_leaves_the_consent_unknown(case: str, cookie: str) -> None:
    """iubendaConsentManager/utils.test.ts, ``case``."""
    assert read_consent("iubenda", PageWithConsent(cookies=cookie), warnings()[1]) is None


@pytest.mark.parametrize(("case", "config", "allowed", "expected"), [
    ("should return true if the consent manager is not initialized", generic(("iubenda", ["1"])), None, True),
    ("should return true if the destination config does not contain iubenda consent purposes data",
     {"key": "value"}, ["1", "4", "5"], True),
    ("should return true if the iubenda consent purposes data is empty in the destination config",
     generic(("iubenda", [], "or")), ["1", "4", "5"], True),
    ("should return true if at least one of the iubenda consent purposes in the destination config is allowed",
     generic(("iubenda", ["1", "2"], "or")), ["1", "4", "5"], True),
    ("should return false if none of the iubenda consent purposes in the destination config is allowed",
     generic(("iubenda", ["2", "4"], "and")), ["1", "3", "5"], False),
])
def test_iubenda_categories(case: str, config: dict[str, Any], allowed: list[str] | None, expected: bool) -> None:
    """iubendaConsentManager/index.test.ts, ``case``: the entry's own resolutionStrategy counts."""
    assert consented("iubenda", allowed, config) is expected


# -- custom: customConsentManager/index.test.ts ---------------------------------------------------------------

@pytest.mark.parametrize(("case", "config", "allowed", "expected"), [
    ("should return true if the consent manager is not initialized", {}, None, True),
    ("should return true if the destination config does not have consent management config", {}, [], True),
    ("should return true if the destination config does not have data for the active provider",
     generic(("oneTrust", ["C0001", "C0002"])), ["C0001", "C0002", "C0003"], True),
    ("should return true if the destination config does not have consents field",
     {"consentManagement": [{"provider": "custom", "resolutionStrategy": "or"}]}, [], True),
    ("should return true if the destination config has empty consents array for resolution strategy \"or\"",
     generic(("custom", [], "or")), [], True),
    ("should use the global resolution strategy if it is missing in the destination config",
     generic(("custom", ["C0001", "C0002"])), ["C0001", "C0002", "C0003"], True),
    ("should resolve the consents as per the configured resolution strategy \"or\"",
     generic(("custom", ["C0001", "C0002"], "or")), ["C0002", "C0003"], True),
    ("should resolve the consents as per the configured resolution strategy \"and\"",
     generic(("custom", ["C0001", "C0002"], "and")), ["C0002", "C0003"], False),
])
def test_custom_categories(case: str, config: dict[str, Any], allowed: list[str] | None, expected: bool) -> None:
    """customConsentManager/index.test.ts, ``case``."""
    assert consented("custom", allowed, config) is expected


# -- options: analytics-js/__tests__/components/utilities/consent.test.ts ------------------------------------

def test_consent_options_default_to_false_and_take_rudderstacks_keys() -> None:
    """getValidPostConsentOptions: 'should return object with default values if no options are passed' and
    'should return normalized options object if options are passed'."""
    plain = ConsentOptions.parse({})
    assert (plain.discard, plain.track, plain.page, plain.integrations, plain.data) == (False, False, False, None,
                                                                                       None)
    full = ConsentOptions.parse({"discardPreConsentEvents": True, "trackConsent": True, "sendPageEvent": True,
                                 "integrations": {"All": False, "Pendo": True},
                                 "consentManagement": {"allowedConsentIds": ["C0001"],
                                                       "deniedConsentIds": ["C0002"]}})
    assert (full.discard, full.track, full.page, full.integrations) == (True, True, True,
                                                                        {"All": False, "Pendo": True})
    assert full.data is not None and (full.data.allowed, full.data.denied) == (["C0001"], ["C0002"])


def test_consent_management_data_from_the_load_option() -> None:
    """getConsentManagementData: 'should return an object with default values if no options are passed' and
    'should return consent management data based on the options provided'."""
    off = ConsentManagement.parse({})
    assert (off.enabled, off.provider, off.data) == (False, None, None)
    on = ConsentManagement.parse({"enabled": True, "provider": "oneTrust", "allowedConsentIds": ["C0001", "C0002"],
                                  "deniedConsentIds": ["C0003"]})
    assert (on.enabled, on.provider) == (True, "oneTrust")
    assert on.data is not None and (on.data.allowed, on.data.denied) == (["C0001", "C0002"], ["C0003"])


def test_an_unsupported_provider_is_an_error_at_load() -> None:
    """getConsentManagementData: 'should log an error if the consent provider is not supported' (RudderStack
    logs and turns consent management off; we refuse the option)."""
    with pytest.raises(ValueError, match="consentManagement\\['provider'\\] must be one of oneTrust, ketch"):
        ConsentManagement.parse({"enabled": True, "provider": "random"})


def test_pre_consent_options_default_as_rudderstacks_and_refuse_unknown_values() -> None:
    """commonUtil's updateConsentsStateFromLoadOptions: strategy ``none`` and delivery ``immediate`` by default
    (RudderStack warns about other values and uses those; we refuse them)."""
    options = PreConsent.parse({"enabled": True})
    assert (options.enabled, options.strategy, options.delivery) == (True, "none", "immediate")
    with pytest.raises(ValueError, match="strategy'\\] must be one of none, session, anonymousId"):
        PreConsent.parse({"enabled": True, "storage": {"strategy": "all"}})


# -- load() and consent() ----------------------------------------------------------------------------------

ONE_TRUST_CONFIG = {"apiKey": "KEY", "oneTrustCookieCategories": [{"oneTrustCookieCategory": "C0003"}]}


def make(page: PageWithConsent | None = None, store: MemoryStore | None = None,
         ) -> tuple[Analytics, RecordingAgent, ManualSchedule]:
    agent, schedule = RecordingAgent(), ManualSchedule()
    analytics = Analytics(agent=agent, environment=FixedEnvironment(PAGE, {}), store=store or MemoryStore(),
                          schedule=schedule, consent_source=page or PageWithConsent())
    return analytics, agent, schedule


def test_categories_without_a_consent_manager_keep_pendo_unloaded_and_say_what_to_configure(caplog) -> None:
    analytics, agent, _ = make(PageWithConsent(",C0003,"))
    errors: list[Any] = []
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        analytics.load(ONE_TRUST_CONFIG)
    analytics.ready(errors.append)
    analytics.track("Order Completed")
    analytics.consent(granted=True)
    assert agent.plans == [] and agent.calls == []
    assert analytics.stats()["filtered"] == 1
    assert "consentManagement={'enabled': True, 'provider': 'oneTrust'}" in caplog.records[0].getMessage()
    assert isinstance(errors[0], PendoLoadError) and "no consent manager is set" in str(errors[0])


def test_one_trust_categories_granted_at_load_load_pendo() -> None:
    analytics, agent, _ = make(PageWithConsent(",C0001,C0003,"))
    analytics.load(ONE_TRUST_CONFIG, consentManagement={"enabled": True, "provider": "oneTrust"})
    analytics.track("Order Completed")
    assert len(agent.plans) == 1 and agent.of("track") == [["Order Completed", {}]]


def test_one_trust_categories_denied_at_load_keep_pendo_unloaded_and_ready_says_why() -> None:
    analytics, agent, _ = make(PageWithConsent(",C0001,"))
    analytics.load(ONE_TRUST_CONFIG, consentManagement={"enabled": True, "provider": "oneTrust"})
    analytics.track("Order Completed")
    with pytest.raises(PendoLoadError, match="not allowed Pendo's consent categories under oneTrust \\(C0003\\)"):
        run(_await(analytics.ready()))
    assert agent.plans == [] and analytics.stats()["filtered"] == 1


def test_messages_carry_the_consent_as_rudderstacks_context_consent_management() -> None:
    """utilities.ts getEnrichedEvent (and utilities.test.ts: options cannot override it): with consent
    management on, context.consentManagement holds the consent ids, the provider and the resolution strategy;
    consent() updates it."""
    page = PageWithConsent(",C0001,C0003,")
    analytics, _, _ = make(page)
    analytics.load(ONE_TRUST_CONFIG, consentManagement={"enabled": True, "provider": "oneTrust"})
    message = analytics.track("Order Completed", {}, {"context": {"consentManagement": {"deniedConsentIds": ["x"]}}})
    assert message is not None and message["context"]["consentManagement"] == {
        "allowedConsentIds": ["C0001", "C0003"], "deniedConsentIds": ["C0002", "C0004", "C0005", "C0006"],
        "provider": "oneTrust", "resolutionStrategy": "and"}  # denied: OneTrust's other groups, as RudderStack reads
    analytics.consent({"consentManagement": {"allowedConsentIds": ["C0003"], "deniedConsentIds": ["C0002"]}})
    message = analytics.track("After Consent")
    assert message is not None and message["context"]["consentManagement"]["deniedConsentIds"] == ["C0002"]


def test_custom_consent_has_no_resolution_strategy_and_no_consent_management_none_of_it() -> None:
    """commonUtil.ts updateConsentsState: "If the provider is custom, then the resolution strategy is not
    applicable"; without consent management the context has no consentManagement."""
    analytics, _, _ = make()
    analytics.load({"apiKey": "KEY"}, consentManagement={"enabled": True, "provider": "custom",
                                                         "allowedConsentIds": ["analytics"]})
    message = analytics.track("Custom")
    assert message is not None and message["context"]["consentManagement"] == {
        "allowedConsentIds": ["analytics"], "deniedConsentIds": [], "provider": "custom"}
    plain, _, _ = make()
    plain.load("KEY")
    message = plain.track("Plain")
    assert message is not None and "consentManagement" not in message["context"]


def test_one_trust_not_loaded_yet_holds_pendo_until_consent_reads_it_again() -> None:
    """RudderStack would load the destination without the consent it configured; Pendo waits instead."""
    page = PageWithConsent()
    analytics, agent, _ = make(page)
    analytics.load(ONE_TRUST_CONFIG, consentManagement={"enabled": True, "provider": "oneTrust"})
    analytics.track("Waits")
    assert agent.plans == [] and analytics.stats()["waiting"] == 1
    page.active_groups = ",C0003,"
    assert analytics.consent() == 1
    assert [arguments[0] for arguments in agent.of("track")] == ["Waits"]


def test_the_generic_config_and_the_load_options_ids(caplog) -> None:
    """The destination's generic list with the consent passed to load() (RudderStack: initialized at load)."""
    config = {"apiKey": "KEY", **generic(("custom", ["analytics", "marketing"], "or"))}
    analytics, agent, _ = make()
    analytics.load(config, consentManagement={"enabled": True, "provider": "custom",
                                              "allowedConsentIds": ["marketing"]})
    assert len(agent.plans) == 1


def test_pre_consent_holds_everything_until_consent_then_sends_what_waited() -> None:
    analytics, agent, _ = make()
    analytics.load({"apiKey": "KEY", **generic(("custom", ["analytics"]))},
                   consentManagement={"enabled": True, "provider": "custom"}, preConsent={"enabled": True})
    analytics.identify("user-1")
    analytics.track("Before Consent")
    assert agent.plans == [] and analytics.stats()["waiting"] == 2
    assert analytics.consent({"consentManagement": {"allowedConsentIds": ["analytics"]}, "trackConsent": True,
                              "sendPageEvent": True}) == 2
    assert [name for name, _ in agent.calls] == ["identify", "track", "track", "pageLoad"]
    assert [arguments[0] for arguments in agent.of("track")] == ["Before Consent", "Consent Management Interaction"]


def test_discard_pre_consent_events_discards_what_waited() -> None:
    analytics, agent, _ = make()
    analytics.load("KEY", consentManagement={"enabled": True, "provider": "custom"}, preConsent={"enabled": True})
    heard: list[str] = []
    analytics.on("filtered", lambda payload: heard.append(payload["reason"]))
    analytics.track("Before Consent")
    assert analytics.consent({"discardPreConsentEvents": True}) == 1
    analytics.track("After Consent")
    assert heard == ["made before consent (discardPreConsentEvents)"]
    assert [arguments[0] for arguments in agent.of("track")] == ["After Consent"]


def test_consent_that_leaves_pendos_categories_out_denies_and_withdraws() -> None:
    """RudderStack decides once, when it loads its destinations; here a later consent() withdraws."""
    analytics, agent, _ = make()
    analytics.load({"apiKey": "KEY", **generic(("custom", ["analytics"]))},
                   consentManagement={"enabled": True, "provider": "custom", "allowedConsentIds": ["analytics"]})
    analytics.track("Allowed")
    analytics.consent({"consentManagement": {"allowedConsentIds": [], "deniedConsentIds": ["analytics"]}})
    analytics.track("Denied")
    assert [name for name, _ in agent.calls] == ["track", "flushNow", "stopSendingEvents"]


def test_consent_integrations_that_leave_pendo_out_deny_it() -> None:
    analytics, agent, _ = make()
    analytics.load("KEY", consent="pending")
    analytics.consent({"integrations": {"All": False, "Amplitude": True}})
    assert agent.plans == [] and analytics.stats()["state"] == "idle"


def test_pre_consent_storage_none_keeps_the_identity_in_memory_until_consent() -> None:
    store = MemoryStore()
    store.set("rl_user_id", '"returning-user"')
    analytics, agent, _ = make(store=store)
    analytics.load("KEY", consentManagement={"enabled": True, "provider": "custom"}, preConsent={"enabled": True})
    analytics.identify("user-1")
    assert store.get("rl_user_id") == '"returning-user"' and store.get("rl_anonymous_id") is None
    analytics.consent()
    assert store.get("rl_anonymous_id") is not None  # written once consent was given
    assert analytics.get_user_id() == "returning-user"  # the stored identity counts from then on


def test_pre_consent_storage_anonymous_id_persists_only_the_anonymous_id() -> None:
    store = MemoryStore()
    analytics, _, _ = make(store=store)
    analytics.load("KEY", consentManagement={"enabled": True, "provider": "custom"},
                   preConsent={"enabled": True, "storage": {"strategy": "anonymousId"}})
    analytics.identify("user-1")
    assert store.get("rl_anonymous_id") is not None and store.get("rl_user_id") is None


def test_consent_before_load_wins_and_its_track_comes_after_the_calls_that_waited() -> None:
    """RudderStack's preload buffer puts consent first, and its consent track event after the other calls."""
    analytics, agent, _ = make()
    analytics.track("Made Before Load")
    analytics.consent({"trackConsent": True})
    analytics.load("KEY", consent="pending")
    assert [arguments[0] for arguments in agent.of("track")] == ["Made Before Load",
                                                                 "Consent Management Interaction"]


def test_consent_arguments_are_checked() -> None:
    analytics, _, _ = make()
    with pytest.raises(TypeError, match="unknown key\\(s\\) 'storage'"):
        analytics.consent({"storage": {"type": "cookie"}})
    with pytest.raises(TypeError, match="granted must be True or False"):
        analytics.consent(granted="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="trackConsent must be True or False"):
        analytics.consent({"trackConsent": "yes"})


def test_the_destination_categories_and_the_load_option_share_the_name_consent_management() -> None:
    """A list is the destination config's categories, a dict the load option, in either place."""
    analytics, agent, _ = make()
    analytics.load("KEY", consentManagement={"enabled": True, "provider": "custom", "allowedConsentIds": []},
                   **{"oneTrustCookieCategories": []})
    assert len(agent.plans) == 1
    blocked, agent2, _ = make()
    blocked.load({"apiKey": "KEY", **generic(("custom", ["analytics"]))})
    assert agent2.plans == []


async def _await(awaitable: Any) -> Any:
    return await awaitable
