"""`strata status`: what is running in a data dir, and how pages are spread.

Owns building the status report (a plain dict, also the --json output) from
cluster.json, state.json, liveness probes and the memory layer, and rendering
it as a rich table.  Page counts come from the ownership directory in Redis
(key names from memory_layer.keys): SCARD of each node's owned set and the
hand-off counter.  When Redis does not answer they are reported as null.

    {"data_dir": str, "supervisor_pid": int|null, "status": str,
     "processes": [{"name", "kind", "pid", "host", "port", "alive", "healthy",
                    "restarts", "status", compute only: "node_id", "pages",
                    "metrics_port", "aborts" ({reason: n} scraped from /metrics, or null)}],
     "handoffs": int|null, "pages": {"<node_id>": int|null}}
"""

from __future__ import annotations

from pathlib import Path

from deploy import cluster, procs
from deploy.cluster import ClusterSpec


def directory_counts(host: str, port: int, node_ids: list[int]) -> tuple[dict, int | None]:
    """(pages per node id, hand-off count) from Redis, or Nones when unreachable."""
    import redis

    from memory_layer.keys import Keys

    keys = Keys()
    client = redis.Redis(host=host, port=port, socket_timeout=1.0, socket_connect_timeout=1.0)
    try:
        pipe = client.pipeline(transaction=False)
        for node_id in node_ids:
            pipe.scard(keys.owned(node_id))
        pipe.get(keys.handoffs)
        *pages, handoffs = pipe.execute()
        return ({str(n): int(c) for n, c in zip(node_ids, pages, strict=True)},
                int(handoffs) if handoffs is not None else 0)
    except (redis.RedisError, ValueError):
        return {str(n): None for n in node_ids}, None
    finally:
        client.close()


def aborts(host: str, port: int | None) -> dict[str, int] | None:
    """Transactions a node aborted by the deadlock rule, by reason (its
    ``strata_txn_aborts_total`` Prometheus counter); None if not exported."""
    if not port:
        return None
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families
    try:
        with urlopen(f"http://{host}:{port}/metrics", timeout=1.0) as resp:
            text = resp.read().decode()
    except OSError:
        return None
    out: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "strata_txn_aborts":
            for sample in family.samples:
                if sample.name == "strata_txn_aborts_total":
                    out[sample.labels["reason"]] = int(sample.value)
    return out


def collect(spec: ClusterSpec) -> dict:
    data_dir = Path(spec.data_dir)
    sup_pid = procs.running_supervisor(data_dir)
    state = (cluster.read_json(cluster.state_json(data_dir)) or {}) if sup_pid else {}
    live = {p["name"]: p for p in state.get("processes", [])}
    node_ids = [p.node_id for p in spec.by_kind("compute") if p.node_id is not None]
    pages: dict = {str(n): None for n in node_ids}
    handoffs = None
    redis_specs = spec.by_kind("redis")
    if sup_pid and redis_specs:
        pages, handoffs = directory_counts(redis_specs[0].host, redis_specs[0].port, node_ids)
    rows = []
    for proc in spec.processes:
        info = live.get(proc.name, {})
        pid = info.get("pid")
        alive = bool(pid) and info.get("status") not in ("backoff", "held", "stopped") \
            and procs.pid_alive(pid)
        row = {"name": proc.name, "kind": proc.kind, "pid": pid if alive else None,
               "host": proc.host, "port": proc.port, "alive": alive,
               "healthy": alive and cluster.port_accepts(proc.host, proc.port),
               "restarts": info.get("restarts", 0), "status": info.get("status", "down")}
        if proc.kind == "compute":
            row["node_id"] = proc.node_id
            row["pages"] = pages.get(str(proc.node_id))
            row["metrics_port"] = proc.metrics_port
            row["aborts"] = aborts(proc.host, proc.metrics_port) if alive else None
        rows.append(row)
    return {"data_dir": str(data_dir), "supervisor_pid": sup_pid,
            "status": state.get("status", "down") if sup_pid else "down",
            "processes": rows, "handoffs": handoffs, "pages": pages}


def render(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    sup = report["supervisor_pid"]
    title = (f"Strata cluster in {report['data_dir']}: {report['status']}"
             + (f" (supervisor pid {sup})" if sup else ""))
    table = Table(title=title, title_justify="left")
    for col in ["name", "pid", "address", "health", "restarts", "pages", "40P01 aborts"]:
        table.add_column(col, justify="left" if col in ("name", "address", "health") else "right")
    for p in report["processes"]:
        health = ("[green]healthy[/]" if p["healthy"] else
                  "[yellow]starting[/]" if p["alive"] else f"[red]{p['status']}[/]")
        pages = p.get("pages")
        ab = p.get("aborts")
        table.add_row(p["name"], str(p["pid"] or "-"), f"{p['host']}:{p['port']}", health,
                      str(p["restarts"]), "" if p["kind"] != "compute" else
                      ("?" if pages is None else str(pages)),
                      "" if p["kind"] != "compute" else
                      ("?" if ab is None else str(sum(ab.values()))))
    console.print(table)
    handoffs = report["handoffs"]
    console.print(f"page hand-offs: {'?' if handoffs is None else handoffs}")
