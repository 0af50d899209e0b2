"""Each mapping and sanitization rule, verified on what the real Pendo agent sends."""

from __future__ import annotations

import pytest


def load(py, key: str = "device-key", **options) -> None:
    arguments = "".join(f", {name}={value!r}" for name, value in options.items())
    py.run(f"""
from pyodide_pendo import rudderanalytics
rudderanalytics.load({key!r}{arguments})
await rudderanalytics.ready()
""")


def test_identify_sends_the_visitor_with_the_current_account(py):
    load(py)
    py.run("""
rudderanalytics.group("acme", {"name": "Acme", "employees": 120})
rudderanalytics.identify("user-42", {"email": "ada@example.com", "plan": "pro"})
""")
    py.flush()
    assert py.wire.visitor() == {"id": "user-42", "email": "ada@example.com", "plan": "pro", "language": "en_US"}
    assert py.wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    identify = py.wire.identify_events()[-1]["props"]
    assert identify["visitor_id"] == "user-42" and identify["account_id"] == "acme"
    assert identify["old_visitor_id"].startswith("_PENDO_T_")


def test_group_sends_the_account_keeps_the_visitor_and_lifts_the_parent_account(py):
    load(py)
    py.run("""
rudderanalytics.identify("user-42", {"plan": "pro"})
rudderanalytics.group("acme", {"name": "Acme", "parentAccount": {"id": "holding", "tier": "gold"}})
""")
    py.flush()
    metadata = py.wire.metadata()
    assert metadata["visitor"]["plan"] == "pro"
    assert metadata["account"]["name"] == "Acme"
    assert metadata["parentAccount"] == {"id": "holding", "tier": "gold"}
    assert "parentaccount_tier" not in metadata["account"]
    # Pendo names a sub-account "<parent>::<account>".
    assert py.wire.track_events() == [] and py.wire.identify_events()[-1]["account_id"] == "holding::acme"


def test_a_second_identify_keeps_the_account_traits(py):
    """RudderStack's integration loses the account traits here (it sends an empty account)."""
    load(py)
    py.run("""
rudderanalytics.identify("user-42")
rudderanalytics.group("acme", {"name": "Acme", "employees": 120})
rudderanalytics.identify("user-42", {"plan": "enterprise"})
""")
    py.flush()
    assert py.wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    assert py.wire.visitor()["plan"] == "enterprise"


def test_track_sends_name_and_properties(py):
    load(py)
    py.run("""rudderanalytics.track("Order Completed", {"total": 42.5, "currency": "EUR", "items": ["a", "b"]})""")
    py.flush()
    track = py.wire.track_events()[-1]
    assert track["track_event_name"] == "Order Completed"
    assert track["props"] == {"total": 42.5, "currency": "EUR", "items": ["a", "b"]}


def test_page_records_a_virtual_page_through_page_load(py, origin):
    load(py)
    py.flush()  # the agent's own load event for the page (recorded at initialize) is on the wire before counting
    loads_before = len(py.wire.events("load"))
    py.run(f"""rudderanalytics.page("Checkout", "Step 2", {{"url": "{origin}/test/{py.test_page}#step-2"}})""")
    py.flush()
    loads = py.wire.events("load")
    assert len(loads) == loads_before + 1
    assert loads[-1]["url"] == f"{origin}/test/{py.test_page}#step-2"


def test_alias_from_an_anonymous_visitor_is_an_identify_event_with_old_and_new_ids(py):
    load(py)
    anonymous_id = py.run("rudderanalytics.get_anonymous_id()")
    py.run("""rudderanalytics.alias("user-from-signup")""")
    py.flush()
    identify = py.wire.identify_events()[-1]["props"]
    assert identify["old_visitor_id"] == "_PENDO_T_" + anonymous_id
    assert identify["visitor_id"] == "user-from-signup"


def test_reset_clears_the_session_and_continues_as_our_anonymous_visitor(py):
    load(py)
    py.run("""
rudderanalytics.identify("user-1", {"plan": "pro"})
rudderanalytics.group("acme", {"name": "Acme"})
rudderanalytics.track("Before Reset")
rudderanalytics.reset(True)
rudderanalytics.track("After Reset")
""")
    py.flush()
    anonymous_id = py.run("rudderanalytics.get_anonymous_id()")
    before, after = py.wire.track_events()[-2:]
    assert (before["visitor_id"], before["account_id"]) == ("user-1", "acme")
    assert after["visitor_id"] == "_PENDO_T_" + anonymous_id
    assert after["account_id"] is None
    assert py.wire.visitor() == {"id": "_PENDO_T_" + anonymous_id, "language": "en_US"}
    assert py.page.evaluate("() => [pendo.getVisitorId(), pendo.getAccountId()]") == [
        "_PENDO_T_" + anonymous_id, None]


