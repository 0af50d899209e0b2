"""The browser bridge: the only module that touches ``js``, ``pyodide`` or ``pyscript``.

Imported only in a browser. Payloads cross as JSON text parsed on the page side, never as Python dicts: no
proxies to leak, no ``None``/``undefined`` or big-integer surprises, one string per call into a worker. Under
Pyodide no ``eval``, inline scripts or ``innerHTML``, so a strict Content-Security-Policy works; under
MicroPython one helper is made with ``Function`` (``ThrowCatcher``), as PyScript's own core needs ``eval`` too.

In a PyScript worker every page access is a round trip to the main thread, and a page object reaching Python
costs 40 to 100 more (Pyodide inspects each new proxy), so objects used on every call are fetched once and
``PageCalls`` keeps per-call results in JavaScript.
"""

import json
import logging
import sys

from .config import UrlParts
from .early_start import RECORD_NAME
from .messages import PageInfo, page_facts
from .persistence import CookieStore, LocalStorageStore, MemoryStore, usable_store
from .values import json_text

try:  # Pyodide: JavaScript's null arrives as this one object (undefined as None)
    from pyodide.ffi import jsnull
except ImportError:  # MicroPython: there is no pyodide.ffi, and null arrives as None
    jsnull = None

try:  # Names for annotations only (MicroPython has no typing module and never evaluates annotations).
    from typing import Any

    from .destination import AgentPlan, AgentState
    from .persistence import KeyValueStore
    from .values import Warn
except ImportError:
    pass

logger = logging.getLogger("pyodide_pendo")

AGENT_SCRIPT_MARKER = "data-pyodide-pendo"
AGENT_MARKER_DATASET_KEY = "pyodidePendo"  # the marker as ``script.dataset`` names it
# The agent methods that catch every error inside them (the agent logs it and returns normally).
SWALLOWING_METHODS = frozenset({"identify", "updateOptions", "pageLoad", "track", "trackAgent"})
CANONICAL_SELECTOR = 'link[rel="canonical"]'
STORAGE_PROBE = '["pyodide_pendo_probe"]'  # localStorage.getItem's arguments, as JSON
STORAGE_BROKE = ("the page's localStorage throws since the agent started, and the agent then loses the call's event "
                 "(it reads its stored account there and catches the error itself)")
# MicroPython 1.28 does not turn an exception thrown by JavaScript into a Python one: it unwinds through
# Python frames past every ``except`` and ``finally``, and leaves the interpreter unable to raise again. There,
# every page call that can throw goes through ``ThrowCatcher``.
JS_THROWS_BECOME_PYTHON_EXCEPTIONS = sys.implementation.name != "micropython"
# ``(target, name, lists, construct)``: ``target[name](...list)`` (``new target[name](...list)`` if
# ``construct``) for each list, each result stored in its place; on a throw, ``[index, "Name: message"]``.
# Looked up by name on the page side: MicroPython hands JavaScript a wrapper for a page function, not the
# function (a wrapper cannot be constructed). A plain function: in MicroPython 1.28 an exception that crosses
# a built-in (``Array.from``, ``dispatchEvent``, a ``Promise`` executor) breaks the interpreter even if caught.
CALL_EACH_SOURCE = (
    "for (let i = 0; i < lists.length; i++) {"
    " try { lists[i] = construct ? Reflect.construct(target[name], lists[i])"
    " : Reflect.apply(target[name], target, lists[i]); }"
    " catch (error) { return [i, String(error)]; } }"
    " return null;"
)


class JavaScriptError(Exception):
    """What page JavaScript threw, caught on the page side by ``ThrowCatcher`` (MicroPython)."""


