"""Redo speed of one tier-1 recovery worker (compute/recovery.py): decode a dead
node's stream tail, index its deltas by page, and replay them onto page images.

    .venv/bin/python bench/redo_speed.py [--records 100000] [--pages 200]

Each record is one transaction changing one row (the tpcb-like shape).  Prints
records per second for decoding + indexing, and for the whole redo.
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from compute.recovery import _Tail, index_records, redo  # noqa: E402
from storage.api import LogRecord  # noqa: E402
from storage.page_format import Page, PageDelta, encode_record  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--pages", type=int, default=200)
    args = ap.parse_args()
    versions = [0] * args.pages
    records = []
    for lsn in range(1, args.records + 1):
        p = lsn % args.pages
        versions[p] += 1
        key = (p * 64 + lsn % 64,)
        delta = PageDelta((1000, p), versions[p], ((key, (key[0], lsn, "filler" * 4)),))
        records.append(LogRecord(lsn, encode_record([delta])))
    gc.collect()  # start from a clean heap, and keep the set-up's objects out of
    gc.freeze()   # the collector's view, as a node's long-lived objects would be
    t0 = time.perf_counter()
    tail = _Tail(1, 0, 1)
    index_records(tail, records)
    t1 = time.perf_counter()
    for p in range(args.pages):
        redo(Page((1000, p), 0, {}), tail.deltas.get((1000, p), []))
    t2 = time.perf_counter()
    n = args.records
    print(f"decode+index: {n / (t1 - t0):,.0f} records/s; apply: {n / (t2 - t1):,.0f} records/s; "
          f"redo total: {n / (t2 - t0):,.0f} records/s ({n} records, {args.pages} pages)")


if __name__ == "__main__":
    main()
