"""Sessions as RudderStack's JavaScript SDK v3 keeps them, in pure Python with the clock injected.

A session is a dict of RudderStack's shape (its ``SessionInfo``), stored under ``rl_session`` in the identity
storage with RudderStack's encoding, so every tab of the site and a RudderStack SDK on it share one session:

- automatic (``sessions={"autoTrack": True}``, the default): ``{"autoTrack": True, "timeout": ms, "id": ms,
  "expiresAt": ms, "sessionStart": bool}``, plus ``"cutOff": {"enabled": True, "duration": ms, "expiresAt":
  ms}`` when a cut-off is configured. Each message renews ``expiresAt``; the first message after it (or after
  the cut-off) starts a new session, whose id is the time in milliseconds;
- manual (``start_session()``): ``{"manualTrack": True, "id": id, "sessionStart": bool}`` until
  ``end_session()``; while one is stored, automatic tracking stays off, also after a reload;
- none: ``{}``, which removes the key.

Every message of a session carries ``context.sessionId``; the first one also ``context.sessionStart: True``.
What is stored is the session, re-read before each message, as RudderStack does: a session removed from the
storage by someone else ends here too. A stored field of the wrong type is dropped, with one warning.

Departures from RudderStack, on purpose: a ``sessions`` load option of the wrong type raises at ``load()``
(RudderStack warns and uses its default), ``start_session()`` without an id makes one without a warning, and a
manual id beyond 2**53 is refused like any other invalid id (JavaScript numbers would round it).
"""

from .messages import now_milliseconds
from .persistence import SESSION_INFO
from .values import JS_EXACT_INTEGER_LIMIT, is_mapping

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Callable, Mapping
    from typing import Any, TypeAlias

    from .persistence import IdentityStore
    from .values import Warn

    SessionInfo: TypeAlias = dict[str, Any]
    SessionCall: TypeAlias = "StartSessionCall | EndSessionCall"
except ImportError:
    pass

DEFAULT_TIMEOUT_MS = 30 * 60 * 1000  # RudderStack's defaults and its recommended minimum
MIN_TIMEOUT_MS = 10 * 1000
DEFAULT_CUT_OFF_DURATION_MS = 12 * 60 * 60 * 1000
MIN_SESSION_ID_DIGITS = 10
DEFAULT_SESSIONS = {"autoTrack": True, "timeout": DEFAULT_TIMEOUT_MS}

_FLAGS = ("autoTrack", "manualTrack", "sessionStart")
_NUMBERS = ("timeout", "expiresAt", "id")
_CUT_OFF_NUMBERS = ("duration", "expiresAt")


# -- the load option ---------------------------------------------------------------------------------------

def _milliseconds(name: str, value: object) -> int:
    if type(value) is float and value == int(value):  # 30 * 60 * 1e3 is meant as the integer it equals
        value = int(value)
    if type(value) is not int or not 0 <= value <= JS_EXACT_INTEGER_LIMIT:
        raise ValueError(f"sessions: {name} must be milliseconds, an int from 0 to 2**53; got {value!r}")
    return value