class ThrowCatcher:
    """Page calls that catch what the page throws on the page side, so that it never reaches MicroPython.

    The one helper is made with the page's ``Function``, so the page must allow ``'unsafe-eval'``, which
    PyScript needs anyway. In a PyScript worker the helper is made with the page's ``Function``, so it catches
    on the page's side, before PyScript's bridge would throw the error again in the worker.
    """

    def __init__(self, window: Any) -> None:
        # The window object itself: MicroPython's ``js`` module stands for it but cannot be passed to JavaScript.
        window = window.window
        self.window = window
        self._call_each = window.Function.new("target", "name", "lists", "construct", CALL_EACH_SOURCE)

    def each(self, target: Any, name: str, argument_lists: Any, construct: bool = False) -> tuple[int, str] | None:
        """``target[name](...arguments)`` for each of the JS array ``argument_lists`` (each result is left in
        its place); on a throw, stops and returns (index of the call that threw, what it threw)."""
        failure = self._call_each(target, name, argument_lists, construct)
        if failure is None:
            return None
        return failure[0], _as_text(failure[1])

    def call(self, target: Any, name: str, *arguments: Any) -> Any:
        """``target[name](...arguments)``'s result; raises ``JavaScriptError`` if it threw."""
        return self._one(target, name, arguments, False)

    def new(self, class_name: str, *arguments: Any) -> Any:
        """``new window[class_name](...arguments)``; raises ``JavaScriptError`` if it threw."""
        return self._one(self.window, class_name, arguments, True)

    def get(self, target: Any, name: str) -> Any:
        """``target[name]``; raises ``JavaScriptError`` if its getter threw."""
        return self.call(self.window.Reflect, "get", target, name)

    def set(self, target: Any, name: str, value: Any) -> None:
        """``target[name] = value``; raises ``JavaScriptError`` if its setter threw."""
        self.call(self.window.Reflect, "set", target, name, value)

    def _one(self, target: Any, name: str, arguments: tuple[Any, ...], construct: bool) -> Any:
        window = self.window
        lists = window.Array.of(window.Array.of(*arguments))
        failure = self.each(target, name, lists, construct)
        if failure is not None:
            raise JavaScriptError(failure[1])
        return lists[0]


class _CaughtDocument:
    """``document.cookie`` through a ``ThrowCatcher``: what persistence's ``CookieStore`` reads and writes."""

    def __init__(self, catcher: ThrowCatcher, document: Any) -> None:
        self._catcher = catcher
        self._document = document

    @property
    def cookie(self) -> Any:
        return self._catcher.get(self._document, "cookie")

    @cookie.setter
    def cookie(self, value: str) -> None:
        self._catcher.set(self._document, "cookie", value)


class _CaughtStorage:
    """``localStorage``'s methods through a ``ThrowCatcher``: what persistence's ``LocalStorageStore`` calls."""

    def __init__(self, catcher: ThrowCatcher, storage: Any) -> None:
        self._catcher = catcher
        self._storage = storage

    def getItem(self, key: str) -> Any:  # noqa: N802 (the Storage API's name)
        return self._catcher.call(self._storage, "getItem", key)

    def setItem(self, key: str, value: str) -> None:  # noqa: N802
        self._catcher.call(self._storage, "setItem", key, value)

    def removeItem(self, key: str) -> None:  # noqa: N802
        self._catcher.call(self._storage, "removeItem", key)


_page_catcher: ThrowCatcher | None = None


def throw_catcher(window: Any) -> ThrowCatcher | None:
    """The page's ``ThrowCatcher`` where JavaScript throws do not become Python exceptions (MicroPython), else
    ``None``: Pyodide raises a ``JsException``, and direct calls cost less."""
    global _page_catcher
    if _page_catcher is None and not JS_THROWS_BECOME_PYTHON_EXCEPTIONS:
        _page_catcher = ThrowCatcher(window)
    return _page_catcher


def page_window() -> Any:
    """The page's ``window``: ``js`` on the main thread (PyScript's ``window`` is the same), PyScript's in a worker."""
    import js

    if not hasattr(js, "WorkerGlobalScope"):
        return js
    try:
        from pyscript import window
    except ImportError:
        raise RuntimeError(
            "pyodide_pendo needs the page's window, and this Pyodide worker has none: run your code in a "
            "PyScript worker (<script type=\"py\" worker>), which reaches the page through pyscript.window, "
            "or on the main thread"
        ) from None
    try:
        window.document  # noqa: B018 (a PyScript worker without cross-origin isolation cannot reach it)
    except Exception as error:
        raise RuntimeError(
            "this PyScript worker cannot reach the page's window: serve the page with the headers "
            "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp "
            "(or credentialless); see the README's worker section"
        ) from error
    return window


