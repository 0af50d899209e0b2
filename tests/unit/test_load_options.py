"""load()'s options are declared once (config.OPTIONS): the README's table and LoadConfig's types follow it."""

from __future__ import annotations

import pytest

from devtools.declarations import (
    EARLY_START_SCRIPT,
    README,
    REGION_TABLE,
    load_options_table,
    readme_table,
    region_table,
)
from pyodide_pendo import Analytics
from pyodide_pendo.config import OPTIONS, LoadConfig, UrlParts, check_agent_url


def test_the_readme_options_table_is_made_from_the_declarations() -> None:
    assert readme_table(README.read_text(encoding="utf-8")) == load_options_table(), (
        "the README's load() options table is out of date: run python -m devtools.declarations")


def test_the_early_start_scripts_region_table_is_written_from_pythons() -> None:
    written = REGION_TABLE.search(EARLY_START_SCRIPT.read_text(encoding="utf-8"))
    assert written is not None and written.group(0) == region_table(), (
        "the early-start script's region table is out of date: run python -m devtools.declarations")


def test_load_config_types_every_declared_option_and_nothing_else() -> None:
    assert set(LoadConfig.__annotations__) == ({"api_key", "event_filter", "destination_consent"}
                                               | {option.name for option in OPTIONS})


def test_options_left_out_take_their_declared_defaults() -> None:
    config = LoadConfig.parse("KEY", {})
    assert {option.name: getattr(config, option.name) for option in OPTIONS} == {
        option.name: option.default for option in OPTIONS}


def test_the_destination_takes_its_settings_from_the_options(analytics: Analytics, agent) -> None:
    agent.status = "loading"
    analytics.load("KEY", queue_size=1)
    analytics.track("Waits")
    analytics.track("Dropped")
    assert analytics.stats()["waiting"] == 1 and analytics.stats()["dropped"] == 1


def test_a_relative_agent_url_is_accepted_and_the_browser_resolves_it_against_the_page() -> None:
    assert LoadConfig.parse("KEY", {"agent_url": "/static/pendo.js"}).agent_url == "/static/pendo.js"
    assert LoadConfig.parse("KEY", {"agent_url": "pendo-agent.mjs"}).agent_url == "pendo-agent.mjs"
    resolved = UrlParts("https://shop.example.com/static/pendo.js", "https:", "shop.example.com", "", "")
    assert check_agent_url("/static/pendo.js", resolved) == "https://shop.example.com/static/pendo.js"


def test_a_relative_agent_url_on_a_plain_http_page_is_refused_once_resolved() -> None:
    resolved = UrlParts("http://shop.example.com/static/pendo.js", "http:", "shop.example.com", "", "")
    with pytest.raises(ValueError, match="http:// on a host other than localhost"):
        check_agent_url("/static/pendo.js", resolved)


@pytest.mark.parametrize("url", ["//user@evil.example/pendo.js", "static\\pendo.js", "static/pen do.js"])
def test_a_relative_agent_url_still_refuses_what_parsers_read_differently(url: str) -> None:
    with pytest.raises(ValueError, match="agent_url must be"):
        LoadConfig.parse("KEY", {"agent_url": url})
