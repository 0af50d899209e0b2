"""The package and the scripts we ship build no code from strings and write no markup (strict-CSP safe)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# Code forms only (a call, a property write), so prose that names them in a docstring is not a match.
FORBIDDEN = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML\s*\(|"
                       r"document\.write|\brun_js\s*\(|\brunJS\s*\(|setTimeout\(\s*['\"]")
SOURCES = sorted([*ROOT.glob("pyodide_pendo/*.py"), *ROOT.glob("web/**/*.js"), *ROOT.glob("web/**/*.mjs"),
                  *ROOT.glob("web/**/*.py")])


def test_there_are_sources_to_check():
    assert any(path.name == "_browser.py" for path in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_code_from_strings_and_no_markup_writes(path: Path):
    offending = [line.strip() for line in path.read_text().splitlines() if FORBIDDEN.search(line)]
    assert offending == []