def test_metadata_is_flattened_and_keys_made_valid(py):
    load(py)
    py.run("""
rudderanalytics.identify("user-42", {
    "Plan Type": "pro",
    "address": {"city": "Paris", "geo": {"lat": 48.85}},
    "tags": ["a", 1, True, None],
    "2fa": True,
    "__proto__": "kept as a plain key",
})
""")
    py.flush()
    visitor = py.wire.visitor()
    assert visitor["plan_type"] == "pro"
    assert visitor["address_city"] == "Paris"
    assert visitor["address_geo_lat"] == 48.85
    assert visitor["tags"] == ["a", "1", "true"]
    assert visitor["_2fa"] is True
    assert visitor["_proto_"] == "kept as a plain key"
    assert "address" not in visitor
    assert py.page.evaluate("() => Object.prototype.kept === undefined && ({}).__proto__ === Object.prototype")


def test_key_collisions_are_reported(py):
    load(py)
    py.run("""rudderanalytics.identify("user-42", {"Plan": "old", "plan": "new"})""")
    py.flush()
    assert py.wire.visitor()["plan"] == "new"
    assert any("both become" in line for line in py.console)


def test_values_are_converted_for_javascript(py):
    load(py)
    py.run("""
import datetime
rudderanalytics.track("Converted", {
    "at": datetime.datetime(2026, 11, 26, 4, 5, 6, 789000, tzinfo=datetime.timezone.utc),
    "day": datetime.date(2026, 11, 26),
    "pair": (1, 2),
    "unique": {"b", "a"},
    "missing": float("nan"),
    "huge": 2**64,
    "nothing": None,
})
""")
    py.flush()
    assert py.wire.track_events()[-1]["props"] == {
        "at": "2026-11-26T04:05:06.789Z", "day": "2026-11-26", "pair": [1, 2], "unique": ["a", "b"],
        "missing": None, "huge": "18446744073709551616", "nothing": None,
    }
    warnings = "\n".join(py.console)
    assert "properties.missing" in warnings and "properties.huge" in warnings


@pytest.mark.only_under("pyodide")
def test_decimals_are_sent_as_numbers(py):
    """Pyodide only: MicroPython has no ``decimal`` module, so no caller there can pass a Decimal."""
    load(py)
    py.run("""
import decimal
rudderanalytics.track("Priced", {"price": decimal.Decimal("19.99"), "count": decimal.Decimal("3")})
""")
    py.flush()
    assert py.wire.track_events()[-1]["props"] == {"price": 19.99, "count": 3}


def test_values_json_cannot_carry_raise_at_the_call_site(py):
    load(py)
    error = py.run("""
try:
    rudderanalytics.track("Bad", {"callback": print})
except TypeError as error:
    result = str(error)
result
""")
    assert "properties.callback" in error
    py.flush()
    assert py.wire.track_events() == []


@pytest.mark.parametrize(("warning", "python"), [
    ("1,500", 'rudderanalytics.identify("user-42", {"bio": "x" * 1600})'),
    ("128 bytes", 'rudderanalytics.identify("u" * 200)'),
    ("at most 32", 'rudderanalytics.track("Long", {"a_property_name_longer_than_thirty_two": 1})'),
    ("512-byte limit", 'rudderanalytics.track("Big", {"blob": "y" * 600})'),
])
def test_pendo_limits_are_warned_about_once_per_key(py, warning, python):
    load(py)
    py.run(f"{python}\n{python}")
    assert sum(warning in line for line in py.console) == 1


@pytest.mark.parametrize(("env", "cdn", "data"), [
    ("eu", "cdn.eu.pendo.io", "app.eu.pendo.io"),
    ("us1", "us1.cdn.pendo.io", "us1.app.pendo.io"),
    ("jp", "cdn.jpn.pendo.io", "app.jpn.pendo.io"),
    ("au", "cdn.au.pendo.io", "app.au.pendo.io"),
    ("gov", "cdn.gov.pendo.io", "app.gov.pendo.io"),
])
def test_region_hosts(py, pendo, env, cdn, data):
    load(py, env=env)
    py.run("""rudderanalytics.track("Regional")""")
    py.flush()
    assert pendo.agent_requests == [f"https://{cdn}/agent/static/device-key/pendo.js"]
    assert py.wire.track_events()[-1]["track_event_name"] == "Regional"
    assert {request.url.split("/")[2] for request in py.wire.requests} == {data}


def test_a_self_hosted_agent_url(py, pendo, origin):
    load(py, agent_url=f"{origin}/test/self-hosted-pendo.js")
    py.run("""rudderanalytics.track("Self Hosted")""")
    py.flush()
    assert pendo.agent_requests == []
    assert py.wire.track_events()[-1]["track_event_name"] == "Self Hosted"


