"""Identity rules, persistence, the pre-load queue, consent, hooks, filters and readiness, under CPython."""

from __future__ import annotations

import logging

import pytest

from pyodide_pendo import Analytics, PendoLoadError
from pyodide_pendo.persistence import ANONYMOUS_ID, USER_TRAITS, MemoryStore, encode_value
from tests.unit.async_support import run

UUID_V4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


# -- identity ------------------------------------------------------------------------------------------------

def test_anonymous_id_is_a_uuid_v4_and_persists(analytics: Analytics, store: MemoryStore) -> None:
    analytics.load("KEY")
    anonymous_id = analytics.get_anonymous_id()
    assert anonymous_id is not None
    assert __import__("re").match(UUID_V4, anonymous_id)
    assert store.get(ANONYMOUS_ID) == encode_value(anonymous_id)


def test_traits_deep_merge_and_lists_are_replaced(analytics: Analytics) -> None:
    analytics.load("KEY")
    analytics.identify("u1", {"plan": "free", "address": {"city": "Paris", "zip": "75001"}, "tags": ["a", "b"]})
    message = analytics.identify("u1", {"plan": "pro", "address": {"city": "Lyon"}, "tags": ["c"]})
    expected = {"plan": "pro", "address": {"city": "Lyon", "zip": "75001"}, "tags": ["c"]}
    assert analytics.get_user_traits() == expected
    assert message["context"]["traits"] == expected


def test_identify_with_another_user_starts_clean(analytics: Analytics) -> None:
    analytics.load("KEY")
    anonymous_id = analytics.get_anonymous_id()
    analytics.identify("u1", {"plan": "pro"})
    analytics.group("acme", {"name": "Acme"})
    analytics.identify("u2", {"email": "b@example.com"})
    assert analytics.get_user_id() == "u2"
    assert analytics.get_user_traits() == {"email": "b@example.com"}
    assert analytics.get_group_id() is None
    assert analytics.get_group_traits() == {}
    assert analytics.get_anonymous_id() == anonymous_id


def test_identify_without_an_id_keeps_the_current_user(analytics: Analytics) -> None:
    analytics.load("KEY")
    analytics.identify("u1", {"plan": "pro"})
    message = analytics.identify({"email": "a@example.com"})
    assert message["userId"] == "u1"
    assert analytics.get_user_traits() == {"plan": "pro", "email": "a@example.com"}


@pytest.mark.parametrize("reset_anonymous_id", [False, True])
def test_reset_clears_user_and_group(analytics: Analytics, reset_anonymous_id: bool) -> None:
    analytics.load("KEY")
    anonymous_id = analytics.get_anonymous_id()
    analytics.identify("u1", {"plan": "pro"})
    analytics.group("acme", {"name": "Acme"})
    analytics.reset(reset_anonymous_id)
    assert (analytics.get_user_id(), analytics.get_user_traits()) == (None, {})
    assert (analytics.get_group_id(), analytics.get_group_traits()) == (None, {})
    assert (analytics.get_anonymous_id() != anonymous_id) is reset_anonymous_id


def test_set_anonymous_id(analytics: Analytics) -> None:
    analytics.load("KEY")
    analytics.set_anonymous_id("my-anon")
    assert analytics.get_anonymous_id() == "my-anon"
    assert analytics.track("Viewed")["anonymousId"] == "my-anon"
    analytics.setAnonymousId()
    assert analytics.getAnonymousId() not in (None, "my-anon")


def test_identity_is_read_back_from_the_store(agent, schedule) -> None:
    store = MemoryStore()
    first = Analytics(agent=agent, store=store, schedule=schedule)
    first.load("KEY")
    first.identify("u1", {"plan": "pro"})
    first.group("acme", {"name": "Acme"})
    second = Analytics(agent=agent, store=store, schedule=schedule)
    second.load("KEY")
    assert second.get_anonymous_id() == first.get_anonymous_id()
    assert (second.getUserId(), second.getUserTraits()) == ("u1", {"plan": "pro"})
    assert (second.getGroupId(), second.getGroupTraits()) == ("acme", {"name": "Acme"})


def test_an_unreadable_stored_value_is_ignored_with_a_warning(agent, schedule, caplog) -> None:
    store = MemoryStore()
    store.set(USER_TRAITS, "RudderEncrypt:U2FsdGVkX1+abc")
    analytics = Analytics(agent=agent, store=store, schedule=schedule)
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        analytics.load("KEY")
    assert analytics.get_user_traits() == {}
    assert "rl_trait" in caplog.text


