"""The 50-cycle recovery soak on a real local cluster.

    .venv/bin/python bench/soak.py [--cycles 50] [--nodes 4] [--lease-ms 1000]
                                   [--clients 8] [--data-dir DIR] [--json-out FILE]

Starts a cluster with `strata up` in a temporary directory (or uses the one
running on --data-dir), runs `strata drill soak --cycles N` (kill 1 node, kill
3 at once, memory-layer loss, kill the storage node, a zombie, repeated), prints
one line per cycle and the summary, stops the cluster it started.  Exit code 1
when any cycle broke an invariant (total changed, an acknowledged transfer
missing); the timings printed are for comparing rows of one run.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
STRATA = [sys.executable, "-m", "deploy.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cycles", type=int, default=50)
    p.add_argument("--nodes", type=int, default=4)
    p.add_argument("--lease-ms", type=int, default=1000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--data-dir", help="use the cluster running there instead of a new one")
    p.add_argument("--json-out", help="also write the soak's JSON document here")
    args = p.parse_args()
    own = args.data_dir is None
    data_dir = pathlib.Path(args.data_dir or tempfile.mkdtemp(prefix="strata-soak-"))
    if own:
        subprocess.run([*STRATA, "up", "--data-dir", str(data_dir), "--nodes", str(args.nodes),
                        "--lease-ms", str(args.lease_ms), "--port", str(free_port())],
                       cwd=ROOT, check=True)
    try:
        soak = [*STRATA, "drill", "soak", "--cycles", str(args.cycles), "--data-dir",
                str(data_dir), "--clients", str(args.clients)]
        if args.json_out:
            out = subprocess.run([*soak, "--json"], cwd=ROOT, capture_output=True, text=True)
            pathlib.Path(args.json_out).write_text(out.stdout)
            print(out.stderr, end="", file=sys.stderr)
            print(f"wrote {args.json_out}")
        else:
            out = subprocess.run(soak, cwd=ROOT)
        return out.returncode
    finally:
        if own:
            subprocess.run([*STRATA, "down", "--data-dir", str(data_dir)], cwd=ROOT)
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