@pytest.mark.parametrize(("pendo_options", "guide_requests"), [(None, True), ({"guides": {"disabled": True}}, False)])
def test_pendo_options_pass_through_to_initialize(py, pendo_options, guide_requests):
    load(py, pendo_options=pendo_options)
    py.run("""rudderanalytics.identify("user-42")""")
    py.flush()
    assert py.wire.visitor()["id"] == "user-42"
    assert ("guide.json" in py.wire.endpoints()) is guide_requests


def test_an_existing_snippet_is_adopted_and_nothing_loads_twice(py, pendo):
    py.page.evaluate("""() => {
        // Pendo's install snippet, as a page would have it, with a call made before the agent loads.
        (function (apiKey) {
            (function (p, e, n, d, o) {
                var v, w, x, y, z; o = p[d] = p[d] || {}; o._q = o._q || [];
                v = ['initialize', 'identify', 'updateOptions', 'pageLoad', 'track'];
                for (w = 0, x = v.length; w < x; ++w) (function (m) {
                    o[m] = o[m] || function () { o._q[m === v[0] ? 'unshift' : 'push']([m].concat([].slice.call(arguments, 0))); };
                })(v[w]);
                y = e.createElement(n); y.async = !0; y.src = 'https://cdn.pendo.io/agent/static/' + apiKey + '/pendo.js';
                z = e.getElementsByTagName(n)[0]; (z || e.head).parentNode.insertBefore(y, z || null);
            })(window, document, 'script', 'pendo');
        })('snippet-key');
        pendo.track('From Page JavaScript');
    }""")
    load(py, key="snippet-key")
    py.run("""rudderanalytics.track("From Python")""")
    py.flush()
    assert len(pendo.agent_requests) == 1
    names = [event["track_event_name"] for event in py.wire.track_events()]
    assert names == ["From Page JavaScript", "From Python"]


def test_an_already_loaded_agent_is_adopted(py, pendo):
    load(py, key="first-key")
    py.run("""
from pyodide_pendo import Analytics
second = Analytics()
second.load("first-key")
await second.ready()
second.track("From The Second Instance")
""")
    py.flush()
    assert len(pendo.agent_requests) == 1
    assert py.wire.track_events()[-1]["track_event_name"] == "From The Second Instance"


def test_debug_turns_on_pendo_debugging_and_our_verbose_log(py, pendo):
    load(py, debug=True)
    py.run("""rudderanalytics.track("Debugged")""")
    py.wait_for_track("Debugged")
    py.page.wait_for_function("() => pendo.isDebuggingEnabled(true) === true", timeout=15_000)
    assert py.run("import logging\nlogging.getLogger('pyodide_pendo').isEnabledFor(logging.DEBUG)") is True
    # The debugger itself comes from Pendo's CDN (stood in for here with a 404).
    assert any("debugger" in url for url in pendo.other_pendo_requests)


def test_messages_follow_single_page_app_navigation(py, origin):
    """``context.page`` as RudderStack's getDefaultPageProperties makes it, read from the real page as it changes:
    the URL without its ``#hash`` (``tab_url`` keeps it), then the canonical link's URL once the app adds one;
    ``context.campaign`` from the URL's UTM parameters."""
    load(py)
    before = py.run("""rudderanalytics.track("Before Navigation")["context"]["page"]""")
    py.page.evaluate("() => { history.pushState({}, '', '/test/checkout?step=3&utm_source=news#pay');"
                     " document.title = 'Checkout'; }")
    after = py.run("""rudderanalytics.track("After Navigation")["context"]""")
    assert before["path"] == f"/test/{py.test_page}" and before["search"] == ""
    assert after["page"] == {
        "path": "/test/checkout", "search": "?step=3&utm_source=news", "title": "Checkout",
        "url": f"{origin}/test/checkout?step=3&utm_source=news", "referrer": before["referrer"],
        "referring_domain": before["referring_domain"], "tab_url": f"{origin}/test/checkout?step=3&utm_source=news#pay",
        "initial_referrer": before["initial_referrer"], "initial_referring_domain": before["initial_referring_domain"]}
    assert after["campaign"] == {"source": "news"}
    py.page.evaluate("() => { const link = document.createElement('link'); link.rel = 'canonical';"
                     " link.href = 'https://shop.example.com/checkout'; document.head.append(link); }")
    canonical = py.run("""rudderanalytics.track("With Canonical")["context"]["page"]""")
    assert (canonical["url"], canonical["path"]) == ("https://shop.example.com/checkout?step=3&utm_source=news",
                                                     "/checkout")