def test_a_storage_that_refuses_writes_never_breaks_calls(agent, schedule, caplog) -> None:
    class FullStore(MemoryStore):
        def set(self, key: str, value: str) -> None:
            raise RuntimeError("QuotaExceededError")

    analytics = Analytics(agent=agent, store=FullStore(), schedule=schedule)
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        analytics.load("KEY")
        analytics.identify("u1", {"plan": "pro"})
    assert analytics.get_user_id() == "u1"
    assert "QuotaExceededError" in caplog.text


# -- the pre-load queue ----------------------------------------------------------------------------------------

def test_calls_before_load_wait_and_go_out_in_order_after_it(analytics: Analytics, agent) -> None:
    delivered = []
    assert analytics.track("First", {"n": 1}, None, delivered.append) is None
    analytics.identify("u1", {"plan": "pro"})
    analytics.track("Second")
    assert analytics.stats()["waiting"] == 3
    analytics.load("KEY")
    assert [call[0] for call in agent.calls] == ["track", "identify", "track"]
    assert agent.of("track")[1] == ["Second", {}]
    assert delivered[0]["event"] == "First"
    assert delivered[0]["userId"] is None
    assert agent.plans[0].initialize_options["visitor"]["id"].startswith("_PENDO_T_")


def test_queue_size_applies_to_the_calls_made_before_load(analytics: Analytics, agent, caplog) -> None:
    dropped = []
    analytics.on("dropped", dropped.append)
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        for number in range(1_005):
            analytics.track(f"Event {number}")
        assert analytics.stats()["waiting"] == 1_005
        analytics.load("KEY", queue_size=1_000)
    assert [arguments[0] for arguments in agent.of("track")] == [f"Event {n}" for n in range(1_000)]
    assert analytics.stats()["dropped"] == 5 and analytics.stats()["sent"] == 1_000
    assert dropped == [{"message": None, "type": "track", "reason": "more than queue_size (1000) calls waited for "
                        "load()"}] * 5
    assert len(caplog.records) == 1 and "more than queue_size" in caplog.text


def test_calls_past_the_pre_load_limit_are_dropped_with_one_warning_and_every_notice(analytics, agent,
                                                                                      caplog) -> None:
    dropped = []
    analytics.on("dropped", dropped.append)
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        for number in range(20_000):
            analytics.track("Event", {"n": number})
    assert analytics.stats()["waiting"] == 10_000 and analytics.stats()["dropped"] == 10_000
    assert len(dropped) == 10_000 and dropped[0]["reason"] == "10,000 calls already wait for load()"
    assert len(caplog.records) == 1
    analytics.load("KEY", queue_size=20_000)
    assert len(agent.of("track")) == 10_000 and analytics.stats()["dropped"] == 10_000


# -- consent, hooks, integrations, filters -----------------------------------------------------------------

def test_pending_consent_loads_nothing_until_granted(analytics: Analytics, agent) -> None:
    analytics.load("KEY", consent="pending")
    analytics.identify("u1")
    analytics.track("Viewed")
    assert agent.plans == [] and agent.calls == []
    assert analytics.stats()["waiting"] == 2
    assert analytics.consent(granted=True) == 2
    assert len(agent.plans) == 1
    assert [name for name, _ in agent.calls] == ["identify", "track"]


def test_denied_consent_discards_what_waited_and_says_how_many(analytics: Analytics, agent) -> None:
    analytics.load("KEY", consent="pending")
    analytics.track("A")
    analytics.track("B")
    assert analytics.consent(granted=False) == 2
    analytics.track("C")
    assert agent.plans == [] and agent.calls == []
    assert analytics.stats()["filtered"] == 3
    assert analytics.stats()["waiting"] == 0


@pytest.mark.parametrize(("granted", "loads_pendo"), [(True, True), (False, False)])
def test_consent_given_before_load_holds_for_load(analytics: Analytics, agent, granted, loads_pendo) -> None:
    analytics.consent(granted=granted)
    analytics.track("Queued Before Load")
    analytics.load("KEY", consent="pending")
    assert bool(agent.plans) is loads_pendo
    assert bool(agent.of("track")) is loads_pendo
    assert analytics.stats()["filtered"] == (0 if granted else 1)


def test_before_send_hooks_change_or_drop_messages(analytics: Analytics, agent) -> None:
    def redact(message):
        message["properties"].pop("email", None)
        return message

    def drop_internal(message):
        return None if message.get("event", "").startswith("internal:") else message

    analytics.load("KEY", before_send=[redact, drop_internal])
    analytics.track("Signed Up", {"email": "a@example.com", "plan": "pro"})
    analytics.track("internal: heartbeat")
    assert agent.of("track") == [["Signed Up", {"plan": "pro"}]]
    assert analytics.stats()["filtered"] == 1


