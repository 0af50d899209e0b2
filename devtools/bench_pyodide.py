"""The benchmark's Python half: runs inside Pyodide on the bench page (``devtools/bench.py`` sends this source).

Loops time themselves with ``time.perf_counter_ns``, which Pyodide reads from ``performance.now()`` (same time
base, 5 µs steps in a cross-origin isolated page): one timestamp before the first call and one after each, so
no Playwright round trip and no JavaScript-to-Python hop is inside a figure. Results go back as JSON text, so no
proxy is created for them.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

_clock = time.perf_counter_ns
_fixtures: dict[str, Any] = {}


async def start(fixtures_json: str) -> str:
    """Import the package, ``load()`` it and await readiness, timing each step; returns the figures as JSON."""
    import js

    _fixtures.update(json.loads(fixtures_json))
    js.bench.watchAgentReady()
    import_started = _clock()
    import pyodide_pendo

    load_started = _clock()
    pyodide_pendo.load(_fixtures["api_key"])
    loaded = _clock()
    await pyodide_pendo.ready()
    ready_resolved = _clock()
    agent_ready_ms = await js.bench.agentReady
    return json.dumps({
        "import_ms": (load_started - import_started) / 1e6,
        "load_ms": (loaded - load_started) / 1e6,
        "load_to_agent_ready_ms": agent_ready_ms - load_started / 1e6,
        "load_to_ready_resolved_ms": (ready_resolved - load_started) / 1e6,
    })


def _public_call(kind: str) -> Callable[[], object]:
    """One call through the public API with the shared fixtures (``partial`` adds no Python frame)."""
    from pyodide_pendo import rudderanalytics

    fixtures = _fixtures
    calls: dict[str, Callable[[], object]] = {
        "track": partial(rudderanalytics.track, fixtures["event"], fixtures["properties"]),
        "identify": partial(rudderanalytics.identify, fixtures["userId"], fixtures["traits"]),
        "group": partial(rudderanalytics.group, fixtures["groupId"], fixtures["groupTraits"]),
        "page": partial(rudderanalytics.page, fixtures["pageName"]),
        "empty": partial(int),
    }
    return calls[kind]


def timed_calls(kind: str, count: int) -> str:
    """Make ``count`` calls of one kind; JSON list of ``count + 1`` timestamps in ns."""
    call = _public_call(kind)
    stamps = [0] * (count + 1)
    stamps[0] = _clock()
    for index in range(1, count + 1):
        call()
        stamps[index] = _clock()
    return json.dumps(stamps)


def mixed_calls(count: int) -> str:
    """``count`` public API calls cycling through track, identify, group and page; returns ``stats()`` as JSON."""
    from pyodide_pendo import rudderanalytics

    calls = [_public_call(kind) for kind in ("track", "identify", "group", "page")]
    for index in range(count):
        calls[index % 4]()
    return json.dumps(rudderanalytics.stats())


def python_objects() -> str:
    """Objects the cyclic garbage collector tracks, after a full collection."""
    gc.collect()
    return json.dumps(len(gc.get_objects()))


def profile_stages(kind: str, count: int, repeats: int) -> str:
    """Per-call µs of each pipeline stage run alone with its real input (median of ``repeats`` loops).

    Reaches into the package's internals on purpose: this is what the whole call is made of. Run it with the
    no-op agent in ``window.pendo`` so the agent's own cost is not in the figures.
    """
    from pyodide_pendo import rudderanalytics
    from pyodide_pendo.calls import IdentifyCall, TrackCall

    analytics: Any = rudderanalytics  # its loaded parts are Optional in its types
    builder, mapper, destination = analytics._builder, analytics._mapper, analytics._destination
    identity = analytics._identity
    fixtures = _fixtures
    normalize: Callable[[], Any]
    call: Any
    if kind == "track":
        normalize = partial(TrackCall.from_arguments, fixtures["event"], fixtures["properties"], None, None,
                            warn=analytics._warn)
        call = normalize()
        snapshot = identity.current
        update_identity: Callable[[], object] = partial(getattr, identity, "current")
        fields: dict[str, Any] = {"event": call.event, "properties": call.properties}
    else:
        normalize = partial(IdentifyCall.from_arguments, fixtures["userId"], fixtures["traits"], None, None,
                            warn=analytics._warn)
        call = normalize()
        snapshot = identity.identify(call.id, call.traits)
        update_identity = partial(identity.identify, call.id, call.traits)
        fields = {"traits": snapshot.user_traits}
    message = builder.build(kind, snapshot, call.options, fields)
    agent_calls = mapper.calls(message, snapshot)
    stages: dict[str, Callable[[], object]] = {
        f"whole {kind}() through the public API": _public_call(kind),
        "calls: check the arguments": normalize,
        "identity (current / identify)": update_identity,
        "messages.MessageBuilder.build": partial(builder.build, kind, snapshot, call.options, fields),
        "  of which environment.page()": builder.page_info,
        "  of which the timestamp": builder.now,
        "listeners, consent, integrations, event filter": partial(_route_checks, analytics, destination, message),
        "mapping.PendoMapper.calls": partial(mapper.calls, message, snapshot),
        "destination.deliver, then its flush (a batch of one)": partial(_deliver_and_flush, destination, message,
                                                                        agent_calls),
        "  of which PendoCall.arguments_json": agent_calls[0].arguments_json,
        "  of which BrowserAgent.call_each, one call": partial(destination.agent.call_each, agent_calls[0].method,
                                                                [agent_calls[0].arguments_json()]),
    }
    figures = {}
    for label, stage in stages.items():
        figures[label] = _per_call_us(stage, count, repeats)
    run = partial(destination.agent.call_each, agent_calls[0].method, [agent_calls[0].arguments_json()] * 100)
    figures["BrowserAgent.call_each per call, in a run of 100"] = _per_call_us(run, count // 100, repeats) / 100
    return json.dumps(figures)


def _deliver_and_flush(destination: Any, message: dict[str, Any], agent_calls: list[Any]) -> None:
    destination.deliver(message, agent_calls, None)
    destination.flush()


def _route_checks(analytics: Any, destination: Any, message: dict[str, Any]) -> object:
    analytics._outcomes.notify("message", {"message": message})
    return destination.allows(message)


def _per_call_us(function: Callable[[], object], count: int, repeats: int) -> float:
    for _ in range(count // 10):
        function()
    loops = []
    for _ in range(repeats):
        started = _clock()
        for _ in range(count):
            function()
        loops.append((_clock() - started) / count / 1e3)
    loops.sort()
    return loops[len(loops) // 2]
