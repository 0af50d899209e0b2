"""Each mapping and sanitization rule, verified on what the real Pendo agent sends.

"Nothing (else) was sent" is judged after a later marker has arrived: the agent sends each of its queues in order
(track events in one, metadata, identify and load events in another), so a ``Marker`` track on the wire means every
track made before it is there too, and a load event for a marker URL does the same for the other queue.
"""

from __future__ import annotations

from typing import Any

import pytest

from devtools.browser import PendoEdge
from tests.browser.harness import InPage, PythonPage, in_page


@in_page
async def load_pendo(key: str, options: dict[str, Any]) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load(key, **options)
    await rudderanalytics.ready()


@in_page
def track(event: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track(event)


@in_page
def identify(user_id: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify(user_id)


@in_page
def anonymous_id() -> str | None:
    from pyodide_pendo import rudderanalytics

    return rudderanalytics.get_anonymous_id()


def load(py: PythonPage, key: str = "device-key", **options: Any) -> None:
    load_pendo(py, key, options)


def send_a_marker(py: PythonPage) -> None:
    """Make a ``Marker`` track and wait until it is on the wire, with every track made before it."""
    track(py, "Marker")
    py.wait_for_track("Marker")


def tracks_sent_before_a_marker(py: PythonPage) -> list[str]:
    """The names of the track events on the wire once a ``Marker`` track made after them has arrived."""
    send_a_marker(py)
    return [event["track_event_name"] for event in py.wire.track_events() if event["track_event_name"] != "Marker"]


@in_page
def group_then_identify() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.group("acme", {"name": "Acme", "employees": 120})
    rudderanalytics.identify("user-42", {"email": "ada@example.com", "plan": "pro"})


def test_identify_sends_the_visitor_with_the_current_account(py: PythonPage) -> None:
    load(py)
    group_then_identify(py)
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-42"
                  and any(event["props"]["visitor_id"] == "user-42" for event in py.wire.identify_events()),
                  "the visitor's metadata and identify event")
    assert py.wire.visitor() == {"id": "user-42", "email": "ada@example.com", "plan": "pro", "language": "en_US"}
    assert py.wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    identify = py.wire.identify_events()[-1]["props"]
    assert identify["visitor_id"] == "user-42" and identify["account_id"] == "acme"
    assert identify["old_visitor_id"].startswith("_PENDO_T_")


@in_page
def identify_then_group_with_a_parent_account() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("user-42", {"plan": "pro"})
    rudderanalytics.group("acme", {"name": "Acme", "parentAccount": {"id": "holding", "tier": "gold"}})


def test_group_sends_the_account_keeps_the_visitor_and_lifts_the_parent_account(py: PythonPage) -> None:
    load(py)
    identify_then_group_with_a_parent_account(py)
    py.wait_until(lambda: py.wire.account().get("name") == "Acme"
                  and any(event["account_id"] == "holding::acme" for event in py.wire.identify_events()),
                  "the account's metadata and identify event")
    metadata = py.wire.metadata()
    assert metadata["visitor"]["plan"] == "pro"
    assert metadata["account"]["name"] == "Acme"
    assert metadata["parentAccount"] == {"id": "holding", "tier": "gold"}
    assert "parentaccount_tier" not in metadata["account"]
    # Pendo names a sub-account "<parent>::<account>".
    assert py.wire.identify_events()[-1]["account_id"] == "holding::acme"
    assert tracks_sent_before_a_marker(py) == []


@in_page
def identify_group_and_identify_again() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("user-42")
    rudderanalytics.group("acme", {"name": "Acme", "employees": 120})
    rudderanalytics.identify("user-42", {"plan": "enterprise"})


def test_a_second_identify_keeps_the_account_traits(py: PythonPage) -> None:
    """RudderStack's integration loses the account traits here (it sends an empty account)."""
    load(py)
    identify_group_and_identify_again(py)
    py.wait_until(lambda: py.wire.visitor().get("plan") == "enterprise", "the second identify's metadata")
    assert py.wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    assert py.wire.visitor()["plan"] == "enterprise"


@in_page
def track_an_order() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track("Order Completed", {"total": 42.5, "currency": "EUR", "items": ["a", "b"]})


def test_track_sends_name_and_properties(py: PythonPage) -> None:
    load(py)
    track_an_order(py)
    track = py.wait_for_track("Order Completed")
    assert track["props"] == {"total": 42.5, "currency": "EUR", "items": ["a", "b"]}


@in_page
def page_with_url(category: str, name: str, url: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.page(category, name, {"url": url})


def test_page_records_a_virtual_page_through_page_load(py: PythonPage, origin: str) -> None:
    load(py)
    # The agent's own load event for the page (recorded at initialize) is on the wire before counting.
    py.wait_until(lambda: py.wire.events("load"), "the agent's load event for the page")
    loads_before = len(py.wire.events("load"))
    page_url = f"{origin}/test/{py.test_page}"
    page_with_url(py, "Checkout", "Step 2", f"{page_url}#step-2")
    page_with_url(py, "Marker", "Marker", f"{page_url}#marker")
    py.wait_until(lambda: any(event["url"] == f"{page_url}#marker" for event in py.wire.events("load")),
                  "the marker's load event")
    loads = [event for event in py.wire.events("load") if event["url"] != f"{page_url}#marker"]
    assert len(loads) == loads_before + 1
    assert loads[-1]["url"] == f"{page_url}#step-2"


@in_page
def alias_the_anonymous_visitor() -> str | None:
    from pyodide_pendo import rudderanalytics

    anonymous_id = rudderanalytics.get_anonymous_id()
    rudderanalytics.alias("user-from-signup")
    return anonymous_id


def test_alias_from_an_anonymous_visitor_is_an_identify_event_with_old_and_new_ids(py: PythonPage) -> None:
    load(py)
    anonymous_id = alias_the_anonymous_visitor(py)
    py.wait_until(lambda: any(event["props"]["visitor_id"] == "user-from-signup"
                              for event in py.wire.identify_events()), "the alias's identify event")
    identify = py.wire.identify_events()[-1]["props"]
    assert identify["old_visitor_id"] == f"_PENDO_T_{anonymous_id}"
    assert identify["visitor_id"] == "user-from-signup"


@in_page
def identify_track_and_reset() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("user-1", {"plan": "pro"})
    rudderanalytics.group("acme", {"name": "Acme"})
    rudderanalytics.track("Before Reset")
    rudderanalytics.reset(True)
    rudderanalytics.track("After Reset")


def test_reset_clears_the_session_and_continues_as_our_anonymous_visitor(py: PythonPage) -> None:
    load(py)
    identify_track_and_reset(py)
    visitor_id = f"_PENDO_T_{anonymous_id(py)}"
    py.wait_for_track("After Reset")
    py.wait_until(lambda: py.wire.visitor().get("id") == visitor_id, "the anonymous visitor's metadata")
    before, after = py.wire.track_events()[-2:]
    assert (before["visitor_id"], before["account_id"]) == ("user-1", "acme")
    assert after["visitor_id"] == visitor_id
    assert after["account_id"] is None
    assert py.wire.visitor() == {"id": visitor_id, "language": "en_US"}
    assert py.page.evaluate("() => [pendo.getVisitorId(), pendo.getAccountId()]") == [visitor_id, None]


@in_page
def identify_with_nested_and_odd_traits() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("user-42", {
        "Plan Type": "pro",
        "address": {"city": "Paris", "geo": {"lat": 48.85}},
        "tags": ["a", 1, True, None],
        "2fa": True,
        "__proto__": "kept as a plain key",
    })


def test_metadata_is_flattened_and_keys_made_valid(py: PythonPage) -> None:
    load(py)
    identify_with_nested_and_odd_traits(py)
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-42", "the visitor's metadata")
    visitor = py.wire.visitor()
    assert visitor["plan_type"] == "pro"
    assert visitor["address_city"] == "Paris"
    assert visitor["address_geo_lat"] == 48.85
    assert visitor["tags"] == ["a", "1", "true"]
    assert visitor["_2fa"] is True
    assert visitor["_proto_"] == "kept as a plain key"
    assert "address" not in visitor
    assert py.page.evaluate("() => Object.prototype.kept === undefined && ({}).__proto__ === Object.prototype")


@in_page
def identify_with_colliding_keys() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("user-42", {"Plan": "old", "plan": "new"})


def test_key_collisions_are_reported(py: PythonPage) -> None:
    load(py)
    identify_with_colliding_keys(py)
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-42", "the visitor's metadata")
    assert py.wire.visitor()["plan"] == "new"
    assert any("both become" in line for line in py.console)


@in_page
def track_values_json_lacks() -> None:
    import datetime

    from pyodide_pendo import rudderanalytics

    rudderanalytics.track("Converted", {
        "at": datetime.datetime(2026, 11, 26, 4, 5, 6, 789000, tzinfo=datetime.timezone.utc),
        "day": datetime.date(2026, 11, 26),
        "pair": (1, 2),
        "unique": {"b", "a"},
        "missing": float("nan"),
        "huge": 2**64,
        "nothing": None,
    })


def test_values_are_converted_for_javascript(py: PythonPage) -> None:
    load(py)
    track_values_json_lacks(py)
    assert py.wait_for_track("Converted")["props"] == {
        "at": "2026-11-26T04:05:06.789Z", "day": "2026-11-26", "pair": [1, 2], "unique": ["a", "b"],
        "missing": None, "huge": "18446744073709551616", "nothing": None,
    }
    warnings = "\n".join(py.console)
    assert "properties.missing" in warnings and "properties.huge" in warnings


@in_page
def track_decimals() -> None:
    import decimal

    from pyodide_pendo import rudderanalytics

    rudderanalytics.track("Priced", {"price": decimal.Decimal("19.99"), "count": decimal.Decimal("3")})


@pytest.mark.only_under("pyodide")
def test_decimals_are_sent_as_numbers(py: PythonPage) -> None:
    """Pyodide only: MicroPython has no ``decimal`` module, so no caller there can pass a Decimal."""
    load(py)
    track_decimals(py)
    assert py.wait_for_track("Priced")["props"] == {"price": 19.99, "count": 3}


@in_page
def track_a_function() -> str:
    from pyodide_pendo import rudderanalytics

    try:
        rudderanalytics.track("Bad", {"callback": print})
    except TypeError as error:
        return str(error)
    return "no error"


def test_values_json_cannot_carry_raise_at_the_call_site(py: PythonPage) -> None:
    load(py)
    error = track_a_function(py)
    assert "properties.callback" in error
    assert tracks_sent_before_a_marker(py) == []


@in_page
def identify_with_a_long_bio() -> None:
    from pyodide_pendo import rudderanalytics

    for _ in range(2):
        rudderanalytics.identify("user-42", {"bio": "x" * 1600})


@in_page
def identify_with_a_long_id() -> None:
    from pyodide_pendo import rudderanalytics

    for _ in range(2):
        rudderanalytics.identify("u" * 200)


@in_page
def track_with_a_long_property_name() -> None:
    from pyodide_pendo import rudderanalytics

    for _ in range(2):
        rudderanalytics.track("Long", {"a_property_name_longer_than_thirty_two": 1})


@in_page
def track_with_big_properties() -> None:
    from pyodide_pendo import rudderanalytics

    for _ in range(2):
        rudderanalytics.track("Big", {"blob": "y" * 600})


@pytest.mark.parametrize(("warning", "twice"), [
    ("1,500", identify_with_a_long_bio),
    ("128 bytes", identify_with_a_long_id),
    ("at most 32", track_with_a_long_property_name),
    ("512-byte limit", track_with_big_properties),
], ids=["long-value", "long-visitor-id", "long-property-name", "big-properties"])
def test_pendo_limits_are_warned_about_once_per_key(py: PythonPage, warning: str, twice: InPage[[], None]) -> None:
    load(py)
    twice(py)
    assert sum(warning in line for line in py.console) == 1


@pytest.mark.parametrize(("env", "cdn", "data"), [
    ("eu", "cdn.eu.pendo.io", "app.eu.pendo.io"),
    ("us1", "us1.cdn.pendo.io", "us1.app.pendo.io"),
    ("jp", "cdn.jpn.pendo.io", "app.jpn.pendo.io"),
    ("au", "cdn.au.pendo.io", "app.au.pendo.io"),
    ("gov", "cdn.gov.pendo.io", "app.gov.pendo.io"),
])
def test_region_hosts(py: PythonPage, pendo: PendoEdge, env: str, cdn: str, data: str) -> None:
    load(py, env=env)
    track(py, "Regional")
    # Every kind of request the agent makes here: a track, a load event (the other event queue), a guide lookup.
    py.wait_for_track("Regional")
    py.wait_until(lambda: py.wire.events("load") and "guide.json" in py.wire.endpoints(),
                  "the page's load event and a guide request")
    assert pendo.agent_requests == [f"https://{cdn}/agent/static/device-key/pendo.js"]
    assert py.wire.track_events()[-1]["track_event_name"] == "Regional"
    assert {request.url.split("/")[2] for request in py.wire.requests} == {data}


def test_a_self_hosted_agent_url(py: PythonPage, pendo: PendoEdge, origin: str) -> None:
    load(py, agent_url=f"{origin}/test/self-hosted-pendo.js")
    track(py, "Self Hosted")
    py.wait_for_track("Self Hosted")
    assert pendo.agent_requests == []
    assert py.wire.track_events()[-1]["track_event_name"] == "Self Hosted"


@pytest.mark.parametrize(("pendo_options", "guide_requests"), [(None, True), ({"guides": {"disabled": True}}, False)])
def test_pendo_options_pass_through_to_initialize(py: PythonPage, pendo_options: dict[str, Any] | None,
                                                   guide_requests: bool) -> None:
    load(py, pendo_options=pendo_options)
    identify(py, "user-42")
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-42", "the visitor's metadata")
    # The agent asks for guides at initialize and again once the visitor changed (a timer of 0 ms after the
    # identify): by the time a track made after those has arrived, a guide request would be on the wire.
    send_a_marker(py)
    assert ("guide.json" in py.wire.endpoints()) is guide_requests


def test_an_existing_snippet_is_adopted_and_nothing_loads_twice(py: PythonPage, pendo: PendoEdge) -> None:
    py.page.evaluate("""() => {
        // Pendo's install snippet, as a page would have it, with a call made before the agent loads.
        (function (apiKey) {
            (function (p, e, n, d, o) {
                var v, w, x, y, z; o = p[d] = p[d] || {}; o._q = o._q || [];
                v = ['initialize', 'identify', 'updateOptions', 'pageLoad', 'track'];
                for (w = 0, x = v.length; w < x; ++w) (function (m) {
                    o[m] = o[m] || function () {
                        o._q[m === v[0] ? 'unshift' : 'push']([m].concat([].slice.call(arguments, 0)));
                    };
                })(v[w]);
                y = e.createElement(n); y.async = !0;
                y.src = 'https://cdn.pendo.io/agent/static/' + apiKey + '/pendo.js';
                z = e.getElementsByTagName(n)[0]; (z || e.head).parentNode.insertBefore(y, z || null);
            })(window, document, 'script', 'pendo');
        })('snippet-key');
        pendo.track('From Page JavaScript');
    }""")
    load(py, key="snippet-key")
    track(py, "From Python")
    py.wait_for_track("From Python")
    assert len(pendo.agent_requests) == 1
    names = [event["track_event_name"] for event in py.wire.track_events()]
    assert names == ["From Page JavaScript", "From Python"]


@in_page
async def track_from_a_second_instance() -> None:
    from pyodide_pendo import Analytics

    second = Analytics()
    second.load("first-key")
    await second.ready()
    second.track("From The Second Instance")


def test_an_already_loaded_agent_is_adopted(py: PythonPage, pendo: PendoEdge) -> None:
    load(py, key="first-key")
    track_from_a_second_instance(py)
    py.wait_for_track("From The Second Instance")
    assert len(pendo.agent_requests) == 1
    assert py.wire.track_events()[-1]["track_event_name"] == "From The Second Instance"


@in_page
def our_log_is_verbose() -> bool:
    import logging

    return logging.getLogger("pyodide_pendo").isEnabledFor(logging.DEBUG)


def test_debug_turns_on_pendo_debugging_and_our_verbose_log(py: PythonPage, pendo: PendoEdge) -> None:
    load(py, debug=True)
    track(py, "Debugged")
    py.wait_for_track("Debugged")
    py.page.wait_for_function("() => pendo.isDebuggingEnabled(true) === true", timeout=15_000)
    assert our_log_is_verbose(py) is True
    # The debugger itself comes from Pendo's CDN (stood in for here with a 404).
    assert any("debugger" in url for url in pendo.other_pendo_requests)


@in_page
def context_of_a_track(event: str) -> dict[str, Any]:
    from pyodide_pendo import rudderanalytics

    message = rudderanalytics.track(event)
    assert message is not None, "track() returned no message"
    context: dict[str, Any] = message["context"]
    return context


def test_messages_follow_single_page_app_navigation(py: PythonPage, origin: str) -> None:
    """``context.page`` as RudderStack's getDefaultPageProperties makes it, read from the real page as it changes:
    the URL without its ``#hash`` (``tab_url`` keeps it), then the canonical link's URL once the app adds one;
    ``context.campaign`` from the URL's UTM parameters."""
    load(py)
    before = context_of_a_track(py, "Before Navigation")["page"]
    py.page.evaluate("() => { history.pushState({}, '', '/test/checkout?step=3&utm_source=news#pay');"
                     " document.title = 'Checkout'; }")
    after = context_of_a_track(py, "After Navigation")
    assert before["path"] == f"/test/{py.test_page}" and before["search"] == ""
    assert after["page"] == {
        "path": "/test/checkout", "search": "?step=3&utm_source=news", "title": "Checkout",
        "url": f"{origin}/test/checkout?step=3&utm_source=news", "referrer": before["referrer"],
        "referring_domain": before["referring_domain"], "tab_url": f"{origin}/test/checkout?step=3&utm_source=news#pay",
        "initial_referrer": before["initial_referrer"], "initial_referring_domain": before["initial_referring_domain"]}
    assert after["campaign"] == {"source": "news"}
    py.page.evaluate("() => { const link = document.createElement('link'); link.rel = 'canonical';"
                     " link.href = 'https://shop.example.com/checkout'; document.head.append(link); }")
    canonical = context_of_a_track(py, "With Canonical")["page"]
    assert (canonical["url"], canonical["path"]) == ("https://shop.example.com/checkout?step=3&utm_source=news",
                                                     "/checkout")
