"""The demo's Python: the package's calls behind forms, and a live panel of what became of each.

Runs on PyScript's main thread. Decisions, all about the demo rather than the package:
- It reads ``demo-config.json`` (served by ``devtools/demo.py``) and passes it to ``load()``: offline, the
  self-hosted agent and the demo server as Pendo's data host; with ``PENDO_API_KEY``, Pendo itself.
- The agent batches events (it sends every 2 minutes, or at 16 events); so that the panel is live, the demo
  asks it to send (``pendo.flushNow()``) after calls were delivered. A real page leaves batching to the agent.
- Offline, "What Pendo received" is polled from the demo server, which decodes what the agent sent; sent to
  Pendo, the events are in Pendo (the demo server never sees them).
- The DOM is built with ``createElement`` and ``textContent`` only: traits typed into the forms are shown as
  text, never parsed as HTML.
"""

import asyncio
import json

from pyscript import document, fetch, when, window

from pyodide_pendo import rudderanalytics

try:  # Names for annotations only: MicroPython (the demo's other interpreter) has no typing module.
    from collections.abc import Callable
    from typing import Any, TypeAlias

    JsElement: TypeAlias = Any  # a DOM element, through PyScript
    Payload: TypeAlias = dict[str, Any]  # what a rudderanalytics.on() listener receives
    FormValues: TypeAlias = dict[str, str]
except ImportError:
    pass

POLL_SECONDS = 0.5
OUTCOMES = ("delivered", "filtered", "dropped", "undelivered")
STATS_SHOWN = ("sent", "waiting", "filtered", "dropped", "undelivered")


def element(tag: str, text: str = "", **attributes: object) -> JsElement:
    """A new element with ``text`` as its text; ``data_type=`` sets ``data-type``, ``class_=`` sets ``class``."""
    node = document.createElement(tag)
    if text:
        node.textContent = text
    for name, value in attributes.items():
        node.setAttribute(name.rstrip("_").replace("_", "-"), str(value))
    return node


def details(summary: str, text: str) -> JsElement:
    """A collapsed ``<details>`` showing ``text`` as it is."""
    box = element("details")
    box.append(element("summary", summary))
    box.append(element("pre", text))
    return box


def as_json(value: object, indent: int | None = 2) -> str:
    """JSON for people, letters outside ASCII as they are; MicroPython's ``json.dumps`` takes neither option,
    so there it is one line, escaped."""
    try:
        return json.dumps(value, indent=indent, ensure_ascii=False)
    except TypeError:
        return json.dumps(value)


def prepend(stream_id: str, item: JsElement) -> None:
    stream = document.getElementById(stream_id)
    stream.insertBefore(item, stream.firstChild)


# -- the panel: messages and their outcomes ------------------------------------------------------------------

message_items: dict[str, JsElement] = {}  # messageId -> the message's <li>
delivered_since_flush = False


def message_summary(message: dict[str, Any]) -> str:
    kind = message["type"]
    if kind == "identify":
        return message["userId"] or f"anonymous {message['anonymousId']}"
    if kind == "group":
        return message["groupId"]
    if kind == "track":
        return message["event"]
    if kind == "page":
        return " / ".join(part for part in (message.get("category"), message.get("name")) if part) or "(page)"
    return f"{message['previousId']} → {message['userId']}"  # alias


def show_message(payload: Payload) -> None:
    message = payload["message"]
    item = element("li", data_type=message["type"], data_outcome="waiting")
    item.append(element("span", message["type"], class_="badge"))
    item.append(element("strong", message_summary(message)))
    item.append(element("span", "waiting for the agent", class_="outcome"))
    item.append(details("RudderStack message", as_json(message)))
    message_items[message["messageId"]] = item
    prepend("messages", item)


def pendo_call_text(call: dict[str, Any]) -> str:
    arguments = ", ".join(as_json(argument, None) for argument in call["arguments"])
    return f"pendo.{call['method']}({arguments})"


def unchanged_url_note(calls: list[dict[str, Any]]) -> str:
    """Why a delivered page() shows nothing in "What Pendo received".

    The agent's ``pageLoad`` sends a ``load`` event only for a URL that differs from the last one it recorded,
    and it records the page's URL by itself (when it starts, and on every change). This page never changes
    its URL, so no page() here reaches Pendo; a person who sees "delivered" deserves to know why.
    """
    (page_load,) = calls
    url = page_load["arguments"][0] if page_load["arguments"] else window.location.href
    return (f"Pendo received nothing: its agent sends a page load only when the URL differs from the last one it "
            f"recorded, and this page's URL ({url}) has not changed. A page() shows in Pendo for a virtual page: "
            f"pass its url in the properties.")


