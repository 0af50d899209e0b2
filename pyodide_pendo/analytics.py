"""``Analytics``: RudderStack's ``rudderanalytics`` API in Python, delivering to the Pendo agent in the page.

Every call flows one way: ``calls`` (checked, then applied) → message (``messages``, ``identity``) → listeners →
consent → ``before_send`` hooks → ``filters`` → ``mapping`` → ``destination`` → the page; all but the last is
pure Python. Every ending (delivered, filtered, dropped, undelivered) is reported to ``outcomes``.

Decisions worth knowing:
- Calls made before ``load()`` are validated at once (bad input raises there) but buffered unbuilt, up to
  ``PRELOAD_LIMIT``, and built and sent in order when ``load()`` runs, so they carry the persisted identity.
  ``queue_size`` applies to them when ``load()`` runs: the first ``queue_size`` go on, the rest are dropped.
  They return ``None``; their callbacks still get the message. A call dropped before it was built has no
  message: ``dropped`` listeners get ``message: None`` and its ``type``, and its callback is not called.
- With ``consent="pending"``, messages are built and held (bounded by ``queue_size``) and nothing is loaded;
  ``consent(granted=True)`` loads Pendo and sends them, ``consent(granted=False)`` discards them (filtered).
  Withdrawn after the agent was loaded, consent also stops the agent's own capture and sending.
- RudderStack's consent management (``consent_management``) decides the same three states: at ``load()`` and
  at every ``consent()`` call, from the visitor's consent and the destination config's categories. Unlike
  RudderStack, which decides once when it loads its destinations, a later ``consent()`` that leaves Pendo's
  categories out withdraws consent as ``consent(granted=False)`` does.
- Every message ends delivered, filtered, dropped or undelivered: counted in ``stats()``, told to its
  listeners, and its callback called.
- Callbacks, ready callbacks, listeners and hooks are user code: an exception there is logged, never lost
  silently, and never breaks the pipeline. A hook that raises drops its message (counted as dropped).
"""

import logging
import os
import sys

from .calls import (
    AliasCall,
    GroupCall,
    IdentifyCall,
    MessageCall,
    PageCall,
    ResetCall,
    SetAnonymousIdCall,
    TrackCall,
    check_anonymous_id_options,
)
from .config import LoadConfig, check_agent_url
from .consent_management import (
    CONSENT_TRACK_EVENT,
    PERSISTED_BEFORE_CONSENT,
    ConsentOptions,
    NoConsentSource,
    PreConsentStore,
    blocked_reason,
    consent_context,
    decide,
    read_consent,
)
from .destination import AgentPlan, PendoDestination
from .early_start import EarlyStart
from .errors import PendoLoadError
from .filters import destination_enabled
from .identity import Identity, use_random_source
from .mapping import PendoMapper, visitor_id
from .messages import FixedEnvironment, MessageBuilder, iso_timestamp, now_milliseconds
from .outcomes import Outcomes, guarded
from .pendo_sanitize import PendoSanitizer
from .persistence import SESSION_INFO, IdentityStore, MemoryStore
from .sessions import EndSessionCall, Sessions, StartSessionCall

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from collections.abc import Awaitable, Callable, Generator, Mapping
    from typing import Any, TypeAlias

    from .calls import Call, JSONObject
    from .consent_management import ConsentData, ConsentSource
    from .destination import AgentPort, FlushSoon, Schedule
    from .identity import IdentitySnapshot
    from .messages import Environment
    from .outcomes import Listener, Message
    from .persistence import KeyValueStore
    from .sessions import SessionCall

    _AnyCall: TypeAlias = "Call | SessionCall"
    _BufferedCall: TypeAlias = tuple[_AnyCall, str]  # (checked call, timestamp)
except ImportError:
    pass

logger = logging.getLogger("pyodide_pendo")

PRELOAD_LIMIT = 10_000  # calls that may wait for load(); when it runs, queue_size applies to them
# The platforms whose page the browser bridge reaches: Pyodide's, and MicroPython's WebAssembly port.
BROWSER_PLATFORMS = ("emscripten", "webassembly")


class _Settled:
    """What ``ready()`` returns: await it to wait for the agent (raises ``PendoLoadError`` if it failed)."""

    def __init__(self, analytics: "Analytics") -> None:
        self._analytics = analytics

    def __await__(self) -> Generator[Any, None, None]:
        import asyncio

        settled = asyncio.Event()
        errors: list[PendoLoadError | None] = []

        def on_settled(error: PendoLoadError | None) -> None:
            errors.append(error)
            settled.set()

        self._analytics._when_settled(on_settled)  # at once, if it is settled already
        if not errors:
            wait: Any = settled.wait()  # CPython's is a coroutine; MicroPython's is itself iterable
            yield from (wait.__await__() if hasattr(wait, "__await__") else wait)
        if errors[0] is not None:
            raise errors[0]

    __iter__ = __await__  # MicroPython's await asks for __iter__


