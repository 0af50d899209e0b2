"""How options, integrations, reserved names, reset and the anonymousId work, ported from RudderStack's tests.

Sources in rudder-sdk-js, each cited at its test:
- ``packages/analytics-js/__tests__/components/eventManager/utilities.test.ts`` (getMergedContext,
  processOptions, updateTopLevelEventElements, getEventIntegrationsConfig, checkForReservedElementsInObject,
  checkForReservedElements, getEnrichedEvent);
- ``packages/analytics-js/__tests__/components/eventManager/RudderEventFactory.test.ts``;
- ``packages/analytics-js/__tests__/components/userSessionManager/UserSessionManager.test.ts`` (reset);
- ``packages/analytics-js/__tests__/app/RudderAnalytics.test.ts`` (reset, getAnonymousId, setAnonymousId).

RudderStack's tests start from a context it sets up by hand (``defaultContext``); here the same values come in
through the environment (device facts) and the page URL (its UTM parameters are ``context.campaign``).
"""

from __future__ import annotations

import logging
import zlib

import pytest

from pyodide_pendo import Analytics
from pyodide_pendo.amp_linker import base36
from pyodide_pendo.messages import FixedEnvironment, PageInfo, now_milliseconds
from pyodide_pendo.persistence import MemoryStore

from tests.unit.conftest import RecordingAgent

# utilities.test.ts's defaultContext, as our environment gives it
DEVICE = {"locale": "en-US", "app": {"name": "test", "version": "1.0"}, "screen": {"width": 1920, "height": 1080},
          "ua-ch": {"brand": "test", "model": "test"}, "userAgent": "defaultUA"}
PAGE = PageInfo(url="https://www.test-host.com/?utm_campaign=test&utm_source=test", path="/",
                search="?utm_campaign=test&utm_source=test", referrer="$direct")
DEFAULT_CONTEXT = {"locale": "en-US", "app": {"name": "test", "version": "1.0"},
                   "campaign": {"name": "test", "source": "test"}, "screen": {"width": 1920, "height": 1080},
                   "ua-ch": {"brand": "test", "model": "test"}, "userAgent": "defaultUA"}


@pytest.fixture
def loaded(agent: RecordingAgent, store: MemoryStore) -> Analytics:
    analytics = Analytics(agent=agent, environment=FixedEnvironment(PAGE, DEVICE, timezone_offset=-330),
                          store=store)
    analytics.load("KEY", sessions={"autoTrack": False})  # RudderStack's context cases have no session
    return analytics


def context_of(message: dict) -> dict:
    """The message's context without what RudderStack's test context does not have."""
    return {key: value for key, value in message["context"].items() if key not in ("traits", "library", "page")}


# -- getMergedContext and processOptions ---------------------------------------------------------------------

def test_options_merge_into_context(loaded: Analytics) -> None:
    """getMergedContext: "should return context with data merged from options"."""
    message = loaded.track("e", None, {"newContextKey1": "newContextValue1", "app": {"name": "test1", "isNew": True}})
    expected = dict(DEFAULT_CONTEXT, newContextKey1="newContextValue1",
                    app={"name": "test1", "isNew": True, "version": "1.0"})
    assert context_of(message) == expected


def test_the_contents_of_options_context_merge_into_context(loaded: Analytics) -> None:
    """getMergedContext: "should return context with data the context object merged from options"."""
    message = loaded.track("e", None, {
        "newContextKey1": {"someKey": "someValue"},
        "context": {"campaign": {"name": "test1", "isNew": True}, "locale": "en-UK",
                    "app": {"name": "test3", "version": "2.0"}},
    })
    expected = dict(DEFAULT_CONTEXT, locale="en-UK", app={"name": "test3", "version": "2.0"},
                    campaign={"name": "test1", "isNew": True, "source": "test"},
                    newContextKey1={"someKey": "someValue"})
    assert context_of(message) == expected
    assert "context" not in message["context"]


