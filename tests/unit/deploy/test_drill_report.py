"""Drill figures from the nodes' reports (a real redis-server with pushed samples),
the clients' view, the bank checker, the "not reported" rule and the plot."""

from __future__ import annotations

import io
import json

import pytest
import redis

from deploy import bank, drill, drill_plot, drill_report
from deploy.bank import Txn

KILL = 1_700_000_000.0


@pytest.fixture
def r(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.close()


def failure(node: int, detected: float, **kw) -> dict:
    return {"kind": "node_failure", "failed_node": node, "failed_incarnation": 3,
            "recovered_by": 1, "detected_at": detected, "fenced_at": detected + 0.01,
            "directory_at": detected + 0.03, "redo_done_at": detected + 0.53,
            "records": 5000, "bytes": 800_000, "redo_seconds": 0.5, "pages": 12,
            "tier1_pages": 10, "tier2_pages": 2} | kw


def test_reports_are_read_and_matched_to_the_kill(r, redis_url):
    r.rpush("strata:recovery:reports", json.dumps(failure(2, KILL - 30)),  # an older drill
            json.dumps(failure(2, KILL + 1.2)), json.dumps(failure(3, KILL + 1.1)), b"not json")
    r.rpush("strata:rebuild:reports", json.dumps(
        {"kind": "memory_rebuild", "node": 1, "detected_at": KILL + 0.4,
         "reregistered_at": KILL + 0.5, "pages_reported": 40, "done_at": KILL + 0.9}))
    reports = drill_report.read_reports(redis_url)
    assert reports["error"] is None
    assert len(reports["recovery"]) == 3 and len(reports["rebuild"]) == 1

    report = drill_report.recovery_for(reports["recovery"], 2, KILL)
    fig = drill_report.node_failure_figures(2, report, KILL, first_query_s=1.9, clients=2)
    assert fig["detection_s"] == pytest.approx(1.2)
    assert fig["fencing_directory_s"] == pytest.approx(0.03)
    assert fig["redo_s"] == 0.5 and fig["redo_records"] == 5000 and fig["redo_bytes"] == 800_000
    assert fig["redo_records_per_s"] == pytest.approx(10_000)
    assert fig["full_recovery_s"] == pytest.approx(1.73)
    assert fig["recovered_by"] == 1 and fig["tier1_pages"] == 10

    rebuilt = drill_report.rebuilds_after(reports["rebuild"], KILL)
    fig = drill_report.rebuild_figures(1, rebuilt.get(1), KILL, first_query_s=None)
    assert fig["detection_s"] == pytest.approx(0.4) and fig["reregistered_s"] == pytest.approx(0.1)
    assert fig["rebuild_done_s"] == pytest.approx(0.9) and fig["pages_reported"] == 40
    assert fig["first_query_s"] is None
    assert drill_report.rebuilds_after(reports["rebuild"], KILL + 5) == {}


def test_missing_reports_are_not_reported(r, redis_url):
    reports = drill_report.read_reports(redis_url)
    assert reports == {"recovery": [], "rebuild": [], "error": None}
    assert drill_report.recovery_for(reports["recovery"], 2, KILL) is None
    fig = drill_report.node_failure_figures(2, None, KILL, first_query_s=None, clients=0)
    assert all(v is None for k, v in fig.items() if k not in ("node", "clients_on_node",
                                                               "reported"))
    down = drill_report.read_reports("redis://127.0.0.1:1/0")
    assert down["error"] and down["recovery"] == []


def events() -> list[Txn]:
    """Client 0 on node 1 (survivor), client 1 on node 2 (killed at KILL)."""
    return [
        Txn(0, 1, KILL - 5, KILL - 1.0, KILL - 0.98, "ok"),
        Txn(1, 2, KILL - 5, KILL - 0.5, KILL - 0.48, "ok"),
        Txn(1, 2, KILL - 5, KILL - 0.01, KILL + 0.02, "in_doubt"),
        Txn(1, None, KILL + 0.05, KILL + 0.05, KILL + 0.06, "connect_error"),
        Txn(0, 1, KILL - 5, KILL + 0.1, KILL + 0.12, "ok"),
        Txn(0, 1, KILL - 5, KILL + 0.2, KILL + 0.3, "retry", "40P01"),
        Txn(1, 3, KILL + 0.3, KILL + 0.4, KILL + 2.5, "ok"),
    ]


def test_client_view_and_first_query():
    ev = events()
    view = drill_report.client_view(ev, KILL, {0: 1, 1: 2}, failed={2})
    assert view["errors"] == 2 and view["in_doubt"] == 1 and view["retries_40P01"] == 1
    assert view["first_error_s"] == pytest.approx(0.02)
    assert view["last_error_s"] == pytest.approx(0.06)
    assert view["other_node_errors"] == 0 and view["other_nodes_clean"] is True
    assert drill_report.first_commit_after(ev, KILL, {1}, reconnected=True) == pytest.approx(2.5)
    assert drill_report.first_commit_after(ev, KILL, {5}, reconnected=True) is None
    every = drill_report.client_view(ev, KILL, {0: 1, 1: 2}, failed=None)
    assert every["other_node_errors"] is None and every["other_nodes_clean"] is None
    assert drill_report.first_commit_on_node(ev, KILL, 1) == pytest.approx(0.12)
    assert drill_report.throughput(ev, KILL - 1, KILL) == pytest.approx(2.0)


def rendered(result: dict) -> str:
    from rich.console import Console

    out = io.StringIO()
    drill_report.render(result, Console(file=out, width=160, soft_wrap=True))
    return out.getvalue()


def drill_result(report: dict | None) -> dict:
    spec = type("Spec", (), {"data_dir": "/d", "lease_ms": 1000,
                             "by_kind": lambda self, kind: []})()
    reports = {"recovery": [report] if report else [], "rebuild": [], "error": None}
    result = drill.assemble(spec, drill.Fault("kill", [2]), drill.Options(clients=2), events(),
                            {0: 1, 1: 2}, KILL, reports, [])
    result["verification"] = bank.check({i: bank.INITIAL for i in range(128)}, {}, {},
                                        {0: 64_000, 1: 64_000})
    result["throughput"] = {"before_tps": 2.0, "after_tps": None, "commits": 3}
    return result


def test_text_says_not_reported_and_never_invents_a_time():
    text = rendered(drill_result(None))
    assert "detection" in text and "not reported" in text
    assert "2500 ms" in text  # first query: measured by the drill itself
    assert "errors seen by clients on other nodes: none" in text
    assert "verification passed" in text
    full = rendered(drill_result(failure(2, KILL + 1.2)))
    assert "1200 ms" in full and "5,000" in full and "10,000" in full


def test_json_document_has_the_figures():
    result = drill_result(failure(2, KILL + 1.2))
    node = result["failed_nodes"][0]
    for key in ("detection_s", "fencing_directory_s", "redo_s", "redo_records", "redo_bytes",
                "redo_records_per_s", "first_query_s", "full_recovery_s"):
        assert key in node
    assert node["first_query_s"] == pytest.approx(2.5)
    json.dumps(result)


def test_bank_check_finds_each_violation():
    accounts = {i: bank.INITIAL for i in range(64)}
    accounts[0], accounts[1] = bank.INITIAL - 5, bank.INITIAL + 5
    history = {bank.history_range(0)[0]: (0, 1, 5)}
    good = bank.check(accounts, history, dict(history), {0: 64_000})
    assert good["ok"] and good["total_unchanged"] and good["all_acked_present"]
    lost = bank.check(accounts, {}, dict(history), {0: 64_000})
    assert not lost["ok"] and lost["acked_missing"] == 1 and lost["ledger_mismatches"] == 2
    torn = accounts | {0: bank.INITIAL}
    bad = bank.check(torn, history, dict(history), {0: 64_000})
    assert not bad["ok"] and not bad["total_unchanged"]
    short = bank.check({i: bank.INITIAL for i in range(60)}, {}, {}, {0: 64_000})
    assert not short["ok"] and short["missing_accounts"] == 4


def test_blocks_are_page_aligned():
    assert bank.account_block(3) == range(192, 256)
    lo, hi = bank.history_range(2)
    assert lo % 64 == 0 and hi % 64 == 0 and lo // 64 != (bank.history_range(1)[1] - 1) // 64


def test_plot_bins_and_file(tmp_path):
    ev = events()
    bins = drill_plot.bins(ev, KILL)
    assert sum(b["ok"] for b in bins) == 4 and sum(b["errors"] for b in bins) == 2
    result = drill_result(None)
    assert [m[0] for m in drill_plot.markers(result)] == ["kill", "first query"]
    path = tmp_path / "t.png"
    drill_plot.plot(str(path), ev, KILL, result)
    assert path.read_bytes()[:4] == b"\x89PNG"
