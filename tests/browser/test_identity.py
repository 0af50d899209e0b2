"""Identity that persists across reloads and is shared with RudderStack's JavaScript SDK through its cookies.

The RudderStack side is RudderStack's own code: npm ``@rudderstack/analytics-js-cookies`` encodes and decodes
the values, exactly as its SDK does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.harness import PythonPage, in_page, watch_console

KNOWN_ANONYMOUS_ID = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e"


def rudderstack_writes_cookies(py: PythonPage, values: dict[str, Any]) -> None:
    """What the RudderStack JS SDK leaves behind: each value encoded by its own code, URI-encoded, path=/."""
    py.page.evaluate(
        """async (values) => {
            const rudderstack = await import("/test/rudderstack-cookies.mjs");
            for (const [key, value] of Object.entries(values)) {
                const encoded = rudderstack.getEncryptedValueBrowser(value);
                document.cookie = `${key}=${encodeURIComponent(encoded)}; path=/; max-age=31536000; samesite=Lax`;
            }
        }""",
        values,
    )


def rudderstack_reads_cookies(py: PythonPage, keys: list[str]) -> dict[str, Any]:
    read: dict[str, Any] = py.page.evaluate(
        """async (keys) => {
            const rudderstack = await import("/test/rudderstack-cookies.mjs");
            return Object.fromEntries(keys.map((key) => [key, rudderstack.getDecryptedCookieBrowser(key)]));
        }""",
        keys,
    )
    return read


@in_page
def anonymous_id() -> str | None:
    from pyodide_pendo import rudderanalytics

    return rudderanalytics.get_anonymous_id()


@in_page
async def load_and_read_the_identity(api_key: str, then_track: str | None = None) -> list[Any]:
    """What a page that loads with stored identity sees: ``[anonymous id, user id, traits, group id, group
    traits]``, read once the agent is ready (and after tracking ``then_track``, if given)."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load(api_key)
    await rudderanalytics.ready()
    if then_track is not None:
        rudderanalytics.track(then_track)
    return [rudderanalytics.get_anonymous_id(), rudderanalytics.get_user_id(), rudderanalytics.get_user_traits(),
            rudderanalytics.get_group_id(), rudderanalytics.get_group_traits()]


@in_page
async def identify_and_group_user_7() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("reload-key")
    rudderanalytics.identify("user-7", {"plan": "pro", "address": {"city": "Paris"}})
    rudderanalytics.group("acme", {"name": "Acme"})
    await rudderanalytics.ready()


def test_identity_survives_a_reload(py: PythonPage) -> None:
    identify_and_group_user_7(py)
    before_reload = anonymous_id(py)

    py.reload()
    identity = load_and_read_the_identity(py, "reload-key", then_track="After Reload")
    py.wait_for_track("After Reload")

    assert identity == [before_reload, "user-7", {"plan": "pro", "address": {"city": "Paris"}}, "acme",
                        {"name": "Acme"}]
    track = py.wire.track_events()[-1]
    assert (track["track_event_name"], track["visitor_id"], track["account_id"]) == ("After Reload", "user-7", "acme")


def test_cookies_written_by_rudderstack_are_read_at_load(py: PythonPage) -> None:
    rudderstack_writes_cookies(py, {
        "rl_anonymous_id": KNOWN_ANONYMOUS_ID,
        "rl_user_id": "user-from-js",
        "rl_trait": {"name": "Zoë", "plan": "enterprise"},
        "rl_group_id": "group-from-js",
        "rl_group_trait": {"name": "Globex"},
    })
    assert "rl_anonymous_id=RS_ENC_v3_ImYwZTFkMmMzLWI0YTUtNDk2OC04Nzc4LTY5NWE0YjNjMmQxZSI%3D" in py.page.evaluate(
        "() => document.cookie")

    identity = load_and_read_the_identity(py, "interop-key")
    py.wait_until(lambda: py.wire.account().get("name") == "Globex" and "name" in py.wire.visitor(),
                  "the visitor and account read from RudderStack's cookies")

    assert identity == [KNOWN_ANONYMOUS_ID, "user-from-js", {"name": "Zoë", "plan": "enterprise"}, "group-from-js",
                        {"name": "Globex"}]
    assert py.wire.visitor()["id"] == "user-from-js"
    assert py.wire.visitor()["name"] == "Zoë"
    assert py.wire.account() == {"id": "group-from-js", "name": "Globex"}