class Analytics:
    """One analytics client. ``pyodide_pendo.rudderanalytics`` is the default instance.

    Inject parts to run without a browser or to share them: ``agent`` (the Pendo agent port), ``environment``
    (page facts for messages), ``store`` (where identity persists), ``schedule`` (how the readiness
    watcher runs) and ``consent_source`` (the consent a consent manager left in the page). Left out, they come
    from the page at ``load()`` (with an injected agent: no consent manager in the page).
    """

    def __init__(self, *, agent: AgentPort | None = None, environment: Environment | None = None,
                 store: KeyValueStore | None = None, schedule: Schedule | None = None,
                 consent_source: ConsentSource | None = None) -> None:
        self._injected_agent = agent
        self._injected_environment = environment
        self._injected_store = store
        self._consent_source: ConsentSource = consent_source or NoConsentSource()
        self._consent_source_injected = consent_source is not None
        self._schedule = schedule
        self._outcomes = Outcomes()
        self._sanitizer = PendoSanitizer(self._warn)
        self._mapper = PendoMapper(self._sanitizer)
        self._buffer: list[_BufferedCall] = []
        self._held: list[tuple[Message | ResetCall, IdentitySnapshot, Any]] = []
        self._config: LoadConfig | None = None
        self._early: EarlyStart | None = None
        self._identity: Identity | None = None
        self._sessions: Sessions | None = None
        self._builder: MessageBuilder | None = None
        self._destination: PendoDestination | None = None
        self._consent = "granted"
        self._consent_reason = ""  # why consent is denied or pending, when it is not the visitor's plain choice
        # RudderStack's context.consentManagement (with consent management on): the consent last decided on
        self._consent_context: JSONObject | None = None
        self._consent_before_load: ConsentOptions | None = None  # consent() before load(): it wins over load's
        self._pre_consent_store: PreConsentStore | None = None  # RudderStack's preConsent storage, until consent
        self._pending_ready: list[Callable[[PendoLoadError | None], None]] = []
        self._agent_identity: IdentitySnapshot | None = None  # what the agent was last told
        self._warned: set[str] = set()  # the warnings given once per instance

    # -- lifecycle -------------------------------------------------------------------------------------------

    def load(self, api_key: str | Mapping[str, Any], **options: Any) -> None:
        """Load the Pendo agent for your app, then send the calls made so far, in order.

        Args:
            api_key: your Pendo app's API key, or a RudderStack Pendo destination config (a dict with
                ``apiKey`` and optionally ``eventFilteringOption``, ``whitelistedEvents``, ``blacklistedEvents``).
            **options: ``env``, ``agent_url``, ``pendo_options``, ``ready_timeout``, ``queue_size``, ``consent``,
                ``storage``, ``cookie_domain``, ``secure_cookie``, ``integrations``, ``sessions``, ``before_send``,
                ``debug``, ``consentManagement``, ``preConsent`` (the README's options table; declared in
                ``pyodide_pendo.config.OPTIONS``). A destination config's consent categories
                (``consentManagement`` as a list, ``oneTrustCookieCategories``, ``ketchConsentPurposes``) decide
                with ``consentManagement`` whether Pendo loads; set without a consent manager, Pendo is not
                loaded, with a warning saying what to configure.

        Returns ``None`` at once: the agent loads in the background (``await ready()`` to wait). A second call
        is ignored with a warning.

        Raises:
            TypeError, ValueError: an option is unknown or not valid; the message names it.
            RuntimeError: under CPython without an injected ``agent`` (there is no page).
        """
        config = LoadConfig.parse(api_key, options)
        if self._config is not None:
            logger.warning("load() was already called; this call is ignored")
            return
        environment, store, agent, flush_soon, early = self._parts(config)
        self._config = config
        self._early = early
        management, pre_consent = config.consentManagement, config.preConsent
        held_for_consent = False
        if pre_consent is not None and pre_consent.enabled:
            if management is None or not management.enabled:
                self._warn("preConsent is ignored: it takes effect with consentManagement={'enabled': True, "
                           "'provider': …}, as in RudderStack")
            # RudderStack's pre-consent: consent management on, its ids not given at load, and no consent() yet.
            elif management.data is None and self._consent_before_load is None:
                held_for_consent = True
                store = self._pre_consent_store = PreConsentStore(store, PERSISTED_BEFORE_CONSENT[pre_consent.strategy])
        identity_store = IdentityStore(store, self._warn, flush_soon)
        self._identity = Identity(identity_store, early.anonymous_id if early is not None and early.started else None,
                                  environment.page().referrer)
        self._sessions = Sessions(config.sessions, identity_store.sibling((SESSION_INFO,)), self._warn,
                                  at_end_of_task=flush_soon)
        if early is not None:
            current = self._identity.current
            for warning in early.warnings(config, visitor_id(current.user_id, current.anonymous_id),
                                          current.group_id):
                self._warn(warning)
        self._builder = MessageBuilder(environment, integrations=dict(config.integrations or {}),
                                       warn_once=self._warn_once)
        self._destination = PendoDestination(agent, self._outcomes, config, self._schedule, flush_soon)
        for callback in self._pending_ready:
            self._destination.on_settled(callback)
        self._pending_ready.clear()
        chosen = self._consent_before_load
        if chosen is not None:
            self._consent, self._consent_reason = self._verdict(chosen, None)
        elif held_for_consent or config.consent == "pending":
            blocked = blocked_reason(management, config.destination_consent)
            self._consent, self._consent_reason = ("denied", blocked) if blocked else ("pending", "")
            if blocked:
                self._warn(blocked)
        else:
            load_data = None if management is None else management.data
            self._consent, self._consent_reason = self._verdict(ConsentOptions(), load_data)
        if config.debug:
            logger.setLevel(logging.DEBUG)
        if self._consent == "granted":
            self._start_agent()
        refusal = self._refusal()
        if refusal is not None:
            self._destination.settle_waiting(refusal)
        buffered, self._buffer = self._buffer, []
        for call, timestamp in buffered[:config.queue_size]:
            self._run(call, timestamp)
        for call, _ in buffered[config.queue_size:]:
            self._drop_unbuilt(call, f"more than queue_size ({config.queue_size}) calls waited for load()")
        if chosen is not None:
            self._consent_calls(chosen)

    def _parts(self, config: LoadConfig) -> tuple[Environment, KeyValueStore, AgentPort, FlushSoon | None,
                                                  EarlyStart | None]:
        """The page's parts, or the injected ones; an injected agent gets each call as it is made. Last, what
        the early-start script did, if the page has it."""
        if self._injected_agent is not None:
            environment = self._injected_environment or FixedEnvironment()
            store = self._injected_store or MemoryStore()
            return environment, store, self._injected_agent, None, None
        if sys.platform not in BROWSER_PLATFORMS:
            raise RuntimeError("pyodide_pendo talks to the Pendo agent in a browser page (Pyodide or PyScript); "
                               "under CPython pass agent=… to Analytics() (see the README: testing without a browser)")
        from . import _browser

        if not hasattr(os, "urandom"):  # MicroPython: ids take the page's crypto (see identity._RandomPool)
            use_random_source(_browser.random_bytes)
        page = _browser.page_window()
        if config.agent_url is not None:  # again, as the browser reads it (Python's reading is not enough), and
            # resolved against the page as the early-start script resolves it
            config.agent_url = check_agent_url(config.agent_url, _browser.url_parts(config.agent_url, page))
        environment = self._injected_environment or _browser.BrowserEnvironment(page)
        if not self._consent_source_injected:
            self._consent_source = _browser.PageConsent(page)
        store = self._injected_store or _browser.identity_storage(page, config.storage, config.cookie_domain,
                                                                   config.secure_cookie, self._warn)
        record = _browser.early_start_record(page)
        early = EarlyStart(record) if record is not None else None
        return environment, store, _browser.BrowserAgent(page), _browser.flush_at_end_of_task, early

    def _refusal(self) -> PendoLoadError | None:
        """Consent was denied and the agent never loaded: what ``ready()`` settles with instead of waiting."""
        if self._consent != "denied" or self._config is None or self._destination is None \
                or self._destination.state != "idle":
            return None
        return PendoLoadError(self._consent_reason or "consent was denied, so the Pendo agent is not loaded "
                              "(consent(granted=True) loads it)", url=self._config.script_url)

    def _warn_once(self, key: str, text: str, *arguments: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(text, *arguments)

    def _start_agent(self) -> None:
        assert self._config is not None and self._identity is not None and self._destination is not None
        config, early = self._config, self._early
        self._agent_identity = self._identity.refresh()
        identity = self._mapper.snapshot_identity(self._agent_identity)
        if early is not None and early.started and early.script_url is not None:
            # Adopt the agent as the early-start script initialized it; identify only what it lacks.
            self._destination.start(AgentPlan(early.script_url, early.script_url.endswith(".mjs"), None,
                                              config.debug, None if early.initialized_with(identity) else identity))
            return
        initialize = dict(config.pendo_options or {})
        initialize["apiKey"] = config.api_key
        initialize.update(identity)
        self._destination.start(AgentPlan(config.script_url, config.script_url.endswith(".mjs"), initialize,
                                          config.debug))

    def ready(self, callback: Callable[..., object] | None = None) -> Awaitable[None]:
        """Wait for the Pendo agent to be ready: ``await ready()``, or ``ready(callback)``.

        Args:
            callback: called with no argument once Pendo is ready, or with the ``PendoLoadError`` once loading
                failed: define it as ``def on_ready(error=None)``.

        Returns an awaitable that returns ``None`` once the agent is ready and raises ``PendoLoadError`` if it
        never gets ready (script blocked or failing, ``ready_timeout`` passed, consent denied before it loaded).

        Raises:
            TypeError: ``callback`` is not callable.

        The callback is called with no argument once Pendo is ready (as RudderStack's), or with the
        ``PendoLoadError`` once loading failed: define it as ``def on_ready(error=None)``. While consent is
        pending it waits (the agent loads only once consent is given), and says so once in the log; once consent
        was denied and the agent never loaded it settles with a ``PendoLoadError`` saying so.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        if self._consent == "pending":
            self._warn_once("ready", "ready() waits for consent: the Pendo agent loads only after "
                            "consent(granted=True)")
        if callback is not None:
            def settled(error: PendoLoadError | None) -> None:
                callback() if error is None else callback(error)

            self._when_settled(settled)
        return _Settled(self)

    def _when_settled(self, callback: Callable[[PendoLoadError | None], None]) -> None:
        """Call ``callback(None)`` once the agent is ready, or ``callback(error)`` once it failed or consent was
        denied before it loaded; now, if that happened already."""
        refusal = self._refusal()
        if refusal is not None:
            guarded("a ready callback", callback, refusal)
        elif self._destination is not None:
            self._destination.on_settled(callback)
        else:
            self._pending_ready.append(callback)

    def consent(self, options: Any = None, *, granted: bool | None = None) -> int:
        """Record the visitor's consent: ``consent(granted=True)``/``consent(granted=False)``, or RudderStack's
        ``consent({...})``.

        Args:
            options: ``True`` (the default): consent given; with ``consentManagement`` the provider's consent is
                read again (as RudderStack's ``consent()`` without options) and the destination config's
                categories decide. ``False``: consent denied, whatever the categories. A dict takes RudderStack's
                options: ``consentManagement`` (``{"allowedConsentIds": [...], "deniedConsentIds": [...]}``, the
                visitor's consent instead of the provider's), ``discardPreConsentEvents`` (discard what waited
                for consent instead of sending it), ``trackConsent`` (then track "Consent Management
                Interaction"), ``sendPageEvent`` (then send a page view) and ``integrations`` (leaving Pendo out
                denies it).
            granted: the short form's keyword, ``consent(granted=True)``; not with ``options``.

        Returns how many waiting messages were sent or discarded.

        Raises:
            TypeError: ``options`` or ``granted`` is not one of those forms; the message says which key.

        Called before ``load()``, the last call holds for ``load()`` and wins over ``load(consent=…)``. Granted,
        the agent loads if it waited and the held messages go to it. Denied, every message not yet handed to the
        agent is discarded (``filtered``, listeners told, callbacks called), and an agent already loaded stops
        its own capture and sending (``pendo.stopSendingEvents``); granted again, it resumes
        (``pendo.startSendingEvents``). While the consent stays unknown (a provider not readable yet), messages
        keep waiting.
        """
        if granted is not None:
            if not isinstance(granted, bool):
                raise TypeError("granted must be True or False")
            if options is not None:
                raise TypeError("consent() takes options or granted=, not both")
            options = granted
        parsed = ConsentOptions.parse(True if options is None else options)
        if self._config is None:
            self._consent_before_load = parsed
            return 0
        state, reason = self._verdict(parsed, None)
        count = self._change_consent(state, reason, parsed.discard)
        self._consent_calls(parsed)
        return count

    def _verdict(self, options: ConsentOptions, load_data: ConsentData | None) -> tuple[str, str]:
        """The consent state for Pendo (``granted``, ``pending`` or ``denied``) and why, when it is not the
        visitor's plain choice. The visitor's consent: ``options``' ids, else ``load_data``, else the provider's."""
        assert self._config is not None
        management, categories = self._config.consentManagement, self._config.destination_consent
        blocked = blocked_reason(management, categories)
        if blocked is not None:
            self._warn(blocked)
            return "denied", blocked
        if options.denied:
            return "denied", ""
        if options.integrations is not None and not destination_enabled(options.integrations):
            return "denied", "the integrations given to consent() leave Pendo out, so the Pendo agent is not loaded"
        if management is None or not management.enabled or management.provider is None:
            return "granted", ""  # (enabled, ConsentManagement.parse requires a provider)
        provider = management.provider
        data = options.data if options.data is not None else load_data
        if data is None:
            data = read_consent(provider, self._consent_source, self._warn)
        self._consent_context = consent_context(provider, data, categories)
        verdict = decide(provider, data, categories)
        if verdict is None:
            how = ("pass the visitor's consent with consent({'consentManagement': {'allowedConsentIds': [...]}})"
                   if provider == "custom" else "call consent() once it is known")
            reason = (f"the visitor's consent ({provider}) is not known and the Pendo destination config sets "
                      f"consent categories for it, so Pendo waits: {how}")
            self._warn(reason)
            return "pending", reason
        if verdict:
            return "granted", ""
        ids, strategy = categories.to_check(provider) or ([], "and")
        return "denied", (f"the visitor has not allowed Pendo's consent categories under {provider} "
                          f"({(' ' + strategy + ' ').join(ids)}), so the Pendo agent is not loaded")

    def _change_consent(self, state: str, reason: str, discard_waiting: bool) -> int:
        """Move to ``state``: what waited for consent is sent (granted), discarded (denied, or asked) or kept
        (pending). Returns how many waiting messages were sent or discarded."""
        self._consent, self._consent_reason = state, reason
        held, self._held = self._held, []
        destination = self._destination
        discarded = 0
        if discard_waiting:
            for item, _, callback in held:
                self._outcomes.record_filtered(item if isinstance(item, dict) else None,
                                               "made before consent (discardPreConsentEvents)", callback)
            discarded, held = len(held), []
        if state == "pending":
            self._held = held
            return discarded
        if state == "denied":
            for item, _, callback in held:
                self._outcomes.record_filtered(item if isinstance(item, dict) else None, "consent denied",
                                               callback)
            discarded += len(held)
            if destination is not None:
                discarded += destination.stop_sending("consent withdrawn")
                refusal = self._refusal()
                if refusal is not None:
                    destination.settle_waiting(refusal)
            if discarded:
                logger.info("consent denied: %d waiting message(s) discarded", discarded)
            return discarded
        if self._pre_consent_store is not None:  # RudderStack's pre-consent storage ends with consent
            self._pre_consent_store.release()
            self._pre_consent_store = None
        if destination is not None:
            destination.start_sending()  # also after a denial that came before the agent ever started
            if destination.state == "idle":
                self._start_agent()
        for item, snapshot, callback in held:
            self._route(item, snapshot, callback)
        return discarded + len(held)

    def _consent_calls(self, options: ConsentOptions) -> None:
        """What ``consent()`` asked to send after it: RudderStack's consent track event, then a page view."""
        if options.track:
            self.track(CONSENT_TRACK_EVENT)
        if options.page:
            self.page()

    # -- the API ---------------------------------------------------------------------------------------------

    def identify(self, user_id: Any = None, traits: Any = None, options: Any = None,
                 callback: Any = None) -> Message | None:
        """Identify the user: ``identify("user-1", {"email": …})``, or ``identify({...})`` to add traits only.

        Args:
            user_id: the user's id, a ``str`` or an ``int``; ``None`` keeps the current one.
            traits: a dict merged into the traits given before (kept with the identity).
            options: RudderStack's per-call options: ``anonymousId``, ``originalTimestamp`` and ``integrations``
                replace the message's own; the contents of ``options["context"]`` and every other key deep-merge
                into its ``context``, except the keys RudderStack reserves there (``library``, ``userAgent``,
                ``screen``, ``ua-ch``, ``consentManagement``).
            callback: called with the message once it was delivered, filtered, dropped or undelivered.

        Returns the RudderStack message built (``None`` before ``load()``: the call waits for it, unbuilt). It
        reaches Pendo as ``pendo.identify`` with the visitor (traits as its metadata) and account. A callable in any
        argument position is the callback, and what follows it is ignored.

        Raises:
            TypeError, ValueError: an argument breaks RudderStack's rules; the message names it.
        """
        return self._submit(IdentifyCall.from_arguments(user_id, traits, options, callback, warn=self._warn))

    def group(self, group_id: Any = None, traits: Any = None, options: Any = None,
              callback: Any = None) -> Message | None:
        """Set the user's group, Pendo's account: ``group("acme", {"plan": "pro"})``, or ``group({...})``.

        Args:
            group_id: the group's id, a ``str`` or an ``int``; ``None`` keeps the current one.
            traits: a dict merged into the group's traits; a ``parentAccount`` trait (an id, or a dict with
                ``id``) becomes Pendo's parent account.
            options: RudderStack's per-call options: ``anonymousId``, ``originalTimestamp`` and ``integrations``
                replace the message's own; the contents of ``options["context"]`` and every other key deep-merge
                into its ``context``, except the keys RudderStack reserves there (``library``, ``userAgent``,
                ``screen``, ``ua-ch``, ``consentManagement``).
            callback: called with the message once it was delivered, filtered, dropped or undelivered.

        Returns the RudderStack message built (``None`` before ``load()``: the call waits for it, unbuilt). It
        reaches Pendo as ``pendo.identify`` with the visitor and the account (traits as its metadata). A callable in
        any argument position is the callback, and what follows it is ignored.

        Raises:
            TypeError, ValueError: an argument breaks RudderStack's rules; the message names it.
        """
        return self._submit(GroupCall.from_arguments(group_id, traits, options, callback, warn=self._warn))

    def track(self, event: Any, properties: Any = None, options: Any = None, callback: Any = None) -> Message | None:
        """Record an event: ``track("Order Completed", {"total": 42})``.

        Args:
            event: the event's name, a non-empty ``str``.
            properties: a dict of the event's properties (JSON values; others are converted or dropped with a
                warning).
            options: RudderStack's per-call options: ``anonymousId``, ``originalTimestamp`` and ``integrations``
                replace the message's own; the contents of ``options["context"]`` and every other key deep-merge
                into its ``context``, except the keys RudderStack reserves there (``library``, ``userAgent``,
                ``screen``, ``ua-ch``, ``consentManagement``).
            callback: called with the message once it was delivered, filtered, dropped or undelivered.

        Returns the RudderStack message built (``None`` before ``load()``: the call waits for it, unbuilt). It
        reaches Pendo as ``pendo.track(event, properties)``, unless ``integrations`` or the event filter keep it. A
        callable in any argument position is the callback, and what follows it is ignored.

        Raises:
            TypeError, ValueError: an argument breaks RudderStack's rules; the message names it.
        """
        return self._submit(TrackCall.from_arguments(event, properties, options, callback, warn=self._warn))

    def page(self, category: Any = None, name: Any = None, properties: Any = None, options: Any = None,
             callback: Any = None) -> Message | None:
        """Record a page view: ``page()``, ``page("Home")``, ``page("Docs", "Install", {...})``.

        Args:
            category: the page's category; alone, a ``str`` is the page's name instead.
            name: the page's name.
            properties: a dict; each page fact it lacks (``url``, ``path``, ``search``, ``title``, ``referrer``,
                ``referring_domain``, ``tab_url``, ``initial_referrer``, ``initial_referring_domain``) comes from
                ``options["page"]``, else from the page, and ``name`` and ``category`` are copied into it. The facts
                it gives also feed ``context.page``.
            options: RudderStack's per-call options: ``anonymousId``, ``originalTimestamp`` and ``integrations``
                replace the message's own; the contents of ``options["context"]`` and every other key deep-merge
                into its ``context``, except the keys RudderStack reserves there (``library``, ``userAgent``,
                ``screen``, ``ua-ch``, ``consentManagement``).
            callback: called with the message once it was delivered, filtered, dropped or undelivered.

        Returns the RudderStack message built (``None`` before ``load()``: the call waits for it, unbuilt). It
        reaches Pendo as ``pendo.pageLoad(url)`` with the message's ``url`` (the agent records a page load only when
        the URL changed). A callable in any argument position is the callback, and what follows it is ignored.

        Raises:
            TypeError, ValueError: an argument breaks RudderStack's rules; the message names it.
        """
        return self._submit(PageCall.from_arguments(category, name, properties, options, callback, warn=self._warn))

    def alias(self, to: Any, from_: Any = None, options: Any = None, callback: Any = None) -> Message | None:
        """Give the current visitor a new user id: ``alias("user-2")``.

        Args:
            to: the new user id, a ``str`` or an ``int`` (required).
            from_: the previous id for the message's ``previousId``; by default the current user id, or the
                anonymousId.
            options: RudderStack's per-call options: ``anonymousId``, ``originalTimestamp`` and ``integrations``
                replace the message's own; the contents of ``options["context"]`` and every other key deep-merge
                into its ``context``, except the keys RudderStack reserves there (``library``, ``userAgent``,
                ``screen``, ``ua-ch``, ``consentManagement``).
            callback: called with the message once it was delivered, filtered, dropped or undelivered.

        Returns the RudderStack message built (``None`` before ``load()``: the call waits for it, unbuilt). It
        reaches Pendo as ``pendo.identify`` with the new visitor id. A callable in any argument position is the
        callback, and what follows it is ignored.

        Raises:
            TypeError, ValueError: an argument breaks RudderStack's rules; the message names it.
        """
        return self._submit(AliasCall.from_arguments(to, from_, options, callback, warn=self._warn))

    def reset(self, options: Any = None) -> None:
        """Forget the user, the group and their traits; Pendo starts a new session with the visitor left, and so
        does RudderStack's session tracking (a new ``get_session_id()``, of the same kind: automatic or manual)
        unless ``entries`` keeps ``sessionInfo``.

        Args:
            options: ``{"entries": {...}}`` says what is cleared, by RudderStack's entry names: ``userId``,
                ``userTraits``, ``groupId``, ``groupTraits`` (cleared unless set ``False``), ``anonymousId``,
                ``initialReferrer``, ``initialReferringDomain`` (kept unless set ``True``; a cleared anonymousId is
                replaced by a new one, so the visitor is another one), ``sessionInfo`` and ``authToken``. ``True``
                or ``False`` is RudderStack's deprecated form: whether the anonymousId is cleared too.

        Raises:
            TypeError, ValueError: ``options`` is another type, or names an unknown entry.
        """
        self._submit(ResetCall.from_arguments(options))

    def set_anonymous_id(self, anonymous_id: Any = None, amp_linker_param: Any = None) -> None:
        """Use ``anonymous_id`` as the anonymousId from now on (stored with the identity).

        Args:
            anonymous_id: a ``str`` or an ``int``; ``None`` takes the one in ``amp_linker_param``, else makes a
                new UUID.
            amp_linker_param: the value of an AMP linker parameter (``1*checksum*rs_amp_id*…``, from the URL of a
                page reached from an AMP page): its ``rs_amp_id``, if the linker's checksum holds for this browser
                and the last two minutes, as RudderStack reads it.

        Raises:
            TypeError: ``anonymous_id`` or ``amp_linker_param`` is another type.
        """
        self._submit(SetAnonymousIdCall.from_arguments(anonymous_id, amp_linker_param))

    def get_anonymous_id(self, options: Any = None) -> str | None:
        """The anonymousId (as stored now: another tab may have changed it); ``None`` before ``load()``.

        Args:
            options: RudderStack's ``{"autoCapture": {"enabled": True, "source": "segment"}}``, accepted for ported
                code. RudderStack uses it only while it has no anonymousId of its own, and after ``load()`` there
                always is one, so it changes nothing here.

        Raises:
            TypeError: ``options`` is not of that form.
        """
        check_anonymous_id_options(options)
        return self._identity.refresh().anonymous_id if self._identity else None

    def get_user_id(self) -> str | None:
        """The user id from ``identify()`` or ``alias()``; ``None`` without one, or before ``load()``."""
        return self._identity.refresh().user_id if self._identity else None

    def get_user_traits(self) -> dict[str, Any]:
        """A copy of the user's traits; ``{}`` without any, or before ``load()``."""
        return dict(self._identity.refresh().user_traits) if self._identity else {}

    def get_group_id(self) -> str | None:
        """The group id from ``group()``; ``None`` without one, or before ``load()``."""
        return self._identity.refresh().group_id if self._identity else None

    def get_group_traits(self) -> dict[str, Any]:
        """A copy of the group's traits; ``{}`` without any, or before ``load()``."""
        return dict(self._identity.refresh().group_traits) if self._identity else {}

    def start_session(self, session_id: Any = None) -> None:
        """Start a manual session: later messages carry its id until ``end_session()``; automatic tracking stops
        until then (also across reloads).

        Args:
            session_id: the session's id, a positive ``int`` of at least 10 digits (RudderStack's rule); ``None``
                makes one (the time in milliseconds). Another value is warned about and replaced by a new id,
                as RudderStack does.
        """
        self._submit(StartSessionCall(session_id))

    def end_session(self) -> None:
        """End the session, manual or automatic: messages carry no session until the next page load, where
        automatic tracking (if configured) starts a new one."""
        self._submit(EndSessionCall())

    def get_session_id(self) -> int | None:
        """The id of the session going on (as stored now: another tab may have changed it); ``None`` without
        one, once an automatic session has expired (the next message starts a new one), or before ``load()``."""
        return self._sessions.session_id() if self._sessions else None

    getAnonymousId = get_anonymous_id  # noqa: N815 (RudderStack's names, for ported code)
    setAnonymousId = set_anonymous_id  # noqa: N815
    getUserId = get_user_id  # noqa: N815
    getUserTraits = get_user_traits  # noqa: N815
    getGroupId = get_group_id  # noqa: N815
    getGroupTraits = get_group_traits  # noqa: N815
    startSession = start_session  # noqa: N815
    endSession = end_session  # noqa: N815
    getSessionId = get_session_id  # noqa: N815

    def stats(self) -> dict[str, Any]:
        """What became of the calls so far, as a dict.

        Returns ``sent``, ``waiting``, ``filtered``, ``dropped`` and ``undelivered`` (counts), ``state`` (the
        agent's: ``idle``, ``loading``, ``ready``, ``failed``) and ``error`` (why it failed, or ``None``).
        Calls batched for the end of the task are handed to the agent first, so the counts are final.
        """
        if self._destination is not None:
            self._destination.flush()
        destination = self._destination
        counts: dict[str, Any] = self._outcomes.counts()
        counts["waiting"] = len(self._buffer) + len(self._held) + (destination.waiting if destination else 0)
        counts["state"] = destination.state if destination else "idle"
        counts["error"] = destination.error if destination else None
        return counts

    def on(self, kind: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(payload)`` for each happening of ``kind``.

        Args:
            kind: ``message`` (each message built: ``{"message"}``), ``delivered`` (its Pendo calls made:
                ``{"message", "calls"}``), ``filtered``, ``dropped``, ``undelivered`` (``{"message", "reason"}``),
                or ``state`` (the agent's state changed: ``{"state", "error"}``).
            listener: a function taking the payload dict; what it raises is logged, never passed on.

        Returns a function that unsubscribes the listener.

        Raises:
            ValueError: ``kind`` is not one of those. TypeError: ``listener`` is not callable.
        """
        return self._outcomes.listen(kind, listener)

    # -- the pipeline ----------------------------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        logger.warning("%s", text)

    def _drop_unbuilt(self, call: _AnyCall, reason: str) -> None:
        """A call dropped before load() built it: there is no message, so no callback; listeners get its type."""
        self._outcomes.record_dropped_unbuilt(call.kind, reason)
        self._warn_once("preload", "%s: later such calls are dropped too, counted in stats() and told to "
                        "on('dropped') listeners (no message was built for them, so their callbacks are not called)",
                        reason)

    def _submit(self, call: _AnyCall) -> Message | None:
        if self._builder is None:
            if len(self._buffer) >= PRELOAD_LIMIT:
                self._drop_unbuilt(call, f"{PRELOAD_LIMIT:,} calls already wait for load()")
                return None
            self._buffer.append((call, iso_timestamp(now_milliseconds())))
            return None
        return self._run(call, None)

    def _run(self, call: _AnyCall, timestamp: str | None) -> Message | None:
        assert self._identity is not None and self._builder is not None and self._sessions is not None
        identity = self._identity
        if isinstance(call, MessageCall):
            page = self._builder.page_info()
            user_id = identity.refresh().user_id if call.kind == "identify" else None
            snapshot, fields = call.apply(identity, page)
            if user_id is not None and snapshot.user_id != user_id:  # another user: a new session, as in RudderStack
                self._sessions.reset()
            message = self._builder.build(call.kind, snapshot, call.options, fields, timestamp=timestamp, page=page,
                                          session=self._sessions.refresh(), consent=self._consent_context)
            if "message" in self._outcomes.listened:
                self._outcomes.notify("message", {"message": message})
            self._route(message, snapshot, call.callback)
            return message
        if isinstance(call, ResetCall):
            if call.entries["sessionInfo"]:
                self._sessions.reset()
            self._route(call, identity.reset(call.entries), None)
        elif isinstance(call, StartSessionCall):
            self._sessions.start(call.session_id)
        elif isinstance(call, EndSessionCall):
            self._sessions.end()
        else:
            anonymous_id = call.anonymous_id
            if anonymous_id is None and call.amp_linker_param is not None:
                anonymous_id = self._builder.amp_linker_id(call.amp_linker_param)
            identity.set_anonymous_id(anonymous_id)
        return None

    def _route(self, item: Message | ResetCall, snapshot: IdentitySnapshot, callback: Any) -> None:
        assert self._destination is not None and self._config is not None
        if self._consent == "pending":
            if len(self._held) >= self._config.queue_size:
                self._outcomes.record_dropped(item if isinstance(item, dict) else None,
                                              "queue full (waiting for consent)", callback)
                self._warn_once("consent", "%d messages already wait for consent: later ones are dropped, counted "
                                "in stats() (raise queue_size in load() if this is expected)", self._config.queue_size)
            else:
                self._held.append((item, snapshot, callback))
            return
        if self._consent == "denied":
            self._outcomes.record_filtered(item if isinstance(item, dict) else None, "no consent", callback)
            return
        if isinstance(item, ResetCall):
            self._agent_identity = snapshot
            self._destination.deliver_calls(self._mapper.reset_calls(snapshot))
            return
        message: Message | None = item
        for hook in self._config.before_send:
            try:
                message = hook(message)  # type: ignore[arg-type]
            except Exception:
                logger.exception("a before_send hook raised; its message is dropped")
                self._outcomes.record_dropped(item, "a before_send hook raised", callback)
                return
            if message is None:
                self._outcomes.record_filtered(item, "a before_send hook dropped it", callback)
                return
        assert message is not None
        if not self._destination.allows(message):
            self._outcomes.record_filtered(message, "the integrations option or the event filter", callback)
            return
        calls = self._mapper.calls(message, snapshot)
        told = self._agent_identity
        if message.get("type") in ("identify", "group", "alias"):  # these tell the agent the whole identity
            self._agent_identity = snapshot
        elif told is not None and snapshot is not told:  # another tab changed it: the agent follows first
            self._agent_identity = snapshot
            calls = self._mapper.switch_calls(told, snapshot) + calls
        self._destination.deliver(message, calls, callback)
