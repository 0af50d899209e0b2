"""Calls batched until the end of the task (as in the page) reach the agent in order, a run at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pyodide_pendo.destination import FLUSH_AT, AgentPlan, PendoDestination
from pyodide_pendo.config import LoadConfig
from pyodide_pendo.mapping import PendoCall
from pyodide_pendo.outcomes import LISTENER_KINDS, Outcomes


class RunRecordingAgent:
    """Records each ``call_each`` run; throws (as the page reports it) on the arguments listed in ``throw_on``."""

    def __init__(self, throw_on: tuple[str, ...] = ()) -> None:
        self.runs: list[tuple[str, list[Any]]] = []
        self.throw_on = throw_on

    def start(self, plan: AgentPlan) -> None:
        pass

    def poll(self) -> tuple[str, str | None]:
        return "ready", None

    def call_each(self, method: str, arguments_json: list[str]) -> tuple[int, str] | None:
        made: list[Any] = []
        self.runs.append((method, made))
        for index, text in enumerate(arguments_json):
            arguments = json.loads(text)
            if arguments and arguments[0] in self.throw_on:
                return index, "TypeError: boom"
            made.append(arguments[0] if arguments else None)
        return None

    def enable_debugging(self) -> bool:
        return True


class EndOfTask:
    """Holds the flush the destination asks for, as the page's microtask queue would."""

    def __init__(self) -> None:
        self.due: list[Callable[[], None]] = []

    def __call__(self, flush: Callable[[], None]) -> None:
        self.due.append(flush)

    def run(self) -> None:
        due, self.due = self.due, []
        for flush in due:
            flush()


def ready_destination(agent: RunRecordingAgent, end_of_task: EndOfTask) -> tuple[PendoDestination, list[Any]]:
    happenings: list[Any] = []
    outcomes = Outcomes()
    for kind in LISTENER_KINDS:
        outcomes.listen(kind, lambda payload, kind=kind: happenings.append((kind, payload)))
    destination = PendoDestination(agent, outcomes, LoadConfig.parse("KEY", {}), flush_soon=end_of_task)
    destination.start(AgentPlan("https://cdn.pendo.io/agent/static/KEY/pendo.js", False, {"apiKey": "KEY"}))
    assert destination.state == "ready"
    return destination, happenings


def track(name: str) -> list[PendoCall]:
    return [PendoCall("track", (name, {}))]


def test_calls_wait_for_the_end_of_the_task_then_go_out_in_order_one_run_per_method() -> None:
    agent, end_of_task = RunRecordingAgent(), EndOfTask()
    destination, _ = ready_destination(agent, end_of_task)
    destination.deliver({"event": "A"}, track("A"), None)
    destination.deliver({"event": "B"}, track("B"), None)
    destination.deliver_calls([PendoCall("clearSession"), PendoCall("identify", ("visitor",))])
    destination.deliver({"event": "C"}, track("C"), None)
    assert agent.runs == [] and destination.waiting == 4 and len(end_of_task.due) == 1
    end_of_task.run()
    assert agent.runs == [("track", ["A", "B"]), ("clearSession", [None]), ("identify", ["visitor"]),
                          ("track", ["C"])]
    assert (destination.outcomes.sent, destination.waiting) == (4, 0)


def test_a_full_batch_goes_out_at_once() -> None:
    agent, end_of_task = RunRecordingAgent(), EndOfTask()
    destination, _ = ready_destination(agent, end_of_task)
    for index in range(FLUSH_AT + 1):
        destination.deliver({"event": f"E{index}"}, track(f"E{index}"), None)
    assert agent.runs == [("track", [f"E{index}" for index in range(FLUSH_AT)])]
    assert destination.waiting == 1
    end_of_task.run()
    assert agent.runs[-1] == ("track", [f"E{FLUSH_AT}"]) and destination.outcomes.sent == FLUSH_AT + 1


def test_a_call_the_agent_throws_on_fails_its_message_only() -> None:
    agent, end_of_task = RunRecordingAgent(throw_on=("B", "visitor-b")), EndOfTask()
    destination, happenings = ready_destination(agent, end_of_task)
    called_back: list[str] = []
    destination.deliver({"event": "A"}, track("A"), lambda message: called_back.append(message["event"]))
    destination.deliver({"event": "B"}, track("B") + [PendoCall("identify", ("visitor-b",))],
                        lambda message: called_back.append(message["event"]))
    destination.deliver({"event": "C"}, track("C"), lambda message: called_back.append(message["event"]))
    end_of_task.run()
    # B threw: C still goes out in the same run's remainder, and B's own identify is skipped.
    assert agent.runs == [("track", ["A"]), ("track", ["C"])]
    assert (destination.outcomes.sent, destination.outcomes.undelivered) == (2, 1)
    assert called_back == ["A", "B", "C"]
    undelivered = [payload for kind, payload in happenings if kind == "undelivered"]
    assert undelivered == [{"message": {"event": "B"}, "reason": "pendo.track raised: TypeError: boom"}]