def test_a_failing_hook_drops_only_its_message(analytics: Analytics, agent, caplog) -> None:
    def broken(message):
        raise KeyError("oops")

    analytics.load("KEY", before_send=broken)
    with caplog.at_level(logging.ERROR, logger="pyodide_pendo"):
        analytics.track("A")
    assert agent.of("track") == []
    assert analytics.stats()["dropped"] == 1
    assert "before_send" in caplog.text


@pytest.mark.parametrize(
    ("load_integrations", "call_integrations", "reaches_pendo"),
    [
        (None, None, True),
        (None, {"Pendo": False}, False),
        (None, {"All": False}, False),
        (None, {"All": False, "Pendo": True}, True),
        ({"All": False}, None, False),
        ({"All": False}, {"Pendo": True}, True),
        ({"Pendo": False}, {"All": True}, True),
        ({"Pendo": False}, {}, False),
    ],
)
def test_integrations_option_at_load_and_per_event(analytics: Analytics, agent, load_integrations,
                                                    call_integrations, reaches_pendo) -> None:
    """A call's non-empty ``integrations`` is used as given, not merged over the load option's (RudderStack's
    updateTopLevelEventElements and getEventIntegrationsConfig, utilities.test.ts "should return event's
    integrations object"); an empty one leaves the default."""
    analytics.load("KEY", integrations=load_integrations)
    analytics.track("Viewed", None, {"integrations": call_integrations} if call_integrations is not None else None)
    assert bool(agent.of("track")) is reaches_pendo
    assert analytics.stats()["filtered"] == (0 if reaches_pendo else 1)


@pytest.mark.parametrize(
    ("config", "event", "reaches_pendo"),
    [
        ({"eventFilteringOption": "disable"}, "Anything", True),
        ({"eventFilteringOption": "whitelistedEvents", "whitelistedEvents": [{"eventName": " Order Completed "}]},
         "Order Completed", True),
        ({"eventFilteringOption": "whitelistedEvents", "whitelistedEvents": [{"eventName": "Order Completed"}]},
         "order completed", False),
        ({"eventFilteringOption": "whitelistedEvents", "whitelistedEvents": [{"eventName": ""}]}, "Anything", False),
        ({"eventFilteringOption": "blacklistedEvents", "blacklistedEvents": [{"eventName": "Heartbeat"}]},
         "Heartbeat ", False),
        ({"eventFilteringOption": "blacklistedEvents", "blacklistedEvents": [{"eventName": "Heartbeat"}]},
         "Checkout", True),
    ],
)
def test_rudderstack_event_filtering_applies_to_track(analytics: Analytics, agent, config, event,
                                                       reaches_pendo) -> None:
    analytics.load({"apiKey": "KEY", **config})
    analytics.track(event)
    analytics.identify("u1")
    assert bool(agent.of("track")) is reaches_pendo
    assert len(agent.of("identify")) == 1


def test_a_pasted_destination_config_is_accepted(analytics: Analytics, agent) -> None:
    analytics.load({"apiKey": "KEY", "eventFilteringOption": "disable", "whitelistedEvents": [{"eventName": ""}],
                    "blacklistedEvents": [{"eventName": ""}], "useNativeSDK": True, "connectionMode": "device"})
    assert agent.plans[0].initialize_options["apiKey"] == "KEY"


