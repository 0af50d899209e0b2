"""The Pendo destination: starts the agent, waits for *real* readiness, delivers calls in order, counts all.

States: ``idle`` (not started) → ``loading`` → ``ready`` or ``failed``.

- Ready means ``pendo.isReady()``, never that a stub exists (RudderStack's check is already true for the
  snippet, so a blocked agent looks ready there and calls pile up unseen).
- While loading, calls wait in a bounded queue (``queue_size``); overflow is dropped, counted and warned.
- Once ready, calls are batched until the end of the task (a microtask) or ``FLUSH_AT`` calls: Python and
  the agent's JavaScript interleaved call by call both run slower (measured: 250 against 150 µs per
  ``track``). ``stats()`` flushes first, so its counts are final.
- Failed (script error, or not ready within ``ready_timeout``), and a throw inside the agent: the calls are
  counted as undelivered and warned about; nothing raises into user code.
- Consent withdrawn: calls not yet handed to the agent are filtered, and the agent stops its own capture and
  sending (``pendo.stopSendingEvents``, also as soon as it gets ready) until consent is given again.
- Each delivery ends sent, filtered, dropped or undelivered, reported to ``outcomes.Outcomes`` (which counts
  it, tells the listeners and calls its callback).
"""

import asyncio
import logging
import time

from .errors import PendoLoadError
from .filters import destination_enabled
from .outcomes import ENDING_KINDS, guarded

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable, Coroutine, Mapping
    from typing import Any, Literal, Protocol, TypeAlias

    from .config import LoadConfig
    from .mapping import PendoCall
    from .outcomes import Outcomes

    AgentState: TypeAlias = Literal["idle", "loading", "ready", "failed"]

    class AgentPort(Protocol):
        """What the destination needs from the page. ``_browser.BrowserAgent`` is the real one."""

        def start(self, plan: "AgentPlan") -> None:
            """Adopt or install ``window.pendo``, have it initialized, and load the script unless loaded."""

        def poll(self) -> tuple[AgentState, str | None]:
            """``("ready", None)``, ``("loading", None)`` or ``("failed", reason)``."""

        def call_each(self, method: str, arguments_json: list[str]) -> tuple[int, str] | None:
            """Call ``window.pendo[method](...arguments)`` per JSON argument list, in order; ``None`` if all went
            through, else ``(index, error)`` of the first that threw (later ones were not made)."""

        def enable_debugging(self) -> bool:
            """Turn on Pendo's debugging; ``False`` while the agent cannot yet (it is still settling in)."""

    Schedule: TypeAlias = Callable[[Coroutine[Any, Any, None]], object]
    FlushSoon: TypeAlias = Callable[[Callable[[], None]], object]
except ImportError:
    pass

logger = logging.getLogger("pyodide_pendo")

POLL_INTERVAL = 0.025
DEBUGGING_ATTEMPTS = 50
FLUSH_AT = 100  # batched calls handed to the agent without waiting for the end of the task


class AgentPlan:
    """How to bring the agent up: which script, and the options for ``pendo.initialize``.

    ``initialize_options`` is ``None`` when the early-start script initialized the page's agent before
    ``load()``: it is adopted as it is, and ``identify_options``, when set, go to ``pendo.identify`` so that it
    takes Python's identity and the stored traits.
    """

    __slots__ = ("script_url", "script_is_module", "initialize_options", "debug", "identify_options")

    def __init__(self, script_url: str, script_is_module: bool, initialize_options: dict[str, Any] | None,
                 debug: bool = False, identify_options: dict[str, Any] | None = None) -> None:
        self.script_url = script_url
        self.script_is_module = script_is_module
        self.initialize_options = initialize_options
        self.debug = debug
        self.identify_options = identify_options


def _schedule_on_event_loop(coroutine: Coroutine[Any, Any, None]) -> object:
    """Pyodide's WebLoop runs tasks without a running loop in Python's sense, so ``ensure_future`` is enough;
    MicroPython has only ``create_task``, which its browser event loop runs the same way."""
    ensure_future = getattr(asyncio, "ensure_future", None)
    return ensure_future(coroutine) if ensure_future is not None else asyncio.create_task(coroutine)


def _flush_at_once(flush: Callable[[], None]) -> None:
    """Without a page (an injected agent), calls reach the agent as they are made."""
    flush()


class _Delivery:
    """A message's agent calls as (method, JSON arguments), taken at the call; the message itself only if a
    callback or listener wants it."""

    __slots__ = ("calls", "message", "callback")

    def __init__(self, calls: list[tuple[str, str]], message: dict[str, Any] | None,
                 callback: Callable[[dict[str, Any]], object] | None) -> None:
        self.calls = calls
        self.message = message
        self.callback = callback


