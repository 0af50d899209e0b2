"""Running the pipeline's coroutines (the readiness watcher) from synchronous tests."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run(coroutine: Any) -> Any:
    """Run a coroutine to completion on a thread of its own: in a full run, Playwright's event loop is
    already running on the main thread, where ``asyncio.run`` refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()
