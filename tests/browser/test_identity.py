"""Identity that persists across reloads and is shared with RudderStack's JavaScript SDK through its cookies.

The RudderStack side is RudderStack's own code: npm ``@rudderstack/analytics-js-cookies`` encodes and decodes
the values, exactly as its SDK does.
"""

from __future__ import annotations

import json

KNOWN_ANONYMOUS_ID = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e"


def rudderstack_writes_cookies(py, values: dict) -> None:
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


def rudderstack_reads_cookies(py, keys: list[str]) -> dict:
    return py.page.evaluate(
        """async (keys) => {
            const rudderstack = await import("/test/rudderstack-cookies.mjs");
            return Object.fromEntries(keys.map((key) => [key, rudderstack.getDecryptedCookieBrowser(key)]));
        }""",
        keys,
    )


def test_identity_survives_a_reload(py):
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("reload-key")
rudderanalytics.identify("user-7", {"plan": "pro", "address": {"city": "Paris"}})
rudderanalytics.group("acme", {"name": "Acme"})
await rudderanalytics.ready()
""")
    anonymous_id = py.run("rudderanalytics.get_anonymous_id()")

    py.reload()
    identity = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("reload-key")
await rudderanalytics.ready()
rudderanalytics.track("After Reload")
[rudderanalytics.get_anonymous_id(), rudderanalytics.get_user_id(), rudderanalytics.get_user_traits(),
 rudderanalytics.get_group_id(), rudderanalytics.get_group_traits()]
""")
    py.flush()

    assert identity == [anonymous_id, "user-7", {"plan": "pro", "address": {"city": "Paris"}}, "acme",
                        {"name": "Acme"}]
    track = py.wire.track_events()[-1]
    assert (track["track_event_name"], track["visitor_id"], track["account_id"]) == ("After Reload", "user-7", "acme")


def test_cookies_written_by_rudderstack_are_read_at_load(py):
    rudderstack_writes_cookies(py, {
        "rl_anonymous_id": KNOWN_ANONYMOUS_ID,
        "rl_user_id": "user-from-js",
        "rl_trait": {"name": "Zoë", "plan": "enterprise"},
        "rl_group_id": "group-from-js",
        "rl_group_trait": {"name": "Globex"},
    })
    assert "rl_anonymous_id=RS_ENC_v3_ImYwZTFkMmMzLWI0YTUtNDk2OC04Nzc4LTY5NWE0YjNjMmQxZSI%3D" in py.page.evaluate(
        "() => document.cookie")

    identity = py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("interop-key")
await rudderanalytics.ready()
[rudderanalytics.get_anonymous_id(), rudderanalytics.get_user_id(), rudderanalytics.get_user_traits(),
 rudderanalytics.get_group_id(), rudderanalytics.get_group_traits()]
""")
    py.flush()

    assert identity == [KNOWN_ANONYMOUS_ID, "user-from-js", {"name": "Zoë", "plan": "enterprise"}, "group-from-js",
                        {"name": "Globex"}]
    assert py.wire.visitor()["id"] == "user-from-js"
    assert py.wire.visitor()["name"] == "Zoë"
    assert py.wire.account() == {"id": "group-from-js", "name": "Globex"}


def test_rudderstack_reads_what_we_write(py):
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("interop-key")
rudderanalytics.identify("user-from-python", {"name": "Zoë", "tags": ["a", "b"]})
rudderanalytics.group("acme", {"employees": 120})
""")
    anonymous_id = py.run("rudderanalytics.get_anonymous_id()")

    read = rudderstack_reads_cookies(py, ["rl_anonymous_id", "rl_user_id", "rl_trait", "rl_group_id",
                                          "rl_group_trait"])

    assert read == {
        "rl_anonymous_id": anonymous_id,
        "rl_user_id": "user-from-python",
        "rl_trait": {"name": "Zoë", "tags": ["a", "b"]},
        "rl_group_id": "acme",
        "rl_group_trait": {"employees": 120},
    }


def test_reset_clears_the_cookies_rudderstack_reads(py):
    py.run("""
from pyodide_pendo import rudderanalytics
rudderanalytics.load("interop-key")
rudderanalytics.identify("user-1", {"plan": "pro"})
rudderanalytics.reset()
""")
    read = rudderstack_reads_cookies(py, ["rl_user_id", "rl_trait", "rl_anonymous_id"])
    assert read["rl_user_id"] is None and read["rl_trait"] is None
    assert read["rl_anonymous_id"] == py.run("rudderanalytics.get_anonymous_id()")


def test_local_storage_and_memory_options(py):
    stored = py.run("""
from pyodide_pendo import Analytics
in_local_storage = Analytics()
in_local_storage.load("storage-key", storage="local_storage")
in_local_storage.identify("user-ls")
import js
[js.localStorage.getItem("rl_user_id"), js.document.cookie]
""")
    local_value, cookies = stored
    assert json.loads(local_value).startswith("RS_ENC_v3_")
    assert "rl_user_id" not in cookies
