"""pgbench (PostgreSQL 15 client) with its defaults against a real 2-node cluster.

    .venv/bin/python bench/pgbench_tpcb.py [--scale 10] [--seconds 30] [--clients 8]
        [--threads 2] [--nodes 2] [--data-dir DIR]

Starts a cluster with `strata up` (in a temporary directory unless --data-dir),
then through the router: `pgbench -i -s SCALE` (timed), `pgbench -T SECONDS
-c CLIENTS -j THREADS` (tpcb-like), a balance check (sum of account balances =
teller balances = branch balances = history deltas), and `pgbench -S` (select
only).  Prints the init time, tps and failed transactions of each run; exits 1
if a run failed transactions or the balances disagree.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tests.integration.cluster import Cluster  # noqa: E402

BALANCES = ("select (select sum(abalance) from pgbench_accounts),"
            " (select sum(tbalance) from pgbench_tellers),"
            " (select sum(bbalance) from pgbench_branches),"
            " (select coalesce(sum(delta), 0) from pgbench_history)")


def pgbench(cluster: Cluster, *args: str, timeout: float = 1800) -> str:
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(cluster.port), "PGUSER": "strata",
           "PGDATABASE": "strata", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([shutil.which("pgbench") or "pgbench", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit(f"pgbench {' '.join(args)} exited {proc.returncode}\n{out}")
    return out


def figure(pattern: str, out: str) -> str:
    m = re.search(pattern, out)
    return m.group(1) if m else "?"


def report(name: str, out: str) -> int:
    failed = figure(r"number of failed transactions: (\d+)", out)
    tps = figure(r"tps = ([0-9.]+)", out)
    processed = figure(r"actually processed: (\d+)", out)
    latency = figure(r"latency average = ([0-9.]+ ms)", out)
    print(f"{name}: tps {tps}, processed {processed}, failed {failed}, latency avg {latency}",
          flush=True)
    return int(failed) if failed.isdigit() else 1


def run(cluster: Cluster, args) -> int:
    bad = 0
    start = time.monotonic()
    out = pgbench(cluster, "-i", "-s", str(args.scale))
    detail = figure(r"(done in [^\n]*)", out)
    print(f"pgbench -i -s {args.scale}: {time.monotonic() - start:.1f} s ({detail})", flush=True)
    out = pgbench(cluster, "-T", str(args.seconds), "-c", str(args.clients), "-j", str(args.threads))
    bad += report(f"tpcb-like -c {args.clients} -j {args.threads} -T {args.seconds}", out)
    with cluster.connect() as conn:
        a, t, b, h = conn.execute(BALANCES).fetchone()
    consistent = a == t == b == h
    print(f"balances: accounts {a}, tellers {t}, branches {b}, history {h}: "
          f"{'consistent' if consistent else 'INCONSISTENT'}", flush=True)
    bad += 0 if consistent else 1
    out = pgbench(cluster, "-S", "-T", str(args.seconds), "-c", str(args.clients),
                  "-j", str(args.threads))
    bad += report(f"select-only -c {args.clients} -j {args.threads} -T {args.seconds}", out)
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--data-dir", type=pathlib.Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(args.data_dir or pathlib.Path(tmp), nodes=args.nodes)
        cluster.up()
        try:
            return run(cluster, args)
        finally:
            cluster.down()


if __name__ == "__main__":
    sys.exit(main())