def show_outcome(outcome: str) -> Callable[[Payload], None]:
    def listener(payload: Payload) -> None:
        global delivered_since_flush
        message = payload.get("message")
        item = message_items.get(message["messageId"]) if message else None
        if item is None:  # reset: Pendo calls that belong to no message
            item = element("li", data_type="reset")
            item.append(element("span", "reset", class_="badge"))
            item.append(element("strong", "new anonymous visitor"))
            item.append(element("span", "", class_="outcome"))
            prepend("messages", item)
        item.dataset.outcome = outcome
        reason = payload.get("reason")
        item.querySelector(".outcome").textContent = f"{outcome}: {reason}" if reason else outcome
        if outcome == "delivered":
            if message and message["type"] == "page":
                item.querySelector(".outcome").after(element("span", unchanged_url_note(payload["calls"]),
                                                             class_="note"))
            calls = "\n".join(pendo_call_text(call) for call in payload["calls"])
            item.append(details("Pendo agent calls", calls))
            delivered_since_flush = True
        refresh_status()

    return listener


def show_state(payload: Payload) -> None:
    state = document.getElementById("agent-state")
    state.textContent = payload["state"]
    state.dataset.state = payload["state"]
    document.getElementById("agent-error").textContent = payload["error"] or ""
    refresh_status()


def show_consent(granted: bool) -> None:
    """The package keeps its consent state to itself, so the panel shows what the demo last chose."""
    state = document.getElementById("consent-state")
    state.textContent = "granted" if granted else "denied"
    state.dataset.state = state.textContent


def refresh_status() -> None:
    stats = rudderanalytics.stats()
    rows = document.querySelector("#stats tbody")
    rows.replaceChildren()
    for name in STATS_SHOWN:
        row = element("tr", data_stat=name)
        row.append(element("th", name))
        row.append(element("td", str(stats[name])))
        rows.append(row)
    identity = document.getElementById("identity")
    identity.replaceChildren()
    for name, value in (("anonymousId", rudderanalytics.get_anonymous_id()),
                        ("userId", rudderanalytics.get_user_id()), ("groupId", rudderanalytics.get_group_id())):
        identity.append(element("dt", name))
        identity.append(element("dd", value or "—"))


# -- what Pendo received -------------------------------------------------------------------------------------

shown_events: set[tuple[Any, Any, Any]] = set()  # (tabId, frameId, sequence) of events already in the list
CALL_EVENTS = ("meta", "identify", "track", "load")  # what our calls (and the page load) make the agent send


def event_summary(event: dict[str, Any]) -> str:
    kind = event["type"]
    props = event.get("props") or {}
    if kind == "track":
        return event["track_event_name"]
    if kind == "identify":  # the agent sends one when the visitor or the account changes: name what changed
        changes = []
        for what in ("visitor", "account"):
            old, new = props.get(f"old_{what}_id"), props.get(f"{what}_id")
            if old != new:
                changes.append(f"{what} change: {old or 'none'} → {new or 'none'}")
        return ", ".join(changes)
    if kind == "meta":
        visitor = props.get("visitor") or {}
        return f"metadata of {visitor.get('id')}"
    if kind == "load":
        return f"page {event.get('url', '')}"
    target = props.get("target") or {}
    where = target  # the agent describes the element and its ancestors: name the closest one with an id
    while where and not where.get("id"):
        where = where.get("parentElem")
    return f"{target.get('tag', '?')} in #{where['id']}" if where else target.get("tag", "?")


def show_event(event: dict[str, Any]) -> None:
    source = "call" if event["type"] in CALL_EVENTS else "agent"
    item = element("li", data_type=event["type"], data_source=source)
    item.append(element("span", event["type"], class_="badge"))
    item.append(element("strong", event_summary(event)))
    who = f"visitor {event.get('visitor_id')} · account {event.get('account_id') or '—'}"
    item.append(element("span", who, class_="outcome"))
    item.append(details("event as decoded", as_json(event)))
    prepend("received", item)


async def follow_the_wire(collector_url: str | None) -> None:
    """Show new events as the demo server receives them, and have the agent send what it batched."""
    global delivered_since_flush
    while True:
        if delivered_since_flush and rudderanalytics.stats()["state"] == "ready":
            delivered_since_flush = False
            window.pendo.flushNow()
        if collector_url:
            received = await fetch(collector_url).json()
            for event in received["events"]:
                key = (event.get("tabId"), event.get("frameId"), event.get("sequence"))
                if key not in shown_events:
                    shown_events.add(key)
                    show_event(event)
        await asyncio.sleep(POLL_SECONDS)


