"""``python -m storage --data-dir DIR --host H --port P``: run one storage node.

Prints exactly one line, ``storage listening on HOST:PORT``, once it serves
(port 0 picks a free port and prints the real one); stops cleanly on SIGTERM or
SIGINT, closing the database.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from storage.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    running = serve(args.data_dir, args.host, args.port)
    print(f"storage listening on {args.host}:{running.port}", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        running.stop()


if __name__ == "__main__":
    main()
