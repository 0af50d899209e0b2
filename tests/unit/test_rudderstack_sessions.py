"""Sessions, with RudderStack's own test cases ported call by call.

Sources in rudder-sdk-js (``packages/analytics-js/__tests__/``): ``components/userSessionManager/utils.test.ts``
(the rules on one session), ``components/userSessionManager/UserSessionManager.test.ts`` (configuring, refreshing,
starting, ending and resetting the stored session), ``app/RudderAnalytics.test.ts`` and
``components/core/Analytics.test.ts`` (the API), ``components/eventManager/RudderEventFactory.test.ts`` (the
context keys). Each test names its source case. RudderStack's tests set ``state.session.sessionInfo``; here what
is stored is the session, so they store it. Cases about RudderStack's machinery that has no counterpart here
(storage type ``none``, server-side cookies, storage migration, error events) are left out.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import pyodide_pendo
from pyodide_pendo import Analytics
from pyodide_pendo.persistence import SESSION_INFO, IdentityStore, MemoryStore, decode_value, encode_value
from pyodide_pendo.sessions import (
    DEFAULT_CUT_OFF_DURATION_MS,
    DEFAULT_TIMEOUT_MS,
    Sessions,
    check_sessions_option,
    cut_off_expiration,
    has_session_expired,
    is_cut_off_exceeded,
    new_auto_session,
    new_manual_session,
)

MINUTE = 60 * 1000
HOUR = 60 * MINUTE


class Clock:
    """Milliseconds since the epoch, as a test sets them (jest's fake timers in RudderStack's tests)."""

    def __init__(self, now: int = 1_700_000_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, milliseconds: int) -> None:
        self.now += milliseconds


class Page:
    """One page's session over a store: what RudderStack's UserSessionManager tests build before ``init()``."""

    def __init__(self, options: dict[str, Any] | None = None, stored: dict[str, Any] | None = None,
                 clock: Clock | None = None, store: MemoryStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()
        if stored is not None:
            self.store.set(SESSION_INFO, encode_value(stored))
        self.clock = clock or Clock()
        self.warnings: list[str] = []
        self.sessions = Sessions(check_sessions_option(options or {}),
                                 IdentityStore(self.store, self.warnings.append, keys=(SESSION_INFO,)),
                                 self.warnings.append, clock=self.clock)

    def store_session(self, info: dict[str, Any] | None) -> None:
        """Another tab, or RudderStack's SDK, writes the session (``None`` removes it)."""
        if info is None:
            self.store.remove(SESSION_INFO)
        else:
            self.store.set(SESSION_INFO, encode_value(info))

    @property
    def stored(self) -> dict[str, Any]:
        text = self.store.get(SESSION_INFO)
        return {} if text is None else decode_value(text)  # type: ignore[return-value]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock ``Analytics`` sessions read."""
    clock = Clock()
    monkeypatch.setattr("pyodide_pendo.sessions.now_milliseconds", clock)
    return clock


# -- utils.test.ts: hasSessionExpired, isCutOffTimeExceeded, getCutOffExpirationTimestamp -----------------------

NOW = 0  # jest.setSystemTime(0)


@pytest.mark.parametrize(("info", "expired"), [
    # 'should return true if the current timestamp is less than the session expiry time' (it expects false)
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW + 1000, "id": 1234567890,
      "cutOff": {"enabled": False, "duration": 12 * HOUR}}, False),
    # 'should return true if the current timestamp is greater than the session expiry time'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW - 1000, "id": 1234567890,
      "cutOff": {"enabled": False, "duration": 12 * HOUR}}, True),
    # 'should return true if the current timestamp is equal to the session expiry time' (it expects true at
    # NOW = 0: an expiresAt of 0 counts as none; at a real time, equal is not yet expired)
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW,
      "cutOff": {"enabled": False, "duration": 12 * HOUR}}, True),
    # 'should return true if the session expiry timestamp is not set'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "cutOff": {"enabled": False, "duration": 12 * HOUR}}, True),
    # 'should return true if the session has not expired but the current timestamp is greater than the cut off time'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW + 1000,
      "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": NOW - 500}}, True),
    # 'should return false if the session has not expired and the current timestamp is less than the cut off time'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW + 1000,
      "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": NOW + 5000}}, False),
    # 'should return false if the session has not expired and the current timestamp is equal to the cut off time'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW + 1000,
      "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": NOW}}, False),
    # 'should return false if the session has not expired and the cut off expiry timestamp is not set'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW + 1000,
      "cutOff": {"enabled": True, "duration": 12 * HOUR}}, False),
    # 'should return true when both the session expiry and cut off expiry timestamps are less than the current
    # timestamp'
    ({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW - 1000,
      "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": NOW - 2000}}, True),
])
def test_has_session_expired(info: dict[str, Any], expired: bool) -> None:
    """utils.test.ts, describe('hasSessionExpired'), each case named above."""
    assert has_session_expired(info, NOW) is expired