def test_reserved_keys_do_not_reach_context(loaded: Analytics) -> None:
    """getMergedContext: "should skip merging into context if options contain either top-level or context
    reserved elements"."""
    message = loaded.track("e", None, {
        "newContextKey1": "newContextValue1",
        "anonymousId": "test_anon_id",
        "originalTimestamp": "2020-01-01T00:00:00.000Z",
        "context": {"campaign": {"name": "test1", "isNew": True}, "locale": "en-UK",
                    "consentManagement": {"deniedConsentIds": ["id1", "id2"]}, "userAgent": "overridden ua",
                    "screen": {"width": 100, "height": 200}, "library": {"name": "test1", "isNew": True},
                    "ua-ch": {}},
    })
    expected = dict(DEFAULT_CONTEXT, newContextKey1="newContextValue1", locale="en-UK",
                    campaign={"name": "test1", "isNew": True, "source": "test"})
    assert context_of(message) == expected
    assert message["context"]["library"]["name"] == "pyodide-pendo"


def test_reserved_keys_at_the_top_level_of_options_do_not_reach_context(loaded: Analytics) -> None:
    """The same rule for the top level of options (getMergedContext skips CONTEXT_RESERVED_ELEMENTS there too)."""
    message = loaded.track("e", None, {"library": {"name": "x"}, "userAgent": "x", "screen": {"width": 1},
                                       "ua-ch": {}, "consentManagement": {"provider": "x"}})
    assert context_of(message) == DEFAULT_CONTEXT
    assert message["context"]["library"]["name"] == "pyodide-pendo"


@pytest.mark.parametrize("context", ["test", None, 42, ["a"]])
def test_a_context_that_is_not_a_dict_is_ignored_with_a_warning(loaded: Analytics, caplog, context) -> None:
    """getMergedContext: "should log warning if the context inside the options is not a valid object" and "... is
    null" (Python has no undefined)."""
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        message = loaded.track("e", None, {"newContextKey1": "newContextValue1", "newContextKey2": "newContextValue2",
                                           "context": context})
    assert context_of(message) == dict(DEFAULT_CONTEXT, newContextKey1="newContextValue1",
                                       newContextKey2="newContextValue2")
    assert "options['context'] must be a dict" in caplog.text


def test_options_override_top_level_fields_and_merge_into_context(loaded: Analytics) -> None:
    """processOptions: "should update event context with data from options"."""
    message = loaded.track("test_event", {"someKey": "someValue"}, {
        "newContextKey1": "newContextValue1",
        "originalTimestamp": "2020-01-01T00:00:00.000Z",
        "anonymousId": "test_anon_id",
        "app": {"name": "test1", "isNew": True},
        "context": {"campaign": {"name": "test1", "isNew": True}, "locale": "en-UK"},
    })
    assert (message["event"], message["properties"]) == ("test_event", {"someKey": "someValue"})
    assert (message["anonymousId"], message["originalTimestamp"]) == ("test_anon_id", "2020-01-01T00:00:00.000Z")
    assert context_of(message) == dict(DEFAULT_CONTEXT, locale="en-UK", newContextKey1="newContextValue1",
                                       app={"name": "test1", "version": "1.0", "isNew": True},
                                       campaign={"name": "test1", "isNew": True, "source": "test"})


def test_no_options_change_nothing(loaded: Analytics) -> None:
    """processOptions: "should not update event if options is null" / "... undefined"."""
    assert context_of(loaded.track("e", None, None)) == DEFAULT_CONTEXT


def test_options_that_are_not_a_dict_raise(loaded: Analytics) -> None:
    """processOptions: "should not update event if options is not a valid object". Our departure: a clear error at
    the call site, where RudderStack ignores them."""
    with pytest.raises(TypeError, match="options must be a dict"):
        loaded.track("e", None, "test")


def test_user_id_in_options_goes_to_context(loaded: Analytics) -> None:
    """getEnrichedEvent: "should return processed event if the event processor plugin is registered": ``userId``
    is no top-level option, so it merges into ``context``."""
    loaded.identify("user_id")
    message = loaded.page("test_category", "test_name", {"path": "/test", "referrer": "https://www.google.com/test"},
                          {"anonymousId": "overridden_anonymous_id", "userId": "overridden_user_id"})
    assert (message["anonymousId"], message["userId"]) == ("overridden_anonymous_id", "user_id")
    assert message["context"]["userId"] == "overridden_user_id"
    assert message["integrations"] == {"All": True}
    assert message["event"] is None


# -- updateTopLevelEventElements and getEventIntegrationsConfig ---------------------------------------------