def url_parts(url: str, window: Any) -> UrlParts:
    """``url`` as the browser's own parser reads it (WHATWG ``URL``, the one that loads scripts), resolved
    against the page's base URL as a script's ``src`` is; this thread's ``URL`` is the same parser as the
    page's, and costs no round trip from a worker."""
    import js

    catcher = throw_catcher(window)
    try:
        if catcher is None:
            parsed = js.URL.new(url, window.document.baseURI)
        else:
            parsed = catcher.new("URL", url, catcher.window.document.baseURI)
    except Exception:
        raise ValueError(f"agent_url must be an https:// URL (or http:// on localhost), or a URL relative to the "
                         f"page; the browser cannot parse {url!r} as one") from None
    return UrlParts(parsed.href, parsed.protocol, parsed.hostname, parsed.username, parsed.password)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class PageCalls:
    """Page calls from a PyScript worker whose results stay in JavaScript: only plain values reach Python.

    Each result is kept in a one-item JavaScript array (a "box"), and ``Array.prototype.map`` hands it to the
    next page call without it ever becoming a Python proxy. Each call is then a single round trip, instead of
    one plus the 40 to 100 that inspecting a new proxy costs.
    """

    def __init__(self, window: Any) -> None:
        import js

        self.box = js.Array.of
        # Local functions f(items) that call the page's Reflect.get / Reflect.apply with those items.
        self._get = js.Function.prototype.apply.bind(window.Reflect.get, None)
        self._apply = js.Function.prototype.apply.bind(window.Reflect.apply, None)
        self._parse = window.JSON.parse

    def parse(self, text: str) -> Any:
        """A box holding the page's ``JSON.parse(text)``: the payload is built on the page side."""
        return self.box(text).map(self._parse)

    def get(self, target_box: Any, name: str | int) -> Any:
        """A box holding ``target[name]``."""
        return self.box(target_box.concat(name)).map(self._get)

    def apply(self, function_box: Any, this_box: Any, arguments_box: Any) -> Any:
        """A box holding ``function.apply(this, arguments)``; raises what the page function throws."""
        return self.box(function_box.concat(this_box, arguments_box)).map(self._apply)

    def value(self, box: Any) -> Any:
        """What a box holds, in Python: meant for strings, numbers and booleans."""
        return box[0]

    def apply_each(self, function_box: Any, this_box: Any, arguments_json: list[str]) -> tuple[int, str] | None:
        """One page call each: PyScript's bridge turns a page function passed back to the page into a call
        into this worker, so a page-side loop cannot call the agent from here."""
        for index, text in enumerate(arguments_json):
            try:
                self.apply(function_box, this_box, self.parse(text))
            except Exception as error:
                return index, str(error)
        return None


class DirectPageCalls:
    """The same calls on the main thread, where page objects are local and their proxies cheap, so no boxes:
    there they would cost more than they save (an agent call measured about 20 µs boxed, 7 to 10 µs direct)."""

    def __init__(self, window: Any) -> None:
        self._get = window.Reflect.get
        self._parse = window.JSON.parse
        self._array_from = getattr(window.Array, "from")
        self._bind_apply = window.Function.prototype.apply.bind

    def box(self, value: Any) -> Any:
        return value

    def parse(self, text: str) -> Any:
        return self._parse(text)

    def get(self, target: Any, name: str | int) -> Any:
        return self._get(target, name)

    def value(self, value: Any) -> Any:
        return value

    def apply_each(self, function: Any, this: Any, arguments_json: list[str]) -> tuple[int, str] | None:
        """One page-side loop of built-ins (no ``eval``): ``Array.from(JSON.parse(lists).values(),
        Function.prototype.apply.bind(function, this))``; on a throw, what the iterator has left says which."""
        remaining = self._parse(f"[{','.join(arguments_json)}]").values()
        try:
            self._array_from(remaining, self._bind_apply(function, this))
        except Exception as error:
            return len(arguments_json) - self._array_from(remaining).length - 1, str(error)
        return None