def test_a_session_expires_only_after_its_expiry() -> None:
    """utils.test.ts 'should return true if the current timestamp is equal to the session expiry time', at a real
    time: RudderStack's rule is ``now > expiresAt``."""
    now = 1_700_000_000_000
    assert has_session_expired({"autoTrack": True, "expiresAt": now}, now) is False
    assert has_session_expired({"autoTrack": True, "expiresAt": now}, now + 1) is True


@pytest.mark.parametrize(("cut_off", "exceeded"), [
    ({"enabled": True, "duration": 1000, "expiresAt": NOW + 1000}, False),  # 'should return false if the cut off
    # time is greater than the current timestamp'
    ({"enabled": True, "duration": 1000, "expiresAt": NOW - 1000}, True),  # '... less than the current timestamp'
    ({"enabled": True, "duration": 1000, "expiresAt": NOW}, False),  # '... equal to the current timestamp'
    ({"enabled": True}, False),  # 'should return false if the cut off time is not set'
    ({"enabled": False}, False),  # 'should return false if cut off is not enabled'
    (None, False),  # 'should return false if cut off is not defined'
])
def test_is_cut_off_time_exceeded(cut_off: dict[str, Any] | None, exceeded: bool) -> None:
    """utils.test.ts, describe('isCutOffTimeExceeded'), each case named above."""
    info: dict[str, Any] = {"id": 1234567890, "expiresAt": NOW + 1}
    if cut_off is not None:
        info["cutOff"] = cut_off
    assert is_cut_off_exceeded(info, NOW) is exceeded


@pytest.mark.parametrize(("cut_off", "expected"), [
    (None, None),  # 'should return undefined if cut off is not defined'
    ({"enabled": False}, None),  # 'should return undefined if cut off is not enabled'
    ({"enabled": True, "duration": 1000, "expiresAt": 1234567890}, 1234567890),  # '... if it is set'
    ({"enabled": True, "duration": 1000}, NOW + 1000),  # 'should calculate ... based on the duration'
    ({"enabled": True}, None),  # 'should return undefined if the cut off duration is not a valid number'
])
def test_cut_off_expiration_timestamp(cut_off: dict[str, Any] | None, expected: int | None) -> None:
    """utils.test.ts, describe('getCutOffExpirationTimestamp'), each case named above."""
    assert cut_off_expiration(cut_off, NOW) == expected


# -- utils.test.ts: generateSessionId, generateAutoTrackingSession, generateManualTrackingSession ----------------

def test_a_new_session_id_is_the_time_in_milliseconds() -> None:
    """utils.test.ts 'generateSessionId: should return newly generated session id' (a 13-digit number)."""
    page = Page()  # the real clock
    page.sessions._clock = None
    page.sessions.start()
    session_id = page.sessions.session_id()
    assert isinstance(session_id, int) and len(str(session_id)) == 13


def test_new_auto_session() -> None:
    """utils.test.ts 'should return a freshly generated auto tracking session information object' and 'should
    return auto tracking session information with id and expires timestamp overridden if provided'."""
    cut_off = {"enabled": False, "duration": 12 * HOUR}
    assert new_auto_session({"autoTrack": True, "timeout": 10 * MINUTE, "cutOff": cut_off}, NOW) == {
        "autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": NOW + 10 * MINUTE, "id": NOW, "cutOff": cut_off}
    assert new_auto_session({"autoTrack": True, "timeout": 10 * MINUTE, "id": 1234567890,
                             "expiresAt": NOW + 1000}, 5) == {
        "autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": 5 + 10 * MINUTE, "id": 5}


