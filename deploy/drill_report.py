"""Recovery drill figures: the nodes' reports in Redis, the clients' view, the text.

Owns turning what a drill saw into figures and printing them.  Node-side
figures come only from the JSON reports the compute nodes RPUSH to the memory
layer (key prefix default ``strata:``):

    {p}recovery:reports   {"kind": "node_failure", "failed_node", "failed_incarnation",
                           "recovered_by", "detected_at", "fenced_at", "directory_at",
                           "redo_done_at", "records", "bytes", "redo_seconds", "pages",
                           "tier1_pages", "tier2_pages"}
    {p}rebuild:reports    {"kind": "memory_rebuild", "node", "detected_at",
                           "reregistered_at", "pages_reported", "done_at"}

Client-side figures come from the bank's Txn events (deploy/bank.py).  Times
are unix seconds; the drill's kill time is time.time() right before os.kill.

Rule: a figure the drill did not measure is None in the JSON and "not reported"
in the text; nothing is estimated or filled in.
"""

from __future__ import annotations

import json

from deploy.bank import ERRORS, Txn

PREFIX = "strata:"
RECOVERY_KEY = "recovery:reports"
REBUILD_KEY = "rebuild:reports"
NOT_REPORTED = "not reported"


# ---------------------------------------------------------------- reading Redis

def read_reports(redis_url: str, prefix: str = PREFIX) -> dict:
    """{"recovery": [...], "rebuild": [...], "error": str|None}; unparsable entries skipped."""
    import redis

    out: dict = {"recovery": [], "rebuild": [], "error": None}
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        for name, key in (("recovery", RECOVERY_KEY), ("rebuild", REBUILD_KEY)):
            for raw in client.lrange(prefix + key, 0, -1):
                try:
                    item = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(item, dict):
                    out[name].append(item)
    except redis.RedisError as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return out


def _num(report: dict | None, key: str) -> float | None:
    value = None if report is None else report.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def recovery_for(reports: list[dict], node: int, kill_at: float) -> dict | None:
    """The first node_failure report of ``node`` detected after the kill."""
    mine = [r for r in reports if r.get("kind", "node_failure") == "node_failure"
            and r.get("failed_node") == node and (_num(r, "detected_at") or 0) >= kill_at]
    return min(mine, key=lambda r: r["detected_at"]) if mine else None


def rebuilds_after(reports: list[dict], kill_at: float) -> dict[int, dict]:
    """node -> its first memory_rebuild report detected after the kill."""
    out: dict[int, dict] = {}
    for r in sorted(reports, key=lambda r: _num(r, "detected_at") or 0):
        node = r.get("node")
        if r.get("kind", "memory_rebuild") == "memory_rebuild" and isinstance(node, int) \
                and (_num(r, "detected_at") or 0) >= kill_at and node not in out:
            out[node] = r
    return out


# ---------------------------------------------------------------- figures

def first_commit_after(events: list[Txn], kill_at: float, clients: set[int],
                       reconnected: bool) -> float | None:
    """Seconds from the kill to the first acknowledged commit by one of ``clients``
    (on a connection opened after the kill when ``reconnected``)."""
    ends = [e.end for e in events if e.outcome == "ok" and e.client in clients
            and e.start >= kill_at and (not reconnected or e.opened_at >= kill_at)]
    return min(ends) - kill_at if ends else None


def first_commit_on_node(events: list[Txn], kill_at: float, node: int) -> float | None:
    """Memory drill: seconds from the kill to the first acknowledged commit on ``node``
    that started after the first client error on that node (after the kill), or
    after the kill itself when that node's clients saw no error."""
    errors = [e.end for e in events if e.node == node and e.outcome in ERRORS
              and e.end >= kill_at]
    since = min(errors, default=kill_at)
    ends = [e.end for e in events if e.node == node and e.outcome == "ok" and e.start >= since]
    return min(ends) - kill_at if ends else None


def node_failure_figures(node: int, report: dict | None, kill_at: float,
                         first_query_s: float | None, clients: int) -> dict:
    detected = _num(report, "detected_at")
    redo_s, records = _num(report, "redo_seconds"), _num(report, "records")
    return {
        "node": node, "clients_on_node": clients, "reported": report is not None,
        "recovered_by": None if report is None else report.get("recovered_by"),
        "detection_s": _minus(detected, kill_at),
        "fencing_s": _minus(_num(report, "fenced_at"), detected),
        "fencing_directory_s": _minus(_num(report, "directory_at"), detected),
        "redo_s": redo_s,
        "redo_records": None if records is None else int(records),
        "redo_bytes": None if _num(report, "bytes") is None else int(report["bytes"]),
        "redo_records_per_s": records / redo_s if records is not None and redo_s else None,
        "pages": report.get("pages") if report else None,
        "tier1_pages": report.get("tier1_pages") if report else None,
        "tier2_pages": report.get("tier2_pages") if report else None,
        "full_recovery_s": _minus(_num(report, "redo_done_at"), kill_at),
        "first_query_s": first_query_s,
    }


def rebuild_figures(node: int, report: dict | None, kill_at: float,
                    first_query_s: float | None) -> dict:
    detected = _num(report, "detected_at")
    return {
        "node": node, "reported": report is not None,
        "detection_s": _minus(detected, kill_at),
        "reregistered_s": _minus(_num(report, "reregistered_at"), detected),
        "pages_reported": report.get("pages_reported") if report else None,
        "rebuild_done_s": _minus(_num(report, "done_at"), kill_at),
        "first_query_s": first_query_s,
    }