def test_options_override_the_top_level_fields(loaded: Analytics) -> None:
    """updateTopLevelEventElements: "should update top level event elements from options"."""
    message = loaded.track("e", None, {"anonymousId": "sample-anon-id", "originalTimestamp": "sample-timestamp",
                                       "integrations": {"All": True, "Sample Integration": True}})
    assert message["anonymousId"] == "sample-anon-id"
    assert message["originalTimestamp"] == "sample-timestamp"
    assert message["integrations"] == {"All": True, "Sample Integration": True}


def test_options_integrations_alone(loaded: Analytics) -> None:
    """updateTopLevelEventElements: "should not update the top level event elements from options that are not
    valid": only integrations given."""
    anonymous_id = loaded.get_anonymous_id()
    message = loaded.track("e", None, {"integrations": {"All": True, "Sample Integration": True}})
    assert message["anonymousId"] == anonymous_id
    assert message["integrations"] == {"All": True, "Sample Integration": True}


@pytest.mark.parametrize(("options", "words"), [
    ({"integrations": "sample-integrations"}, "options['integrations']"),
    ({"originalTimestamp": {}}, "options['originalTimestamp']"),
    ({"anonymousId": 1.5}, "options['anonymousId']"),
])
def test_top_level_options_of_the_wrong_type_raise(loaded: Analytics, options, words) -> None:
    """updateTopLevelEventElements: "should not update the top level event elements from options that are not
    valid type". Our departure: a clear error at the call site where RudderStack ignores them; an int
    anonymousId is taken as its decimal text, as ids are everywhere here."""
    with pytest.raises(TypeError, match=words.replace("[", r"\[")):
        loaded.track("e", None, options)
    assert loaded.track("e", None, {"anonymousId": 123})["anonymousId"] == "123"


def test_event_integrations_are_used_as_given(loaded: Analytics) -> None:
    """getEventIntegrationsConfig: "should return event's integrations object" and "should return default
    integrations object if event's integrations object is not defined"."""
    assert loaded.track("e", None, {"integrations": {"All": True, "AM": False}})["integrations"] == {"All": True,
                                                                                                   "AM": False}
    assert loaded.track("e")["integrations"] == {"All": True}
    assert loaded.track("e", None, {"integrations": {}})["integrations"] == {"All": True}


# -- checkForReservedElements ---------------------------------------------------------------------------------

def reserved_warnings(caplog) -> list[str]:
    return [record.getMessage().split(":", 1)[0] for record in caplog.records if "reserves" in record.getMessage()]


def test_reserved_trait_names_are_warned_about(loaded: Analytics, caplog) -> None:
    """checkForReservedElementsInObject: "should log a warn message if the object contains reserved elements"."""
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        loaded.identify({"anonymous_id": "sample-anon-id", "original_timestamp": "sample-timestamp",
                         "nonReservedKey": 123, "id": "myMsgId"})
    assert reserved_warnings(caplog) == ["context.traits['anonymous_id']", "context.traits['original_timestamp']",
                                         "context.traits['id']"]


def test_names_that_are_not_reserved_are_not_warned_about(loaded: Analytics, caplog) -> None:
    """checkForReservedElementsInObject: "should not log a warn message if the object does not contain reserved
    elements" and "... if the object is not provided"."""
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        loaded.identify({"nonReservedKey": 123, "nonReservedKey2": "sample"})
        loaded.track("e")
    assert reserved_warnings(caplog) == []


def test_reserved_names_in_any_case_are_warned_about(loaded: Analytics, caplog) -> None:
    """checkForReservedElementsInObject: "should log a warn message if the object contains reserved elements but
    with different case"."""
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        loaded.track("e", {"EVENT": "test event", "nonReservedKey": 123, "original_timestamp": "sample-timestamp"})
    assert reserved_warnings(caplog) == ["properties['EVENT']", "properties['original_timestamp']"]


def test_properties_traits_and_context_traits_are_checked(loaded: Analytics, caplog) -> None:
    """checkForReservedElements: "should log a warn message if the event (properties, traits, and context traits)
    contains reserved elements". Ours warns once per name and place, where RudderStack warns on every message."""
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        loaded.identify({"anonymous_id": "sample-anon-id"})
        loaded.group("g", {"original_timestamp": "sample-timestamp", "event": "test event"})
        loaded.track("e", {"anonymous_id": "sample-anon-id", "original_timestamp": "sample-timestamp"})
        loaded.track("e", {"anonymous_id": "again"})
    assert reserved_warnings(caplog) == [
        "context.traits['anonymous_id']", "traits['original_timestamp']", "traits['event']",
        "properties['anonymous_id']", "properties['original_timestamp']"]


