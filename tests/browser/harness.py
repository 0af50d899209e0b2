"""What browser tests drive and check, beside the fixtures of ``conftest.py`` that hand them out.

- ``PythonPage`` (the ``py`` fixture): a page with Pyodide or PyScript's MicroPython booted and our wheel
  installed; ``wait_for_track()``/``wait_until()`` wait on what reaches the wire.
- ``in_page``: a decorator that turns a test module's function into one that runs in such a page:
  ``identify_user(py, "user-42")`` ships the function's source there and calls it with those arguments.
- ``PyScriptPage`` (``open_page``): a PyScript page that runs its own Python and reports in ``#result``.
- ``Gate``, ``watch_console``, ``assert_pendo_received_the_apps_calls``: for ordering requests, reading the
  console, and checking what ``pyscript_app.py`` sends.

A plain module rather than ``conftest.py``, so that tests import it like any other.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import json
import textwrap
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from types import CodeType
from typing import Any, Generic, ParamSpec, TypeVar, overload

from playwright.sync_api import Page, Route

from devtools.wire import PendoWire

INTERPRETERS = ("pyodide", "micropython")
TEST_PAGES = {"pyodide": "pyodide.html", "micropython": "micropython.html"}
PYTHON_READY = "() => window.testPython !== undefined && document.getElementById('status')?.textContent === 'ready'"
BOOT_TIMEOUT_MS = 60_000


def with_last_expression_kept(code: str) -> str:
    """MicroPython's ``runPythonAsync`` returns nothing: rewrite ``code`` so that its last top-level expression
    is left, as JSON text, in ``window.testPythonResult`` (CPython parses it; the page runs it)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(textwrap.dedent(code), "<test>", "exec", flags=flags)
    source = textwrap.dedent(code)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return source
    last = tree.body[-1]
    lines = source.splitlines()
    before = [*lines[:last.lineno - 1], lines[last.lineno - 1][:last.col_offset].rstrip().rstrip(";")]
    return "\n".join([*before, f"_test_result = ({ast.get_source_segment(source, last)})",
                      "import js as _test_js, json as _test_json",
                      "_test_js.window.testPythonResult = _test_json.dumps(_test_result)"])


@dataclass
class PythonPage:
    """A page with an interpreter booted and our wheel installed as a user installs it: Pyodide's micropip
    (``pyodide.html``), or PyScript's ``packages`` config for MicroPython (``micropython.html``)."""

    page: Page
    wire: PendoWire
    console: list[str]
    interpreter: str = "pyodide"

    @property
    def test_page(self) -> str:
        """This interpreter's test page, e.g. ``pyodide.html`` (under ``/test/``)."""
        return TEST_PAGES[self.interpreter]

    def open(self, url: str) -> None:
        """Navigate to ``url`` (a page that boots ``boot.mjs`` or ``boot-micropython.mjs``) and wait for Python."""
        self.page.goto(url)
        self.wait_for_python()

    def wait_for_python(self) -> None:
        self.page.wait_for_function(PYTHON_READY, timeout=BOOT_TIMEOUT_MS)

    def run(self, code: str, within_seconds: float | None = None) -> Any:
        """Run Python source (top-level await allowed) in the page; returns the last expression, converted to
        JSON. Tests use ``in_page`` functions, which come here; source text is for the harness itself.

        ``within_seconds``: fail if the code has not finished by then (for code that could hang the interpreter).
        """
        if self.interpreter == "micropython":
            code = with_last_expression_kept(code)
        if within_seconds is None:
            return self.page.evaluate("(code) => window.testPython.run(code)", code)
        outcome = self.page.evaluate("""async ([code, ms]) => {
            const late = new Promise((resolve) => setTimeout(() => resolve({late: true}), ms));
            return await Promise.race([window.testPython.run(code).then((value) => ({value})), late]);
        }""", [code, within_seconds * 1000])
        assert "late" not in outcome, f"the code did not finish within {within_seconds} s"
        return outcome.get("value")

    def wait_for_track(self, name: str, timeout: float = 10.0) -> dict[str, Any]:
        """Flush until the agent has sent the track event ``name``; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.evaluate("() => window.pendo && window.pendo.flushNow ? window.pendo.flushNow() : null")
            for event in self.wire.track_events():
                if event["track_event_name"] == name:
                    return event
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no track event {name!r} reached the wire within {timeout} s")

    def reload(self) -> None:
        """Reload the page (cookies and storage stay) and wait for the interpreter and our wheel again."""
        self.page.reload()
        self.wait_for_python()

    def wait_until(self, condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
        """Flush until ``condition()`` holds (for facts that arrive in a later request)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what}: not seen on the wire within {timeout} s")
            self.page.evaluate("() => window.pendo && window.pendo.flushNow ? window.pendo.flushNow() : null")
            self.page.wait_for_timeout(100)


Parameters = ParamSpec("Parameters")
Result = TypeVar("Result")
PAGE_OWN_NAMES = frozenset(dir(builtins)) | {"js", "pyscript", "pyodide"}