def page_calls(window: Any) -> PageCalls | DirectPageCalls:
    """Boxed calls in a worker (``WorkerGlobalScope`` exists only there; PyScript gives workers a
    ``document`` too, so that is no test), else direct."""
    import js

    return PageCalls(window) if hasattr(js, "WorkerGlobalScope") else DirectPageCalls(window)


class BrowserEnvironment:
    """Page and device facts for messages, read from the page (``location`` and ``document`` fetched once).

    Per message ``location.href``, ``document.title`` and the ``<link rel="canonical">`` are read (single-page
    apps change all three): ``pathname`` and ``search`` change only with ``href``, so they are read again only
    when it did, and ``document.referrer`` never changes in a document's life. In a worker that saves round trips
    per message. The facts are derived again (``messages.page_facts``) only when something read changed.
    """

    def __init__(self, window: Any) -> None:
        self._window = window
        self._location = window.location
        self._document = window.document
        # Held: in a worker, looking the method up costs 7 round trips each time, calling the held one 1.
        self._query_selector = self._document.querySelector
        self._referrer = _as_text(self._document.referrer)
        self._href: object = None  # as read, to compare
        self._path = self._search = ""
        self._read: tuple[str, str, str | None] | None = None  # (href, title, canonical) behind ``_page``
        self._page = PageInfo()

    def page(self) -> PageInfo:
        href = self._location.href
        if href != self._href:
            self._href = href
            self._path, self._search = _as_text(self._location.pathname), _as_text(self._location.search)
        title = self._document.title
        read = (_as_text(href), title if type(title) is str else "", self._canonical())
        if read != self._read:
            self._read = read
            self._page = page_facts(read[0], self._path, self._search, read[1], self._referrer, read[2])
        return self._page

    def _canonical(self) -> str | None:
        """The ``href`` attribute of the first ``<link rel="canonical">``, as RudderStack reads it (the attribute
        as written; the selector also matches ``rel="Canonical"``, which RudderStack skips, so that is checked)."""
        link = self._query_selector(CANONICAL_SELECTOR)
        if link is None or link is jsnull or link.getAttribute("rel") != "canonical":
            return None
        href = link.getAttribute("href")
        return href if type(href) is str else None

    def device_context(self) -> dict[str, Any]:
        navigator = self._window.navigator
        screen = self._window.screen
        return {
            "userAgent": _as_text(navigator.userAgent),
            "locale": _as_text(navigator.language),
            "screen": {"width": screen.width, "height": screen.height, "density": self._window.devicePixelRatio},
        }

    def timezone_offset(self) -> int:
        return int(self._window.Date.new().getTimezoneOffset())


def identity_storage(window: Any, storage: str, cookie_domain: str | None, secure: bool,
                     warn: Warn) -> KeyValueStore:
    """The page's store for ``storage``; memory, with a warning, where the page refuses it (never raised)."""
    catcher = throw_catcher(window)
    if storage == "cookie":
        document = window.document if catcher is None else _CaughtDocument(catcher, catcher.window.document)
        return usable_store(lambda: CookieStore(document, hostname=_as_text(window.location.hostname),
                                                domain=cookie_domain, secure=secure), "document.cookie", warn)
    if storage == "local_storage":
        if catcher is None:
            return usable_store(lambda: LocalStorageStore(window.localStorage), "window.localStorage", warn)
        return usable_store(lambda: LocalStorageStore(_CaughtStorage(catcher, catcher.get(catcher.window,
                                                                                           "localStorage"))),
                            "window.localStorage", warn)
    return MemoryStore()