# -- the calls -----------------------------------------------------------------------------------------------


def form_call(form_id: str) -> Callable[[Callable[[FormValues], None]], Callable[[Any], None]]:
    """Run the decorated function on the form's submit, with its values.

    Bad input is not raised into the console, where a person trying the demo would not look: it is shown in
    words under the form's button, and cleared once the form's call succeeds.
    """

    def decorate(function: Callable[[FormValues], None]) -> Callable[[Any], None]:
        error = element("output", class_="error", role="alert")
        document.getElementById(form_id).append(error)

        @when("submit", f"#{form_id}")
        def submitted(event: Any) -> None:
            event.preventDefault()
            values = {key: value for key, value in window.FormData.new(event.target, event.submitter).entries()}
            try:
                function(values)
            except (TypeError, ValueError) as problem:
                error.textContent = str(problem)
            else:
                error.textContent = ""
            refresh_status()

        return submitted

    return decorate


@when("change", "#show-ui-events")
def toggle_ui_events(event: Any) -> None:
    document.getElementById("received").classList.toggle("with-ui-events", event.target.checked)


@form_call("identify-form")
def identify(values: FormValues) -> None:
    traits = {"email": values["email"], "plan": values["plan"]}
    rudderanalytics.identify(values["userId"], {key: value for key, value in traits.items() if value})


@form_call("group-form")
def group(values: FormValues) -> None:
    traits: dict[str, str | int] = {"name": values["name"]}
    if values["employees"]:
        traits["employees"] = int(values["employees"])
    rudderanalytics.group(values["groupId"], traits)


@form_call("track-form")
def track(values: FormValues) -> None:
    try:
        properties = json.loads(values["properties"] or "{}")
    except ValueError as problem:  # its text names neither the field nor JSON (nor, under MicroPython, where)
        where = f" (line {problem.lineno}, column {problem.colno})" if hasattr(problem, "lineno") else ""
        raise ValueError(f"properties is not valid JSON: {getattr(problem, 'msg', problem)}{where}") from None
    if not isinstance(properties, dict):  # the package would say "must be a dict", Python's word for it
        raise ValueError('properties must be a JSON object, like {"format": "csv"}')
    rudderanalytics.track(values["event"], properties)


@form_call("page-form")
def page(values: FormValues) -> None:
    rudderanalytics.page(values["category"] or None, values["name"] or None)


@form_call("alias-form")
def alias(values: FormValues) -> None:
    rudderanalytics.alias(values["to"])


@form_call("reset-form")
def reset(values: FormValues) -> None:
    rudderanalytics.reset("anonymousId" in values)


@form_call("consent-form")
def consent(values: FormValues) -> None:
    granted = values["granted"] == "yes"
    rudderanalytics.consent(granted)
    show_consent(granted)


# -- start ---------------------------------------------------------------------------------------------------


def python_started_step() -> JsElement:
    """The boot list's last line: when Python's load() ran, and how long before that Pendo was ready."""
    now = window.performance.now()
    text = f"Python running: load() called at {now / 1000:.2f} s"
    early = getattr(window, "pyodidePendoEarlyStart", None)
    ready_at = getattr(early, "readyAt", None) if early is not None else None
    if isinstance(ready_at, (int, float)):
        text += f"; Pendo was ready {(now - ready_at) / 1000:.2f} s earlier (early start)"
    return element("li", text, class_="python")


config = await fetch("demo-config.json").json()
if config["mode"] == "offline":
    document.getElementById("mode").textContent = (
        "Offline: Pendo's real agent from npm, served by the demo server, which also stands in for Pendo's "
        "data host and decodes what the agent sends.")
    document.getElementById("received-source").textContent = "decoded by the demo server"
    options = {"agent_url": config["agentUrl"], "pendo_options": config["pendoOptions"]}
else:
    document.getElementById("mode").textContent = (
        f"Sending to Pendo ({config['env']}) with your PENDO_API_KEY: events appear in Pendo.")
    document.getElementById("received-source").textContent = "sent to Pendo; see them there"
    options = {"env": config["env"]}

rudderanalytics.on("message", show_message)
for outcome in OUTCOMES:
    rudderanalytics.on(outcome, show_outcome(outcome))
rudderanalytics.on("state", show_state)
rudderanalytics.load(config["apiKey"], **options)
show_consent(True)  # load() without its consent option: granted

document.body.dataset.python = "ready"
document.getElementById("boot-steps").append(python_started_step())
document.getElementById("calls").disabled = False
refresh_status()
asyncio.create_task(follow_the_wire(config["collector"]))
