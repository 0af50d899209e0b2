"""Where every message ends, kept in one place: counted, told to its listeners, its callback called.

A message ends delivered, filtered, dropped or undelivered. ``Analytics`` (consent, hooks, filters, the queue
before ``load()``) and ``PendoDestination`` (the agent's queue, its failures) both decide endings; both report
them here, so counts, notices and callbacks cannot disagree. Listeners and callbacks are user code: what they
raise is logged, never lost silently, and never breaks the pipeline.
"""

import json
import logging

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable
    from typing import Any, TypeAlias

    Message: TypeAlias = dict[str, Any]
    Listener: TypeAlias = Callable[[dict[str, Any]], object]
    Callback: TypeAlias = Callable[[dict[str, Any]], object]
except ImportError:
    pass

logger = logging.getLogger("pyodide_pendo")

LISTENER_KINDS = ("message", "delivered", "filtered", "dropped", "undelivered", "state")
ENDING_KINDS = frozenset({"delivered", "undelivered", "dropped", "filtered"})  # notices that carry the message


def guarded(what: str, function: Callable[..., object], *arguments: object) -> None:
    """Call user code; what it raises is logged (naming ``what``) and goes no further."""
    try:
        function(*arguments)
    except Exception:
        logger.exception("%s raised; the analytics pipeline goes on", what)


class Outcomes:
    """The counts ``stats()`` reports, the ``on()`` listeners, and the callbacks told of each ending."""

    def __init__(self) -> None:
        self.sent = 0
        self.filtered = 0
        self.dropped = 0
        self.undelivered = 0
        self._listeners: dict[str, list[Listener]] = {kind: [] for kind in LISTENER_KINDS}
        self.listened: set[str] = set()  # kinds with listeners: payloads are built only for these

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "filtered": self.filtered, "dropped": self.dropped,
                "undelivered": self.undelivered}

    def listen(self, kind: str, listener: Listener) -> Callable[[], None]:
        """Add ``listener`` for ``kind``; returns the function that removes it."""
        if kind not in self._listeners:
            raise ValueError(f"kind must be one of {', '.join(LISTENER_KINDS)}; got {kind!r}")
        if not callable(listener):
            raise TypeError("listener must be callable")
        listeners = self._listeners[kind]
        listeners.append(listener)
        self.listened.add(kind)

        def unsubscribe() -> None:
            listeners.remove(listener)
            if not listeners:
                self.listened.discard(kind)

        return unsubscribe

    def notify(self, kind: str, payload: dict[str, Any]) -> None:
        for listener in self._listeners[kind]:
            try:
                listener(payload)
            except Exception:
                logger.exception("a %r listener raised; the analytics pipeline goes on", kind)

    def record_delivered(self, message: Message | None, calls: list[tuple[str, str]],
                         callback: Callback | None) -> None:
        """The agent took the message's calls (given as method and JSON arguments)."""
        self.sent += 1
        if "delivered" in self.listened:
            self.notify("delivered", {"message": message, "calls": [
                {"method": method, "arguments": json.loads(text)} for method, text in calls]})
        if callback is not None and message is not None:
            guarded("the callback", callback, message)

    def record_filtered(self, message: Message | None, reason: str, callback: Callback | None) -> None:
        """A rule (consent, a hook, ``integrations``, the event filter) kept the message from Pendo."""
        self.filtered += 1
        self._end("filtered", message, reason, callback)

    def record_dropped(self, message: Message | None, reason: str, callback: Callback | None) -> None:
        """No room for the message, or a hook raised on it."""
        self.dropped += 1
        self._end("dropped", message, reason, callback)

    def record_undelivered(self, message: Message | None, reason: str, callback: Callback | None) -> None:
        """The agent failed, or threw on the message's calls."""
        self.undelivered += 1
        self._end("undelivered", message, reason, callback)

    def record_dropped_unbuilt(self, kind: str, reason: str) -> None:
        """A call dropped before ``load()`` built it: no message, so no callback; listeners get its type."""
        self.dropped += 1
        if "dropped" in self.listened:
            self.notify("dropped", {"message": None, "type": kind, "reason": reason})

    def _end(self, kind: str, message: Message | None, reason: str, callback: Callback | None) -> None:
        if kind in self.listened:
            self.notify(kind, {"message": message, "reason": reason})
        if callback is not None and message is not None:
            guarded("the callback", callback, message)