class PendoDestination:
    """The agent's side of the pipeline: its state, the calls waiting for it, and handing them over.

    ``config`` gives the event filter, ``queue_size`` and ``ready_timeout``; every ending is reported to
    ``outcomes``. ``schedule`` runs the readiness watcher, ``flush_soon`` the end-of-task flush.
    """

    def __init__(self, agent: AgentPort, outcomes: Outcomes, config: LoadConfig,
                 schedule: Schedule | None = None, flush_soon: FlushSoon | None = None) -> None:
        self.agent = agent
        self.outcomes = outcomes
        self.event_filter = config.event_filter
        self.queue_size = config.queue_size
        self.ready_timeout = config.ready_timeout
        self.schedule = schedule or _schedule_on_event_loop
        self.flush_soon = flush_soon or _flush_at_once
        self.state: AgentState = "idle"
        self.error: str | None = None  # why it failed
        self._queue: list[_Delivery] = []  # while the agent loads; taken whole, never one by one
        self._batch: list[_Delivery] = []
        self._flush_pending = False
        self._plan: AgentPlan | None = None
        self._ready_callbacks: list[Callable[[PendoLoadError | None], object]] = []
        self._warned_overflow = False
        self._warned_agent_error = False
        self._sending = True  # False while consent is withdrawn

    @property
    def waiting(self) -> int:
        """Calls not yet handed to the agent."""
        return len(self._queue) + len(self._batch)

    def start(self, plan: AgentPlan) -> None:
        self._plan = plan
        self._set_state("loading")
        try:
            self.agent.start(plan)
        except Exception as error:  # a page fault (CSP, a broken window.pendo): never the caller's problem
            self._fail(f"the Pendo agent could not be set up from {plan.script_url}: {error}")
            return
        self._check()
        if self.state == "loading":
            self.schedule(self._watch())

    def _check(self) -> None:
        try:
            status, reason = self.agent.poll()
        except Exception as error:
            status, reason = "failed", f"reading the agent's state failed: {error}"
        if status == "ready":
            self._become_ready()
        elif status == "failed":
            self._fail(reason or "the Pendo agent failed")

    async def _watch(self) -> None:
        deadline = time.time() + self.ready_timeout  # MicroPython has no time.monotonic
        while self.state == "loading":
            await asyncio.sleep(POLL_INTERVAL)
            self._check()
            if self.state == "loading" and time.time() >= deadline:
                assert self._plan is not None
                self._fail(f"the Pendo agent from {self._plan.script_url} was not ready within "
                           f"{self.ready_timeout:g} s: it was blocked (an ad blocker, a network or content policy) "
                           "or is unreachable")

    async def _enable_debugging(self) -> None:
        """Right after ready the agent may refuse (it has not yet settled which frame leads): retry briefly."""
        for _ in range(DEBUGGING_ATTEMPTS):
            try:
                if self.agent.enable_debugging():
                    return
            except Exception as error:
                logger.warning("pendo.enableDebugging failed: %s", error)
                return
            await asyncio.sleep(POLL_INTERVAL * 4)
        logger.warning("Pendo's debugging could not be turned on")

    def _set_state(self, state: AgentState, error: str | None = None) -> None:
        self.state, self.error = state, error
        self.outcomes.notify("state", {"state": state, "error": error})

    def stop_sending(self, reason: str) -> int:
        """Consent withdrawn: calls not yet handed to the agent are filtered (how many is returned), what was
        handed is flushed, and the agent stops capturing and sending its own events."""
        waiting = self._queue + self._batch
        self._queue, self._batch = [], []
        for delivery in waiting:
            self.outcomes.record_filtered(delivery.message, reason, delivery.callback)
        self._sending = False
        if self.state == "ready":
            self._tell_agent("flushNow")
            self._tell_agent("stopSendingEvents")
        return len(waiting)

    def start_sending(self) -> None:
        """Consent given again: the agent resumes capturing and sending."""
        if not self._sending:
            self._sending = True
            if self.state == "ready":
                self._tell_agent("startSendingEvents")

    def _tell_agent(self, method: str) -> None:
        """A call of ours, not the user's (uncounted); a failure is warned about, never raised."""
        try:
            failure = self.agent.call_each(method, ["[]"])
        except Exception as error:
            failure = 0, str(error)
        if failure is not None:
            logger.warning("pendo.%s failed: %s", method, failure[1])

    def settle_waiting(self, error: PendoLoadError) -> None:
        """Settle the ready callbacks waiting now with ``error`` (consent was denied: the agent is not loaded)."""
        self._settle(error)

    def _become_ready(self) -> None:
        self._set_state("ready")
        if not self._sending:  # consent was withdrawn while the agent loaded
            self._tell_agent("stopSendingEvents")
        assert self._plan is not None
        if self._plan.debug:
            self.schedule(self._enable_debugging())
        queued, self._queue = self._queue, []
        if queued:
            self._send(queued)
        self._settle(None)

    def _fail(self, reason: str) -> None:
        self._set_state("failed", reason)
        queued, self._queue = self._queue, []
        for delivery in queued:
            self.outcomes.record_undelivered(delivery.message, reason, delivery.callback)
        logger.warning("events are not reaching Pendo: %s (%d waiting call(s) undelivered; later calls are "
                       "counted as undelivered, see stats())", reason, len(queued))
        self._settle(self.load_error())

    def _settle(self, error: PendoLoadError | None) -> None:
        callbacks, self._ready_callbacks = self._ready_callbacks, []
        for callback in callbacks:
            guarded("a ready callback", callback, error)

    def load_error(self) -> PendoLoadError | None:
        """The error to report once failed, else ``None``."""
        if self.state != "failed" or self._plan is None:
            return None
        return PendoLoadError(self.error or "the Pendo agent failed", url=self._plan.script_url)

    def on_settled(self, callback: Callable[[PendoLoadError | None], object]) -> None:
        """Run ``callback(None)`` once ready or ``callback(error)`` once failed (now, if already settled)."""
        if self.state in ("ready", "failed"):
            guarded("a ready callback", callback, self.load_error())
        else:
            self._ready_callbacks.append(callback)

    def deliver(self, message: dict[str, Any], calls: list[PendoCall],
                callback: Callable[[dict[str, Any]], object] | None) -> None:
        """Batch one message's calls for the agent (queue them while it loads), or count them as undelivered."""
        keep = callback is not None or not ENDING_KINDS.isdisjoint(self.outcomes.listened)
        self._enqueue(_Delivery([(call.method, call.arguments_json()) for call in calls],
                                message if keep else None, callback))

    def deliver_calls(self, calls: list[PendoCall]) -> None:
        """Calls that belong to no message (``reset``)."""
        self._enqueue(_Delivery([(call.method, call.arguments_json()) for call in calls], None, None))

    def allows(self, message: Mapping[str, Any]) -> bool:
        return destination_enabled(message.get("integrations") or {}) and self.event_filter.allows(message)

    def _enqueue(self, delivery: _Delivery) -> None:
        if self.state == "ready":
            self._batch.append(delivery)
            if len(self._batch) >= FLUSH_AT:
                self.flush()
            elif not self._flush_pending:
                self._flush_pending = True
                self.flush_soon(self._flush_when_due)
        elif self.state == "failed":
            self.outcomes.record_undelivered(delivery.message, self.error or "the Pendo agent failed",
                                             delivery.callback)
        elif len(self._queue) >= self.queue_size:
            self.outcomes.record_dropped(delivery.message, "queue full", delivery.callback)
            if not self._warned_overflow:
                self._warned_overflow = True
                logger.warning("the queue for the Pendo agent is full (%d calls) while it loads: later calls are "
                               "dropped and counted (raise queue_size in load() if this is expected)",
                               self.queue_size)
        else:
            self._queue.append(delivery)

    def _flush_when_due(self) -> None:
        self._flush_pending = False
        self.flush()

    def flush(self) -> None:
        """Hand every batched call to the agent now."""
        batch, self._batch = self._batch, []
        if batch:
            self._send(batch)

    def _send(self, batch: list[_Delivery]) -> None:
        """The batch's agent calls in order, a run of same-method calls at a time. A throw fails only its own
        delivery (whose later calls are skipped)."""
        pending = [(delivery, method, text) for delivery in batch for method, text in delivery.calls]
        errors: dict[int, str] = {}
        while pending:
            method = pending[0][1]
            run_length = next((index for index, item in enumerate(pending) if item[1] != method), len(pending))
            run = pending[:run_length]
            try:
                failure = self.agent.call_each(method, [text for _, _, text in run])
            except Exception as error:  # the page itself failed us: the whole run is undelivered
                failure = 0, str(error)
            if failure is None:
                pending = pending[run_length:]
                continue
            index, error_text = failure
            failed = run[index][0]
            errors[id(failed)] = self._agent_error(method, error_text)
            pending = [item for item in pending[index + 1:] if item[0] is not failed]
        outcomes = self.outcomes
        for delivery in batch:
            reason = errors.get(id(delivery)) if errors else None
            if reason is not None:
                outcomes.record_undelivered(delivery.message, reason, delivery.callback)
            else:
                outcomes.record_delivered(delivery.message, delivery.calls, delivery.callback)

    def _agent_error(self, method: str, error: str) -> str:
        level = logging.DEBUG if self._warned_agent_error else logging.WARNING
        self._warned_agent_error = True
        logger.log(level, "pendo.%s failed inside the agent: %s (such calls are counted as undelivered in stats(); "
                   "later ones are logged at debug level)", method, error)
        return f"pendo.{method} raised: {error}"
