"""The demo (``web/``, served by ``devtools/demo.py``), driven as a person would: fill, click, read the panel.

Offline the demo server is Pendo's data host, so what the agent sent is in ``demo.collector.wire``; in the
Pendo mode (``PENDO_API_KEY``) the agent goes to Pendo's hosts, stood in for by the ``pendo`` fixture.
The first test leaves a screenshot of the demo at ``build/demo.png``; with ``UPDATE_DEMO_SCREENSHOT=1`` it also
refreshes ``docs/demo.png``, the one the README shows (a normal run leaves the checkout untouched).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devtools.browser import PendoEdge
from devtools.demo import DemoServer, DemoSettings

ROOT = Path(__file__).parents[2]
SCREENSHOT = ROOT / "build" / "demo.png"
README_SCREENSHOT = ROOT / "docs" / "demo.png"
BOOT_TIMEOUT_MS = 120_000  # Pyodide's boot and the wheel's install, on a busy 2-core machine
EVENT_TIMEOUT_MS = 30_000  # the demo polls its server and has the agent send every half second


@pytest.fixture
def demo(site: Any) -> Iterator[DemoServer]:
    built, _ = site
    server = DemoServer(built.root, DemoSettings()).start()
    yield server
    server.stop()


INTERPRETER_NAMES = {"pyodide": "Pyodide", "micropython": "MicroPython"}


def demo_url(origin: str, interpreter: str) -> str:
    """The demo's address with its interpreter switch set (Pyodide is the default, at ``/``)."""
    return f"{origin}/" if interpreter == "pyodide" else f"{origin}/?interpreter=mpy"


def open_demo(page: Page, origin: str, interpreter: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(demo_url(origin, interpreter))
    expect(page.locator("body")).to_have_attribute("data-python", "ready", timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#agent-state")).to_have_text("ready", timeout=EVENT_TIMEOUT_MS)


def submit(page: Page, form: str, button: str, **fields: str) -> None:
    """Fill the form's fields (by their labels) and click its button."""
    call = page.locator(f"#{form}-form")
    for label, value in fields.items():
        call.get_by_label(label).fill(value)
    call.get_by_role("button", name=button).click()


def message(page: Page, kind: str, nth: int = 0) -> Any:
    """The ``nth`` most recent message of ``kind`` in the panel's RudderStack column."""
    return page.locator(f"#messages li[data-type={kind}]").nth(nth)


def wait_until(page: Page, condition: Callable[[], object]) -> None:
    """Let the page run (and Playwright hand us its requests) until ``condition()`` holds."""
    deadline = time.monotonic() + EVENT_TIMEOUT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, "the page did not get there in time"
        page.wait_for_timeout(50)


def stat(page: Page, name: str) -> Any:
    return page.locator(f"#stats tr[data-stat={name}] td")


def test_a_person_drives_the_demo_and_pendo_receives_what_the_panel_shows(
    page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str,
) -> None:
    open_demo(page, demo.origin, interpreter)
    # the boot, step by step, under the interpreter the switch chose
    expect(page.locator("#boot-steps")).to_contain_text(f"Loading PyScript ({INTERPRETER_NAMES[interpreter]})")
    expect(page.locator("#boot-steps")).to_contain_text("Pendo agent")  # and the early-started agent

    identify = page.locator("#identify-form")
    identify.get_by_label("userId").fill("user-7")
    identify.get_by_label("email").fill("grace@example.com")
    identify.get_by_label("plan").select_option("enterprise")
    identify.get_by_role("button", name="Identify").click()
    submit(page, "group", "Group", groupId="globex", name="Globex", employees="250")
    submit(page, "track", "Track", event="Report Exported", properties='{"format": "pdf", "pages": 12}')
    submit(page, "page", "Page", category="Docs", name="Pricing")
    submit(page, "consent", "Deny")
    submit(page, "track", "Track", event="While Denied", properties="{}")
    submit(page, "consent", "Grant")
    submit(page, "alias", "Alias", **{"new userId": "user-8"})
    submit(page, "track", "Track", event="After Alias", properties='{"step": 2}')

    # The panel: each message and what became of it, and the counts.
    expect(message(page, "track", 2)).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)
    expect(message(page, "track", 1)).to_have_attribute("data-outcome", "filtered")
    expect(message(page, "track", 1)).to_contain_text("While Denied")
    expect(message(page, "track", 0)).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)
    expect(message(page, "alias")).to_contain_text("user-7 → user-8")
    expect(stat(page, "filtered")).to_have_text("1")
    expect(stat(page, "sent")).to_have_text("6")  # identify, group, track, page, alias, track
    # What Pendo received, as the panel shows it: the two tracks that were allowed, newest first.
    received_tracks = page.locator("#received li[data-type=track] strong")
    expect(received_tracks).to_have_text(["After Alias", "Report Exported"], timeout=EVENT_TIMEOUT_MS)

    # The same events reached the demo's collector, the stand-in for Pendo's data host.
    wire = demo.collector.wire
    assert [event["track_event_name"] for event in wire.track_events()] == ["Report Exported", "After Alias"]
    assert wire.track_events()[0]["props"] == {"format": "pdf", "pages": 12}
    assert (wire.track_events()[0]["visitor_id"], wire.track_events()[0]["account_id"]) == ("user-7", "globex")
    assert wire.track_events()[1]["visitor_id"] == "user-8"
    metadata = [event["props"] for event in wire.meta_events()]
    assert {"id": "user-7", "email": "grace@example.com", "plan": "enterprise", "language": "en_US"} in [
        meta["visitor"] for meta in metadata]
    assert {"id": "globex", "name": "Globex", "employees": 250} in [meta["account"] for meta in metadata]
    assert pendo.wire.events() == []  # nothing went to Pendo's hosts: the demo is offline
    assert pendo.agent_requests == []

    # For the README: the newest message's Pendo calls and what Pendo received for it, opened.
    message(page, "track").get_by_text("Pendo agent calls").click()
    page.locator("#received li[data-type=track]").first.get_by_text("event as decoded").click()
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.screenshot(path=str(SCREENSHOT))
    if os.environ.get("UPDATE_DEMO_SCREENSHOT") == "1":
        shutil.copyfile(SCREENSHOT, README_SCREENSHOT)