class InPage(Generic[Parameters, Result]):
    """A function that runs in a ``PythonPage``: ``function(py, *arguments)``. Its source is sent to the page
    and called there with the arguments (JSON values); what it returns comes back converted to JSON (a tuple
    becomes a list). ``function.within(seconds)(py, ...)`` fails if the call has not finished by then."""

    def __init__(self, function: Callable[Parameters, Any]) -> None:
        self.name = function.__name__
        self.is_async = inspect.iscoroutinefunction(function)
        self.source = _source_without_decorators(function)
        _refuse_outside_names(function, self.source)

    def __call__(self, py: PythonPage, *args: Parameters.args, **kwargs: Parameters.kwargs) -> Result:
        result: Result = self._call(py, None, args, kwargs)
        return result

    def within(self, seconds: float) -> Callable[..., Result]:
        """The same call, failing the test if it has not finished within ``seconds`` (for a call that could
        hang the interpreter)."""
        return lambda py, *args, **kwargs: self._call(py, seconds, args, kwargs)

    def _call(self, py: PythonPage, seconds: float | None, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # Pyodide evaluates annotations at `def` unless postponed; MicroPython ignores them (and has no
        # __future__ module).
        postponed = "from __future__ import annotations\n" if py.interpreter == "pyodide" else ""
        call = f"{'await ' if self.is_async else ''}{self.name}(*_in_page_arguments[0], **_in_page_arguments[1])"
        code = (f"{postponed}import json as _in_page_json\n{self.source}\n"
                f"_in_page_arguments = _in_page_json.loads({json.dumps([list(args), kwargs])!r})\n{call}\n")
        return py.run(code, within_seconds=seconds)


@overload
def in_page(function: Callable[Parameters, Coroutine[Any, Any, Result]]) -> InPage[Parameters, Result]: ...
@overload
def in_page(function: Callable[Parameters, Result]) -> InPage[Parameters, Result]: ...
def in_page(function: Callable[Parameters, Any]) -> InPage[Parameters, Any]:
    """Decorate a test module's function so that calling it with a ``PythonPage`` first runs it in that page.

    The function is real Python that ruff and mypy check; it imports what it uses (the page shares nothing
    with the test module), takes everything else as arguments, and keeps state between calls in page globals
    it declares ``global``. Using a name of the test module, or of an enclosing function, fails at import.
    """
    return InPage(function)


def _source_without_decorators(function: Callable[..., Any]) -> str:
    source = textwrap.dedent(inspect.getsource(function))
    definition = ast.parse(source).body[0]
    assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef), f"{function.__name__} is not a def"
    return "\n".join(source.splitlines()[definition.lineno - 1:])


def _refuse_outside_names(function: Callable[..., Any], source: str) -> None:
    """Fail early on a name the page would not have: one bound in the test module or an enclosing function."""
    code: CodeType = function.__code__
    if code.co_freevars:
        raise TypeError(f"{function.__name__} uses {', '.join(code.co_freevars)} of an enclosing function: "
                        "pass it as an argument")
    declared = {name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Global) for name in node.names}
    outside = sorted({instruction.argval for instruction in _instructions(code)
                      if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")
                      and not instruction.argval.startswith("@py")}  # pytest's assert rewriting, not shipped
                     - declared - PAGE_OWN_NAMES)
    if outside:
        raise TypeError(f"{function.__name__} uses {', '.join(outside)} of the test module, which the page does "
                        "not have: import it inside the function or pass it as an argument")


def _instructions(code: CodeType) -> Iterator[dis.Instruction]:
    yield from dis.get_instructions(code)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from _instructions(constant)


def watch_console(page: Page) -> list[str]:
    """The page's console messages and uncaught errors, as ``"<type>: <text>"`` lines."""
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    return console


# -- PyScript pages (pages that run pyscript_app.py and report in #result) ---------------------------------

RESULT_TIMEOUT_MS = 120_000  # Pyodide's boot and the wheel's install, on a busy 2-core machine
EVENT_TIMEOUT_S = 30


@dataclass
class PyScriptPage:
    page: Page

    def result(self) -> dict[str, Any]:
        """What the page's Python reported in ``#result`` once it finished."""
        self.page.wait_for_function("() => (document.getElementById('result')?.textContent ?? '') !== ''",
                                    timeout=RESULT_TIMEOUT_MS)
        result: dict[str, Any] = json.loads(self.page.text_content("#result") or "")
        return result

    def flush(self, pendo: Any) -> None:
        """Have the agent send what it batched now, and wait until its track event is on the wire (a batch the
        agent sent by itself may still be in flight when ``flushNow()`` settles)."""
        self.page.evaluate("() => window.pendo.flushNow()")
        deadline = time.monotonic() + EVENT_TIMEOUT_S
        while not pendo.wire.track_events():
            assert time.monotonic() < deadline, "the agent sent no track event"
            self.page.wait_for_timeout(50)


class Gate:
    """Holds the page's requests for ``url_pattern`` until ``open()``, to make the order of events certain."""

    def __init__(self, page: Page, url_pattern: str) -> None:
        self._held: list[Route] = []
        self._open = False
        page.route(url_pattern, self._handle)

    def _handle(self, route: Route) -> None:
        if self._open:
            route.fallback()
        else:
            self._held.append(route)

    def open(self) -> None:
        self._open = True
        for route in self._held:
            route.fallback()  # on to the `pendo` fixture's handler, which serves or stands in for Pendo


def assert_pendo_received_the_apps_calls(pendo: Any) -> None:
    """What ``pyscript_app.py`` sends: identify, group, track."""
    assert pendo.wire.visitor() == {"id": "user-7", "email": "grace@example.com", "plan": "team",
                                    "language": "en_US"}
    assert pendo.wire.account() == {"id": "acme", "name": "Acme", "employees": 120}
    (track,) = pendo.wire.track_events()
    assert track["track_event_name"] == "Report Exported"
    assert track["props"] == {"format": "csv", "rows": 1200}
    assert (track["visitor_id"], track["account_id"]) == ("user-7", "acme")

