"""RudderStack's argument rules, through the public API, as a ported JavaScript call would use them."""

from __future__ import annotations

import re

import pytest

from pyodide_pendo import Analytics


def callback(message):  # noqa: ARG001 - a callback in some position
    pass


@pytest.fixture
def loaded(analytics: Analytics) -> Analytics:
    analytics.load("KEY")
    return analytics


@pytest.mark.parametrize(
    ("call", "user_id", "traits"),
    [
        (lambda a: a.identify("u1"), "u1", {}),
        (lambda a: a.identify("u1", {"plan": "pro"}), "u1", {"plan": "pro"}),
        (lambda a: a.identify(42, {"plan": "pro"}), "42", {"plan": "pro"}),
        (lambda a: a.identify({"plan": "pro"}), None, {"plan": "pro"}),
        (lambda a: a.identify({"plan": "pro"}, {"context": {"ip": "1.2.3.4"}}), None, {"plan": "pro"}),
        (lambda a: a.identify("u1", callback, {"ignored": True}), "u1", {}),
        (lambda a: a.identify(traits={"plan": "pro"}), None, {"plan": "pro"}),
    ],
)
def test_identify_argument_forms(loaded: Analytics, call, user_id, traits) -> None:
    message = call(loaded)
    assert message["type"] == "identify"
    assert message["userId"] == user_id
    assert message["traits"] == traits
    assert message["context"]["traits"] == traits


@pytest.mark.parametrize(
    ("call", "group_id", "traits"),
    [
        (lambda a: a.group("acme"), "acme", {}),
        (lambda a: a.group("acme", {"name": "Acme"}), "acme", {"name": "Acme"}),
        (lambda a: a.group(7, {"name": "Acme"}), "7", {"name": "Acme"}),
        (lambda a: a.group({"name": "Acme"}), None, {"name": "Acme"}),
        (lambda a: a.group(callback), None, {}),
    ],
)
def test_group_argument_forms(loaded: Analytics, call, group_id, traits) -> None:
    message = call(loaded)
    assert (message["type"], message["groupId"], message["traits"]) == ("group", group_id, traits)


@pytest.mark.parametrize(
    ("call", "category", "name", "extra"),
    [
        (lambda a: a.page(), None, None, {}),
        (lambda a: a.page("Home"), None, "Home", {"name": "Home"}),
        (lambda a: a.page("Docs", "Install"), "Docs", "Install", {"name": "Install", "category": "Docs"}),
        (lambda a: a.page("Home", {"variant": "b"}), None, "Home", {"name": "Home", "variant": "b"}),
        (lambda a: a.page({"variant": "b"}), None, None, {"variant": "b"}),
        (lambda a: a.page("Docs", "Install", {"variant": "b"}), "Docs", "Install",
         {"name": "Install", "category": "Docs", "variant": "b"}),
        (lambda a: a.page(callback), None, None, {}),
        (lambda a: a.page(name="Home"), None, "Home", {"name": "Home"}),
    ],
)
def test_page_argument_forms(loaded: Analytics, call, category, name, extra) -> None:
    message = call(loaded)
    assert (message["category"], message["name"]) == (category, name)
    page_defaults = {"path": "/cart", "referrer": "https://example.com/", "referring_domain": "example.com",
                     "search": "?step=2", "title": "Cart", "url": "https://shop.example.com/cart?step=2",
                     "tab_url": "https://shop.example.com/cart?step=2", "initial_referrer": "https://example.com/",
                     "initial_referring_domain": "example.com"}
    assert message["properties"] == {**page_defaults, **extra}


def test_page_properties_override_the_page_defaults(loaded: Analytics) -> None:
    message = loaded.page("Home", {"url": "https://example.com/virtual"})
    assert message["properties"]["url"] == "https://example.com/virtual"


def test_track_message_carries_event_and_properties(loaded: Analytics) -> None:
    message = loaded.track("Order Completed", {"total": 42.5})
    assert (message["type"], message["event"], message["properties"]) == ("track", "Order Completed", {"total": 42.5})
    assert message["channel"] == "web"
    assert message["context"]["library"]["name"] == "pyodide-pendo"
    assert message["context"]["page"]["title"] == "Cart"
    assert message["context"]["userAgent"] == "test"
    assert message["context"]["locale"] == "en-GB"
    assert message["integrations"] == {"All": True}
    assert message["originalTimestamp"].endswith("Z")
    assert len(message["messageId"]) == 36