def test_new_manual_session() -> None:
    """utils.test.ts 'should return newly generated manual session' and '... if session id is not provided'
    (here without a warning: ``None`` asks for a new id)."""
    warnings: list[str] = []
    assert new_manual_session(1234567890, 42, warnings.append) == {"manualTrack": True, "id": 1234567890}
    assert new_manual_session(None, 42, warnings.append) == {"manualTrack": True, "id": 42}
    assert warnings == []


@pytest.mark.parametrize("session_id", [
    "1234567890",  # 'should print a error message if the provided session id is not a number'
    1234.5,  # 'should print a error message if the provided session id a decimal number'
    1234,  # 'should print a error message if the provided session id is not 10 digits'
    0, -1234567890, True, 2**53 + 1,  # ours: not positive, a bool, beyond JavaScript's exact integers
])
def test_an_invalid_manual_session_id_is_warned_about_and_replaced(session_id: object) -> None:
    """utils.test.ts, describe('generateManualTrackingSession'), the cases named above."""
    warnings: list[str] = []
    assert new_manual_session(session_id, 42, warnings.append) == {"manualTrack": True, "id": 42}
    assert len(warnings) == 1 and repr(session_id) in warnings[0] and "10 digits" in warnings[0]


# -- UserSessionManager.test.ts: syncStorageDataToState and init ------------------------------------------------

def test_a_stored_auto_session_is_not_taken_when_auto_tracking_is_off() -> None:
    """'should not set sessionInfo if autoTrack is set to false in loadOption and sessionInfo exists in storage'."""
    clock = Clock()
    page = Page({"autoTrack": False}, clock=clock, stored={
        "id": 1726655503445, "expiresAt": clock.now + MINUTE, "timeout": MINUTE, "autoTrack": True,
        "sessionStart": False})
    assert page.stored == {}
    assert page.sessions.refresh() == {}


def test_a_stored_manual_session_goes_on_when_auto_tracking_is_off() -> None:
    """'should set sessionInfo if autoTrack is set to false in loadOption and sessionInfo exists in storage with
    manualTrack enabled'."""
    clock = Clock()
    page = Page({"autoTrack": False}, clock=clock, stored={
        "id": 1726655503445, "expiresAt": clock.now + MINUTE, "timeout": MINUTE, "manualTrack": True,
        "sessionStart": False})
    assert page.stored == {"id": 1726655503445, "expiresAt": clock.now + MINUTE, "manualTrack": True,
                           "autoTrack": False, "sessionStart": False}
    assert page.sessions.refresh() == {"sessionId": 1726655503445}


def test_a_stored_auto_session_goes_on() -> None:
    """'should set sessionInfo if sessionInfo exists in storage with autoTrack enabled'."""
    clock = Clock()
    page = Page(clock=clock, stored={"id": 1726655503445, "expiresAt": clock.now + MINUTE, "timeout": 1800000,
                                     "autoTrack": True, "sessionStart": False})
    assert page.stored == {"id": 1726655503445, "expiresAt": clock.now + 1800000, "timeout": 1800000,
                           "autoTrack": True, "sessionStart": False}


def test_a_manual_session_keeps_auto_tracking_off_across_loads() -> None:
    """UserSessionManager.configureSessionTracking: "If manualTrack is set to true in the storage, then do not
    enable auto tracking even if configured. Once manual tracking ends, auto tracking will be enabled in the next
    SDK run"."""
    store, clock = MemoryStore(), Clock()
    Page(store=store, clock=clock).sessions.start(1029384756)
    clock.advance(2 * HOUR)
    page = Page(store=store, clock=clock)
    assert page.sessions.refresh() == {"sessionId": 1029384756, "sessionStart": True}
    page.sessions.end()
    assert Page(store=store, clock=clock).sessions.refresh() == {"sessionId": clock.now, "sessionStart": True}


@pytest.mark.parametrize("options", [
    {"autoTrack": False, "timeout": 10000},  # 'should initialize session tracking with configured parameters in
    # load options'
    {"autoTrack": False},  # 'should reset the session info to default value if no session tracking is configured'
])
def test_no_session_without_auto_tracking(options: dict[str, Any]) -> None:
    """UserSessionManager.test.ts, describe('init'), the cases named above."""
    page = Page(options)
    assert page.stored == {}
    assert page.sessions.refresh() == {}
    assert page.sessions.session_id() is None