# -- RudderEventFactory: the shape of each message -------------------------------------------------------------

def test_each_message_type_has_rudderstacks_fields(loaded: Analytics) -> None:
    """RudderEventFactory.test.ts: "should generate a track / identify / alias / group event if ... data is
    provided": ``event`` and ``properties`` are null where the type has none."""
    loaded.identify("user_id", {"test": "test"})
    track = loaded.track("Sample event", {"key1": "value1"}, {"anonymousId": "modified_anon_id"})
    assert (track["event"], track["properties"], track["anonymousId"]) == ("Sample event", {"key1": "value1"},
                                                                           "modified_anon_id")
    identify = loaded.identify("new_user_id", {"key1": "value1"})
    assert (identify["userId"], identify["event"], identify["properties"]) == ("new_user_id", None, None)
    assert identify["context"]["traits"] == {"key1": "value1"}
    alias = loaded.alias("newer_user_id", "new_user_id")
    assert (alias["userId"], alias["previousId"], alias["event"], alias["properties"]) == (
        "newer_user_id", "new_user_id", None, None)
    group = loaded.group("overridden_group_id", {"key4": "value4", "key5": "value5"})
    assert (group["groupId"], group["traits"], group["event"], group["properties"]) == (
        "overridden_group_id", {"key4": "value4", "key5": "value5"}, None, None)
    page = loaded.page("category", "name")
    assert (page["event"], page["name"], page["category"]) == (None, "name", "category")
    for message in (track, identify, alias, group, page):
        assert message["channel"] == "web"
        assert message["integrations"] == {"All": True}
        assert set(message["context"]["page"]) == {"path", "referrer", "referring_domain", "search", "title", "url",
                                                   "tab_url", "initial_referrer", "initial_referring_domain"}


# -- reset ---------------------------------------------------------------------------------------------------

def identify_everything(analytics: Analytics) -> str:
    analytics.set_anonymous_id("dummy-anonymous-id")
    analytics.identify("test_user_id", {"name": "test_user_name", "email": "test_user_email"})
    analytics.group("test_group_id", {"name": "test_group_name"})
    return analytics.track("e")["context"]["page"]["initial_referrer"]


def identity_of(analytics: Analytics) -> tuple:
    page = analytics.track("e")["context"]["page"]
    return (analytics.get_anonymous_id(), analytics.get_user_id(), analytics.get_user_traits(),
            analytics.get_group_id(), analytics.get_group_traits(), page["initial_referrer"],
            page["initial_referring_domain"])


def test_reset_clears_all_but_the_anonymous_id_and_the_referrer(agent: RecordingAgent, store: MemoryStore) -> None:
    """UserSessionManager.test.ts reset: "should reset user session to the initial value except anonymousId and
    referrer related data"; RudderAnalytics.test.ts: "... reset call without any arguments"."""
    analytics = Analytics(agent=agent, store=store, environment=FixedEnvironment(
        PageInfo(url="https://www.test-host.com/", referrer="https://test.com/page")))
    analytics.load("KEY")
    identify_everything(analytics)
    analytics.reset()
    assert identity_of(analytics) == ("dummy-anonymous-id", None, {}, None, {}, "https://test.com/page", "test.com")


@pytest.mark.parametrize("argument", [True, {"entries": {"anonymousId": True}}])
def test_reset_can_clear_the_anonymous_id_too(loaded: Analytics, argument) -> None:
    """UserSessionManager.test.ts reset: "should clear the existing anonymousId and set a new anonymousId with
    first parameter set to true" and "... when configured in the options"; RudderAnalytics.test.ts "should process
    reset arguments and forwards to reset call" and "... with options"."""
    identify_everything(loaded)
    loaded.reset(argument)
    anonymous_id = loaded.get_anonymous_id()
    assert anonymous_id != "dummy-anonymous-id" and len(anonymous_id) == 36
    assert loaded.get_user_id() is None