def test_reset_starts_a_new_anonymous_visitor_in_the_panel_and_on_the_wire(
    page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str,
) -> None:
    open_demo(page, demo.origin, interpreter)
    submit(page, "identify", "Identify", userId="user-9")
    expect(message(page, "identify")).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)
    anonymous_id = page.locator("#identity dd").first.text_content()

    page.locator("#reset-form").get_by_label("new anonymousId too").check()
    submit(page, "reset", "Reset")
    expect(message(page, "reset")).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)
    submit(page, "track", "Track", event="After Reset", properties="{}")

    expect(page.locator("#received li[data-type=track] strong")).to_have_text(["After Reset"],
                                                                             timeout=EVENT_TIMEOUT_MS)
    new_anonymous_id = page.locator("#identity dd").first.text_content()
    assert new_anonymous_id != anonymous_id
    (track,) = demo.collector.wire.track_events()
    assert track["visitor_id"] == f"_PENDO_T_{new_anonymous_id}"
    assert track.get("account_id") is None


def test_bad_input_is_explained_beside_its_form_and_the_next_success_clears_it(
    page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str,
) -> None:
    open_demo(page, demo.origin, interpreter)
    track_error = page.locator("#track-form").get_by_role("alert")

    submit(page, "track", "Track", event="Broken", properties="{not json")
    # Python's JSON parser says what and where; MicroPython's only that it is not JSON.
    expect(track_error).to_have_text({
        "pyodide": "properties is not valid JSON: Expecting property name enclosed in double quotes (line 1, "
                   "column 2)",
        "micropython": "properties is not valid JSON: syntax error in JSON"}[interpreter])
    submit(page, "track", "Track", event="Broken", properties='["csv"]')
    expect(track_error).to_have_text('properties must be a JSON object, like {"format": "csv"}')
    expect(page.locator("#messages li")).to_have_count(0)  # nothing was sent
    expect(page.get_by_role("alert")).to_have_count(1)  # beside the form that caused it, and nowhere else

    submit(page, "track", "Track", event="Fixed", properties='{"format": "csv"}')
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(message(page, "track")).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)


