"""How load() joins what the early-start script did: its options compared, its identity adopted or replaced."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pyodide_pendo.config import ENVIRONMENT_ALIASES, ENVIRONMENTS, OPTIONS, LoadConfig
from pyodide_pendo.early_start import MIRRORED_OPTIONS, EarlyStart, attribute_name


ROOT = Path(__file__).parents[2]


def record(**changes: Any) -> dict[str, Any]:
    """What the script records for ``data-api-key="KEY"`` and nothing else, with a returning visitor."""
    options = {"api_key": "KEY", "env": "io", "agent_url": None, "storage": "cookie", "cookie_domain": None,
               "secure_cookie": False, "consent": "granted", "pendo_options": None}
    options.update(changes.pop("options", {}))
    return {"state": "started", "error": None, "options": options,
            "scriptUrl": "https://cdn.pendo.io/agent/static/KEY/pendo.js", "anonymousId": "anon-1",
            "visitorId": "_PENDO_T_anon-1", "accountId": None, **changes}


def load(**options: Any) -> LoadConfig:
    return LoadConfig.parse("KEY", options)


def test_matching_options_give_no_warning():
    assert EarlyStart(record()).option_warnings(load()) == []
    assert EarlyStart(record(options={"pendo_options": {"excludeAllText": True}, "storage": "local_storage"}))\
        .option_warnings(load(pendo_options={"excludeAllText": True}, storage="local_storage")) == []


def test_each_differing_option_is_named_by_its_attribute_with_the_value_to_set():
    (warning,) = EarlyStart(record()).option_warnings(load(storage="local_storage"))

    assert warning == ("load(storage='local_storage') differs from the early-start script's data-storage (cookie): "
                       "Python's identity wins where the two differ; set data-storage=\"local_storage\" on its "
                       "<script> tag")


def test_options_fixed_at_initialize_say_the_agent_keeps_the_scripts_value():
    (warning,) = EarlyStart(record()).option_warnings(load(pendo_options={"excludeAllText": True}))

    assert "data-pendo-options (not set)" in warning
    assert "the agent keeps the script's value for this page" in warning
    assert 'set data-pendo-options="{"excludeAllText":true}"' in warning


def test_an_attribute_load_does_not_have_is_to_be_removed():
    (warning,) = EarlyStart(record(options={"cookie_domain": "example.com"})).option_warnings(load())

    assert "data-cookie-domain (example.com)" in warning and "remove the attribute" in warning


def test_consent_that_differs_is_named():
    (pending_in_python,) = EarlyStart(record()).option_warnings(load(consent="pending"))
    (pending_in_script,) = EarlyStart(record(state="consent pending", options={"consent": "pending"}))\
        .option_warnings(load())

    assert "Pendo was started before consent" in pending_in_python
    assert "Pendo was not started early" in pending_in_script


def test_a_script_that_did_not_start_is_reported_with_its_own_problem():
    early = EarlyStart(record(state="not started", error="data-storage must be one of cookie, local_storage, memory"))

    assert early.option_warnings(load()) == [
        "the early-start script (pyodide-pendo-early.js) did not start Pendo: data-storage must be one of cookie, "
        "local_storage, memory; load() starts it instead"]
    assert not early.started


def test_the_identity_the_agent_has_needs_no_identify():
    early = EarlyStart(record(visitorId="user-7", accountId="acme"))

    assert early.initialized_with({"visitor": {"id": "user-7"}, "account": {"id": "acme"}})
    assert not early.initialized_with({"visitor": {"id": "user-7", "email": "a@b.c"}, "account": {"id": "acme"}})
    assert not early.initialized_with({"visitor": {"id": "user-8"}, "account": {"id": "acme"}})
    assert EarlyStart(record()).initialized_with({"visitor": {"id": "_PENDO_T_anon-1"}, "account": {"id": None}})


def test_a_different_identity_is_warned_about_and_names_both():
    early = EarlyStart(record(visitorId="cookie-user"))

    assert early.identity_warning("cookie-user", None) is None
    warning = early.identity_warning("storage-user", None)
    assert warning is not None and "'cookie-user'" in warning and "'storage-user'" in warning


def test_every_mirrored_option_is_a_load_option_with_a_data_attribute():
    assert set(MIRRORED_OPTIONS) <= {"api_key"} | {option.name for option in OPTIONS}
    assert attribute_name("cookie_domain") == "data-cookie-domain"


def test_load_warns_about_options_first_then_the_identity():
    early = EarlyStart(record(visitorId="cookie-user"))

    first, second = early.warnings(load(storage="local_storage"), "storage-user", None)
    assert first.startswith("load(storage='local_storage') differs")
    assert second.startswith("the early-start script started Pendo with visitor 'cookie-user'")
    assert early.warnings(load(), "cookie-user", None) == []


def test_the_scripts_region_table_is_pythons_and_the_agents():
    """Pendo's regions are declared in Python and written into the early-start script (``python -m
    devtools.declarations``): both must name the CDN host that the agent's own ``servers.json`` gives each."""
    script = (ROOT / "web/pyodide-pendo-early.js").read_text()
    table = re.search(r"const CDN_HOSTS = \{(.*?)\};", script, re.S)
    aliases = re.search(r"const ENVIRONMENT_ALIASES = \{(.*?)\};", script, re.S)
    assert table is not None and aliases is not None
    servers = json.loads((ROOT / "node_modules/@pendo/agent/dist/servers.json").read_text())

    assert dict(re.findall(r'(\w+): "([^"]+)"', table.group(1))) == ENVIRONMENTS
    assert dict(re.findall(r'(\w+): "([^"]+)"', aliases.group(1))) == ENVIRONMENT_ALIASES
    assert all(servers["assetHost"][env] == host for env, host in ENVIRONMENTS.items())
