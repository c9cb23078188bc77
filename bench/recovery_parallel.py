"""Parallel recovery: kill -9 of three compute nodes at once against one.

    .venv/bin/python bench/recovery_parallel.py [--rounds 3] [--lease-ms 1000]
                                                [--clients 8] [--data-dir DIR]

Starts a 4-node cluster (lease 1000 ms) in a temporary directory (or uses the
one on --data-dir) and alternates `strata drill kill --nodes 2 --keep-down` and
`strata drill kill --nodes 2,3,4 --keep-down` under the same bank load, so each
failed node leaves about the same log volume behind.  Total recovery time =
from the kill until every failed node's pages serve again (the node reports'
redo_done_at, the latest of the failed nodes).  Prints each round and the
medians, and the ratio three/one (issue 3 asks for at most 1.3).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile

STRATA = [sys.executable, "-m", "deploy.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drill(data_dir: str, nodes: str, clients: int) -> dict:
    out = subprocess.run([*STRATA, "drill", "kill", "--nodes", nodes, "--keep-down",
                          "--data-dir", data_dir, "--clients", str(clients), "--json"],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"drill failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout)


def summary(report: dict) -> tuple[float | None, int]:
    times = [n.get("full_recovery_s") for n in report["failed_nodes"]]
    records = sum(n.get("redo_records") or 0 for n in report["failed_nodes"])
    if any(t is None for t in times):
        return None, records
    return max(times), records


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--lease-ms", type=int, default=1000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--data-dir", help="use the 4-node cluster running there")
    args = p.parse_args()
    own = args.data_dir is None
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="strata-parallel-")
    if own:
        subprocess.run([*STRATA, "up", "--data-dir", data_dir, "--nodes", "4",
                        "--port", str(free_port()), "--lease-ms", str(args.lease_ms)],
                       check=True, stdin=subprocess.DEVNULL, capture_output=True)
    results: dict[str, list[float]] = {"2": [], "2,3,4": []}
    ok = True
    try:
        for r in range(args.rounds):
            for nodes in ("2", "2,3,4"):
                report = drill(data_dir, nodes, args.clients)
                total, records = summary(report)
                ok &= bool(report.get("ok"))
                shown = "not reported" if total is None else f"{total * 1000:.0f} ms"
                print(f"round {r + 1}: kill {nodes:6s} total recovery {shown:>12s}, "
                      f"{records} records redone, verification "
                      f"{'passed' if report['verification']['ok'] else 'FAILED'}",
                      flush=True)
                if total is not None:
                    results[nodes].append(total)
    finally:
        if own:
            subprocess.run([*STRATA, "down", "--data-dir", data_dir], stdin=subprocess.DEVNULL,
                           capture_output=True)
            shutil.rmtree(data_dir, ignore_errors=True)
    if results["2"] and results["2,3,4"]:
        one, three = statistics.median(results["2"]), statistics.median(results["2,3,4"])
        print(f"median total recovery: one node {one * 1000:.0f} ms, three nodes "
              f"{three * 1000:.0f} ms, ratio {three / one:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