def test_a_stored_cut_off_is_dropped_when_the_configuration_has_none() -> None:
    """'should reset the cut off expiry timestamp (retrieved from storage) if cut off is disabled in the
    configuration'."""
    clock = Clock()
    page = Page({"autoTrack": True, "cutOff": {"enabled": False}}, clock=clock, stored={
        "autoTrack": True, "manualTrack": False, "id": 1234567890, "timeout": 10000, "expiresAt": clock.now + 1000,
        "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": clock.now + 10000}})
    assert "cutOff" not in page.stored


def test_a_timeout_that_is_not_milliseconds_raises() -> None:
    """'should log a warning and use default timeout if provided timeout is not in number format': a departure,
    as every load() option of the wrong type raises here, naming it."""
    for timeout in ("100000", -1, 1.5, True):
        with pytest.raises(ValueError, match="timeout must be milliseconds"):
            check_sessions_option({"timeout": timeout})


def test_a_timeout_of_zero_turns_auto_tracking_off_with_a_warning() -> None:
    """'should log a warning and disable auto tracking if provided timeout is 0'."""
    page = Page({"timeout": 0})
    assert page.stored == {}
    assert len(page.warnings) == 1 and "timeout of 0 turns automatic session tracking off" in page.warnings[0]


def test_a_timeout_under_ten_seconds_is_warned_about_and_kept() -> None:
    """'should log a warning if provided timeout is less than 10 seconds'."""
    page = Page({"timeout": 5000})
    assert len(page.warnings) == 1 and "5000 ms is under the 10000 ms" in page.warnings[0]
    assert page.stored["timeout"] == 5000


def test_a_cut_off_without_a_duration_gets_twelve_hours_with_a_warning() -> None:
    """'should log a warning and use default value if the provided cut off duration is not a positive integer'
    (a duration of the wrong type raises here, as the timeout's does; a missing one is warned about as there)."""
    clock = Clock()
    page = Page({"cutOff": {"enabled": True}}, clock=clock)
    assert len(page.warnings) == 1 and "without a duration" in page.warnings[0]
    assert page.stored["cutOff"] == {"enabled": True, "duration": DEFAULT_CUT_OFF_DURATION_MS,
                                     "expiresAt": clock.now + DEFAULT_CUT_OFF_DURATION_MS}
    with pytest.raises(ValueError, match="cutOff's duration must be milliseconds"):
        check_sessions_option({"cutOff": {"enabled": True, "duration": "100000"}})


def test_a_cut_off_shorter_than_the_timeout_is_turned_off_with_a_warning() -> None:
    """'should disable cut off and log a warning if the provided cut off duration is less than the session
    timeout'."""
    page = Page({"autoTrack": True, "timeout": HOUR, "cutOff": {"enabled": True, "duration": 10 * MINUTE}})
    assert len(page.warnings) == 1
    assert "(600000 ms) is shorter than the timeout (3600000 ms)" in page.warnings[0]
    assert "cutOff" not in page.stored


def test_a_session_past_its_cut_off_is_replaced() -> None:
    """'should reset the session and cut off expiry timestamp if it is exceeded'."""
    page = Page({"autoTrack": True, "timeout": HOUR, "cutOff": {"enabled": True, "duration": 12 * HOUR}},
                clock=Clock(100), stored={
                    "autoTrack": True, "manualTrack": False, "id": 98, "timeout": 10000, "expiresAt": 105,
                    "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": 99}})
    assert page.stored == {"autoTrack": True, "id": 100, "timeout": HOUR, "expiresAt": 100 + HOUR,
                           "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": 100 + 12 * HOUR}}


def test_a_cut_off_not_yet_reached_is_kept() -> None:
    """'should not reset the cut off expiry timestamp if it is not exceeded'."""
    page = Page({"autoTrack": True, "timeout": HOUR, "cutOff": {"enabled": True, "duration": 12 * HOUR}},
                clock=Clock(100), stored={
                    "autoTrack": True, "manualTrack": False, "id": 1234567890, "timeout": 10000,
                    "cutOff": {"enabled": True, "duration": 12 * HOUR, "expiresAt": 10000}})
    assert page.stored["cutOff"] == {"enabled": True, "duration": 12 * HOUR, "expiresAt": 10000}