def test_options_override_top_level_fields_and_merge_the_rest_into_context(loaded: Analytics) -> None:
    message = loaded.track("Viewed", None, {
        "anonymousId": "anon-override",
        "originalTimestamp": "2020-01-01T00:00:00.000Z",
        "integrations": {"All": False, "Pendo": True},
        "page": {"title": "Overridden"},
        "campaign": {"name": "spring"},
    })
    assert message["anonymousId"] == "anon-override"
    assert message["originalTimestamp"] == "2020-01-01T00:00:00.000Z"
    assert message["integrations"] == {"All": False, "Pendo": True}
    assert message["context"]["page"]["title"] == "Overridden"
    assert message["context"]["page"]["path"] == "/cart"
    assert message["context"]["campaign"] == {"name": "spring"}


def test_alias_records_the_previous_id(loaded: Analytics) -> None:
    anonymous_id = loaded.get_anonymous_id()
    assert loaded.alias("u2")["previousId"] == anonymous_id
    assert loaded.get_user_id() == "u2"
    assert loaded.alias("u3")["previousId"] == "u2"
    assert loaded.alias("u4", "legacy-9")["previousId"] == "legacy-9"
    assert loaded.alias("u5", {"x": 1})["context"]["x"] == 1


def test_arguments_are_copied(loaded: Analytics) -> None:
    properties = {"items": [{"sku": "a"}]}
    message = loaded.track("Viewed", properties)
    properties["items"][0]["sku"] = "changed"
    assert message["properties"]["items"][0]["sku"] == "a"


def test_the_callback_gets_the_message_once_delivered(loaded: Analytics, agent) -> None:
    received = []
    message = loaded.track("Viewed", {"a": 1}, None, received.append)
    assert received == [message]
    assert agent.of("track") == [["Viewed", {"a": 1}]]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda a: a.track(None), TypeError, "event must be a non-empty str"),
        (lambda a: a.track(""), ValueError, "event must be a non-empty str"),
        (lambda a: a.track("   "), ValueError, "event must be a non-empty str"),
        (lambda a: a.track(42), TypeError, "got int"),
        (lambda a: a.track("Viewed", ["not", "a", "dict"]), TypeError, "properties must be a dict"),
        (lambda a: a.track("Viewed", None, None, "not callable"), TypeError, "callback must be callable"),
        (lambda a: a.track("Viewed", None, "not options"), TypeError, "options must be a dict"),
        (lambda a: a.track("Viewed", None, {"integrations": "Pendo"}), TypeError, "options['integrations']"),
        (lambda a: a.identify("u1", "traits"), TypeError, "traits must be a dict"),
        (lambda a: a.identify(1.5), TypeError, "user_id must be a str or an int"),
        (lambda a: a.identify(True), TypeError, "user_id must be a str or an int"),
        (lambda a: a.group(["acme"]), TypeError, "group_id must be a str or an int"),
        (lambda a: a.page(1), TypeError, "page category must be a str"),
        (lambda a: a.alias(None), ValueError, "to is required"),
        (lambda a: a.reset("yes"), TypeError, "reset() takes"),
        (lambda a: a.reset({"entries": {"anonymousID": True}}), TypeError, "reset() takes"),
        (lambda a: a.reset({"entries": {"anonymousId": "yes"}}), TypeError, "entries['anonymousId'] must be True"),
        (lambda a: a.get_anonymous_id({"autocapture": True}), TypeError, "get_anonymous_id() takes"),
        (lambda a: a.set_anonymous_id(None, 42), TypeError, "amp_linker_param must be a str"),
        (lambda a: a.track("Viewed", {"payload": b"bytes"}), TypeError, "properties.payload"),
        (lambda a: a.ready("not callable"), TypeError, "callback must be callable"),
        (lambda a: a.on("everything", print), ValueError, "kind must be one of"),
    ],
)
def test_bad_input_raises_at_the_call_site_naming_the_argument(loaded: Analytics, call, error, words) -> None:
    with pytest.raises(error, match=re.escape(words)):
        call(loaded)
    assert loaded.stats()["sent"] == 0


@pytest.mark.parametrize("epoch_milliseconds", [0, 999, 1_000, 1_795_658_706_789, 1_795_658_707_000, 4_102_444_799_999])
def test_timestamps_read_as_javascript_writes_them(epoch_milliseconds: int) -> None:
    from datetime import datetime, timezone

    from pyodide_pendo.messages import iso_timestamp

    moment = datetime.fromtimestamp(epoch_milliseconds / 1000, timezone.utc)
    expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_milliseconds % 1000:03d}Z"
    assert iso_timestamp(epoch_milliseconds) == expected