@in_page
def identify_and_group_from_python() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("interop-key")
    rudderanalytics.identify("user-from-python", {"name": "Zoë", "tags": ["a", "b"]})
    rudderanalytics.group("acme", {"employees": 120})


def test_rudderstack_reads_what_we_write(py: PythonPage) -> None:
    identify_and_group_from_python(py)
    python_anonymous_id = anonymous_id(py)

    read = rudderstack_reads_cookies(py, ["rl_anonymous_id", "rl_user_id", "rl_trait", "rl_group_id",
                                          "rl_group_trait"])

    assert read == {
        "rl_anonymous_id": python_anonymous_id,
        "rl_user_id": "user-from-python",
        "rl_trait": {"name": "Zoë", "tags": ["a", "b"]},
        "rl_group_id": "acme",
        "rl_group_trait": {"employees": 120},
    }


@in_page
def identify_then_reset() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("interop-key")
    rudderanalytics.identify("user-1", {"plan": "pro"})
    rudderanalytics.reset()


def test_reset_clears_the_cookies_rudderstack_reads(py: PythonPage) -> None:
    identify_then_reset(py)
    read = rudderstack_reads_cookies(py, ["rl_user_id", "rl_trait", "rl_anonymous_id"])
    assert read["rl_user_id"] is None and read["rl_trait"] is None
    assert read["rl_anonymous_id"] == anonymous_id(py)


@in_page
def load_and_track(event: str) -> list[Any]:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("session-key")
    message = rudderanalytics.track(event)
    assert message is not None
    return [message["context"], rudderanalytics.get_session_id()]


@in_page
def track_again(event: str) -> list[Any]:
    from pyodide_pendo import rudderanalytics

    message = rudderanalytics.track(event)
    assert message is not None
    return [message["context"], rudderanalytics.get_session_id()]


def test_the_session_is_stored_as_rudderstack_reads_it_and_survives_a_reload(py: PythonPage) -> None:
    first, session_id = load_and_track(py, "First")
    assert first["sessionId"] == session_id and first["sessionStart"] is True
    second, _ = track_again(py, "Second")
    assert second["sessionId"] == session_id and "sessionStart" not in second

    stored = rudderstack_reads_cookies(py, ["rl_session"])["rl_session"]
    assert stored == {"autoTrack": True, "timeout": 1800000, "id": session_id, "sessionStart": False,
                      "expiresAt": stored["expiresAt"]}
    assert session_id + 1800000 <= stored["expiresAt"] < session_id + 1800000 + 120000

    py.reload()
    after_reload, _ = load_and_track(py, "After Reload")
    assert after_reload["sessionId"] == session_id and "sessionStart" not in after_reload

    # A RudderStack SDK on the site starts a manual session: the next call here is in it.
    rudderstack_writes_cookies(py, {"rl_session": {"manualTrack": True, "id": 1234567890123, "sessionStart": False}})
    in_theirs, now_id = track_again(py, "In Their Session")
    assert (in_theirs["sessionId"], now_id) == (1234567890123, 1234567890123) and "sessionStart" not in in_theirs


@in_page
def identify_in_local_storage() -> list[Any]:
    """``[what localStorage holds for rl_user_id, document.cookie]`` after an identify."""
    import js

    from pyodide_pendo import Analytics

    in_local_storage = Analytics()
    in_local_storage.load("storage-key", storage="local_storage")
    in_local_storage.identify("user-ls")
    return [js.localStorage.getItem("rl_user_id"), js.document.cookie]


def test_local_storage_and_memory_options(py: PythonPage) -> None:
    local_value, cookies = identify_in_local_storage(py)
    assert json.loads(local_value).startswith("RS_ENC_v3_")
    assert "rl_user_id" not in cookies


