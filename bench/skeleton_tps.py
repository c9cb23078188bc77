"""Throughput of the walking skeleton on a real local cluster.

    .venv/bin/python bench/skeleton_tps.py [--seconds 5] [--clients 4]

Starts a 2-node cluster with `strata up` in a temporary directory, then runs,
for each of (compute node 1 directly, the router): point SELECTs by primary key
and single-row UPDATE commits (each one fsynced through group commit), with
N client threads.  Prints transactions per second; compare the rows of one run
with each other, not across machines.
"""

from __future__ import annotations

import argparse
import pathlib
import random
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tests.integration.cluster import Cluster  # noqa: E402

ROWS = 10_000


def _run(cluster, port, sql_of, seconds, clients) -> float:
    counts = [0] * clients
    stop = threading.Event()

    def worker(i):
        rng = random.Random(i)
        with cluster.connect(port, autocommit=True) as conn:
            while not stop.is_set():
                sql, params = sql_of(rng)
                conn.execute(sql, params, prepare=True)
                counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        cluster = Cluster(pathlib.Path(d), nodes=2)
        cluster.up()
        try:
            with cluster.connect(autocommit=True) as conn:
                conn.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, v BIGINT NOT NULL)")
                for lo in range(0, ROWS, 1000):
                    conn.execute("INSERT INTO bench VALUES " + ",".join(f"({i}, 0)" for i in range(lo, lo + 1000)))
            point = lambda rng: ("SELECT v FROM bench WHERE id = %s", (rng.randrange(ROWS),))  # noqa: E731
            update = lambda rng: ("UPDATE bench SET v = v + 1 WHERE id = %s", (rng.randrange(ROWS),))  # noqa: E731
            for where, port in (("node 1", cluster.node_port(1)), ("router", None)):
                for name, fn in (("point select", point), ("update commit", update)):
                    tps = _run(cluster, port, fn, args.seconds, args.clients)
                    print(f"{where:7s} {name:14s} {args.clients} clients: {tps:8.0f} tps", flush=True)
        finally:
            cluster.down()


if __name__ == "__main__":
    main()
