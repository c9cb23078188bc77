"""Statement cache: hit rate and the parse+plan time it saves.

    .venv/bin/python bench/stmt_cache.py [--statements 20000] [--rounds 3]

Runs a pgbench-like mix of literal SQL (what pgbench and sysbench send in their
default simple-query mode: every text differs by its constants) through the
SQL engine over the in-memory transaction source, so only the engine's own
cost is measured: once with the shape cache (sql.stmt_cache) and once with
exact-text caching only.  Prints the hit rate of each and the mean time per
statement; the difference is the parse+plan time saved.  Compare the rows of
one run with each other (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import pathlib
import random
import statistics
import sys
import time

import trio

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from sql.executor import Executor  # noqa: E402
from sql.memory_txn import MemoryTxnSource  # noqa: E402
from sql.session import SqlSession  # noqa: E402

ACCOUNTS = 10_000


def workload(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        aid, delta = rnd.randint(1, ACCOUNTS), rnd.randint(-5000, 5000)
        kind = i % 4
        if kind == 0:
            out.append(f"SELECT abalance FROM accounts WHERE aid = {aid}")
        elif kind == 1:
            out.append(f"UPDATE accounts SET abalance = abalance + {delta} WHERE aid = {aid}")
        elif kind == 2:
            out.append(f"INSERT INTO history (aid, delta, note) VALUES ({aid}, {delta}, 'n{i}')")
        else:
            out.append(f"SELECT aid, abalance FROM accounts WHERE aid BETWEEN {aid} AND {aid + 10}")
    return out


async def run(normalise: bool, statements: list[str]) -> tuple[float, Executor]:
    executor = Executor(normalise=normalise, cache_size=256)
    s = SqlSession(MemoryTxnSource(), executor)
    await s.execute("CREATE TABLE accounts (aid INT PRIMARY KEY, abalance INT)")
    await s.execute("CREATE TABLE history (hid SERIAL PRIMARY KEY, aid INT, delta INT, note TEXT)")
    for start in range(1, ACCOUNTS + 1, 500):
        values = ", ".join(f"({a}, 0)" for a in range(start, start + 500))
        await s.execute(f"INSERT INTO accounts VALUES {values}")
    executor.stats.__init__()
    started = time.perf_counter()
    for sql in statements:
        await s.execute(sql)
    return (time.perf_counter() - started) / len(statements), executor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--statements", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    statements = workload(args.statements, seed=1)
    results: dict[bool, list[float]] = {True: [], False: []}
    stats = {}
    for _ in range(args.rounds):
        for normalise in (True, False):
            per, executor = trio.run(run, normalise, statements)
            results[normalise].append(per)
            stats[normalise] = executor.stats
    print(f"{args.statements} statements (pgbench-like literal SQL), {args.rounds} rounds, median:")
    for normalise in (True, False):
        st = stats[normalise]
        total = st.hits + st.shape_hits + st.misses
        rate = (st.hits + st.shape_hits) / total if total else 0.0
        label = "shape cache (literals -> parameters)" if normalise else "exact-text cache only"
        med = statistics.median(results[normalise]) * 1e6
        print(f"  {label:38s} hit rate {rate:6.1%}  ({st.shape_hits} shape hits, "
              f"{st.hits} exact hits, {st.misses} planned)  {med:8.1f} us/statement")
    on, off = statistics.median(results[True]), statistics.median(results[False])
    print(f"  time saved: {(off - on) * 1e6:.1f} us/statement ({(off - on) / off:.0%}); "
          f"ratio {off / on:.2f}x")


if __name__ == "__main__":
    main()