# -- writes that do not stick, and stored values anyone may have written ------------------------------------

@in_page
async def identify_and_group_with_traits_too_large_for_a_cookie() -> list[str]:
    """``[the plan, the tier]`` read back from the traits just given."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("size-key")
    rudderanalytics.identify("user-s", {"plan": "free"})
    rudderanalytics.group("acme", {"tier": "basic"})
    big = {"a": "x" * 1400, "b": "y" * 1400, "c": "z" * 1400}
    traits, account = {"plan": "enterprise"}, {"tier": "premium"}
    traits.update(big)
    account.update(big)
    rudderanalytics.identify("user-s", traits)
    rudderanalytics.group("acme", account)
    await rudderanalytics.ready()
    return [rudderanalytics.get_user_traits()["plan"], rudderanalytics.get_group_traits()["tier"]]


def test_traits_too_large_for_a_cookie_are_kept_in_memory_and_never_come_back_stale(py: PythonPage) -> None:
    """Chromium drops a cookie over 4 KB without an error: the older, smaller traits cookie must not survive."""
    assert identify_and_group_with_traits_too_large_for_a_cookie(py) == ["enterprise", "premium"]
    assert sum("did not keep rl_trait" in line and "in memory for this page only" in line
               for line in py.console) == 1

    py.reload()
    _, *identity = load_and_read_the_identity(py, "size-key", then_track="After Reload")
    assert identity == ["user-s", {}, "acme", {}]
    py.wait_for_track("After Reload")
    py.wait_until(lambda: py.wire.visitor().get("id") == "user-s" and "plan" not in py.wire.visitor(),
                  "the visitor's metadata without the stale plan")
    assert "tier" not in py.wire.account()


@in_page
def track_with_a_cookie_domain_the_browser_refuses() -> list[str | None]:
    """``[the anonymous id at load, the anonymous id after identify and track, the user id]``."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("domain-key", cookie_domain="other.example")
    first = rudderanalytics.get_anonymous_id()
    rudderanalytics.identify("u1", {"plan": "pro"})
    rudderanalytics.track("Viewed")
    return [first, rudderanalytics.get_anonymous_id(), rudderanalytics.get_user_id()]


def test_a_cookie_domain_the_browser_refuses_is_warned_about_once(py: PythonPage) -> None:
    anonymous_ids = track_with_a_cookie_domain_the_browser_refuses(py)
    assert anonymous_ids[0] == anonymous_ids[1] and anonymous_ids[2] == "u1"
    warnings = [line for line in py.console if "did not keep" in line]
    assert len(warnings) == 1 and "rl_anonymous_id" in warnings[0] and "will not survive a reload" in warnings[0]
    assert "rl_" not in py.page.evaluate("() => document.cookie")


@in_page
def load_from_local_storage_and_track() -> dict[str, Any]:
    """The user traits that ``load`` read from localStorage."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("nested-key", storage="local_storage")
    rudderanalytics.track("Still Alive")
    return rudderanalytics.get_user_traits()


@in_page
def one_plus_one() -> int:
    return 1 + 1


@pytest.mark.parametrize("stored", ['"[".repeat(7000)', '"RS_ENC_v3_" + btoa("[".repeat(7000))'],
                         ids=["json", "RS_ENC_v3_"])
def test_a_deeply_nested_stored_value_is_refused_and_python_lives_on(py: PythonPage, stored: str) -> None:
    py.page.evaluate(f"() => localStorage.setItem('rl_trait', {stored})")
    # Before bounded parsing, load() never returned (the interpreter died of a stack overflow): a bounded wait.
    traits = load_from_local_storage_and_track.within(30)(py)
    assert traits == {}
    assert any("Ignoring the stored 'rl_trait': it is nested deeper than 64 levels" in line for line in py.console)
    assert one_plus_one(py) == 2
    py.wait_for_track("Still Alive")


@in_page
def load_and_track_anonymously() -> str | None:
    """The anonymous id ``load`` settled on."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("number-key")
    rudderanalytics.track("Anonymous")
    return rudderanalytics.get_anonymous_id()


