"""The stored identity: writes that do not stick, tabs that share it, and stored values anyone may have written."""

from __future__ import annotations

import logging

import pytest

from pyodide_pendo import Analytics
from pyodide_pendo.persistence import (
    ANONYMOUS_ID,
    GROUP_ID,
    IDENTITY_KEYS,
    USER_ID,
    USER_TRAITS,
    IdentityStore,
    MemoryStore,
    encode_value,
    usable_store,
)
from tests.unit.conftest import RecordingAgent

COOKIE_LIMIT = 4096


class CookieSizedStore(MemoryStore):
    """Keeps values the way a browser keeps cookies: one over 4 KB is dropped without an error."""

    def set(self, key: str, value: str) -> None:
        if len(key) + len(value) <= COOKIE_LIMIT:
            super().set(key, value)


class RefusingStore(MemoryStore):
    """A cookie domain the browser refuses: every write is ignored, without an error."""

    def set(self, key: str, value: str) -> None:
        pass


def tab(store: MemoryStore, agent: RecordingAgent | None = None) -> Analytics:
    """A page of the site (a tab, or the same tab after a reload): its own agent, the site's storage."""
    analytics = Analytics(agent=agent or RecordingAgent(), store=store)
    analytics.load("KEY")
    return analytics


def identity(analytics: Analytics) -> list[object]:
    return [analytics.get_user_id(), analytics.get_user_traits(), analytics.get_group_id(),
            analytics.get_group_traits()]


# -- writes that do not stick ---------------------------------------------------------------------------------

