"""Time from navigation to the first event Pendo receives, with and without the early-start script.

    .venv/bin/python -m devtools.early_start_bench [--runs 7]

The stack is the offline demo's: PyScript and Pyodide from npm, the real agent through ``web/pendo-agent.mjs``,
and ``devtools.demo``'s server as Pendo's data host, so "Pendo receives" is the moment that server records
the first ``ptm.gif`` (its clock and the page's ``performance.timeOrigin`` are the same machine's clock).
The two pages (``devtools/early_start_pages``) differ only in the early-start ``<script>``; their Python loads,
identifies and tracks as soon as it runs. Also reported: the time from Python's ``load()`` to that event,
which is what early start can shorten, and from navigation to ``load()`` (Pyodide's boot).

Two networks: loopback as it is, and a simulated one (Chromium's network emulation: 40 ms latency, 50 Mbit/s
down, for every request of the page), because on loopback fetching the agent costs next to nothing, while
from a real server it is a download that early start overlaps with Pyodide's.

The machine is shared and has 2 cores, so the variants alternate, each run gets a fresh browser context, and
only medians are reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Route, sync_playwright

from devtools.demo import DemoServer, DemoSettings
from devtools.site import assemble
from tests.browser.conftest import CHROMIUM_FLAGS, chromium_executable

PAGES = Path(__file__).parent / "early_start_pages"
VARIANTS = {"without early start": "without-early-start.html", "with early start": "with-early-start.html"}
FIRST_EVENT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Network:
    label: str
    latency_ms: float = 0
    download_mbit_s: float = 0  # 0: not limited

    def emulation(self) -> dict[str, float | bool]:
        """Chromium's ``Network.emulateNetworkConditions`` parameters (throughput in bytes per second)."""
        throughput = self.download_mbit_s * 1_000_000 / 8 if self.download_mbit_s else -1
        return {"offline": False, "latency": self.latency_ms, "downloadThroughput": throughput,
                "uploadThroughput": -1}


NETWORKS = (Network("loopback"), Network("simulated network (40 ms, 50 Mbit/s)", 40, 50))


@dataclass(frozen=True)
class Run:
    to_first_event_ms: float  # navigation start → the server receives the first ptm.gif
    to_load_ms: float  # navigation start → Python calls load() (Pyodide's boot and the wheel's install)

    @property
    def load_to_first_event_ms(self) -> float:
        return self.to_first_event_ms - self.to_load_ms


def measure(browser: Browser, server: DemoServer, page_name: str, network: Network) -> Run:
    context = browser.new_context()

    def keep_on_loopback(route: Route) -> None:
        if route.request.url.startswith(server.origin):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", keep_on_loopback)
    page = context.new_page()
    if network.latency_ms or network.download_mbit_s:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", network.emulation())
    already = len(server.collector.arrivals())
    page.goto(f"{server.origin}/test/{page_name}", wait_until="commit")
    time_origin_ms = page.evaluate("performance.timeOrigin")
    deadline = time.monotonic() + FIRST_EVENT_TIMEOUT_S
    while True:
        received = [at for at, request in server.collector.arrivals()[already:] if request.endpoint == "ptm.gif"]
        if received:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"{page_name}: no event reached the collector within {FIRST_EVENT_TIMEOUT_S:g} s")
        page.wait_for_timeout(20)
    load_called_at_ms = page.evaluate("window.loadCalledAt")
    page.wait_for_timeout(1000)  # let requests already sent be answered before the browser hangs up on them
    context.close()
    return Run(received[0] * 1000 - time_origin_ms, load_called_at_ms)


def report(network: Network, runs: dict[str, list[Run]]) -> None:
    print(f"\n{network.label}: median of {len(next(iter(runs.values())))} runs")
    print(f"{'':22} {'navigation → event':>19} {'load() → event':>15} {'navigation → load()':>20}")
    for name, measured in runs.items():
        to_first = statistics.median(run.to_first_event_ms for run in measured)
        from_load = statistics.median(run.load_to_first_event_ms for run in measured)
        to_load = statistics.median(run.to_load_ms for run in measured)
        print(f"{name:22} {to_first:16.0f} ms {from_load:12.0f} ms {to_load:17.0f} ms")
        print(f"{'':22} (navigation → event, each run: {', '.join(f'{r.to_first_event_ms:.0f}' for r in measured)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per variant and network (default 7)")
    options = parser.parse_args()
    site = assemble(extra_pages=PAGES)
    server = DemoServer(site.root, DemoSettings()).start()
    print("time to the first event Pendo receives (offline stack, 2-core machine)")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_FLAGS)
            for network in NETWORKS:
                runs: dict[str, list[Run]] = {name: [] for name in VARIANTS}
                measure(browser, server, VARIANTS["without early start"], network)  # warm-up, discarded
                for round_number in range(options.runs):
                    order = list(VARIANTS.items())
                    if round_number % 2:
                        order.reverse()
                    for name, page_name in order:
                        runs[name].append(measure(browser, server, page_name, network))
                report(network, runs)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
