"""What is written out from Python's declarations: the README's ``load()`` options table (from
``pyodide_pendo.config.OPTIONS``) and the early-start script's region table (from ``ENVIRONMENTS`` and
``ENVIRONMENT_ALIASES``), so that each fact is edited in ``config.py`` only.

``python -m devtools.declarations`` rewrites both; tests/unit/test_load_options.py and
tests/unit/test_early_start_record.py fail while they are not current.
"""

import re
from pathlib import Path

from pyodide_pendo.config import ENVIRONMENT_ALIASES, ENVIRONMENTS, OPTIONS

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
EARLY_START_SCRIPT = ROOT / "web" / "pyodide-pendo-early.js"
REGION_TABLE = re.compile(r"  const CDN_HOSTS = \{.*?\};\n  const ENVIRONMENT_ALIASES = \{.*?\};\n", re.S)
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


def region_table() -> str:
    """The early-start script's ``CDN_HOSTS`` and ``ENVIRONMENT_ALIASES``, as Python declares them."""
    hosts = "".join(f'    {name}: "{host}",\n' for name, host in ENVIRONMENTS.items())
    aliases = ", ".join(f'{alias}: "{name}"' for alias, name in ENVIRONMENT_ALIASES.items())
    return f"  const CDN_HOSTS = {{\n{hosts}  }};\n  const ENVIRONMENT_ALIASES = {{ {aliases} }};\n"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    README.write_text(text.replace(readme_table(text), load_options_table()), encoding="utf-8")
    script = EARLY_START_SCRIPT.read_text(encoding="utf-8")
    EARLY_START_SCRIPT.write_text(REGION_TABLE.sub(lambda _: region_table(), script, count=1), encoding="utf-8")


if __name__ == "__main__":
    main()
