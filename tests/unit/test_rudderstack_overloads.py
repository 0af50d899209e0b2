"""RudderStack's argument overloads, ported, and the same calls spelled with keywords.

Source: rudder-sdk-js ``packages/analytics-js-common/__tests__/utilities/eventMethodOverloads.test.ts`` (every
``expect(...ArgumentsToCallOptions(...))`` of its five cases, in its order) and
``packages/analytics-js/__tests__/app/RudderAnalytics.test.ts`` ("should process page arguments and forwards to
page call"). RudderStack's values are kept: properties ``{"props": {}}``, options ``{"options": {}}`` (which
merges into ``context`` as ``context.options``), traits ``{"traits": {}}``. Each case is called in position, as
the JavaScript test does, and with keywords; both must build the same message, and the one RudderStack expects.
"""

from __future__ import annotations

import pytest

from pyodide_pendo import Analytics
from pyodide_pendo.messages import FixedEnvironment, PageInfo
from pyodide_pendo.persistence import MemoryStore

PROPS = {"props": {}}
OPTIONS = {"options": {}}
TRAITS = {"traits": {}}
PAGE = PageInfo(url="https://www.test-host.com/", path="/", title="", referrer="$direct")


class SilentAgent:
    """A Pendo agent that is ready at once and takes every call."""

    def start(self, plan) -> None:
        pass

    def poll(self):
        return "ready", None

    def call_each(self, method, arguments_json):
        return None

    def enable_debugging(self) -> bool:
        return True


class Callback:
    """Records the messages it is called with."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def __call__(self, message: dict) -> None:
        self.messages.append(message)


def run(call) -> tuple[dict, list[dict]]:
    """``call(analytics, callback)`` on a fresh instance with a known anonymousId; the message without its
    per-message fields (``messageId`` and the timestamps), and what the callback got."""
    analytics = Analytics(agent=SilentAgent(), environment=FixedEnvironment(PAGE), store=MemoryStore())
    analytics.load("KEY", sessions={"autoTrack": False})  # RudderStack's overload cases have no session
    analytics.set_anonymous_id("anon-1")
    callback = Callback()
    message = call(analytics, callback)
    for key in ("messageId", "originalTimestamp", "sentAt"):
        message.pop(key)
    return message, [m is not None for m in callback.messages]


def same_message(positional, keyword) -> dict:
    """Both spellings build the same message and call the callback alike; returns that message."""
    message, called = run(positional)
    assert run(keyword) == (message, called)
    return message


def page_given(message: dict) -> dict:
    """A page message's properties without the page facts every page message gets."""
    return {key: value for key, value in message["properties"].items()
            if key not in ("path", "referrer", "referring_domain", "search", "title", "url", "tab_url",
                           "initial_referrer", "initial_referring_domain")}


# (positional spelling, keyword spelling, category, name, properties the call gave, options applied, callback)
PAGE_CASES = [
    (lambda a, cb: a.page("category", "name", PROPS, OPTIONS, cb),
     lambda a, cb: a.page(category="category", name="name", properties=PROPS, options=OPTIONS, callback=cb),
     "category", "name", {"props": {}, "category": "category", "name": "name"}, True, True),
    (lambda a, cb: a.page("category", "name", PROPS, OPTIONS),
     lambda a, cb: a.page("category", "name", properties=PROPS, options=OPTIONS),
     "category", "name", {"props": {}, "category": "category", "name": "name"}, True, False),
    (lambda a, cb: a.page("category", "name", PROPS),
     lambda a, cb: a.page(category="category", name="name", properties=PROPS),
     "category", "name", {"props": {}, "category": "category", "name": "name"}, False, False),
    (lambda a, cb: a.page("category", "name"),
     lambda a, cb: a.page(category="category", name="name"),
     "category", "name", {"category": "category", "name": "name"}, False, False),
    (lambda a, cb: a.page("category", "name", PROPS, cb),
     lambda a, cb: a.page("category", "name", PROPS, callback=cb),
     "category", "name", {"props": {}, "category": "category", "name": "name"}, False, True),
    (lambda a, cb: a.page("name", PROPS, OPTIONS, cb),
     lambda a, cb: a.page("name", properties=PROPS, options=OPTIONS, callback=cb),
     None, "name", {"name": "name", "props": {}}, True, True),
    (lambda a, cb: a.page("name", PROPS, OPTIONS),
     lambda a, cb: a.page(name="name", properties=PROPS, options=OPTIONS),
     None, "name", {"name": "name", "props": {}}, True, False),
    (lambda a, cb: a.page("name", PROPS, cb),
     lambda a, cb: a.page("name", properties=PROPS, callback=cb),
     None, "name", {"name": "name", "props": {}}, False, True),
    (lambda a, cb: a.page("name", PROPS),
     lambda a, cb: a.page(name="name", properties=PROPS),
     None, "name", {"name": "name", "props": {}}, False, False),
    (lambda a, cb: a.page("name", cb),
     lambda a, cb: a.page(name="name", callback=cb),
     None, "name", {"name": "name"}, False, True),
    (lambda a, cb: a.page("name"),
     lambda a, cb: a.page(name="name"),
     None, "name", {"name": "name"}, False, False),
    (lambda a, cb: a.page(PROPS, OPTIONS, cb),
     lambda a, cb: a.page(properties=PROPS, options=OPTIONS, callback=cb),
     None, None, {"props": {}}, True, True),
    (lambda a, cb: a.page(PROPS, OPTIONS),
     lambda a, cb: a.page(properties=PROPS, options=OPTIONS),
     None, None, {"props": {}}, True, False),
    (lambda a, cb: a.page(PROPS, cb),
     lambda a, cb: a.page(properties=PROPS, callback=cb),
     None, None, {"props": {}}, False, True),
    (lambda a, cb: a.page(PROPS),
     lambda a, cb: a.page(properties=PROPS),
     None, None, {"props": {}}, False, False),
    (lambda a, cb: a.page(cb),
     lambda a, cb: a.page(callback=cb),
     None, None, {}, False, True),
    (lambda a, cb: a.page(),
     lambda a, cb: a.page(),
     None, None, {}, False, False),
    # RudderAnalytics.test.ts: page('category') names the page.
    (lambda a, cb: a.page("category"),
     lambda a, cb: a.page(category="category"),
     None, "category", {"name": "category"}, False, False),
    # The cases (#13): a None name leaves the properties where they are, as RudderStack's overload does.
    (lambda a, cb: a.page("Docs", None, {"section": "install"}),
     lambda a, cb: a.page("Docs", properties={"section": "install"}),
     None, "Docs", {"name": "Docs", "section": "install"}, False, False),
    (lambda a, cb: a.page("Docs", None, {"x": 1}, OPTIONS),
     lambda a, cb: a.page("Docs", properties={"x": 1}, options=OPTIONS),
     None, "Docs", {"name": "Docs", "x": 1}, True, False),
]