def _keys_of(name: str, value: object, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not is_mapping(value):
        raise TypeError(f"{name} must be a dict with the keys {', '.join(allowed)}; got {type(value).__name__}")
    unknown = sorted(key for key in value if key not in allowed)  # type: ignore[attr-defined]
    if unknown:
        raise TypeError(f"{name} got unknown key(s): {', '.join(map(str, unknown))} (it takes {', '.join(allowed)})")
    return value  # type: ignore[return-value]


def check_sessions_option(value: object) -> dict[str, Any]:
    """``load(sessions=…)``, RudderStack's ``sessions`` load option: ``autoTrack`` (bool, default ``True``),
    ``timeout`` (milliseconds of inactivity, default 30 minutes) and ``cutOff`` (``{"enabled": bool,
    "duration": ms}``, the longest a session may last). Returns a checked copy; raises ``TypeError`` or
    ``ValueError`` naming the part at fault. Values RudderStack warns about (a timeout of 0 or under 10
    seconds, a cut-off shorter than the timeout) pass here and are warned about at ``load()``."""
    options = _keys_of("sessions", value, ("autoTrack", "timeout", "cutOff"))
    checked: dict[str, Any] = {"autoTrack": options.get("autoTrack", True)}
    if type(checked["autoTrack"]) is not bool:
        raise TypeError(f"sessions: autoTrack must be True or False; got {checked['autoTrack']!r}")
    timeout = options.get("timeout")
    checked["timeout"] = DEFAULT_TIMEOUT_MS if timeout is None else _milliseconds("timeout", timeout)
    if options.get("cutOff") is not None:
        cut_off = _keys_of("sessions: cutOff", options["cutOff"], ("enabled", "duration"))
        enabled = cut_off.get("enabled", False)
        if type(enabled) is not bool:
            raise TypeError(f"sessions: cutOff's enabled must be True or False; got {enabled!r}")
        duration = cut_off.get("duration")
        checked["cutOff"] = {"enabled": enabled}
        if duration is not None:
            checked["cutOff"]["duration"] = _milliseconds("cutOff's duration", duration)
    return checked


def configured_tracking(options: Mapping[str, Any], warn: Warn) -> SessionInfo:
    """What the checked option configures, with RudderStack's rules: a timeout of 0 turns automatic tracking
    off and one under 10 seconds is kept, each with a warning; an enabled cut-off without a duration gets
    12 hours, one shorter than the timeout is turned off, each with a warning."""
    if options.get("autoTrack") is False:
        return {"autoTrack": False}
    timeout: int = options.get("timeout", DEFAULT_TIMEOUT_MS)
    auto_track = True
    if timeout == 0:
        warn("sessions: a timeout of 0 turns automatic session tracking off; give a positive number of "
             "milliseconds to keep it on")
        auto_track = False
    elif timeout < MIN_TIMEOUT_MS:
        warn(f"sessions: a timeout of {timeout} ms is under the {MIN_TIMEOUT_MS} ms RudderStack recommends; "
             "sessions will end after that little inactivity")
    cut_off: SessionInfo = {"enabled": False}
    wanted = options.get("cutOff") or {}
    if wanted.get("enabled") is True:
        duration = wanted.get("duration")
        if duration is None:
            warn(f"sessions: cutOff is enabled without a duration; {DEFAULT_CUT_OFF_DURATION_MS} ms (12 hours) is "
                 "used")
            cut_off = {"enabled": True, "duration": DEFAULT_CUT_OFF_DURATION_MS}
        elif duration < timeout:
            warn(f"sessions: cutOff's duration ({duration} ms) is shorter than the timeout ({timeout} ms), so "
                 "the cut-off is turned off")
            cut_off = {"enabled": False, "duration": duration}
        else:
            cut_off = {"enabled": True, "duration": duration}
    return {"autoTrack": auto_track, "timeout": timeout, "cutOff": cut_off}


# -- the rules on one session (RudderStack's userSessionManager utilities) ------------------------------------

def is_cut_off_exceeded(info: SessionInfo, now: int) -> bool:
    cut_off = info.get("cutOff")
    return bool(cut_off and cut_off.get("enabled") and cut_off.get("expiresAt") and now > cut_off["expiresAt"])


def has_session_expired(info: SessionInfo, now: int) -> bool:
    """Past its ``expiresAt`` (or without one), or past its cut-off."""
    expires_at = info.get("expiresAt")
    return not expires_at or now > expires_at or is_cut_off_exceeded(info, now)


def cut_off_expiration(cut_off: SessionInfo | None, now: int) -> int | None:
    """When an enabled cut-off ends: the one it has, or ``now`` + its duration."""
    if not cut_off or not cut_off.get("enabled"):
        return None
    expires_at: int | None = cut_off.get("expiresAt")
    if expires_at is not None:
        return expires_at
    duration = cut_off.get("duration")
    return now + duration if type(duration) is int and duration >= 0 else None


def new_auto_session(info: SessionInfo, now: int) -> SessionInfo:
    """A new automatic session with ``info``'s timeout and cut-off: its id is ``now``."""
    session: SessionInfo = {"id": now, "expiresAt": now + info["timeout"], "timeout": info["timeout"],
                            "autoTrack": True}
    if info.get("cutOff"):
        session["cutOff"] = dict(info["cutOff"])
    return session


def is_valid_session_id(session_id: object) -> bool:
    """RudderStack's rule for a manual id: a positive integer of at least 10 digits (and, here, at most 2**53)."""
    return (type(session_id) is int and 0 < session_id <= JS_EXACT_INTEGER_LIMIT
            and len(str(session_id)) >= MIN_SESSION_ID_DIGITS)


def new_manual_session(session_id: object, now: int, warn: Warn) -> SessionInfo:
    """A manual session with ``session_id``; ``None`` or an invalid id (warned about) gets ``now``."""
    if session_id is not None and not is_valid_session_id(session_id):
        warn(f"start_session: the session id {session_id!r} is not a positive integer of at least "
             f"{MIN_SESSION_ID_DIGITS} digits (and at most 2**53), so a new one is made")
        session_id = None
    return {"id": now if session_id is None else session_id, "manualTrack": True}


def _is_number(value: object) -> bool:
    return type(value) in (int, float) and value - value == 0  # type: ignore[operator]  # not NaN or ±Infinity


def _defined(info: SessionInfo) -> SessionInfo:
    """Without the fields that are ``None``, as JSON.stringify leaves out JavaScript's undefined."""
    return {key: _defined(value) if type(value) is dict else value for key, value in info.items()
            if value is not None}


# -- the session of this page ----------------------------------------------------------------------------------

class Sessions:
    """The session as stored, kept by RudderStack's rules: configured at ``load()``, refreshed before each
    message, started, ended and reset by the API.

    ``clock`` gives milliseconds since the epoch (``messages.now_milliseconds`` by default). With
    ``at_end_of_task`` (in a page), the session is written once when the running code returns to the event
    loop, not once per message: no other script can read it before then.
    """

    def __init__(self, options: Mapping[str, Any], store: IdentityStore, warn: Warn,
                 clock: Callable[[], int] | None = None,
                 at_end_of_task: Callable[[Callable[[], None]], object] | None = None) -> None:
        self._store = store
        self._warn = warn
        self._clock = clock
        self._at_end_of_task = at_end_of_task
        self._write_pending = False
        self._warned_stored = False
        self._configured = configured_tracking(options, warn)
        self._info: SessionInfo = {}
        stored = self._normalized(store.read_all().get(SESSION_INFO))
        self._set(self._configure(stored))

    def _now(self) -> int:
        return self._clock() if self._clock is not None else now_milliseconds()

    def _configure(self, stored: SessionInfo) -> SessionInfo:
        """The session at load: the stored one under the configured rules. A stored manual session goes on
        (and keeps automatic tracking off); without automatic tracking, nothing else does."""
        configured = self._configured
        info: SessionInfo = {
            "autoTrack": configured["autoTrack"] and stored.get("manualTrack") is not True,
            "timeout": configured.get("timeout"), "manualTrack": stored.get("manualTrack"),
            "expiresAt": stored.get("expiresAt"), "id": stored.get("id"), "sessionStart": stored.get("sessionStart"),
        }
        if not info["autoTrack"] and info["manualTrack"] is not True:
            return {}
        if configured.get("cutOff", {}).get("enabled") is True:
            info["cutOff"] = {"enabled": True, "duration": configured["cutOff"]["duration"],
                              "expiresAt": (stored.get("cutOff") or {}).get("expiresAt")}
        info = _defined(info)
        return self._renewed(info, self._now()) if info["autoTrack"] else info

    def _renewed(self, info: SessionInfo, now: int) -> SessionInfo:
        """An automatic session renewed at ``now``: a new one if it expired, else its expiry moved on."""
        if "timeout" not in info:  # written by another SDK without one
            info = dict(info)
            info["timeout"] = self._configured.get("timeout") or DEFAULT_TIMEOUT_MS
        if has_session_expired(info, now):
            renewed = new_auto_session(info, now)
        else:
            renewed = dict(info)
            renewed["expiresAt"] = now + info["timeout"]
        cut_off = renewed.get("cutOff")
        if cut_off:
            cut_off = dict(cut_off)
            if is_cut_off_exceeded(renewed, now):
                cut_off.pop("expiresAt", None)
            expires_at = cut_off_expiration(cut_off, now)
            if expires_at is None:
                cut_off.pop("expiresAt", None)
            else:
                cut_off["expiresAt"] = expires_at
            renewed["cutOff"] = cut_off
        return renewed

    def _normalized(self, stored: object) -> SessionInfo:
        """A stored session with only the fields this module reads, each of its type; the rest is warned about
        once (``None`` is JSON's null: left out silently)."""
        if type(stored) is not dict:
            return {}
        info: SessionInfo = {}
        dropped: list[str] = []
        for key, value in stored.items():
            if value is None:
                continue
            if key in _FLAGS and type(value) is bool or key in _NUMBERS and _is_number(value):
                info[key] = value
            elif key == "cutOff" and type(value) is dict:
                info[key] = {name: part for name, part in value.items()
                             if name == "enabled" and type(part) is bool or name in _CUT_OFF_NUMBERS
                             and _is_number(part)}
                dropped.extend(f"cutOff.{name}" for name, part in value.items()
                               if part is not None and name not in info[key])
            else:
                dropped.append(key)
        if dropped and not self._warned_stored:
            self._warned_stored = True
            self._warn(f"Ignoring part of the stored {SESSION_INFO!r}: {', '.join(dropped)} (not RudderStack's "
                       "session fields, or of the wrong type)")
        return info

    def _current(self) -> SessionInfo:
        """The session as stored now (another tab, or RudderStack's SDK, may have changed it)."""
        changed = self._store.changes()
        if SESSION_INFO in changed:
            self._info = self._normalized(changed[SESSION_INFO])
        return self._info

    def _set(self, info: SessionInfo) -> None:
        self._info = info
        if self._at_end_of_task is None:
            self._write()
        elif not self._write_pending:
            self._write_pending = True
            self._at_end_of_task(self._write)

    def _write(self) -> None:
        self._write_pending = False
        self._store.write({SESSION_INFO: self._info})  # {} removes the key

    def refresh(self) -> dict[str, Any]:
        """Before a message: renew or replace the session, and mark its first message. Returns the keys for the
        message's ``context``: ``sessionId``, and ``sessionStart: True`` on a session's first message (none
        without a session)."""
        info = self._current()
        if info.get("autoTrack") or info.get("manualTrack"):
            info = self._renewed(info, self._now()) if info.get("autoTrack") else dict(info)
            started = info.get("sessionStart")
            if started is None:
                info["sessionStart"] = True
            elif started:
                info["sessionStart"] = False
            self._set(info)
        context: dict[str, Any] = {}
        if info.get("id"):
            context["sessionId"] = info["id"]
        if info.get("sessionStart"):
            context["sessionStart"] = True
        return context

    def session_id(self) -> int | None:
        """The id of the session going on: an automatic one that has not expired, or a manual one."""
        info = self._current()
        if info.get("autoTrack") and not has_session_expired(info, self._now()) or info.get("manualTrack"):
            return info.get("id")
        return None

    def start(self, session_id: object = None) -> None:
        """Start a manual session (``session_id``, or a new one); automatic tracking stops until it ends."""
        self._set(new_manual_session(session_id, self._now(), self._warn))

    def end(self) -> None:
        """End the session: messages carry none until the next ``load()`` (which resumes automatic tracking)."""
        self._set({})

    def reset(self) -> None:
        """Start a new session of the same kind (as ``reset()`` and identifying another user do)."""
        info = self._current()
        now = self._now()
        if info.get("autoTrack"):
            fresh: SessionInfo = {"timeout": info.get("timeout")} if "timeout" in info else {}
            if info.get("cutOff"):
                fresh["cutOff"] = {key: info["cutOff"][key] for key in ("enabled", "duration")
                                   if key in info["cutOff"]}
            self._set(self._renewed(fresh, now))
        elif info.get("manualTrack"):
            self._set(new_manual_session(None, now, self._warn))


class StartSessionCall:
    """``start_session()``: no message; waits for ``load()`` like the other calls."""

    __slots__ = ("session_id",)
    kind = "start_session"

    def __init__(self, session_id: object) -> None:
        self.session_id = session_id


class EndSessionCall:
    """``end_session()``: no message; waits for ``load()`` like the other calls."""

    __slots__ = ()
    kind = "end_session"