def test_the_panel_shows_whether_consent_is_granted(
    page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str,
) -> None:
    open_demo(page, demo.origin, interpreter)
    consent = page.locator("#consent-state")
    expect(consent).to_have_text("granted")

    submit(page, "consent", "Deny")
    expect(consent).to_have_text("denied")
    submit(page, "consent", "Grant")
    expect(consent).to_have_text("granted")


def test_a_page_call_for_the_unchanged_url_says_why_pendo_received_nothing(
    page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str,
) -> None:
    open_demo(page, demo.origin, interpreter)
    submit(page, "page", "Page", category="Docs", name="Pricing")
    expect(message(page, "page")).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)
    expect(message(page, "page")).to_contain_text(
        f"Pendo received nothing: its agent sends a page load only when the URL differs from the last one it "
        f"recorded, and this page's URL ({demo_url(demo.origin, interpreter)}) has not changed")

    # The agent sends in order: once a later track arrived, a load event for the page() would have too.
    submit(page, "track", "Track", event="After Page", properties="{}")
    wait_until(page, lambda: demo.collector.wire.track_events())
    loads = [event for event in demo.collector.wire.events() if event["type"] == "load"]
    assert [event["url"] for event in loads] == [demo_url(demo.origin, interpreter)]  # the agent's own, at start


def test_a_group_call_shows_as_an_account_change_in_what_pendo_received(
    page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str,
) -> None:
    open_demo(page, demo.origin, interpreter)
    submit(page, "identify", "Identify", userId="user-7")
    submit(page, "group", "Group", groupId="globex")
    submit(page, "group", "Group", groupId="initech")

    expect(page.locator("#received li[data-type=identify] strong")).to_have_text(
        ["account change: globex → initech", "account change: none → globex",
         re.compile(r"^visitor change: _PENDO_T_[0-9a-f-]+ → user-7$")], timeout=EVENT_TIMEOUT_MS)


def test_the_console_stays_quiet(page: Page, demo: DemoServer, interpreter: str) -> None:
    # Without the `pendo` fixture: while Playwright routes requests, Chromium does not ask for the page's icon.
    # Offline, the demo asks nothing of any host but its own.
    console: list[str] = []
    page.on("console", lambda entry: console.append(f"{entry.type}: {entry.text}") if entry.type in (
        "error", "warning") else None)
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    open_demo(page, demo.origin, interpreter)  # the browser asks for the icon once the page has loaded
    submit(page, "identify", "Identify", userId="user-12")
    expect(message(page, "identify")).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)

    assert console == []


def test_on_all_interfaces_the_demo_works_at_the_address_the_browser_used(
    page: Page, pendo: PendoEdge, site: Any, interpreter: str,
) -> None:
    built, _ = site
    server = DemoServer(built.root, DemoSettings(), host="0.0.0.0").start()  # as in a container, port forwarded
    port = server.origin.rsplit(":", 1)[1]
    try:
        open_demo(page, f"http://localhost:{port}", interpreter)
        submit(page, "track", "Track", event="Through Localhost", properties="{}")
        wait_until(page, lambda: server.collector.wire.track_events())
    finally:
        server.stop()
    assert server.collector.wire.track_events()[0]["url"] == demo_url(f"http://localhost:{port}", interpreter)


def test_the_agents_own_events_can_be_shown(page: Page, pendo: PendoEdge, demo: DemoServer, interpreter: str) -> None:
    open_demo(page, demo.origin, interpreter)
    submit(page, "track", "Track", event="Clicked", properties="{}")
    expect(page.locator("#received li[data-type=track]")).to_have_count(1, timeout=EVENT_TIMEOUT_MS)
    clicks = page.locator("#received li[data-type=click]")
    expect(clicks.first).to_be_hidden()

    page.get_by_label("also the agent's own events").check()

    expect(clicks.first).to_be_visible()
    expect(clicks.first).to_contain_text("BUTTON in #track-form")