@pytest.mark.parametrize(("positional", "keyword", "category", "name", "given", "with_options", "with_callback"),
                         PAGE_CASES)
def test_page_overloads(positional, keyword, category, name, given, with_options, with_callback) -> None:
    message = same_message(positional, keyword)
    assert (message["category"], message["name"], page_given(message)) == (category, name, given)
    assert ("options" in message["context"]) is with_options
    assert run(positional)[1] == ([True] if with_callback else [])


TRACK_CASES = [
    (lambda a, cb: a.track("event", PROPS, OPTIONS, cb),
     lambda a, cb: a.track(event="event", properties=PROPS, options=OPTIONS, callback=cb), {"props": {}}, True, True),
    (lambda a, cb: a.track("event", PROPS, OPTIONS),
     lambda a, cb: a.track("event", properties=PROPS, options=OPTIONS), {"props": {}}, True, False),
    (lambda a, cb: a.track("event", PROPS),
     lambda a, cb: a.track("event", properties=PROPS), {"props": {}}, False, False),
    (lambda a, cb: a.track("event"),
     lambda a, cb: a.track(event="event"), {}, False, False),
    (lambda a, cb: a.track("event", PROPS, cb),
     lambda a, cb: a.track("event", properties=PROPS, callback=cb), {"props": {}}, False, True),
    (lambda a, cb: a.track("event", cb),
     lambda a, cb: a.track("event", callback=cb), {}, False, True),
    (lambda a, cb: a.track("event", {"properties": {}}, OPTIONS),
     lambda a, cb: a.track("event", options=OPTIONS, properties={"properties": {}}), {"properties": {}}, True, False),
    # A None properties leaves the options in place (RudderStack's null properties become {}).
    (lambda a, cb: a.track("event", None, OPTIONS),
     lambda a, cb: a.track("event", options=OPTIONS), {}, True, False),
]


@pytest.mark.parametrize(("positional", "keyword", "properties", "with_options", "with_callback"), TRACK_CASES)
def test_track_overloads(positional, keyword, properties, with_options, with_callback) -> None:
    message = same_message(positional, keyword)
    assert (message["event"], message["properties"]) == ("event", properties)
    assert ("options" in message["context"]) is with_options
    assert run(positional)[1] == ([True] if with_callback else [])


