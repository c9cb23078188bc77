"""`strata drill` against a real 4-node cluster (lease 1000 ms): kill a compute
node under the bank load, then lose the memory layer, then kill one with
--keep-down.  Asserts the invariants and the JSON shape, never timings (the
figures are printed: run with -s)."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.cluster import Cluster

NODE_FIELDS = ["detection_s", "fencing_directory_s", "redo_s", "redo_records", "redo_bytes",
               "redo_records_per_s", "full_recovery_s", "first_query_s", "clients_on_node"]
REBUILD_FIELDS = ["detection_s", "reregistered_s", "pages_reported", "rebuild_done_s",
                  "first_query_s"]


@pytest.fixture(scope="module")
def cluster4(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("drill"), nodes=4)
    c.strata("up", "--data-dir", str(c.data_dir), "--nodes", "4", "--port", str(c.port),
             "--lease-ms", "1000")
    try:
        yield c
    finally:
        c.down()


def drill(cluster: Cluster, *args: str) -> dict:
    out = cluster.strata("drill", *args, "--data-dir", str(cluster.data_dir), "--json",
                         "--seconds-before", "2", "--seconds-after", "3", timeout=110,
                         check=False)
    assert out.stdout.strip(), out.stderr + cluster.log_tails()
    result = json.loads(out.stdout)
    print(f"\nstrata drill {' '.join(args)}:")
    print(json.dumps({k: result[k] for k in ("failed_nodes", "memory_rebuild", "client_view",
                                             "throughput", "notes")}, indent=1))
    v = result["verification"]
    assert v["total_unchanged"] and v["all_acked_present"], v
    assert v["ledger_mismatches"] == 0 and v["missing_accounts"] == 0, v
    assert v["acked"] > 0 and v["ok"] and result["recovered"]
    assert out.returncode == (0 if result["ok"] else 1)
    for key in ("client_view", "throughput", "kill_at", "reports_found", "lease_ms"):
        assert key in result
    assert result["lease_ms"] == 1000
    return result


def test_kill_one_node(cluster4):
    result = drill(cluster4, "kill", "--nodes", "2")
    (node,) = result["failed_nodes"]
    assert node["node"] == 2 and all(f in node for f in NODE_FIELDS)
    if node["clients_on_node"]:
        assert node["first_query_s"] is not None  # measured by the drill itself
    assert result["client_view"]["other_node_errors"] == 0
    assert result["client_view"]["other_nodes_clean"] is True
    assert result["ok"]


def test_memory_layer_loss(cluster4):
    result = drill(cluster4, "memory")
    assert [n["node"] for n in result["memory_rebuild"]] == [1, 2, 3, 4]
    for node in result["memory_rebuild"]:
        assert all(f in node for f in REBUILD_FIELDS)
    assert result["client_view"]["other_node_errors"] is None  # every node was hit


def test_keep_down_holds_the_node_until_started(cluster4):
    result = drill(cluster4, "kill", "--nodes", "3", "--keep-down", "--leave-held")
    assert result["keep_down"] and result["client_view"]["other_nodes_clean"] is True
    assert cluster4.process("compute-3")["status"] == "held"
    assert cluster4.process("compute-3")["pid"] is None
    cluster4.strata("start", "compute-3", "--data-dir", str(cluster4.data_dir))
    deadline = time.monotonic() + 60
    while not cluster4.process("compute-3")["healthy"]:
        assert time.monotonic() < deadline, cluster4.log_tails()
        time.sleep(0.2)
