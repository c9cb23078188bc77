"""Differential run: the same random tables and queries on Strata and PostgreSQL 15.

    .venv/bin/python -m tests.differential.run --seed 7 --queries 2000
    .venv/bin/python -m tests.differential.run --in-process      # engine in-process, fast
    .venv/bin/python -m tests.differential.run --pg-dsn "host=... user=..."  # existing server

Prints the seed, a summary and every unexpected difference (query, both
results); exit status 1 when there is one.  Differences whose query matches an
entry of INTENDED.md are counted but not failures.
"""

from __future__ import annotations

import argparse
import contextlib
import pathlib
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.differential.breadth import BreadthGrammar as Grammar
from tests.differential.compare import Outcome, intended, load_intended, normalise, same

INTENDED_MD = pathlib.Path(__file__).with_name("INTENDED.md")


@dataclass
class Difference:
    sql: str
    strata: Outcome
    postgres: Outcome

    def show(self) -> str:
        out = f"  query:    {self.sql}\n  strata:   {self.strata.show()}\n  postgres: {self.postgres.show()}"
        if self.strata.rows is not None and self.postgres.rows is not None:
            a, b = Counter(self.strata.rows), Counter(self.postgres.rows)
            if a == b:
                return out + "\n  (same rows, different order)"
            out += f"\n  only strata:   {list((a - b).elements())[:8]}"
            out += f"\n  only postgres: {list((b - a).elements())[:8]}"
        return out


@dataclass
class Report:
    seed: int
    queries: int = 0
    errors_both: int = 0
    rows_compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    intended: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        allowed = sum(self.intended.values())
        return (f"seed {self.seed}: {self.queries} queries, {self.rows_compared} rows compared, "
                f"{self.errors_both} errors on both sides, {len(self.differences)} differences, "
                f"{allowed} intended differences")


def _outcome(engine, sql: str, ordered: bool) -> Outcome:
    o = engine.run(sql)
    if o.rows is not None:
        return Outcome(rows=normalise(list(o.rows), ordered))
    return o


def run(seed: int, queries: int, strata, postgres, *, tables: int = 3, per_schema: int = 250) -> Report:
    """Fresh random tables every ``per_schema`` queries (all derived from ``seed``)."""
    entries = load_intended(INTENDED_MD.read_text()) if INTENDED_MD.exists() else []
    report = Report(seed)
    rnd = random.Random(seed)
    done = 0
    while done < queries:
        g = Grammar(rnd.getrandbits(64), tables)
        for stmt in g.schema():
            a, b = strata.run(stmt), postgres.run(stmt)
            if a.sqlstate or b.sqlstate:
                raise RuntimeError(f"set-up failed: {stmt}\n strata: {a.show()}\n postgres: {b.show()}")
        for _ in range(min(per_schema, queries - done)):
            q = g.query()
            done += 1
            a, b = _outcome(strata, q.sql, q.ordered), _outcome(postgres, q.sql, q.ordered)
            report.queries += 1
            if a.sqlstate and b.sqlstate:
                report.errors_both += 1
            report.rows_compared += len(b.rows or ())
            if same(a, b):
                continue
            entry = intended(q.sql, a, b, entries, q.ordered)
            if entry is not None:
                report.intended[entry.reason] = report.intended.get(entry.reason, 0) + 1
            else:
                report.differences.append(Difference(q.sql, a, b))
    return report


@contextlib.contextmanager
def postgres_engine(dsn: str | None):
    from tests.differential.engines import PsycopgEngine
    from tests.differential.pg15 import Postgres15, find_bindir

    if dsn:
        yield PsycopgEngine(dsn)
        return
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL 15 not found (deploy/bootstrap.sh test installs postgresql-15)")
    pg = Postgres15(bindir).start()
    try:
        yield PsycopgEngine(pg.dsn())
    finally:
        pg.stop()


@contextlib.contextmanager
def strata_engine(in_process: bool, nodes: int):
    from tests.differential.engines import PsycopgEngine, SessionEngine

    if in_process:
        yield SessionEngine()
        return
    from tests.integration.cluster import Cluster

    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(pathlib.Path(tmp), nodes=nodes)
        cluster.up()
        try:
            yield PsycopgEngine(cluster.dsn())
        finally:
            cluster.down()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--in-process", action="store_true", help="Strata's engine in-process")
    ap.add_argument("--nodes", type=int, default=1)
    ap.add_argument("--pg-dsn", default=None, help="use this PostgreSQL 15 instead of starting one")
    ap.add_argument("--show", type=int, default=50, help="print at most this many differences")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print(f"differential seed {seed}", flush=True)
    started = time.monotonic()
    with postgres_engine(args.pg_dsn) as pg, strata_engine(args.in_process, args.nodes) as st:
        report = run(seed, args.queries, st, pg)
    for d in report.differences[: args.show]:
        print("DIFFERENCE\n" + d.show())
    for reason, n in report.intended.items():
        print(f"intended ({n}): {reason}")
    print(report.summary() + f" in {time.monotonic() - started:.1f}s")
    sys.exit(1 if report.differences else 0)


if __name__ == "__main__":
    main()