def client_view(events: list[Txn], kill_at: float, nodes_at_kill: dict[int, int | None],
                failed: set[int] | None) -> dict:
    """Errors clients saw from the kill on; ``failed`` None = every node was hit."""
    after = [e for e in events if e.end >= kill_at]
    errors = [e for e in after if e.outcome in ERRORS]
    other = None
    if failed is not None:
        bystanders = {c for c, n in nodes_at_kill.items() if n is not None and n not in failed}
        other = sum(1 for e in errors if e.client in bystanders)
    return {
        "errors": len(errors),
        "first_error_s": min(e.end for e in errors) - kill_at if errors else None,
        "last_error_s": max(e.end for e in errors) - kill_at if errors else None,
        "in_doubt": sum(1 for e in errors if e.outcome == "in_doubt"),
        "retries_40P01": sum(1 for e in after if e.outcome == "retry"),
        "errors_before_kill": sum(1 for e in events if e.end < kill_at and e.outcome in ERRORS),
        "other_node_errors": other,
        "other_nodes_clean": None if other is None else other == 0,
        "sqlstates": sorted({e.sqlstate or "none" for e in errors}),
    }


def throughput(events: list[Txn], start: float, end: float) -> float | None:
    if end <= start:
        return None
    return sum(1 for e in events if e.outcome == "ok" and start <= e.end < end) / (end - start)


# ---------------------------------------------------------------- text

def fmt_s(value: float | None) -> str:
    if value is None:
        return NOT_REPORTED
    return f"{value * 1000:.0f} ms" if abs(value) < 10 else f"{value:.2f} s"


def fmt_n(value, unit: str = "") -> str:
    if value is None:
        return NOT_REPORTED
    text = f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"
    return f"{text}{unit}"


def render(result: dict, console) -> None:
    """The human report of one drill (``result`` is the --json document)."""
    from rich.table import Table

    kind = result["drill"]
    console.print(f"[bold]strata drill {kind}[/] on {result['data_dir']}: "
                  f"{result['clients']} clients, lease {result['lease_ms']} ms, "
                  f"fault: {result['fault']}")
    if kind == "memory":
        rows = [("detection", "detection_s", fmt_s), ("re-registration", "reregistered_s", fmt_s),
                ("pages reported", "pages_reported", fmt_n),
                ("rebuild done (from kill)", "rebuild_done_s", fmt_s),
                ("first query (from kill)", "first_query_s", fmt_s)]
        per_node, head = result["memory_rebuild"], "node"
    else:
        rows = [("detection", "detection_s", fmt_s),
                ("fencing + directory", "fencing_directory_s", fmt_s),
                ("redo", "redo_s", fmt_s), ("redo records", "redo_records", fmt_n),
                ("redo bytes", "redo_bytes", fmt_n),
                ("redo records/s", "redo_records_per_s", fmt_n),
                ("pages (tier 1 / tier 2)", "pages", lambda _v: None),
                ("recovered by", "recovered_by", fmt_n),
                ("full recovery (from kill)", "full_recovery_s", fmt_s),
                ("first query (from kill)", "first_query_s", fmt_s)]
        per_node, head = result["failed_nodes"], "failed node"
    if not per_node:
        _render_clients(result, console)
        return
    table = Table(title="recovery, per node", title_justify="left")
    table.add_column("")
    for fig in per_node:
        table.add_column(f"{head} {fig['node']}", justify="right")
    for label, key, fmt in rows:
        cells = []
        for fig in per_node:
            if key == "pages":
                cells.append(NOT_REPORTED if fig["pages"] is None else
                             f"{fig['pages']} ({fmt_n(fig['tier1_pages'])} / "
                             f"{fmt_n(fig['tier2_pages'])})")
            else:
                cells.append(fmt(fig.get(key)))
        table.add_row(label, *cells)
    console.print(table)
    _render_clients(result, console)


def _render_clients(result: dict, console) -> None:
    cv, tp, v = result["client_view"], result["throughput"], result["verification"]
    window = (f"{fmt_s(cv['first_error_s'])} .. {fmt_s(cv['last_error_s'])} after the kill"
              if cv["errors"] else "none")
    console.print(f"client errors: {cv['errors']} (in doubt {cv['in_doubt']}), window {window}; "
                  f"40P01 retries {cv['retries_40P01']}")
    if cv["other_node_errors"] is not None:
        verdict = "[green]none[/]" if cv["other_nodes_clean"] else \
            f"[red]{cv['other_node_errors']}[/]"
        console.print(f"errors seen by clients on other nodes: {verdict}")
    console.print(f"throughput: {fmt_n(tp['before_tps'], ' tx/s')} before, "
                  f"{fmt_n(tp['after_tps'], ' tx/s')} after recovery; "
                  f"{tp['commits']} commits")
    ok = "[green]passed[/]" if v["ok"] else "[red]FAILED[/]"
    console.print(f"verification {ok}: total {v['total_after']} (expected "
                  f"{v['total_expected']}, unchanged: {v['total_unchanged']}); acknowledged "
                  f"{v['acked']}, missing {v['acked_missing']}; ledger mismatches "
                  f"{v['ledger_mismatches']}; history rows {v['history_rows']}")
    if result.get("reports_error"):
        console.print(f"node reports unreadable: {result['reports_error']}")
    if result.get("notes"):
        for note in result["notes"]:
            console.print(f"note: {note}")
