"""Run sqllogictest files and print ``N passed, N failed`` per file and in total.

    .venv/bin/python -m tests.logic.run                 # a real 1-node cluster
    .venv/bin/python -m tests.logic.run --in-process    # SqlSession over MemoryTxnSource
    .venv/bin/python -m tests.logic.run --failures select1.test select5.test

Files are read from /work/shared/sqllogictest (``SLT_DIR`` overrides); each file
runs on an empty database (the tables it created are dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys
import tempfile
import time

from tests.logic import slt

SLT_DIR = pathlib.Path(os.environ.get("SLT_DIR", "/work/shared/sqllogictest"))
FILES = [f"select{i}.test" for i in range(1, 6)]
_CREATE = re.compile(r"(?is)^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?(\w+)")


def run_files(driver, names: list[str], out=sys.stdout) -> dict[str, list[slt.Outcome]]:
    results: dict[str, list[slt.Outcome]] = {}
    for name in names:
        started = time.monotonic()
        outcomes = slt.run_file(driver, (SLT_DIR / name).read_text())
        results[name] = outcomes
        _drop_created(driver, outcomes)
        print(f"{name}: {slt.summary(outcomes)} ({time.monotonic() - started:.1f}s)", file=out, flush=True)
    everything = [o for outs in results.values() for o in outs]
    print(f"total: {slt.summary(everything)}", file=out, flush=True)
    return results


def _drop_created(driver, outcomes: list[slt.Outcome]) -> None:
    names = {m.group(1) for o in outcomes if o.record.kind == "statement" and (m := _CREATE.match(o.record.sql))}
    for name in sorted(names):
        try:
            driver.execute(f"DROP TABLE IF EXISTS {name}")
        except Exception:  # noqa: BLE001 - best effort between files
            pass


def failures(results: dict[str, list[slt.Outcome]]) -> list[tuple[str, str]]:
    """(``file:line``, reason) of every failed record."""
    return [(f"{name}:{o.record.line}", o.reason) for name, outs in results.items() for o in outs if not o.ok]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", default=FILES)
    ap.add_argument("--in-process", action="store_true")
    ap.add_argument("--nodes", type=int, default=1)
    ap.add_argument("--failures", action="store_true", help="list every failed record")
    args = ap.parse_args()
    started = time.monotonic()
    if args.in_process:
        from tests.logic.drivers import SessionDriver

        results = run_files(SessionDriver(), args.files)
    else:
        from tests.integration.cluster import Cluster
        from tests.logic.drivers import PsycopgDriver

        with tempfile.TemporaryDirectory() as tmp:
            cluster = Cluster(pathlib.Path(tmp), nodes=args.nodes)
            cluster.up()
            try:
                with cluster.connect(autocommit=True) as conn:
                    results = run_files(PsycopgDriver(conn), args.files)
            finally:
                cluster.down()
    if args.failures:
        for where, reason in failures(results):
            print(f"{where}  {reason}")
    print(f"elapsed {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