def test_a_long_session_ends_at_its_cut_off() -> None:
    """The cut-off in use (RudderStack's sessions.cutOff): activity every 20 minutes keeps a session alive until
    the cut-off's duration from its start has passed."""
    clock = Clock()
    page = Page({"timeout": 30 * MINUTE, "cutOff": {"enabled": True, "duration": HOUR}}, clock=clock)
    first = page.sessions.refresh()["sessionId"]
    for _ in range(3):
        clock.advance(20 * MINUTE)
        assert page.sessions.refresh() == {"sessionId": first}
    clock.advance(1)
    assert page.sessions.refresh() == {"sessionId": clock.now, "sessionStart": True}


# -- UserSessionManager.test.ts: refreshSession --------------------------------------------------------------

def test_no_session_keys_without_tracking() -> None:
    """'should return empty object if any type of tracking is not enabled'."""
    page = Page()
    page.store_session(None)
    assert page.sessions.refresh() == {}
    assert page.stored == {}


def test_the_second_event_of_an_auto_session_is_not_its_start() -> None:
    """'should return session id and sessionStart when auto tracking is enabled'."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 5000,
                        "id": 1683613729115, "sessionStart": True})
    assert page.sessions.refresh() == {"sessionId": 1683613729115}
    assert page.stored == {"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 10 * MINUTE,
                           "id": 1683613729115, "sessionStart": False}


def test_the_first_event_of_a_manual_session_is_its_start() -> None:
    """'should return session id and sessionStart when manual tracking is enabled'."""
    page = Page()
    page.sessions.start(1029384756)
    assert page.sessions.refresh() == {"sessionId": 1029384756, "sessionStart": True}
    assert page.stored == {"id": 1029384756, "sessionStart": True, "manualTrack": True}


def test_an_expired_auto_session_is_replaced_by_a_new_one() -> None:
    """'should generate new session id and sessionStart and return when auto tracking session is expired'."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now - 5000,
                        "id": 1683613729115, "sessionStart": False,
                        "cutOff": {"enabled": False, "duration": 12 * MINUTE}})
    assert page.sessions.refresh() == {"sessionId": clock.now, "sessionStart": True}
    assert page.stored == {"autoTrack": True, "timeout": 10 * MINUTE, "id": clock.now,
                           "expiresAt": clock.now + 10 * MINUTE, "sessionStart": True,
                           "cutOff": {"enabled": False, "duration": 12 * MINUTE}}


def test_only_the_first_event_of_an_auto_session_is_its_start() -> None:
    """'should return only session id from the second event of the auto session tracking'."""
    page = Page()
    assert page.sessions.refresh()["sessionStart"] is True
    assert "sessionStart" not in page.sessions.refresh()
    assert page.stored["sessionStart"] is False


def test_only_the_first_event_of_a_manual_session_is_its_start() -> None:
    """'should return only session id from the second event of the manual session tracking'."""
    page = Page()
    page.sessions.start(1029384756)
    page.sessions.refresh()
    assert page.sessions.refresh() == {"sessionId": 1029384756}
    assert page.stored["sessionStart"] is False


def test_a_session_removed_from_storage_ends() -> None:
    """'should set default session info to state even if storage data goes out of sync with state'."""
    page = Page()
    page.store_session(None)
    assert page.sessions.refresh() == {}
    assert page.sessions.session_id() is None


def test_inactivity_past_the_timeout_starts_a_new_session() -> None:
    """RudderStack's automatic tracking over time: each event moves the expiry on by the timeout."""
    clock = Clock()
    page = Page(clock=clock)
    first = page.sessions.refresh()
    assert first == {"sessionId": clock.now, "sessionStart": True}
    clock.advance(DEFAULT_TIMEOUT_MS)
    assert page.sessions.refresh() == {"sessionId": first["sessionId"]}  # not after its expiry yet: renewed
    clock.advance(DEFAULT_TIMEOUT_MS + 1)
    assert page.sessions.refresh() == {"sessionId": clock.now, "sessionStart": True}


