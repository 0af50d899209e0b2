"""help() documents every public function: what it takes, what it returns and what it raises."""

from __future__ import annotations

import inspect

import pyodide_pendo
from pyodide_pendo import Analytics


def test_every_public_function_and_method_has_a_docstring() -> None:
    public = [getattr(pyodide_pendo, name) for name in pyodide_pendo.__all__]
    public += [member for name, member in inspect.getmembers(Analytics) if not name.startswith("_")]
    undocumented = [getattr(item, "__qualname__", repr(item)) for item in public
                    if callable(item) and not inspect.getdoc(item)]
    assert undocumented == []


def test_the_event_calls_say_what_they_take_return_and_raise() -> None:
    for call in (pyodide_pendo.identify, pyodide_pendo.group, pyodide_pendo.track, pyodide_pendo.page,
                 pyodide_pendo.alias, pyodide_pendo.load, pyodide_pendo.ready, pyodide_pendo.on):
        text = inspect.getdoc(call) or ""
        assert "Args:" in text and "Returns" in text and "Raises:" in text, call.__name__