@pytest.mark.parametrize(
    ("arguments", "options", "error", "words"),
    [
        (("",), {}, ValueError, "api_key"),
        (("bad key/../x",), {}, ValueError, "api_key"),
        (("KEY",), {"env": "mars"}, ValueError, "env must be one of"),
        (("KEY",), {"agent_url": "http://evil.example.com/pendo.js"}, ValueError, "agent_url must be"),
        (("KEY",), {"agent_url": "javascript:alert(1)"}, ValueError, "agent_url must be"),
        (("KEY",), {"agent_url": "http://evil.example\\@localhost/pendo.js"}, ValueError, "backslash"),
        (("KEY",), {"agent_url": "http://evil.example\\@127.0.0.1/pendo.js"}, ValueError, "backslash"),
        (("KEY",), {"agent_url": "HTTP://localhost/pendo.js"}, ValueError, "in lower case"),
        (("KEY",), {"agent_url": "https://user:pw@cdn.example.com/pendo.js"}, ValueError, "credentials"),
        (("KEY",), {"agent_url": "https://CDN.example.com/pendo.js"}, ValueError, "lower case"),
        (("KEY",), {"cookie_domain": "127.0.0.1; Max-Age=0"}, ValueError, "cookie_domain must be a plain domain"),
        (("KEY",), {"cookie_domain": "example.com; Domain=evil.example"}, ValueError, "cookie_domain must be"),
        (("KEY",), {"pendo_options": {"x": float("nan")}}, ValueError, r"pendo_options\.x is nan"),
        (("KEY",), {"pendo_options": {"x": object()}}, TypeError, r"pendo_options\.x has type object"),
        (("KEY",), {"pendo_options": {"raw": b"\x00"}}, TypeError, r"pendo_options\.raw has type bytes"),
        (("KEY",), {"pendo_options": {"big": 2**60}}, ValueError, r"pendo_options\.big is 1152921504606846976"),
        (("KEY",), {"colour": "blue"}, TypeError, "unknown option"),
        (("KEY",), {"ready_timeout": 0}, ValueError, "ready_timeout"),
        (("KEY",), {"queue_size": 0}, ValueError, "queue_size"),
        (("KEY",), {"consent": "maybe"}, ValueError, "consent must be one of"),
        (("KEY",), {"storage": "indexeddb"}, ValueError, "storage must be one of"),
        (("KEY",), {"before_send": "not callable"}, TypeError, "before_send"),
        (("KEY",), {"eventFilteringOption": "sometimes"}, ValueError, "eventFilteringOption"),
        (("KEY",), {"eventFilteringOption": "whitelistedEvents", "whitelistedEvents": ["x"]}, TypeError,
         "whitelistedEvents"),
    ],
)
def test_load_rejects_bad_options_clearly(analytics: Analytics, arguments, options, error, words) -> None:
    with pytest.raises(error, match=words):
        analytics.load(*arguments, **options)


# -- readiness -----------------------------------------------------------------------------------------------

def test_calls_wait_while_the_agent_loads_and_go_out_in_order_when_ready(analytics, agent, schedule) -> None:
    agent.status = "loading"
    analytics.load("KEY")
    analytics.identify("u1")
    analytics.track("A")
    analytics.track("B")
    assert agent.calls == [] and analytics.stats()["waiting"] == 3
    agent.status = "ready"
    run(schedule.coroutines.pop())
    assert [(name, args[0] if name == "track" else None) for name, args in agent.calls] == [
        ("identify", None), ("track", "A"), ("track", "B")]
    assert analytics.stats()["sent"] == 3 and analytics.stats()["waiting"] == 0


def test_a_failed_agent_counts_calls_as_undelivered_and_never_raises(analytics, agent, schedule, caplog) -> None:
    agent.status = "loading"
    analytics.load("KEY", ready_timeout=0.05)
    analytics.track("Waiting")
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        run(schedule.coroutines.pop())
        analytics.track("After")
        analytics.track("After again")
    counts = analytics.stats()
    assert (counts["state"], counts["undelivered"], counts["sent"]) == ("failed", 3, 0)
    assert "not ready within" in counts["error"]
    assert caplog.text.count("events are not reaching Pendo") == 1
    errors = []
    analytics.ready(errors.append)
    assert isinstance(errors[0], PendoLoadError) and errors[0].url.endswith("/KEY/pendo.js")
    with pytest.raises(PendoLoadError, match="blocked"):
        run(_await(analytics.ready()))


def test_ready_callback_runs_with_no_argument_when_ready(analytics, agent, schedule) -> None:
    calls = []
    analytics.ready(lambda *error: calls.append(error))
    agent.status = "loading"
    analytics.load("KEY")
    assert calls == []
    agent.status = "ready"
    run(schedule.coroutines.pop())
    assert calls == [()]


def test_the_waiting_queue_is_bounded(analytics, agent, schedule) -> None:
    agent.status = "loading"
    analytics.load("KEY", queue_size=3)
    for name in "ABCDE":
        analytics.track(name)
    assert analytics.stats()["waiting"] == 3 and analytics.stats()["dropped"] == 2
    agent.status = "ready"
    run(schedule.coroutines.pop())
    assert [args[0] for args in agent.of("track")] == ["A", "B", "C"]


def test_an_agent_that_throws_is_counted_not_raised(analytics, agent) -> None:
    agent.raise_on.add("track")
    analytics.load("KEY")
    analytics.track("Boom")
    analytics.identify("u1")
    assert analytics.stats()["undelivered"] == 1
    assert analytics.stats()["sent"] == 1


def test_listeners_see_messages_and_deliveries(analytics, agent) -> None:
    seen = []
    analytics.on("message", lambda payload: seen.append(("message", payload["message"]["type"])))
    unsubscribe = analytics.on("delivered", lambda payload: seen.append(("delivered", payload["calls"][0]["method"])))
    analytics.load("KEY")
    analytics.track("Viewed")
    unsubscribe()
    analytics.page("Home")
    assert seen == [("message", "track"), ("delivered", "track"), ("message", "page")]


async def _await(awaitable):
    return await awaitable
