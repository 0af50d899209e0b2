"""``./dev demo``: assemble the site and serve the demo on loopback until interrupted."""

from __future__ import annotations

import argparse
import time

from devtools.server import SiteServer
from devtools.site import assemble


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the pyodide-pendo demo.")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 picks a free one)")
    options = parser.parse_args()
    site = assemble()
    server = SiteServer(site.root, port=options.port).start()
    print(f"pyodide-pendo demo: open {server.origin}/ (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
