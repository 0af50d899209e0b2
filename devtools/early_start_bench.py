"""Navigation → the first event Pendo receives, for a returning visitor: early start against Pendo's own snippet.

    .venv/bin/python -m devtools.early_start_bench [--runs 5]     (``./dev bench`` runs it too)

Variants, each a fresh page of a returning visitor whose RudderStack cookies say ``user-42`` of ``acme``:

- **snippet**: Pendo's install snippet alone, initializing that visitor at once: the floor.
- **early start, PyScript + Pyodide**: ``pyodide-pendo-early.js`` first in ``<head>``, then a PyScript page whose
  Python loads, identifies and tracks as soon as it runs.
- **PyScript without early start**: the same page without that script: Pendo starts when ``load()`` runs.
- **early start, PyScript + MicroPython**: the early-start page with ``type="mpy"``, the same Python.
- **MicroPython without early start**: that page without the script, beside the Pyodide one above.
- **floor: early start, MicroPython, no package**: the early-start MicroPython page without our wheel, whose
  first Python line calls the agent itself (``pendo.track``, then ``pendo.flushNow``; ``floor_app.py``): the
  soonest any Python package could have its first event at Pendo under PyScript's MicroPython, since it
  leaves out only what a package adds (its install, its import and its own work).

Besides Pendo's first event (the agent's own, once early start has initialized it), each Python page reports
navigation → Python ready (its first line, which calls ``load()``) and → the first event Python sent (its
``track("App Started")``) reaching Pendo: the figures that tell the two interpreters apart.

The stack is the offline demo's: PyScript and Pyodide from npm, the real agent through ``web/pendo-agent.mjs``
(all three variants load the same agent file), and ``devtools.demo``'s server as Pendo's data host, so
"Pendo receives" is the moment that server records the first ``ptm.gif`` (its clock and the page's
``performance.timeOrigin`` are the same machine's clock).

Three conditions: loopback as it is; Chromium's network emulation (40 ms latency, 50 Mbit/s down, for every
request of the page), since over loopback fetching costs next to nothing; and Chromium's CPU throttling at 4×
(``Emulation.setCPUThrottlingRate``, roughly a mid-range phone), where Pyodide's boot competes hardest with
the agent for the main thread. The variants alternate within each round, each run gets a fresh browser
context, one warm-up run is discarded, and medians are reported with every run's figure.
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from devtools.browser import CHROMIUM_FLAGS, chromium_executable
from devtools.demo import DemoServer, DemoSettings
from devtools.site import assemble
from pyodide_pendo.persistence import encode_value

PAGES = Path(__file__).parent / "early_start_pages"
API_KEY = "bench-key"
RETURNING_VISITOR = {"rl_anonymous_id": "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e", "rl_user_id": "user-42",
                     "rl_group_id": "acme"}
FIRST_EVENT_TIMEOUT_S = 180.0
TARGET_RATIO = 1.25  # early start ÷ snippet, in every condition (issue 11)
SNIPPET = "snippet"
EARLY = "early start, PyScript + Pyodide"
WITHOUT = "PyScript without early start"
EARLY_MICROPYTHON = "early start, PyScript + MicroPython"
WITHOUT_MICROPYTHON = "MicroPython without early start"
FLOOR_MICROPYTHON = "floor: early start, MicroPython, no package"
VARIANTS = (SNIPPET, EARLY, WITHOUT, EARLY_MICROPYTHON, WITHOUT_MICROPYTHON, FLOOR_MICROPYTHON)
PYTHONS_EVENT = "App Started"  # what early_start_app.py tracks
MICROPYTHON_TARGET_MS = 600  # navigation → Python's first event at Pendo, MicroPython, loopback (issue 12)
INTERPRETERS = {"py": "../pyodide/pyodide.mjs", "mpy": "../micropython/micropython.mjs"}


@dataclass(frozen=True)
class Condition:
    label: str
    latency_ms: float = 0
    download_mbit_s: float = 0  # 0: not limited
    cpu_slowdown: float = 1

    def apply(self, cdp: Any) -> None:
        if self.latency_ms or self.download_mbit_s:
            cdp.send("Network.enable")
            throughput = self.download_mbit_s * 1_000_000 / 8 if self.download_mbit_s else -1
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": self.latency_ms,
                                                          "downloadThroughput": throughput, "uploadThroughput": -1})
        if self.cpu_slowdown != 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": self.cpu_slowdown})


CONDITIONS = (Condition("loopback"), Condition("network emulation (40 ms, 50 Mbit/s)", 40, 50),
              Condition("CPU throttled 4×", cpu_slowdown=4))


def pyscript_page(template: str, script_type: str, app: str, head: str = "", *, with_wheel: bool = True) -> str:
    """``pyscript-app.html`` running ``app`` (a file of ``early_start_pages``) under ``script_type``; without
    our wheel in its ``packages`` when ``with_wheel`` is false."""
    page = (template.replace("@SCRIPT_TYPE@", script_type).replace("@INTERPRETER@", INTERPRETERS[script_type])
            .replace("@APP@", app).replace("@EARLY_START@", head))
    if not with_wheel:
        start = page.index('"packages": [')
        page = page[:start] + page[page.index("]", start) + len("], "):]
    return page


def pages(built_pages: Path, origin: str) -> dict[str, str]:
    """Each variant's page (from the assembled site, where the wheel's URL is filled in), for this origin: the
    agent's data host is the demo server."""
    pendo_options = {"dataHost": origin}
    template = (built_pages / "pyscript-app.html").read_text()

    def pyscript(script_type: str, head: str) -> str:
        return pyscript_page(template, script_type, "early_start_app.py", head)

    early_tag = (f'<script src="../pyodide-pendo-early.js" data-api-key="{API_KEY}" data-agent-url="/pendo-agent.mjs" '
                 f'data-pendo-options="{html.escape(json.dumps(pendo_options))}"></script>\n'
                 '  <link rel="modulepreload" href="/pendo-agent.mjs">\n'
                 '  <link rel="modulepreload" href="/pendo/pendo.module.min.js">')
    # Pendo's install snippet (its queue and stubs, initialize with the visitor the server knows, the agent's
    # script), as a site that renders the visitor into the page has it.
    initialize = {"apiKey": API_KEY, "visitor": {"id": RETURNING_VISITOR["rl_user_id"]},
                  "account": {"id": RETURNING_VISITOR["rl_group_id"]}, **pendo_options}
    snippet = (built_pages / "snippet.html").read_text().replace("@INITIALIZE@", json.dumps(initialize))
    return {SNIPPET: snippet, EARLY: pyscript("py", early_tag), WITHOUT: pyscript("py", ""),
            EARLY_MICROPYTHON: pyscript("mpy", early_tag), WITHOUT_MICROPYTHON: pyscript("mpy", ""),
            FLOOR_MICROPYTHON: pyscript_page(template, "mpy", "floor_app.py", early_tag, with_wheel=False)}


