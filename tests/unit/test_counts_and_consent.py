"""Every message ends delivered, filtered, dropped or undelivered, and counts, listeners and callbacks agree."""

from __future__ import annotations

import logging

import pytest

from pyodide_pendo import Analytics, PendoLoadError
from tests.unit.async_support import run


def listen(analytics: Analytics) -> list[tuple[str, object, str]]:
    """Every notice as (kind, the event's name or None, reason)."""
    heard: list[tuple[str, object, str]] = []
    for kind in ("filtered", "dropped", "undelivered"):
        analytics.on(kind, lambda payload, kind=kind: heard.append(
            (kind, (payload["message"] or {}).get("event"), payload["reason"])))
    return heard


def test_calls_dropped_while_the_agent_loads_get_their_callbacks(analytics: Analytics, agent) -> None:
    agent.status = "loading"
    analytics.load("KEY", queue_size=1)
    heard, called = listen(analytics), []
    analytics.track("Waits", None, None, lambda message: called.append(message["event"]))
    analytics.track("Dropped", None, None, lambda message: called.append(message["event"]))
    assert called == ["Dropped"]
    assert heard == [("dropped", "Dropped", "queue full")]
    assert analytics.stats()["dropped"] == 1 and analytics.stats()["waiting"] == 1


def test_messages_held_for_consent_then_denied_are_filtered_with_notice(analytics: Analytics, agent) -> None:
    analytics.load("KEY", consent="pending")
    heard, called = listen(analytics), []
    analytics.track("A", None, None, lambda message: called.append(message["event"]))
    analytics.track("B", None, None, lambda message: called.append(message["event"]))
    assert analytics.consent(granted=False) == 2
    assert called == ["A", "B"]
    assert heard == [("filtered", "A", "consent denied"), ("filtered", "B", "consent denied")]
    assert analytics.stats()["filtered"] == 2 and analytics.stats()["waiting"] == 0


def test_messages_over_the_consent_queue_are_dropped_with_notice(analytics: Analytics, caplog) -> None:
    analytics.load("KEY", consent="pending", queue_size=1)
    heard, called = listen(analytics), []
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        for name in "ABC":
            analytics.track(name, None, None, lambda message: called.append(message["event"]))
    assert called == ["B", "C"]
    assert heard == [("dropped", "B", "queue full (waiting for consent)")] + [
        ("dropped", "C", "queue full (waiting for consent)")]
    assert analytics.stats()["dropped"] == 2
    assert sum("wait for consent" in record.getMessage() for record in caplog.records) == 1


def test_a_raising_before_send_hook_drops_its_message_with_notice(analytics: Analytics, agent) -> None:
    def broken(message):
        raise KeyError("oops")

    analytics.load("KEY", before_send=broken)
    heard, called = listen(analytics), []
    analytics.track("A", None, None, lambda message: called.append(message["event"]))
    assert heard == [("dropped", "A", "a before_send hook raised")]
    assert called == ["A"]
    assert analytics.stats()["dropped"] == 1 and agent.of("track") == []


# -- ready() and consent ----------------------------------------------------------------------------------

def test_ready_settles_with_an_error_once_consent_is_denied(analytics: Analytics, agent) -> None:
    errors = []
    analytics.ready(errors.append)
    analytics.load("KEY", consent="pending")
    assert errors == []
    analytics.consent(granted=False)
    assert [type(error) for error in errors] == [PendoLoadError]
    assert "consent was denied" in str(errors[0])
    with pytest.raises(PendoLoadError, match="consent was denied"):
        run(_await(analytics.ready()))
    analytics.ready(errors.append)
    assert len(errors) == 2 and agent.plans == []


def test_consent_denied_before_load_settles_ready_at_load(analytics: Analytics, agent) -> None:
    errors = []
    analytics.consent(granted=False)
    analytics.ready(errors.append)
    analytics.load("KEY")
    assert [type(error) for error in errors] == [PendoLoadError] and agent.plans == []


def test_ready_says_once_that_it_waits_for_consent(analytics: Analytics, caplog) -> None:
    analytics.load("KEY", consent="pending")
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        analytics.ready(lambda error=None: None)
        analytics.ready()
    assert [record.getMessage() for record in caplog.records] == [
        "ready() waits for consent: the Pendo agent loads only after consent(granted=True)"]


def test_withdrawn_consent_stops_the_agent_and_granted_again_resumes_it(analytics: Analytics, agent) -> None:
    analytics.load("KEY")
    analytics.track("Before")
    analytics.consent(granted=False)
    analytics.track("While Withdrawn")
    assert [name for name, _ in agent.calls] == ["track", "flushNow", "stopSendingEvents"]
    analytics.consent(granted=True)
    analytics.track("After")
    assert [name for name, _ in agent.calls][3:] == ["startSendingEvents", "track"]
    assert [arguments[0] for arguments in agent.of("track")] == ["Before", "After"]
    assert analytics.stats()["sent"] == 2 and analytics.stats()["filtered"] == 1


def test_consent_withdrawn_while_the_agent_loads(analytics: Analytics, agent, schedule) -> None:
    agent.status = "loading"
    analytics.load("KEY")
    heard, called = listen(analytics), []
    analytics.track("Waiting", None, None, lambda message: called.append(message["event"]))
    assert analytics.consent(granted=False) == 1
    assert heard == [("filtered", "Waiting", "consent withdrawn")] and called == ["Waiting"]
    agent.status = "ready"
    run(schedule.coroutines.pop())
    assert [name for name, _ in agent.calls] == ["stopSendingEvents"]
    assert analytics.stats()["waiting"] == 0 and analytics.stats()["filtered"] == 1


async def _await(awaitable):
    return await awaitable


def test_the_failure_warning_counts_the_calls_that_waited_as_stats_does(analytics: Analytics, agent, schedule,
                                                                         caplog) -> None:
    agent.status = "loading"
    analytics.load("KEY")
    analytics.track("A")
    analytics.track("B")
    agent.status, agent.reason = "failed", "blocked by the test"
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        run(schedule.coroutines.pop())
    assert analytics.stats()["undelivered"] == 2
    assert [record.getMessage() for record in caplog.records] == [
        "events are not reaching Pendo: blocked by the test (2 waiting call(s) undelivered; later calls are "
        "counted as undelivered, see stats())"]



def test_awaiting_ready_wakes_when_the_agent_gets_ready(analytics: Analytics, agent, schedule) -> None:
    agent.status = "loading"
    analytics.load("KEY")

    async def scenario() -> list[str]:
        import asyncio

        happened: list[str] = []

        async def wait_for_ready() -> None:
            await analytics.ready()
            happened.append("ready")

        waiter = asyncio.ensure_future(wait_for_ready())
        await asyncio.sleep(0.05)
        happened.append("still waiting" if not waiter.done() else "done too early")
        agent.status = "ready"
        await schedule.coroutines.pop()  # the readiness watcher sees it
        await waiter
        return happened

    assert run(scenario()) == ["still waiting", "ready"]