def test_reset_clears_what_the_entries_say(agent: RecordingAgent, store: MemoryStore) -> None:
    """UserSessionManager.test.ts reset: "should reset all the user session data as per the configuration"."""
    analytics = Analytics(agent=agent, store=store, environment=FixedEnvironment(
        PageInfo(url="https://www.test-host.com/", referrer="https://test.com/page")))
    analytics.load("KEY")
    identify_everything(analytics)
    analytics.reset({"entries": {"anonymousId": True, "initialReferrer": True, "initialReferringDomain": True}})
    anonymous_id, *rest = identity_of(analytics)
    assert anonymous_id != "dummy-anonymous-id"
    assert rest == [None, {}, None, {}, "", ""]
    assert store.get("rl_page_init_referrer") is None


def test_reset_keeps_what_the_entries_keep(loaded: Analytics) -> None:
    """UserSessionManager.test.ts reset: "should not reset any user session data when configured in the
    options"."""
    identify_everything(loaded)
    before = identity_of(loaded)
    loaded.reset({"entries": {"userId": False, "userTraits": False, "groupId": False, "groupTraits": False,
                              "sessionInfo": False, "authToken": False}})
    assert identity_of(loaded) == before


# -- getAnonymousId and setAnonymousId ------------------------------------------------------------------------

def test_get_anonymous_id_takes_rudderstacks_options(loaded: Analytics) -> None:
    """RudderAnalytics.test.ts: "should process getAnonymousId arguments and forwards to getAnonymousId call".
    After load() there always is an anonymousId, which RudderStack returns whatever the options say."""
    anonymous_id = loaded.get_anonymous_id()
    assert loaded.getAnonymousId({"autoCapture": {"enabled": True}}) == anonymous_id
    assert loaded.get_anonymous_id({"autoCapture": {"enabled": True, "source": "segment"}}) == anonymous_id


def amp_linker(anonymous_id_base64: str, *, user_agent: str, timezone_offset: int, language: str,
               minutes_ago: int = 0) -> str:
    """A linker value as an AMP page makes one (Google's linker format), with zlib's CRC-32 for the checksum."""
    pairs = f"rs_amp_id*{anonymous_id_base64}"
    minute = now_milliseconds() // 60_000 - minutes_ago
    crc = zlib.crc32(f"{user_agent}*{timezone_offset}*{language}*{minute}*{pairs}".encode("latin-1"))
    return f"1*{base36(crc)}*{pairs}"


def test_set_anonymous_id_takes_the_id_in_an_amp_linker(loaded: Analytics) -> None:
    """RudderAnalytics.test.ts: "should process setAnonymousId arguments and forwards to setAnonymousId call"
    (``setAnonymousId('id', 'param')``), and the GoogleLinker plugin's parse it leads to: the id given wins, else
    the linker's ``rs_amp_id`` if its checksum holds for this browser now or a minute ago."""
    browser = {"user_agent": "defaultUA", "timezone_offset": -330, "language": "en-US"}
    linker = amp_linker("YW1wLWFub24tNDI=", **browser)  # base64 of "amp-anon-42"
    loaded.setAnonymousId("id", linker)
    assert loaded.get_anonymous_id() == "id"
    loaded.set_anonymous_id(None, linker)
    assert loaded.get_anonymous_id() == "amp-anon-42"
    loaded.set_anonymous_id(amp_linker_param=amp_linker("YW1wLWFub24tNDM..", minutes_ago=1, **browser))
    assert loaded.get_anonymous_id() == "amp-anon-43"


@pytest.mark.parametrize("linker", [
    "1*badsum*rs_amp_id*YW1wLWFub24tNDI=",  # wrong checksum
    "2*x*rs_amp_id*YW1wLWFub24tNDI=",  # wrong version
    "1*x*rs_amp_id",  # no value
    "",
])
def test_an_amp_linker_that_does_not_hold_gives_a_new_id(loaded: Analytics, linker: str) -> None:
    loaded.set_anonymous_id("before")
    loaded.set_anonymous_id(None, linker)
    assert loaded.get_anonymous_id() not in ("before", "amp-anon-42")
    assert len(loaded.get_anonymous_id()) == 36


def test_an_amp_linker_for_another_browser_or_an_old_one_gives_a_new_id(loaded: Analytics) -> None:
    for linker in (amp_linker("YW1wLWFub24tNDI=", user_agent="otherUA", timezone_offset=-330, language="en-US"),
                   amp_linker("YW1wLWFub24tNDI=", user_agent="defaultUA", timezone_offset=-330, language="en-US",
                              minutes_ago=2)):
        loaded.set_anonymous_id(None, linker)
        assert loaded.get_anonymous_id() != "amp-anon-42"
