"""`strata drill soak --cycles N`: consecutive drills mixing faults, invariants each cycle.

Owns the cycle plan and the soak summary; each cycle is one deploy.drill.run.
The plan repeats: kill 1 compute node, kill 3 at once (needs 4 nodes; with
fewer, all but one), memory-layer loss, kill the storage node, a zombie
(SIGSTOP past the lease, then SIGCONT).  The node killed rotates.  A cycle
violates when its verification fails (total changed, an acknowledged transfer
missing, ledger mismatch, accounts missing); the exit code is 1 if any did.
Errors seen by clients on other nodes are reported, not counted as violations.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from deploy import drill
from deploy.drill_report import fmt_s

PLAN = ["kill1", "kill3", "memory", "storage", "zombie"]


def fault_for(cycle: int, node_ids: list[int]) -> drill.Fault | None:
    step = PLAN[cycle % len(PLAN)]
    first = node_ids[(cycle // len(PLAN)) % len(node_ids)]
    if step == "kill1":
        return drill.Fault("kill", [first])
    if step == "kill3":
        count = 3 if len(node_ids) >= 4 else len(node_ids) - 1
        if count < 1:
            return None
        start = node_ids.index(first)
        return drill.Fault("kill", sorted((node_ids * 2)[start:start + count]))
    if step == "zombie":
        return drill.Fault("zombie", [first])
    return drill.Fault(step)


def summary(cycle: int, result: dict) -> dict:
    cv, v = result["client_view"], result["verification"]
    per_node = result["failed_nodes"] + result["memory_rebuild"]
    firsts = [f["first_query_s"] for f in per_node if f["first_query_s"] is not None]
    return {"cycle": cycle, "fault": result["fault"], "ok": v["ok"],
            "total_unchanged": v["total_unchanged"], "all_acked_present": v["all_acked_present"],
            "ledger_mismatches": v["ledger_mismatches"], "acked": v["acked"],
            "client_errors": cv["errors"], "other_node_errors": cv["other_node_errors"],
            "first_query_s": max(firsts) if firsts else None}


def run_soak(args: argparse.Namespace, opts: drill.Options) -> int:
    """The soak; ``args`` has cycles, data_dir, json (see deploy/drill_cli.py)."""
    data_dir = Path(args.data_dir).resolve()
    spec = drill.running_spec(data_dir)
    node_ids = [p.node_id for p in spec.by_kind("compute")]
    cycles, results = [], []
    t0 = time.time()
    for cycle in range(args.cycles):
        fault = fault_for(cycle, node_ids)
        if fault is None:
            continue
        with drill.Progress(enabled=not args.json and sys.stderr.isatty()) as progress:
            progress.show(f"cycle {cycle + 1}/{args.cycles}")
            result, _events = drill.run(data_dir, fault, opts, progress)
        row = summary(cycle + 1, result)
        cycles.append(row)
        results.append(result)
        if not args.json:
            mark = "ok" if row["ok"] else "VIOLATION"
            print(f"cycle {row['cycle']:3d} {mark:9s} {row['fault']}: acked {row['acked']}, "
                  f"client errors {row['client_errors']}, other-node errors "
                  f"{row['other_node_errors']}, first query {fmt_s(row['first_query_s'])}",
                  flush=True)
    violations = [c for c in cycles if not c["ok"]]
    doc = {"cycles": cycles, "violations": len(violations), "ok": not violations,
           "seconds": time.time() - t0}
    if args.json:
        print(json.dumps(doc | {"results": results}, indent=2))
    else:
        print(f"soak: {len(cycles)} cycles, {len(violations)} violations, "
              f"{doc['seconds']:.0f} s")
    return 0 if doc["ok"] else 1