# -- UserSessionManager.test.ts: getSessionId, startOrRenewAutoTracking, manual tracking -------------------------

def test_session_id_of_an_active_session() -> None:
    """'should return session id for active session'."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 10000,
                        "id": 1683613729115, "sessionStart": False})
    assert page.sessions.session_id() == 1683613729115


def test_no_session_id_for_an_expired_session() -> None:
    """'should return null for expired session'."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now - 5000,
                        "id": 1683613729115, "sessionStart": False})
    assert page.sessions.session_id() is None


def test_session_id_as_another_writer_stored_it() -> None:
    """'should return the session ID from storage if it was modified externally'."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 10000,
                        "sessionStart": False, "id": 123456789})
    assert page.sessions.session_id() == 123456789


def test_an_expired_session_is_renewed_as_a_new_one() -> None:
    """'should create a new session if session is expired' (through a message, which renews it)."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now - 1000,
                        "id": 1683613729115, "sessionStart": False,
                        "cutOff": {"enabled": False, "duration": 12 * HOUR}})
    page.sessions.refresh()
    assert page.stored == {"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 10 * MINUTE,
                           "id": clock.now, "sessionStart": True,
                           "cutOff": {"enabled": False, "duration": 12 * HOUR}}


def test_an_active_session_is_renewed_in_place() -> None:
    """'should not create a new session in case of active session'."""
    clock = Clock()
    page = Page(clock=clock)
    page.store_session({"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 30 * 1000,
                        "id": 1683613729115, "sessionStart": False})
    page.sessions.refresh()
    assert page.stored == {"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 10 * MINUTE,
                           "id": 1683613729115, "sessionStart": False}


def test_start_a_manual_session() -> None:
    """'startManualTracking: should create a new manual session' and '... even id session id is not provided'."""
    clock = Clock()
    page = Page(clock=clock)
    page.sessions.start(1029384756)
    assert page.stored == {"manualTrack": True, "id": 1029384756}
    page.sessions.start()
    assert page.stored == {"manualTrack": True, "id": clock.now}


def test_end_a_session() -> None:
    """'endSessionTracking: should clear session info'."""
    page = Page()
    page.sessions.end()
    assert page.stored == {}
    assert page.store.get(SESSION_INFO) is None
    assert page.sessions.refresh() == {}


# -- UserSessionManager.test.ts: reset -----------------------------------------------------------------------

def test_reset_starts_a_new_session_of_the_same_kind() -> None:
    """'should reset user session to the initial value except anonymousId and referrer related data' (its
    sessionInfo part)."""
    clock = Clock()
    page = Page(clock=clock)
    before = page.stored
    clock.advance(1000)
    page.sessions.reset()
    after = page.stored
    assert (after["autoTrack"], after["timeout"], after.get("cutOff")) == (
        before["autoTrack"], before["timeout"], before.get("cutOff"))
    assert after["id"] != before["id"] and after["expiresAt"] != before["expiresAt"]
    assert "sessionStart" not in after
    assert page.sessions.refresh() == {"sessionId": clock.now, "sessionStart": True}


def test_reset_keeps_the_timeout_and_cut_off() -> None:
    """'should retain previous session timeout and cut off information when auto tracking is enabled'."""
    clock = Clock()
    page = Page({"autoTrack": True, "timeout": 10 * MINUTE, "cutOff": {"enabled": True, "duration": 15 * HOUR}},
                clock=clock)
    clock.advance(1000)
    page.sessions.reset()
    assert page.stored == {"autoTrack": True, "timeout": 10 * MINUTE, "expiresAt": clock.now + 10 * MINUTE,
                           "id": clock.now,
                           "cutOff": {"enabled": True, "duration": 15 * HOUR, "expiresAt": clock.now + 15 * HOUR}}


def test_reset_starts_a_new_manual_session() -> None:
    """UserSessionManager.resetAndStartNewSession: a manual session is replaced by a manual one (its id, now)."""
    clock = Clock()
    page = Page(clock=clock)
    page.sessions.start(1029384756)
    clock.advance(1000)
    page.sessions.reset()
    assert page.stored == {"manualTrack": True, "id": clock.now}


# -- what is stored ------------------------------------------------------------------------------------------