class PageConsent:
    """The consent a consent manager left in the page, read as RudderStack's plugins read it (see
    ``consent_management.ConsentSource``); nothing read ever raises: a throwing getter or call reads as missing."""

    def __init__(self, window: Any) -> None:
        self._window = window
        self._catcher = throw_catcher(window)

    def _get(self, target: Any, name: str) -> Any:
        if self._catcher is not None:
            return self._catcher.get(target, name)
        return getattr(target, name, None)

    def one_trust(self) -> tuple[str, list[str]] | None:
        """``OnetrustActiveGroups`` (``",C0001,C0003,"``) and the ``CustomGroupId`` of each of
        ``OneTrust.GetDomainData().Groups``; ``None`` if OneTrust is not loaded or reading it failed."""
        window = self._window if self._catcher is None else self._catcher.window
        try:
            one_trust, active = self._get(window, "OneTrust"), self._get(window, "OnetrustActiveGroups")
            if not _is_object(one_trust) or not isinstance(active, str):
                return None
            if self._catcher is None:
                domain_data = one_trust.GetDomainData()
            else:
                domain_data = self._catcher.call(one_trust, "GetDomainData")
            groups: Any = self._get(domain_data, "Groups") if _is_object(domain_data) else None
            ids = []
            for index in range(int(self._get(groups, "length") or 0) if _is_object(groups) else 0):
                group = groups[index]
                group_id = self._get(group, "CustomGroupId") if _is_object(group) else None
                if isinstance(group_id, str):
                    ids.append(group_id)
        except Exception as error:  # the page's OneTrust threw (Pyodide's JsException; MicroPython's caught)
            logger.warning("Reading OneTrust's consent failed: %s", error)
            return None
        return active, ids

    def global_json(self, path: tuple[str, ...]) -> Any:
        """The JSON value at ``window[path[0]]…``: ``None`` if a step is missing or it is not JSON."""
        value: Any = self._window if self._catcher is None else self._catcher.window
        try:
            for name in path:
                if not _is_object(value):
                    return None
                value = self._get(value, name)
            if not _is_object(value):
                return None
            text = (self._window.JSON.stringify(value) if self._catcher is None
                    else self._catcher.call(self._catcher.window.JSON, "stringify", value))
            return json.loads(text) if isinstance(text, str) else None
        except Exception as error:
            logger.warning("Reading window.%s failed: %s", ".".join(path), error)
            return None

    def cookies(self) -> str:
        try:
            document = self._window.document
            return _as_text(document.cookie if self._catcher is None else self._catcher.get(document, "cookie"))
        except Exception as error:
            logger.warning("Reading document.cookie for consent failed: %s", error)
            return ""


