"""A recording stand-in for the Pendo agent, so the pipeline runs under CPython exactly as in the page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from pyodide_pendo import AgentPlan, Analytics
from pyodide_pendo.messages import FixedEnvironment, PageInfo
from pyodide_pendo.persistence import MemoryStore

PAGE = PageInfo(url="https://shop.example.com/cart?step=2", path="/cart", search="?step=2", title="Cart",
                referrer="https://example.com/")


@dataclass
class RecordingAgent:
    """Answers ``poll`` with ``status`` and records every call as (method, decoded arguments)."""

    status: str = "ready"
    reason: str | None = None
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)
    plans: list[AgentPlan] = field(default_factory=list)
    raise_on: set[str] = field(default_factory=set)

    def start(self, plan: AgentPlan) -> None:
        self.plans.append(plan)

    def poll(self) -> tuple[str, str | None]:
        return self.status, self.reason  # type: ignore[return-value]

    def call_each(self, method: str, arguments_json: list[str]) -> tuple[int, str] | None:
        for index, text in enumerate(arguments_json):
            if method in self.raise_on:
                return index, f"TypeError: {method} exploded"
            self.calls.append((method, json.loads(text)))
        return None

    def enable_debugging(self) -> bool:
        self.calls.append(("enableDebugging", []))
        return True

    def of(self, method: str) -> list[list[Any]]:
        return [arguments for name, arguments in self.calls if name == method]


@dataclass
class ManualSchedule:
    """Holds the readiness watcher so a test decides when it runs."""

    coroutines: list[Any] = field(default_factory=list)

    def __call__(self, coroutine: Any) -> None:
        self.coroutines.append(coroutine)


@pytest.fixture
def agent() -> RecordingAgent:
    return RecordingAgent()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def schedule() -> ManualSchedule:
    schedule = ManualSchedule()
    yield schedule
    for coroutine in schedule.coroutines:
        coroutine.close()


@pytest.fixture
def analytics(agent: RecordingAgent, store: MemoryStore, schedule: ManualSchedule) -> Analytics:
    return Analytics(agent=agent, environment=FixedEnvironment(PAGE, {"userAgent": "test", "locale": "en-GB"}),
                     store=store, schedule=schedule)
