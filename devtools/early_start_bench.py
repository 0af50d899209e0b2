"""Navigation → the first event Pendo receives, for a returning visitor: early start against Pendo's own snippet.

    .venv/bin/python -m devtools.early_start_bench [--runs 5]     (``./dev bench`` runs it too)

Variants, each a fresh page of a returning visitor whose RudderStack cookies say ``user-42`` of ``acme``:

- **snippet**: Pendo's install snippet alone, initializing that visitor at once: the floor.
- **early start, PyScript + Pyodide**: ``pyodide-pendo-early.js`` first in ``<head>``, then a PyScript page whose
  Python loads, identifies and tracks as soon as it runs.
- **PyScript without early start**: the same page without that script: Pendo starts when ``load()`` runs.
- **early start, PyScript + MicroPython**: the early-start page with ``type="mpy"``, the same Python.

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

from playwright.sync_api import Browser, Route, sync_playwright

from devtools.demo import DemoServer, DemoSettings
from devtools.site import assemble
from pyodide_pendo.persistence import encode_value
from tests.browser.conftest import CHROMIUM_FLAGS, chromium_executable

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
VARIANTS = (SNIPPET, EARLY, WITHOUT, EARLY_MICROPYTHON)
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


def pages(built_pages: Path, origin: str) -> dict[str, str]:
    """Each variant's page (from the assembled site, where the wheel's URL is filled in), for this origin: the
    agent's data host is the demo server."""
    pendo_options = {"dataHost": origin}
    template = (built_pages / "pyscript-app.html").read_text()

    def pyscript(script_type: str, head: str) -> str:
        return (template.replace("@SCRIPT_TYPE@", script_type).replace("@INTERPRETER@", INTERPRETERS[script_type])
                .replace("@EARLY_START@", head))

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
            EARLY_MICROPYTHON: pyscript("mpy", early_tag)}


@dataclass(frozen=True)
class Run:
    to_first_event_ms: float  # navigation start → the server receives the first ptm.gif
    to_load_ms: float | None  # navigation start → Python calls load() (None: the page has no Python, or it
    # had not called load() when the first event arrived)


def measure(browser: Browser, server: DemoServer, page_html: str, condition: Condition) -> Run:
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
    page = context.new_page()
    condition.apply(context.new_cdp_session(page))
    already = len(server.collector.arrivals())
    page.goto(f"{server.origin}/test/bench-page.html", wait_until="commit")
    time_origin_ms = page.evaluate("performance.timeOrigin")
    deadline = time.monotonic() + FIRST_EVENT_TIMEOUT_S
    while True:
        received = [at for at, request in server.collector.arrivals()[already:] if request.endpoint == "ptm.gif"]
        if received:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"no event reached the collector within {FIRST_EVENT_TIMEOUT_S:g} s")
        page.wait_for_timeout(20)
    load_called_at_ms = page.evaluate("window.loadCalledAt ?? null")
    page.wait_for_timeout(500)  # let requests already sent be answered before the browser hangs up on them
    context.close()
    return Run(received[0] * 1000 - time_origin_ms, load_called_at_ms)


def summary(runs: list[Run]) -> dict[str, Any]:
    loads = [run.to_load_ms for run in runs if run.to_load_ms is not None]
    return {"median_ms": statistics.median(run.to_first_event_ms for run in runs),
            "runs_ms": [round(run.to_first_event_ms) for run in runs],
            "load_called_median_ms": statistics.median(loads) if len(loads) == len(runs) else None}


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
            results[condition.label] = {"variants": figures, "early_over_snippet": ratio,
                                        "target_met": ratio <= TARGET_RATIO}
    finally:
        server.stop()
    return results


def first_event_table(results: dict[str, Any], runs: int) -> str:
    lines = [f"| navigation → Pendo's first event, returning visitor (median of {runs}) | median | each run | "
             "navigation → load() |", "|---|---:|---|---:|"]
    for condition, figures in results.items():
        for variant, figure in figures["variants"].items():
            load = figure["load_called_median_ms"]
            lines.append(f"| {condition}: {variant} | {figure['median_ms']:,.0f} ms | "
                         f"{', '.join(f'{ms:,}' for ms in figure['runs_ms'])} | "
                         f"{'' if load is None else f'{load:,.0f} ms'} |")
        lines.append(f"| {condition}: early start ÷ snippet (target ≤ {TARGET_RATIO}×) | "
                     f"{figures['early_over_snippet']:.2f}× | {'met' if figures['target_met'] else 'MISSED'} | |")
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