def test_the_session_is_stored_in_rudderstacks_encoding() -> None:
    """``rl_session`` as RudderStack v3 writes it: ``RS_ENC_v3_`` + base64 of the compact JSON."""
    clock = Clock(1_700_000_000_000)
    page = Page(clock=clock)
    page.sessions.refresh()
    assert page.store.get(SESSION_INFO) == encode_value({
        "id": clock.now, "expiresAt": clock.now + DEFAULT_TIMEOUT_MS, "timeout": DEFAULT_TIMEOUT_MS,
        "autoTrack": True, "sessionStart": True})


def test_stored_fields_of_the_wrong_type_are_dropped_with_one_warning() -> None:
    clock = Clock()
    page = Page(clock=clock, stored={"autoTrack": True, "timeout": "soon", "id": 1683613729115,
                                     "expiresAt": clock.now + 1000, "sessionStart": "yes", "extra": 1})
    assert len(page.warnings) == 1
    assert "timeout, sessionStart, extra" in page.warnings[0]
    assert page.stored == {"autoTrack": True, "timeout": DEFAULT_TIMEOUT_MS, "id": 1683613729115,
                           "expiresAt": clock.now + DEFAULT_TIMEOUT_MS}


def test_the_load_option_is_checked() -> None:
    assert check_sessions_option({}) == {"autoTrack": True, "timeout": DEFAULT_TIMEOUT_MS}
    assert check_sessions_option({"timeout": 30 * 60 * 1e3, "cutOff": {"enabled": True, "duration": 8 * HOUR}}) \
        == {"autoTrack": True, "timeout": 1800000, "cutOff": {"enabled": True, "duration": 8 * HOUR}}
    with pytest.raises(TypeError, match="sessions got unknown key"):
        check_sessions_option({"autotrack": False})
    with pytest.raises(TypeError, match="autoTrack must be True or False"):
        check_sessions_option({"autoTrack": "no"})
    with pytest.raises(TypeError, match="sessions must be a dict"):
        check_sessions_option(True)


# -- the API: RudderAnalytics.test.ts, Analytics.test.ts, RudderEventFactory.test.ts ---------------------------

def test_messages_carry_the_session(analytics: Analytics, clock: Clock) -> None:
    """RudderEventFactory.test.ts (every case expects ``context.sessionId`` and ``sessionStart: true`` for a
    session's first event), and eventManager/utilities.ts getEnrichedEvent: ``sessionStart`` only when true."""
    analytics.load("KEY")
    first = analytics.page("Home")
    second = analytics.track("Clicked")
    third = analytics.identify("u1")
    assert first["context"]["sessionId"] == clock.now and first["context"]["sessionStart"] is True
    assert second["context"]["sessionId"] == third["context"]["sessionId"] == clock.now
    assert "sessionStart" not in second["context"] and "sessionStart" not in third["context"]
    assert analytics.get_session_id() == clock.now


def test_thirty_minutes_of_inactivity_start_a_new_session(analytics: Analytics, clock: Clock) -> None:
    analytics.load("KEY")
    started = analytics.track("First")["context"]["sessionId"]
    clock.advance(29 * MINUTE)
    assert analytics.track("Second")["context"]["sessionId"] == started
    clock.advance(30 * MINUTE + 1)
    assert analytics.get_session_id() is None  # expired; the next message starts the next one
    message = analytics.track("Third")
    assert message["context"]["sessionId"] == clock.now != started
    assert message["context"]["sessionStart"] is True


def test_start_end_and_get_session(analytics: Analytics, clock: Clock) -> None:
    """RudderAnalytics.test.ts 'should process startSession arguments and forwards to startSession call',
    '... endSession ...', '... getSessionId ...': the camelCase names are the same calls."""
    analytics.load("KEY")
    analytics.startSession(1234567890)
    assert analytics.getSessionId() == analytics.get_session_id() == 1234567890
    assert analytics.track("In Session")["context"]["sessionStart"] is True
    analytics.endSession()
    assert analytics.get_session_id() is None
    context = analytics.track("No Session")["context"]
    assert "sessionId" not in context and "sessionStart" not in context