def test_with_a_pendo_api_key_the_demo_loads_pendos_agent_and_sends_to_pendo(
    page: Page, pendo: PendoEdge, site: Any, interpreter: str,
) -> None:
    built, _ = site
    settings = DemoSettings.from_environment({"PENDO_API_KEY": "live-key", "PENDO_ENV": "eu"})
    server = DemoServer(built.root, settings).start()
    try:
        open_demo(page, server.origin, interpreter)
        expect(page.locator("#mode")).to_contain_text("Sending to Pendo (eu)")
        submit(page, "identify", "Identify", userId="user-11", email="lin@example.com")
        submit(page, "track", "Track", event="Live", properties="{}")
        expect(message(page, "track")).to_have_attribute("data-outcome", "delivered", timeout=EVENT_TIMEOUT_MS)
        wait_until(page, lambda: pendo.wire.track_events())
    finally:
        server.stop()

    assert pendo.agent_requests == ["https://cdn.eu.pendo.io/agent/static/live-key/pendo.js"]
    assert {request.url.split("/")[2] for request in pendo.wire.requests} == {"app.eu.pendo.io"}
    assert pendo.wire.visitor()["email"] == "lin@example.com"
    assert [event["track_event_name"] for event in pendo.wire.track_events()] == ["Live"]
    assert server.collector.wire.requests == []


def test_the_demo_settings_come_from_the_environment() -> None:
    assert DemoSettings.from_environment({}) == DemoSettings("demo-key", None)
    assert DemoSettings.from_environment({"PENDO_API_KEY": "abc-123", "PENDO_ENV": "jpn"}) == DemoSettings(
        "abc-123", "jp")
    with pytest.raises(SystemExit, match="PENDO_ENV must be one of"):
        DemoSettings.from_environment({"PENDO_API_KEY": "abc-123", "PENDO_ENV": "mars"})
    with pytest.raises(SystemExit, match="does not look like a Pendo API key"):
        DemoSettings.from_environment({"PENDO_API_KEY": '"><script>'})
    offline = DemoSettings().page_config("http://127.0.0.1:8000")
    assert offline["agentUrl"] == "http://127.0.0.1:8000/pendo-agent.mjs"
    assert offline["pendoOptions"] == {"dataHost": "http://127.0.0.1:8000"}
    assert json.loads(json.dumps(offline)) == offline
    assert DemoSettings().early_start_attributes("http://127.0.0.1:8000") == (
        'data-api-key="demo-key" data-agent-url="http://127.0.0.1:8000/pendo-agent.mjs" '
        'data-pendo-options="{&quot;dataHost&quot;: &quot;http://127.0.0.1:8000&quot;}"')
    assert DemoSettings("abc-123", "eu").early_start_attributes("http://127.0.0.1:8000") == \
        'data-api-key="abc-123" data-env="eu"'


def run_demo_command(*arguments: str) -> subprocess.Popen[str]:
    """``./dev demo …`` as a person runs it (its Python part: ``./dev`` sets up, then runs this)."""
    return subprocess.Popen([sys.executable, "-m", "devtools.demo", *arguments], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PENDO_API_KEY": ""})


def test_a_taken_port_is_reported_in_plain_words() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = run_demo_command("--port", str(port))
        _, err = command.communicate(timeout=60)

    assert command.returncode != 0
    assert err.strip() == (f"Port {port} on 127.0.0.1 is taken (another ./dev demo?): stop what uses it, "
                           f"or pick another port with --port N (--port 0 picks a free one).")


def test_host_serves_beyond_loopback_and_warns_that_it_does() -> None:
    command = run_demo_command("--host", "0.0.0.0", "--port", "0")
    try:
        assert command.stdout is not None and command.stderr is not None
        opened = command.stdout.readline()
        warning = command.stderr.readline()
        port = re.search(r"http://localhost:(\d+)/", opened).group(1)  # type: ignore[union-attr]
        with urllib.request.urlopen(f"http://localhost:{port}/demo-config.json") as response:
            config = json.load(response)
    finally:
        command.terminate()
        command.wait(timeout=30)

    assert warning.startswith("Warning: --host 0.0.0.0 makes the demo reachable from other machines")
    assert config["agentUrl"] == f"http://localhost:{port}/pendo-agent.mjs"  # the address the browser used