def test_a_stored_anonymous_id_that_is_a_number_is_replaced(py: PythonPage) -> None:
    py.page.evaluate("""() => {
        document.cookie = `rl_anonymous_id=${encodeURIComponent("RS_ENC_v3_" + btoa("1e999"))}; path=/`;
    }""")
    new_id = load_and_track_anonymously(py)
    track = py.wait_for_track("Anonymous")
    assert new_id is not None
    assert len(new_id) == 36 and track["visitor_id"] == "_PENDO_T_" + new_id
    assert any("Ignoring the stored 'rl_anonymous_id': it is not an id" in line for line in py.console)


# -- tabs share the identity: never one user's id with another's data ---------------------------------------

def open_tab(py: PythonPage, origin: str) -> PythonPage:
    """A second tab of the same site in the same browser (shared cookies and localStorage)."""
    page = py.page.context.new_page()
    tab = PythonPage(page, py.wire, watch_console(page), py.interpreter)
    tab.open(f"{origin}/test/{tab.test_page}")
    return tab


@in_page
async def load_the_tabs_site() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("tabs-key")
    await rudderanalytics.ready()


@in_page
def track(event: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.track(event)


@in_page
def alice_signs_in() -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("alice", {"email": "alice@example.com"})
    rudderanalytics.group("alice-corp")
    rudderanalytics.track("Alice Track")


@in_page
def bob_signs_in() -> str | None:
    """The group id this tab has once bob identified (no ``group`` call of bob's)."""
    from pyodide_pendo import rudderanalytics

    rudderanalytics.identify("bob")
    rudderanalytics.track("Bob Track")
    return rudderanalytics.get_group_id()


def test_a_tab_never_sends_or_stores_another_users_traits_or_account(py: PythonPage, origin: str) -> None:
    tab_a, tab_b = py, open_tab(py, origin)
    load_the_tabs_site(tab_a)
    load_the_tabs_site(tab_b)
    alice_signs_in(tab_a)
    tab_a.wait_for_track("Alice Track")

    group_id = bob_signs_in(tab_b)
    bob_track = tab_b.wait_for_track("Bob Track")
    assert group_id is None
    assert (bob_track["visitor_id"], bob_track.get("account_id")) == ("bob", None)

    tab_b.reload()  # the next page sees bob alone
    load_the_tabs_site(tab_b)
    track(tab_b, "Next Page")
    next_page = tab_b.wait_for_track("Next Page")
    assert (next_page["visitor_id"], next_page.get("account_id")) == ("bob", None)
    tab_b.wait_until(lambda: tab_b.wire.visitor().get("id") == "bob", "bob's metadata")
    assert "email" not in tab_b.wire.visitor()

    track(tab_a, "Tab A After Bob")  # tab A follows what is stored: bob, no account
    after = tab_a.wait_for_track("Tab A After Bob")
    assert (after["visitor_id"], after.get("account_id")) == ("bob", None)


@in_page
async def sign_in_and_track(user_id: str, group_id: str | None, event: str) -> None:
    from pyodide_pendo import rudderanalytics

    rudderanalytics.load("account-key")
    rudderanalytics.identify(user_id)
    if group_id is not None:
        rudderanalytics.group(group_id)
    await rudderanalytics.ready()
    rudderanalytics.track(event)


def test_an_account_the_agent_kept_is_not_given_to_the_next_user(py: PythonPage) -> None:
    sign_in_and_track(py, "alice", "alice-corp", "Alice Track")
    assert py.wait_for_track("Alice Track")["account_id"] == "alice-corp"
    # The site signs alice out on its server, which clears the rl_* cookies; the agent's localStorage stays.
    py.page.evaluate("""() => { for (const key of ["rl_anonymous_id", "rl_user_id", "rl_trait", "rl_group_id",
        "rl_group_trait"]) document.cookie = `${key}=; path=/; max-age=0`; }""")
    py.reload()
    sign_in_and_track(py, "carol", None, "Carol Track")
    carol = py.wait_for_track("Carol Track")
    assert (carol["visitor_id"], carol.get("account_id")) == ("carol", None)