@dataclass(frozen=True)
class Run:
    to_first_event_ms: float  # navigation start → the server receives the first ptm.gif
    to_load_ms: float | None  # navigation start → Python calls load() (None: the page has no Python)
    to_pythons_event_ms: float | None  # navigation start → the server receives Python's track (None: no Python)


def _carries_pythons_event(request: Any) -> bool:
    events = request.payload if isinstance(request.payload, list) else []
    return any(isinstance(event, dict) and event.get("type") == "track"
               and event.get("track_event_name") == PYTHONS_EVENT for event in events)


def open_page(browser: Browser, server: DemoServer, page_html: str) -> tuple[BrowserContext, Page]:
    """A fresh context of a returning visitor, whose ``/test/bench-page.html`` is ``page_html``; only the demo
    server is reachable."""
    context = browser.new_context()
    context.add_cookies([{"name": name, "value": quote(encode_value(value), safe="-_.!~*'()"),
                          "url": server.origin} for name, value in RETURNING_VISITOR.items()])

    def route(route: Route) -> None:
        url = route.request.url
        if url == f"{server.origin}/test/bench-page.html":
            route.fulfill(status=200, content_type="text/html", body=page_html)
        elif url.startswith(server.origin):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    return context, context.new_page()


def measure(browser: Browser, server: DemoServer, page_html: str, condition: Condition) -> Run:
    context, page = open_page(browser, server, page_html)
    condition.apply(context.new_cdp_session(page))
    already = len(server.collector.arrivals())
    page.goto(f"{server.origin}/test/bench-page.html", wait_until="commit")
    time_origin_ms = page.evaluate("performance.timeOrigin")
    has_python = "<script type=\"py" in page_html or "<script type=\"mpy" in page_html
    deadline = time.monotonic() + FIRST_EVENT_TIMEOUT_S
    while True:
        arrivals = [(at, request) for at, request in server.collector.arrivals()[already:]
                    if request.endpoint == "ptm.gif"]
        pythons = [at for at, request in arrivals if _carries_pythons_event(request)]
        if arrivals and (pythons or not has_python):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"no event reached the collector within {FIRST_EVENT_TIMEOUT_S:g} s")
        page.wait_for_timeout(20)
    load_called_at_ms = page.evaluate("window.loadCalledAt ?? null")
    page.wait_for_timeout(500)  # let requests already sent be answered before the browser hangs up on them
    context.close()
    return Run(arrivals[0][0] * 1000 - time_origin_ms, load_called_at_ms,
               pythons[0] * 1000 - time_origin_ms if pythons else None)


def _median_or_none(figures: list[float | None]) -> float | None:
    known = [figure for figure in figures if figure is not None]
    return statistics.median(known) if known and len(known) == len(figures) else None


def summary(runs: list[Run]) -> dict[str, Any]:
    return {"median_ms": statistics.median(run.to_first_event_ms for run in runs),
            "runs_ms": [round(run.to_first_event_ms) for run in runs],
            "load_called_median_ms": _median_or_none([run.to_load_ms for run in runs]),
            "pythons_event_median_ms": _median_or_none([run.to_pythons_event_ms for run in runs]),
            "pythons_event_runs_ms": [None if run.to_pythons_event_ms is None else round(run.to_pythons_event_ms)
                                      for run in runs]}