def test_traits_too_large_for_a_cookie_live_in_memory_and_nothing_stale_comes_back(caplog) -> None:
    store = CookieSizedStore()
    page = tab(store)
    page.identify("user-s", {"plan": "free"})
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page.identify("user-s", {"plan": "enterprise", "a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400})
        page.identify("user-s", {"d": "w" * 1400})
    assert page.get_user_traits() == {"plan": "enterprise", "a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400,
                                      "d": "w" * 1400}
    assert [record.getMessage()[:40] for record in caplog.records] == ["The browser did not keep rl_trait (5,666"]
    assert "in memory for this page only" in caplog.text

    reloaded = tab(store)
    assert identity(reloaded) == ["user-s", {}, None, {}]  # not the stale {"plan": "free"}


def test_group_traits_too_large_for_a_cookie_likewise(caplog) -> None:
    store = CookieSizedStore()
    page = tab(store)
    page.group("acme", {"tier": "basic"})
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page.group("acme", {"tier": "premium", "a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400})
    assert page.get_group_traits() == {"tier": "premium", "a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400}
    assert "rl_group_trait" in caplog.text

    assert identity(tab(store)) == [None, {}, "acme", {}]


def test_values_that_fit_are_still_stored_for_rudderstack() -> None:
    store = CookieSizedStore()
    page = tab(store)
    page.identify("user-s", {"a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400})
    page.group("acme", {"name": "Acme"})
    assert store.get(USER_ID) == encode_value("user-s")
    assert store.get(GROUP_ID) == encode_value("acme")
    assert store.get(USER_TRAITS) is None


def test_a_storage_that_keeps_nothing_is_warned_about_once(caplog) -> None:
    store = RefusingStore()
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page = tab(store)
        anonymous_id = page.get_anonymous_id()
        page.identify("u1", {"plan": "pro"})
        page.group("acme")
        page.track("Viewed")
    assert len(caplog.records) == 1 and "rl_anonymous_id" in caplog.text
    assert (page.get_anonymous_id(), *identity(page)) == (anonymous_id, "u1", {"plan": "pro"}, "acme", {})


def test_a_storage_that_throws_keeps_the_identity_in_memory(caplog) -> None:
    class ThrowingStore(MemoryStore):
        def get(self, key: str) -> str | None:
            raise RuntimeError("SecurityError: The operation is insecure.")

        def set(self, key: str, value: str) -> None:
            raise RuntimeError("SecurityError: The operation is insecure.")

    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page = tab(ThrowingStore())
        page.identify("u1", {"plan": "pro"})
        page.track("Viewed")
    assert identity(page) == ["u1", {"plan": "pro"}, None, {}]
    assert 1 <= len(caplog.records) <= 2 and "SecurityError" in caplog.text


@pytest.mark.parametrize("where", ["document.cookie", "window.localStorage"])
def test_a_storage_the_page_refuses_falls_back_to_memory(where: str) -> None:
    def refused() -> MemoryStore:
        raise RuntimeError("SecurityError: access is denied for this document")

    warnings: list[str] = []
    store = usable_store(refused, where, warnings.append)
    assert type(store) is MemoryStore
    assert len(warnings) == 1 and where in warnings[0] and "access is denied" in warnings[0]


# -- tabs share the stored identity, as with RudderStack -----------------------------------------------------

def test_a_tab_never_stores_its_user_with_another_users_traits_or_group() -> None:
    store = MemoryStore()
    tab_a, tab_b_agent = tab(store), RecordingAgent()
    tab_b = tab(store, tab_b_agent)
    tab_a.identify("alice", {"email": "alice@example.com"})
    tab_a.group("alice-corp")

    tab_b.identify("bob")
    tab_b.track("Viewed")

    assert identity(tab_b) == ["bob", {}, None, {}]
    assert tab_b_agent.of("identify")[-1] == [{"visitor": {"id": "bob"}, "account": {"id": None}}]
    assert identity(tab(store)) == ["bob", {}, None, {}]  # the next page


def test_a_tab_follows_what_another_tab_stored_and_tells_its_agent_first() -> None:
    store = MemoryStore()
    agent_a = RecordingAgent()
    tab_a, tab_b = tab(store, agent_a), tab(store)
    tab_a.identify("alice", {"email": "alice@example.com"})

    tab_b.identify("bob", {"plan": "pro"})
    tab_a.track("Viewed")
    assert [name for name, _ in agent_a.calls[-3:]] == ["clearSession", "identify", "track"]
    assert agent_a.of("identify")[-1] == [{"visitor": {"id": "bob", "plan": "pro"}, "account": {"id": None}}]

    tab_b.reset()  # bob logs out in tab B: tab A is no longer bob either
    assert tab_a.get_user_id() is None
    tab_a.track("Viewed Again")
    assert agent_a.calls[-3][0] == "clearSession"
    assert agent_a.of("identify")[-1][0]["visitor"]["id"] == "_PENDO_T_" + tab_a.get_anonymous_id()
    assert agent_a.of("track")[-1][0] == "Viewed Again"


def test_traits_kept_in_memory_never_go_with_the_user_another_tab_signed_in() -> None:
    store = CookieSizedStore()
    tab_a, tab_b = tab(store), tab(store)
    tab_a.identify("alice", {"a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400})  # too large: memory only
    tab_a.group("alice-corp", {"d": "w" * 1400, "e": "v" * 1400, "f": "u" * 1400})
    tab_b.identify("bob")
    assert identity(tab_a) == ["bob", {}, None, {}]


def test_without_a_group_the_agent_is_told_to_drop_its_account() -> None:
    agent = RecordingAgent()
    page = tab(MemoryStore(), agent)
    page.identify("u1")
    assert agent.plans[0].initialize_options["account"] == {"id": None}
    assert agent.of("identify")[-1][0]["account"] == {"id": None}


# -- stored values anyone may have written ---------------------------------------------------------------------

@pytest.mark.parametrize("stored", ["[" * 7000, encode_value("x")[:10] + __import__("base64").b64encode(
    b"[" * 7000).decode(), '{"a":' * 5000 + "1" + "}" * 5000], ids=["plain", "RS_ENC_v3_", "objects"])
def test_deeply_nested_stored_values_are_refused_not_parsed(stored: str, caplog) -> None:
    store = MemoryStore()
    store.set(USER_TRAITS, stored)
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page = tab(store)
    assert page.get_user_traits() == {}
    assert "nested deeper than 64 levels" in caplog.text


def test_an_overlong_stored_value_is_refused() -> None:
    store = MemoryStore()
    store.set(USER_TRAITS, encode_value({"blob": "x" * 100_000}))
    assert tab(store).get_user_traits() == {}


@pytest.mark.parametrize("stored", ["1e999", "-1e999", "1.5", "true", "[]", '{"id": "x"}'])
def test_a_stored_anonymous_id_that_is_not_text_is_replaced(stored: str, caplog) -> None:
    store = MemoryStore()
    store.set(ANONYMOUS_ID, encode_value("x")[:10] + __import__("base64").b64encode(stored.encode()).decode())
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        anonymous_id = tab(store).get_anonymous_id()
    assert anonymous_id is not None and len(anonymous_id) == 36 and "inf" not in anonymous_id
    assert "rl_anonymous_id" in caplog.text and "not an id" in caplog.text


def test_a_stored_integer_id_reads_as_its_text() -> None:
    store = MemoryStore()
    store.set(USER_ID, encode_value(42))
    assert tab(store).get_user_id() == "42"


def test_an_unreadable_value_stays_until_a_call_changes_it(caplog) -> None:
    legacy = "RudderEncrypt:U2FsdGVkX1+abc"
    store = MemoryStore()
    store.set(USER_ID, legacy)
    store.set(USER_TRAITS, legacy)
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page = tab(store)
    page.track("Viewed")
    page.group("acme")
    assert store.get(USER_ID) == legacy and store.get(USER_TRAITS) == legacy
    assert caplog.text.count("v1.1 SDK, which this package does not read; it stays stored until a call changes it") == 2
    page.identify("u1", {"plan": "pro"})
    assert store.get(USER_ID) == encode_value("u1")


def test_an_unreadable_anonymous_id_is_replaced_and_the_warning_says_so(caplog) -> None:
    store = MemoryStore()
    store.set(ANONYMOUS_ID, "RudderEncrypt:U2FsdGVkX1+abc")
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        page = tab(store)
    assert store.get(ANONYMOUS_ID) == encode_value(page.get_anonymous_id())
    assert "Ignoring the stored 'rl_anonymous_id'" in caplog.text and "a new anonymousId replaces it" in caplog.text


def test_in_a_page_the_storage_is_read_once_per_task_not_once_per_call() -> None:
    """Chromium's document.cookie getter is costly, and no other tab's script runs inside our task."""

    class CountingStore(MemoryStore):
        reads = 0

        def get(self, key: str) -> str | None:
            CountingStore.reads += 1
            return super().get(key)

    store, task_ends = CountingStore(), []
    stored = IdentityStore(store, lambda text: None, task_ends.append)
    stored.read_all()
    task_ends.pop()()  # load()'s task ended
    reads_before = CountingStore.reads

    stored.changes()
    stored.changes()
    assert CountingStore.reads == reads_before + len(IDENTITY_KEYS)  # only the first call of the task reads
    assert len(task_ends) == 1

    store.set(USER_ID, encode_value("written-by-another-tab"))
    task_ends.pop()()  # the task ended: the next call reads again, and sees the other tab's write
    assert stored.changes() == {USER_ID: "written-by-another-tab"}
