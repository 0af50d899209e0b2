"""Message → Pendo agent calls, through the public API with a recording agent."""

from __future__ import annotations


from pyodide_pendo import Analytics
from tests.unit.async_support import run


def test_identify_sends_the_visitor_and_the_current_account(analytics: Analytics, agent) -> None:
    analytics.load("KEY")
    analytics.group("acme", {"name": "Acme", "employees": 120})
    analytics.identify("u1", {"email": "a@example.com", "Address": {"City": "Paris"}})
    assert agent.of("identify")[-1] == [{
        "visitor": {"email": "a@example.com", "address_city": "Paris", "id": "u1"},
        "account": {"name": "Acme", "employees": 120, "id": "acme"},
    }]


def test_group_sends_the_account_the_current_visitor_and_the_parent_account(analytics: Analytics, agent) -> None:
    analytics.load("KEY")
    analytics.identify("u1", {"plan": "pro"})
    analytics.group("acme", {"name": "Acme", "parentAccount": {"id": "holding", "region": "EU"}})
    assert agent.of("identify")[-1] == [{
        "visitor": {"plan": "pro", "id": "u1"},
        "account": {"name": "Acme", "id": "acme"},
        "parentAccount": {"region": "EU", "id": "holding"},
    }]
    analytics.group("acme", {"parentAccount": "other-holding"})
    assert agent.of("identify")[-1][0]["parentAccount"] == {"id": "other-holding"}


def test_an_anonymous_visitor_uses_the_pendo_prefix_and_the_anonymous_id(analytics: Analytics, agent) -> None:
    analytics.load("KEY")
    analytics.identify({"plan": "free"})
    visitor = agent.of("identify")[-1][0]["visitor"]
    assert visitor == {"plan": "free", "id": "_PENDO_T_" + analytics.get_anonymous_id()}


def test_initialize_carries_the_current_identity_and_pendo_options(agent, schedule, store) -> None:
    analytics = Analytics(agent=agent, store=store, schedule=schedule)
    analytics.identify("u1", {"plan": "pro"})
    analytics.group("acme", {"name": "Acme"})
    analytics.load("KEY", pendo_options={"excludeAllText": True, "guides": {"disabled": True}}, env="eu")
    (plan,) = agent.plans
    assert plan.script_url == "https://cdn.eu.pendo.io/agent/static/KEY/pendo.js"
    assert plan.initialize_options["excludeAllText"] is True
    assert plan.initialize_options["guides"] == {"disabled": True}
    assert plan.initialize_options["apiKey"] == "KEY"


def test_track_page_alias_and_reset(analytics: Analytics, agent) -> None:
    analytics.load("KEY")
    analytics.track("Order Completed", {"total": 42.5, "items": [{"sku": "a"}]})
    analytics.page("Home")
    analytics.identify("u1")
    analytics.alias("u1-merged")
    analytics.reset()
    names = [name for name, _ in agent.calls]
    assert names == ["track", "pageLoad", "identify", "identify", "clearSession", "identify"]
    assert agent.of("track")[0] == ["Order Completed", {"total": 42.5, "items": [{"sku": "a"}]}]
    assert agent.of("pageLoad")[0] == ["https://shop.example.com/cart?step=2"]
    assert agent.of("identify")[1][0]["visitor"]["id"] == "u1-merged"
    assert agent.of("identify")[2] == [{"visitor": {"id": "_PENDO_T_" + analytics.get_anonymous_id()},
                                        "account": {"id": None}}]


def test_debug_turns_on_pendo_debugging_once_ready(analytics: Analytics, agent, schedule) -> None:
    analytics.load("KEY", debug=True)
    assert agent.of("enableDebugging") == []
    run(schedule.coroutines.pop())
    assert agent.of("enableDebugging") == [[]]