# (positional, keyword, id, traits, options applied, callback); identify and group share the rules
TRAITS_CASES = [
    (lambda call, cb: call(1234, TRAITS, OPTIONS, cb),
     lambda call, cb: call(1234, traits=TRAITS, options=OPTIONS, callback=cb), "1234", TRAITS, True, True),
    (lambda call, cb: call(1234, TRAITS, OPTIONS),
     lambda call, cb: call(1234, traits=TRAITS, options=OPTIONS), "1234", TRAITS, True, False),
    (lambda call, cb: call("someId", TRAITS, cb),
     lambda call, cb: call("someId", traits=TRAITS, callback=cb), "someId", TRAITS, False, True),
    (lambda call, cb: call("someId", TRAITS),
     lambda call, cb: call("someId", traits=TRAITS), "someId", TRAITS, False, False),
    (lambda call, cb: call("someId", cb),
     lambda call, cb: call("someId", callback=cb), "someId", {}, False, True),
    (lambda call, cb: call("someId"),
     lambda call, cb: call("someId"), "someId", {}, False, False),
    (lambda call, cb: call(TRAITS, OPTIONS, cb),
     lambda call, cb: call(traits=TRAITS, options=OPTIONS, callback=cb), None, TRAITS, True, True),
    (lambda call, cb: call(TRAITS, OPTIONS),
     lambda call, cb: call(traits=TRAITS, options=OPTIONS), None, TRAITS, True, False),
    (lambda call, cb: call(TRAITS, cb),
     lambda call, cb: call(traits=TRAITS, callback=cb), None, TRAITS, False, True),
    (lambda call, cb: call(TRAITS),
     lambda call, cb: call(traits=TRAITS), None, TRAITS, False, False),
    # Our departure: None is "not given", so options after a None id are not lost (see calls.py).
    (lambda call, cb: call(None, TRAITS, OPTIONS),
     lambda call, cb: call(TRAITS, options=OPTIONS), None, TRAITS, True, False),
]


@pytest.mark.parametrize(("positional", "keyword", "user_id", "traits", "with_options", "with_callback"),
                         TRAITS_CASES)
def test_identify_overloads(positional, keyword, user_id, traits, with_options, with_callback) -> None:
    message = same_message(lambda a, cb: positional(a.identify, cb), lambda a, cb: keyword(a.identify, cb))
    assert (message["userId"], message["context"]["traits"]) == (user_id, traits)
    assert ("options" in message["context"]) is with_options
    assert run(lambda a, cb: positional(a.identify, cb))[1] == ([True] if with_callback else [])


@pytest.mark.parametrize(("positional", "keyword", "group_id", "traits", "with_options", "with_callback"),
                         TRAITS_CASES)
def test_group_overloads(positional, keyword, group_id, traits, with_options, with_callback) -> None:
    message = same_message(lambda a, cb: positional(a.group, cb), lambda a, cb: keyword(a.group, cb))
    assert (message["groupId"], message["traits"]) == (group_id, traits)
    assert ("options" in message["context"]) is with_options
    assert run(lambda a, cb: positional(a.group, cb))[1] == ([True] if with_callback else [])


ALIAS_CASES = [
    (lambda a, cb: a.alias("to", "from", OPTIONS, cb),
     lambda a, cb: a.alias(to="to", from_="from", options=OPTIONS, callback=cb), "from", True, True),
    (lambda a, cb: a.alias("to", "from", OPTIONS),
     lambda a, cb: a.alias("to", from_="from", options=OPTIONS), "from", True, False),
    (lambda a, cb: a.alias("to", "from", cb),
     lambda a, cb: a.alias("to", from_="from", callback=cb), "from", False, True),
    (lambda a, cb: a.alias("to", "from"),
     lambda a, cb: a.alias("to", from_="from"), "from", False, False),
    (lambda a, cb: a.alias("to", OPTIONS, cb),
     lambda a, cb: a.alias("to", options=OPTIONS, callback=cb), "anon-1", True, True),
    (lambda a, cb: a.alias("to", OPTIONS),
     lambda a, cb: a.alias("to", options=OPTIONS), "anon-1", True, False),
    (lambda a, cb: a.alias("to", cb),
     lambda a, cb: a.alias("to", callback=cb), "anon-1", False, True),
    (lambda a, cb: a.alias("to"),
     lambda a, cb: a.alias(to="to"), "anon-1", False, False),
    # Our departure: a None from_ is "not given"; in JavaScript alias("to", null, options) drops the options.
    (lambda a, cb: a.alias("to", None, OPTIONS),
     lambda a, cb: a.alias("to", options=OPTIONS), "anon-1", True, False),
]


@pytest.mark.parametrize(("positional", "keyword", "previous_id", "with_options", "with_callback"), ALIAS_CASES)
def test_alias_overloads(positional, keyword, previous_id, with_options, with_callback) -> None:
    message = same_message(positional, keyword)
    assert (message["userId"], message["previousId"]) == ("to", previous_id)
    assert ("options" in message["context"]) is with_options
    assert run(positional)[1] == ([True] if with_callback else [])


@pytest.mark.parametrize("name", ["identify", "group", "track", "page", "alias", "reset", "get_anonymous_id",
                                  "set_anonymous_id"])
def test_camel_case_aliases_are_the_same_calls(name: str) -> None:
    """RudderStack's names for the getters and setters are the same methods (ported code calls them)."""
    camel = {"get_anonymous_id": "getAnonymousId", "set_anonymous_id": "setAnonymousId"}.get(name, name)
    assert getattr(Analytics, camel) is getattr(Analytics, name)
