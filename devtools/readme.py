"""The README's ``load()`` options table, made from ``pyodide_pendo.config.OPTIONS``.

``python -m devtools.readme`` rewrites the table in README.md; tests/unit/test_load_options.py fails while it is
not current.
"""

from pathlib import Path

from pyodide_pendo.config import OPTIONS

README = Path(__file__).parents[1] / "README.md"
TABLE_HEADER = "| option | default | meaning |\n|---|---|---|\n"


def _default_text(default: object) -> str:
    return f'`"{default}"`' if isinstance(default, str) else f"`{default!r}`"


def load_options_table() -> str:
    """The table, one row per option, in declaration order."""
    rows = [f"| `{option.name}` | {_default_text(option.default)} | {option.doc} |\n" for option in OPTIONS]
    return TABLE_HEADER + "".join(rows)


def readme_table(text: str) -> str:
    """The options table as the README has it now: from its header to the first line after it that is not a row."""
    start = text.index(TABLE_HEADER)
    end = start + len(TABLE_HEADER)
    while text.startswith("|", end):
        end = text.index("\n", end) + 1
    return text[start:end]


def main() -> None:
    text = README.read_text(encoding="utf-8")
    README.write_text(text.replace(readme_table(text), load_options_table()), encoding="utf-8")


if __name__ == "__main__":
    main()
