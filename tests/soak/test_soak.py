"""A short soak in CI: `strata drill soak --cycles 5` on a real 4-node cluster
(lease 1000 ms), one cycle of each fault (kill 1 node, kill 3 at once, memory
layer loss, kill storage, zombie).  Every cycle must keep the invariants: total
balance unchanged, every acknowledged transfer present, the ledger consistent.
The 50-cycle soak is bench/soak.py."""

from __future__ import annotations

import json

import pytest

from tests.integration.cluster import Cluster

CYCLES = 5


@pytest.fixture
def cluster4(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("soak"), nodes=4)
    c.strata("up", "--data-dir", str(c.data_dir), "--nodes", "4", "--port", str(c.port),
             "--lease-ms", "1000")
    try:
        yield c
    finally:
        c.down()


def test_short_soak_keeps_the_invariants(cluster4):
    out = cluster4.strata("drill", "soak", "--cycles", str(CYCLES), "--json",
                          "--data-dir", str(cluster4.data_dir), timeout=300, check=False)
    assert out.stdout.strip(), out.stderr + cluster4.log_tails()
    doc = json.loads(out.stdout)
    for row in doc["cycles"]:
        print(row)
    assert len(doc["cycles"]) == CYCLES
    faults = " | ".join(c["fault"] for c in doc["cycles"])
    for word in ("node(s) 1,2,3", "redis-server", "storage", "SIGSTOP"):
        assert word in faults
    for row in doc["cycles"]:
        assert row["total_unchanged"] and row["all_acked_present"], row
        assert row["ledger_mismatches"] == 0 and row["acked"] > 0, row
    assert doc["violations"] == 0 and doc["ok"]
    assert out.returncode == 0