class BrowserAgent:
    """``window.pendo`` in the page: adopt or install the snippet queue, load the script, call the agent.

    ``window.pendo`` is looked up once, in ``start()``: the agent upgrades that same object in place when it
    loads (Pendo's snippet relies on this too), so polling and calls reuse it instead of paying for a new
    proxy each time in a worker.
    """

    def __init__(self, window: Any) -> None:
        self._window = window
        self._document = window.document
        self._page = page_calls(window)
        self._pendo: Any = None
        self._pendo_box: Any = None
        self._script: Any = None
        self._script_failed = False
        self._error_listener: Any = None
        self._storage: Any = None  # the page's localStorage, if it worked when the agent got ready
        self._catcher = throw_catcher(window)

    def start(self, plan: AgentPlan) -> None:
        window = self._window
        pendo: Any = getattr(window, "pendo", None)
        if plan.initialize_options is None:
            self._adopt_initialized(pendo, plan)
            return
        if not _is_object(pendo):
            # Pendo's call queue without its stub methods: our own calls wait in Python until the agent is
            # ready, and the agent replays ``_q`` (here: our initialize) when it loads.
            pendo = self._parse('{"_q":[]}')
            window.pendo = pendo
            pendo._q.push(self._parse(json_text(["initialize", plan.initialize_options])))
        elif _is_function(getattr(pendo, "isReady", None)):
            # The agent has loaded already (early start, or the page's own snippet): initialize it unless done.
            if not pendo.isReady() and not _queued_initialize(pendo):
                pendo.initialize(self._parse(json_text(plan.initialize_options)))
            self._adopt(pendo)
            return  # nothing to insert
        elif not _queued_initialize(pendo):
            # Pendo's snippet (or our early start) is waiting for the agent: queue initialize first, as it does.
            queue = getattr(pendo, "_q", None)
            if not _is_object(queue):
                pendo._q = self._parse("[]")
            pendo._q.unshift(self._parse(json_text(["initialize", plan.initialize_options])))
        self._adopt(pendo)
        script = self._existing_agent_script(plan.script_url)
        if script is None:
            self._insert_script(plan)
        else:
            self._watch(script)

    def _adopt_initialized(self, pendo: Any, plan: AgentPlan) -> None:
        """The early-start script queued ``initialize`` and inserted the agent's script: watch that script, and
        pass Python's identity to ``pendo.identify`` (the snippet's stub queues it after ``initialize``; the
        agent, loaded or not yet ready, applies it in order)."""
        if not _is_object(pendo):
            raise RuntimeError("window.pendo, which the early-start script set up, is gone (page code removed it)")
        self._adopt(pendo)
        if plan.identify_options is not None:
            failure = self.call_each("identify", [json_text([plan.identify_options])])
            if failure is not None:
                raise RuntimeError(f"pendo.identify failed: {failure[1]}")
        script = self._existing_agent_script(plan.script_url)
        if script is not None:
            self._watch(script)

    def _parse(self, text: str) -> Any:
        return self._page.value(self._page.parse(text))

    def _adopt(self, pendo: Any) -> None:
        self._pendo = pendo
        self._pendo_box = self._page.box(pendo)

    def _existing_agent_script(self, url: str) -> Any:
        """The page's ``<script>`` for the agent (our early start's, Pendo's snippet's), or ``None``."""
        page = self._page
        scripts = page.get(page.box(self._document), "scripts")
        for index in range(page.value(page.get(scripts, "length"))):
            script = page.get(scripts, index)
            src = _as_text(page.value(page.get(script, "src")))
            marked = isinstance(page.value(page.get(page.get(script, "dataset"), AGENT_MARKER_DATASET_KEY)), str)
            if marked or src == url or "/agent/static/" in src and "pendo" in src:
                return page.value(script)
        return None

    def _insert_script(self, plan: AgentPlan) -> None:
        document = self._document
        script = document.createElement("script")
        if plan.script_is_module:
            script.type = "module"
        script.setAttribute(AGENT_SCRIPT_MARKER, "")
        self._watch(script)
        script.src = plan.script_url
        document.head.appendChild(script)

    def _watch(self, script: Any) -> None:
        """Learn when the agent script fails: from its error event, and for an adopted script that failed
        before we got here, from the mark our early-start script leaves (``data-pyodide-pendo="failed"``)."""
        self._script = script
        self._error_listener = _listener(self._on_script_error)
        script.addEventListener("error", self._error_listener)
        if script.getAttribute(AGENT_SCRIPT_MARKER) == "failed":
            self._script_failed = True

    def _on_script_error(self, *_event: Any) -> None:
        self._script_failed = True

    def poll(self) -> tuple[AgentState, str | None]:
        if self._script_failed:
            url = _as_text(self._script.src) if self._script is not None else ""
            self._release_listener()
            return "failed", (f"the Pendo agent script {url} failed to load: it was blocked (an ad blocker, a "
                              "network or content policy), is unreachable, or answered with an error")
        pendo = self._pendo
        is_ready = getattr(pendo, "isReady", None)
        if _is_function(is_ready) and pendo.isReady() is True:
            self._release_listener()
            self._watch_storage()
            return "ready", None
        return "loading", None

    def _release_listener(self) -> None:
        if self._error_listener is not None and self._script is not None:
            self._script.removeEventListener("error", self._error_listener)
            destroy = getattr(self._error_listener, "destroy", None)
            if destroy is not None:
                destroy()
            self._error_listener = None

    def _watch_storage(self) -> None:
        """Note whether the page's localStorage works as the agent starts: if it breaks later, the agent's
        identify, pageLoad and track lose their events without a trace (see ``call_each``)."""
        page, catcher = self._page, self._catcher
        try:
            if catcher is None:
                self._storage = page.get(page.box(self._window), "localStorage")
            else:
                self._storage = catcher.get(catcher.window, "localStorage")
        except Exception:  # no localStorage to begin with: the agent keeps its state in cookies
            return
        if not self._storage_works():
            self._storage = None

    def _storage_works(self) -> bool:
        """``localStorage.getItem`` answers (looked up each time: page code may have replaced it)."""
        try:
            return self._apply_each(self._storage, "getItem", [STORAGE_PROBE]) is None
        except Exception:
            return False

    def call_each(self, method: str, arguments_json: list[str]) -> tuple[int, str] | None:
        """``pendo[method](...arguments)`` for each JSON argument list, the method looked up once per run.

        The agent catches every error inside identify, pageLoad, track (…) itself, so a call it lost still
        returns normally. One cause is known and checked for, once per run: localStorage that worked when the
        agent started and throws now; such a run is reported as failed at its first call, made nowhere."""
        if method in SWALLOWING_METHODS and self._storage is not None and not self._storage_works():
            return 0, STORAGE_BROKE
        return self._apply_each(self._pendo_box, method, arguments_json)

    def _apply_each(self, target: Any, method: str, arguments_json: list[str]) -> tuple[int, str] | None:
        """``target[method](...arguments)`` for each JSON argument list; (index, error) of the first that threw."""
        page, catcher = self._page, self._catcher
        if catcher is None:
            return page.apply_each(page.get(target, method), target, arguments_json)
        return catcher.each(page.value(target), method, self._window.JSON.parse(f"[{','.join(arguments_json)}]"))

    def enable_debugging(self) -> bool:
        self._pendo.enableDebugging()
        return self._pendo.isDebuggingEnabled(True) is True