def measure_first_event(browser: Browser, runs: int) -> dict[str, Any]:
    """Every condition and variant: medians, each run, and early start ÷ snippet."""
    site = assemble(extra_pages=PAGES)
    server = DemoServer(site.root, DemoSettings(api_key=API_KEY)).start()
    results: dict[str, Any] = {}
    try:
        variant_pages = pages(site.root / "test", server.origin)
        for condition in CONDITIONS:
            print(f"  first event, {condition.label}", flush=True)
            measured: dict[str, list[Run]] = {variant: [] for variant in VARIANTS}
            measure(browser, server, variant_pages[EARLY], condition)  # warm-up, discarded
            for round_number in range(runs):
                order = VARIANTS if round_number % 2 == 0 else tuple(reversed(VARIANTS))
                for variant in order:
                    measured[variant].append(measure(browser, server, variant_pages[variant], condition))
            figures = {variant: summary(measured[variant]) for variant in VARIANTS}
            ratio = figures[EARLY]["median_ms"] / figures[SNIPPET]["median_ms"]
            micropython_event = figures[WITHOUT_MICROPYTHON]["pythons_event_median_ms"]
            results[condition.label] = {"variants": figures, "early_over_snippet": ratio,
                                        "target_met": ratio <= TARGET_RATIO,
                                        "micropython_event_target_met": micropython_event <= MICROPYTHON_TARGET_MS}
    finally:
        server.stop()
    return results


def measure_interpreter_calls(browser: Browser) -> dict[str, dict[str, float]]:
    """Per call (µs, median of 5 runs of 2,000 calls until the agent has them), ``track`` and ``identify``, by
    the same Python (``interpreter_calls.py``) in a PyScript ``py`` and ``mpy`` page."""
    site = assemble(extra_pages=PAGES)
    server = DemoServer(site.root, DemoSettings(api_key=API_KEY)).start()
    template = (site.root / "test" / "pyscript-app.html").read_text()
    figures: dict[str, dict[str, float]] = {}
    try:
        for script_type in INTERPRETERS:
            context, page = open_page(browser, server, pyscript_page(template, script_type, "interpreter_calls.py"))
            page.goto(f"{server.origin}/test/bench-page.html")
            page.wait_for_function("() => document.getElementById('result').textContent !== ''",
                                   timeout=FIRST_EVENT_TIMEOUT_S * 1000)
            figures[script_type] = json.loads(page.text_content("#result") or "{}")
            context.close()
    finally:
        server.stop()
    return figures


def interpreter_calls_table(figures: dict[str, dict[str, float]]) -> str:
    lines = ["| per call, until the agent has it (PyScript page, median of 5 × 2,000) | Pyodide (`py`) | "
             "MicroPython (`mpy`) |", "|---|---:|---:|"]
    for call in ("track", "identify"):
        lines.append(f"| {call} | {figures['py'][call]:,.1f} µs | {figures['mpy'][call]:,.1f} µs |")
    return "\n".join(lines)


def first_event_table(results: dict[str, Any], runs: int) -> str:
    lines = [f"| returning visitor, median of {runs} | navigation → Pendo's first event (each run) | "
             "navigation → Python ready | navigation → Python's first event at Pendo (each run) |",
             "|---|---|---:|---|"]

    def milliseconds(value: float | None) -> str:
        return "" if value is None else f"{value:,.0f} ms"

    for condition, figures in results.items():
        for variant, figure in figures["variants"].items():
            pythons = figure["pythons_event_median_ms"]
            each = ", ".join(f"{ms:,}" for ms in figure["pythons_event_runs_ms"] if ms is not None)
            lines.append(f"| {condition}: {variant} | {milliseconds(figure['median_ms'])} "
                         f"({', '.join(f'{ms:,}' for ms in figure['runs_ms'])}) | "
                         f"{milliseconds(figure['load_called_median_ms'])} | "
                         f"{'' if pythons is None else f'{milliseconds(pythons)} ({each})'} |")
        lines.append(f"| {condition}: early start ÷ snippet (target ≤ {TARGET_RATIO}×) | "
                     f"{figures['early_over_snippet']:.2f}× {'met' if figures['target_met'] else 'MISSED'} | | |")
    loopback = results[CONDITIONS[0].label]
    floor = loopback["variants"][FLOOR_MICROPYTHON]["pythons_event_median_ms"]
    lines.append(f"| {CONDITIONS[0].label}: MicroPython's first event (target ≤ {MICROPYTHON_TARGET_MS} ms) | | | "
                 f"{'met' if loopback['micropython_event_target_met'] else 'MISSED'} (floor without any package: "
                 f"{milliseconds(floor)}) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per variant and condition (default 5)")
    options = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_FLAGS)
        results = measure_first_event(browser, options.runs)
        browser.close()
    print()
    print(first_event_table(results, options.runs))


if __name__ == "__main__":
    main()
