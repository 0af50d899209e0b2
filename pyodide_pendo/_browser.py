"""The browser bridge: the only module that touches ``js``, ``pyodide`` or ``pyscript``.

Imported only inside a browser (``sys.platform == "emscripten"``). Payloads cross into JavaScript as JSON
text parsed on the page side (``JSON.parse``), never as Python dicts: no proxies to leak or destroy, no
``None``/``undefined`` or big-integer surprises, and in a PyScript worker a single string crosses the thread
boundary instead of a proxied dict. Nothing here uses ``eval``, inline scripts or ``innerHTML``, so a page with
a strict Content-Security-Policy works.
"""

from __future__ import annotations

from typing import Any

from .destination import AgentPlan, AgentState
from .messages import PageInfo
from .persistence import CookieStore, KeyValueStore, LocalStorageStore, MemoryStore

AGENT_SCRIPT_MARKER = "data-pyodide-pendo"


def page_window() -> Any:
    """The page's ``window``: PyScript's (main thread or worker), else Pyodide's own on the main thread."""
    try:
        from pyscript import window  # type: ignore[import-not-found]
    except ImportError:
        import js  # type: ignore[import-not-found]

        if not hasattr(js, "document"):
            raise RuntimeError(
                "pyodide_pendo needs the page's window, and this Pyodide worker has none: run your code in a "
                "PyScript worker (<script type=\"py\" worker>), which reaches the page through pyscript.window, "
                "or on the main thread"
            ) from None
        return js
    try:
        window.document  # noqa: B018 (a PyScript worker without cross-origin isolation cannot reach it)
    except Exception as error:
        raise RuntimeError(
            "this PyScript worker cannot reach the page's window: serve the page with the headers "
            "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp "
            "(or credentialless); see the README's worker section"
        ) from error
    return window


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class BrowserEnvironment:
    """Page and device facts for messages, read from the page."""

    def __init__(self, window: Any) -> None:
        self._window = window

    def page(self) -> PageInfo:
        location = self._window.location
        document = self._window.document
        return PageInfo(url=_as_text(location.href), path=_as_text(location.pathname),
                        search=_as_text(location.search), title=_as_text(document.title),
                        referrer=_as_text(document.referrer))

    def device_context(self) -> dict[str, Any]:
        navigator = self._window.navigator
        screen = self._window.screen
        return {
            "userAgent": _as_text(navigator.userAgent),
            "locale": _as_text(navigator.language),
            "screen": {"width": screen.width, "height": screen.height, "density": self._window.devicePixelRatio},
        }


def identity_storage(window: Any, storage: str, cookie_domain: str | None, secure: bool) -> KeyValueStore:
    if storage == "cookie":
        return CookieStore(window.document, hostname=_as_text(window.location.hostname), domain=cookie_domain,
                           secure=secure)
    if storage == "local_storage":
        return LocalStorageStore(window.localStorage)
    return MemoryStore()


class BrowserAgent:
    """``window.pendo`` in the page: adopt or install the snippet queue, load the script, call the agent."""

    def __init__(self, window: Any) -> None:
        self._window = window
        self._json = window.JSON
        self._apply = window.Reflect.apply
        self._script: Any = None
        self._script_failed = False
        self._error_listener: Any = None

    def _parse(self, text: str) -> Any:
        return self._json.parse(text)

    def start(self, plan: AgentPlan) -> None:
        window = self._window
        pendo = getattr(window, "pendo", None)
        initialize = self._parse(_json_text(["initialize", plan.initialize_options]))
        if not _is_object(pendo):
            # Pendo's call queue without its stub methods: our own calls wait in Python until the agent is
            # ready, and the agent replays ``_q`` (here: our initialize) when it loads.
            window.pendo = self._parse('{"_q":[]}')
            pendo = window.pendo
            pendo._q.push(initialize)
        elif _is_function(getattr(pendo, "isReady", None)):
            if not pendo.isReady() and not _queued_initialize(pendo):
                self._apply(pendo.initialize, pendo, initialize.slice(1))
            return  # the agent is already loaded: nothing to insert
        elif not _queued_initialize(pendo):
            queue = getattr(pendo, "_q", None)
            if not _is_object(queue):
                pendo._q = self._parse("[]")
            pendo._q.unshift(initialize)
        if not self._agent_script_present(plan.script_url):
            self._insert_script(plan)

    def _agent_script_present(self, url: str) -> bool:
        for script in self._window.document.getElementsByTagName("script"):
            src = _as_text(script.src)
            if src == url or "/agent/static/" in src and "pendo" in src:
                return True
        return False

    def _insert_script(self, plan: AgentPlan) -> None:
        document = self._window.document
        script = document.createElement("script")
        if plan.script_is_module:
            script.type = "module"
        script.setAttribute(AGENT_SCRIPT_MARKER, "")
        self._error_listener = _listener(self._on_script_error)
        script.addEventListener("error", self._error_listener)
        script.src = plan.script_url
        document.head.appendChild(script)
        self._script = script

    def _on_script_error(self, *_event: Any) -> None:
        self._script_failed = True

    def poll(self) -> tuple[AgentState, str | None]:
        if self._script_failed:
            url = _as_text(self._script.src) if self._script is not None else ""
            self._release_listener()
            return "failed", (f"the Pendo agent script {url} failed to load: it was blocked (an ad blocker, a "
                              "network or content policy), is unreachable, or answered with an error")
        pendo = getattr(self._window, "pendo", None)
        is_ready = getattr(pendo, "isReady", None) if _is_object(pendo) else None
        if _is_function(is_ready) and pendo.isReady() is True:
            self._release_listener()
            return "ready", None
        return "loading", None

    def _release_listener(self) -> None:
        if self._error_listener is not None and self._script is not None:
            self._script.removeEventListener("error", self._error_listener)
            destroy = getattr(self._error_listener, "destroy", None)
            if destroy is not None:
                destroy()
            self._error_listener = None

    def call(self, method: str, arguments_json: str) -> None:
        pendo = self._window.pendo
        self._apply(getattr(pendo, method), pendo, self._json.parse(arguments_json))

    def enable_debugging(self) -> None:
        self._window.pendo.enableDebugging()


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _is_object(value: Any) -> bool:
    return value is not None and type(value).__name__ not in ("JsNull", "NoneType") and not isinstance(
        value, (str, int, float, bool))


def _is_function(value: Any) -> bool:
    return _is_object(value) and callable(value)


def _queued_initialize(pendo: Any) -> bool:
    queue = getattr(pendo, "_q", None)
    if not _is_object(queue):
        return False
    return any(_is_object(entry) and getattr(entry, "length", 0) and entry[0] == "initialize" for entry in queue)


def _listener(function: Any) -> Any:
    """A JavaScript function for ``function``: a proxy on the main thread; PyScript proxies it in a worker."""
    try:
        from pyodide.ffi import create_proxy  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - always present in Pyodide
        return function
    import js  # type: ignore[import-not-found]

    return create_proxy(function) if hasattr(js, "document") else function