def test_an_invalid_session_id_is_replaced_with_a_warning(analytics: Analytics, clock: Clock,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """RudderAnalytics.test.ts forwards ``startSession(1234)``; UserSessionManager then warns and makes an id."""
    analytics.load("KEY")
    with caplog.at_level(logging.WARNING, logger="pyodide_pendo"):
        analytics.start_session(1234)
    assert analytics.get_session_id() == clock.now
    assert "1234 is not a positive integer of at least 10 digits" in caplog.text


def test_session_calls_before_load_wait_for_it(analytics: Analytics, clock: Clock) -> None:
    """Analytics.test.ts: startSession and endSession before the SDK is loaded go to the buffer and run after it;
    getSessionId before it gives null."""
    assert analytics.get_session_id() is None
    analytics.start_session(1029384756)
    analytics.track("Buffered")
    analytics.load("KEY")
    assert analytics.get_session_id() == 1029384756
    analytics.end_session()
    assert analytics.get_session_id() is None


def test_reset_starts_a_new_session(analytics: Analytics, clock: Clock) -> None:
    """UserSessionManager.test.ts 'should reset user session ...': reset() starts a new session."""
    analytics.load("KEY")
    before = analytics.track("Before")["context"]["sessionId"]
    clock.advance(1000)
    analytics.reset()
    after = analytics.track("After")["context"]
    assert after["sessionId"] == clock.now != before and after["sessionStart"] is True


def test_reset_keeps_the_session_when_its_entries_say_so(analytics: Analytics, clock: Clock) -> None:
    """UserSessionManager.test.ts 'should not start a new session when configured in the options':
    reset({"entries": {"sessionInfo": False}}) leaves the session as it was."""
    analytics.load("KEY", sessions={"autoTrack": True, "timeout": 10 * 60 * 1000})
    before = analytics.track("Before")["context"]["sessionId"]
    clock.advance(1000)
    analytics.reset({"entries": {"sessionInfo": False}})
    after = analytics.track("After")["context"]
    assert after["sessionId"] == before and "sessionStart" not in after


def test_identifying_another_user_starts_a_new_session(analytics: Analytics, clock: Clock) -> None:
    """Analytics.ts identify: another user id than the current one resets first, session included; the same
    user, or a first one, keeps the session."""
    analytics.load("KEY")
    started = analytics.identify("u1")["context"]["sessionId"]
    clock.advance(1000)
    assert analytics.identify("u1", {"plan": "pro"})["context"]["sessionId"] == started
    clock.advance(1000)
    context = analytics.identify("u2")["context"]
    assert context["sessionId"] == clock.now != started and context["sessionStart"] is True


def test_the_session_survives_a_reload(store: MemoryStore, agent: Any, clock: Clock) -> None:
    first = Analytics(agent=agent, store=store)
    first.load("KEY")
    started = first.track("Before Reload")["context"]["sessionId"]
    clock.advance(10 * MINUTE)
    second = Analytics(agent=agent, store=store)
    second.load("KEY")
    assert second.get_session_id() == started
    context = second.track("After Reload")["context"]
    assert context["sessionId"] == started and "sessionStart" not in context


def test_sessions_off(analytics: Analytics) -> None:
    analytics.load("KEY", sessions={"autoTrack": False})
    context = analytics.track("Untracked")["context"]
    assert "sessionId" not in context and "sessionStart" not in context
    assert analytics.get_session_id() is None


def test_the_module_level_calls() -> None:
    for name in ("start_session", "end_session", "get_session_id"):
        camel = "".join(part.capitalize() if index else part for index, part in enumerate(name.split("_")))
        assert getattr(pyodide_pendo, name) is getattr(pyodide_pendo, camel)
        assert getattr(pyodide_pendo, name).__func__ is getattr(Analytics, name)
        assert name in pyodide_pendo.__all__ and camel in pyodide_pendo.__all__


def test_a_bad_sessions_option_raises_at_load(analytics: Analytics) -> None:
    with pytest.raises(ValueError, match="sessions: timeout must be milliseconds"):
        analytics.load("KEY", sessions={"timeout": "30m"})


def test_the_readme_sessions_example_runs(analytics: Analytics, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Sessions example, as written, with the default instance replaced by one with a test agent."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    code = readme.split("### Sessions", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.setattr(pyodide_pendo, "rudderanalytics", analytics)
    exec(compile(code, "README.md", "exec"), {})
    assert analytics.get_session_id() is None