def early_start_record(window: Any) -> dict[str, Any] | None:
    """What the early-start script did (``window.pyodidePendoEarlyStart``, as JSON), or ``None`` without it."""
    text = window.JSON.stringify(getattr(window, RECORD_NAME, None))
    record = json.loads(text) if isinstance(text, str) else None
    return record if isinstance(record, dict) else None


def flush_at_end_of_task(flush: Any) -> None:
    """Run ``flush`` in a microtask of this thread's JavaScript: once the running Python code returns to the
    event loop, before any timer, event or navigation."""
    import js

    js.queueMicrotask(_for_javascript(flush, once=True))


def _is_object(value: Any) -> bool:
    """A JavaScript object or function: not undefined, null or a primitive."""
    return value is not None and value is not jsnull and not isinstance(value, (str, int, float, bool))


def _is_function(value: Any) -> bool:
    return _is_object(value) and callable(value)


def _queued_initialize(pendo: Any) -> bool:
    queue: Any = getattr(pendo, "_q", None)
    if not _is_object(queue):
        return False
    return any(_is_object(entry) and getattr(entry, "length", 0) and entry[0] == "initialize" for entry in queue)


def _listener(function: Any) -> Any:
    """A JavaScript function for ``function``, released by ``_release_listener`` (in a worker, PyScript passes
    it on to the page)."""
    return _for_javascript(function, once=False)


def _for_javascript(function: Any, *, once: bool) -> Any:
    """``function`` as JavaScript may keep and call it. Pyodide needs a proxy for that (one that frees itself
    after one call, or one released by hand); MicroPython has no ``pyodide.ffi``, and a Python function passed
    to JavaScript is a function there already."""
    try:
        from pyodide.ffi import create_once_callable, create_proxy
    except ImportError:
        return function
    return create_once_callable(function) if once else create_proxy(function)


def random_bytes(count: int) -> bytes:
    """``count`` bytes from the page's ``crypto.getRandomValues``: ids' randomness where the runtime has no
    ``os.urandom`` (MicroPython)."""
    import js

    values = js.crypto.getRandomValues(js.Uint8Array.new(count))
    # As one decimal text ("12,255,…"): a byte at a time would be one round trip each from a worker, and a
    # binary string does not survive MicroPython's string conversion (it ends at the first NUL).
    return bytes([int(value) for value in js.Array.prototype.join.call(values, ",").split(",")])
