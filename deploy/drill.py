"""`strata drill kill|memory|soak`: recovery drills against a running local cluster.

Owns the orchestration of one drill; the load and its checker are
deploy/bank.py, the figures and text deploy/drill_report.py, the timeline
deploy/drill_plot.py, the multi-cycle soak deploy/soak.py, the command line
deploy/drill_cli.py.

    wait until every process is ready -> create the bank tables -> N clients
    through the router (each loads and works on its own 64-id block) -> every
    client committed once, then --seconds-before of load -> note each client's
    node -> inject the fault (kill time = time.time() right before the signal)
    -> wait until every client committed a transfer started after the fault
    -> --seconds-after of load -> stop -> release held nodes -> verify the bank
    -> read the nodes' reports from Redis -> print (rich) or --json

Faults: ``kill`` (kill -9 compute nodes; with --keep-down a DIR/hold/<name>
file keeps the supervisor from restarting them until the end), ``memory``
(kill -9 redis-server: the supervisor restarts it empty), ``storage`` (kill -9
the storage node), ``zombie`` (SIGSTOP a compute node for 1.5 leases + 0.5 s,
then SIGCONT).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from deploy import bank, cluster, drill_report, procs
from deploy.cluster import ClusterSpec
from deploy.errors import CliError

READY_TIMEOUT_S = 60.0
RECOVERY_TIMEOUT_S = 60.0
WARMUP_TIMEOUT_S = 60.0


@dataclass
class Fault:
    kind: str                          # kill | memory | storage | zombie
    nodes: list[int] = field(default_factory=list)
    keep_down: bool = False

    def describe(self) -> str:
        names = ",".join(str(n) for n in self.nodes)
        return {"kill": f"kill -9 compute node(s) {names}"
                        + (" (kept down)" if self.keep_down else ""),
                "memory": "kill -9 redis-server (restarted empty)",
                "storage": "kill -9 the storage node",
                "zombie": f"SIGSTOP compute node {names} past its lease, then SIGCONT"}[self.kind]

    def process_names(self) -> list[str]:
        if self.kind in ("memory", "storage"):
            return ["redis" if self.kind == "memory" else "storage"]
        return [f"compute-{n}" for n in self.nodes]


@dataclass
class Options:
    seconds_before: float = 3.0
    seconds_after: float = 5.0
    clients: int = 8
    release: bool = True
    seed: int = 0


# ---------------------------------------------------------------- cluster state

def running_spec(data_dir: Path) -> ClusterSpec:
    spec = cluster.read_spec(data_dir)
    if spec is None or procs.running_supervisor(data_dir) is None:
        raise CliError(f"no cluster is running on {data_dir}; "
                       f"start one with `strata up --data-dir {data_dir}`")
    return spec


def live_processes(data_dir: Path) -> dict[str, dict]:
    state = cluster.read_json(cluster.state_json(data_dir)) or {}
    return {p["name"]: p for p in state.get("processes", [])}


def wait_ready(data_dir: Path, timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        live = live_processes(data_dir)
        pending = [n for n, p in live.items() if p.get("status") != "ready"
                   or not procs.pid_alive(p.get("pid") or 0)]
        if live and not pending:
            return
        held = [n for n in pending if live[n].get("status") == "held"]
        if held:
            raise CliError(f"held down: {', '.join(held)}; release with "
                           f"`strata start {held[0]} --data-dir {data_dir}`")
        if time.monotonic() > deadline:
            raise CliError(f"the cluster is not ready after {timeout_s:.0f} s: "
                           f"waiting for {', '.join(pending)}")
        time.sleep(0.2)


def release(data_dir: Path, names: list[str]) -> None:
    for name in names:
        cluster.hold_file(data_dir, name).unlink(missing_ok=True)


# ---------------------------------------------------------------- the fault

def inject(data_dir: Path, fault: Fault, lease_ms: int) -> float:
    """Apply the fault; returns the kill time (unix seconds)."""
    live = live_processes(data_dir)
    pids = []
    for name in fault.process_names():
        pid = live.get(name, {}).get("pid")
        if not pid or not procs.pid_alive(pid):
            raise CliError(f"{name} is not running (state.json pid {pid})")
        pids.append(pid)
    if fault.keep_down:
        cluster.hold_dir(data_dir).mkdir(exist_ok=True)
        for name in fault.process_names():
            cluster.hold_file(data_dir, name).touch()
    sig = signal.SIGSTOP if fault.kind == "zombie" else signal.SIGKILL
    kill_at = time.time()
    for pid in pids:
        os.kill(pid, sig)
    if fault.kind == "zombie":
        time.sleep(1.5 * lease_ms / 1000 + 0.5)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    return kill_at


# ---------------------------------------------------------------- one drill

def run(data_dir: Path, fault: Fault, opts: Options,
        progress: Progress | None = None) -> tuple[dict, list]:
    """One drill; returns (the --json document, the clients' Txn events)."""
    progress = progress or Progress(enabled=False)
    show = progress.show
    spec = running_spec(data_dir)
    dsn = cluster.dsn(spec.router_port)
    node_ids = [p.node_id for p in spec.by_kind("compute")]
    bad = [n for n in fault.nodes if n not in node_ids]
    if bad:
        raise CliError(f"no compute node {bad[0]} (nodes are {node_ids})", 2)
    show("waiting for every process to be ready")
    wait_ready(data_dir)
    if fault.keep_down and set(fault.nodes) >= set(node_ids):
        raise CliError("--keep-down of every compute node leaves nothing to recover on", 2)
    load = bank.BankLoad(dsn, opts.clients, opts.seed)
    progress.events = load.events
    show("creating the bank")
    try:
        load.create_tables()
    except psycopg.Error as exc:
        raise CliError(f"cannot create the bank tables through the router: {exc}") from None
    notes: list[str] = []
    load.start()
    try:
        show("loading: every client commits once")
        if not load.wait_all_committed(time.time() - 3600, WARMUP_TIMEOUT_S):
            raise CliError("the load did not start: not every client committed within "
                           f"{WARMUP_TIMEOUT_S:.0f} s")
        measure_from = time.time()
        show(f"load before the fault ({opts.seconds_before:g} s)")
        time.sleep(opts.seconds_before)
        nodes_at_kill = load.nodes()
        show(f"fault: {fault.describe()}")
        kill_at = inject(data_dir, fault, spec.lease_ms)
        show("waiting for recovery: every client commits again")
        quiet_s = max(1.0, spec.lease_ms / 1000)
        recovered_at = load.wait_recovered(kill_at, quiet_s, RECOVERY_TIMEOUT_S)
        recovered = recovered_at is not None
        if recovered_at is None:
            notes.append(f"the load did not recover within {RECOVERY_TIMEOUT_S:.0f} s of the "
                         f"fault (every client committing, no error for {quiet_s:g} s)")
            recovered_at = time.time()
        show(f"load after recovery ({opts.seconds_after:g} s)")
        time.sleep(opts.seconds_after)
        stop_at = time.time()
        show("stopping the load")
    finally:
        load.stop()
        if fault.keep_down and opts.release:
            release(data_dir, fault.process_names())
    if fault.keep_down and not opts.release:
        notes.append("held down: " + ", ".join(fault.process_names())
                     + f"; release with `strata start NAME --data-dir {data_dir}`")
    else:
        show("waiting for every process to be ready")
        try:
            wait_ready(data_dir)
        except CliError as exc:
            notes.append(f"after the drill: {exc}")
    show("verifying the bank")
    try:
        verification = bank.verify(dsn, load)
    except psycopg.Error as exc:
        raise CliError(f"cannot read the bank back through the router to verify it: {exc}") \
            from None
    reports = drill_report.read_reports(spec.redis_url() or "")
    events = list(load.events)
    result = assemble(spec, fault, opts, events, nodes_at_kill, kill_at, reports, notes)
    result["verification"] = verification
    result["throughput"] = {
        "before_tps": drill_report.throughput(events, measure_from, kill_at),
        "after_tps": drill_report.throughput(events, recovered_at, stop_at),
        "commits": sum(1 for e in events if e.outcome == "ok")}
    clean = result["client_view"]["other_nodes_clean"]
    result["recovered"] = recovered
    result["ok"] = verification["ok"] and clean is not False and recovered
    return result, events


def assemble(spec: ClusterSpec, fault: Fault, opts: Options, events: list,
             nodes_at_kill: dict, kill_at: float, reports: dict, notes: list[str]) -> dict:
    failed = set(fault.nodes) if fault.kind in ("kill", "zombie") else None
    per_failed, per_live = [], []
    if failed is not None:
        for node in fault.nodes:
            clients = {c for c, n in nodes_at_kill.items() if n == node}
            if not clients:
                notes.append(f"no client was on node {node} at the fault: no first query")
            first = drill_report.first_commit_after(events, kill_at, clients, reconnected=True)
            report = drill_report.recovery_for(reports["recovery"], node, kill_at)
            per_failed.append(drill_report.node_failure_figures(node, report, kill_at, first,
                                                                len(clients)))
    if fault.kind == "memory":
        rebuilds = drill_report.rebuilds_after(reports["rebuild"], kill_at)
        for proc in spec.by_kind("compute"):
            clients = {c for c, n in nodes_at_kill.items() if n == proc.node_id}
            first = drill_report.first_commit_on_node(events, kill_at, proc.node_id)
            if not clients:
                notes.append(f"no client was on node {proc.node_id} at the fault")
            per_live.append(drill_report.rebuild_figures(
                proc.node_id, rebuilds.get(proc.node_id), kill_at, first) | {
                    "clients_on_node": len(clients)})
    return {
        "drill": "memory" if fault.kind == "memory" else fault.kind,
        "fault": fault.describe(), "data_dir": spec.data_dir, "nodes": fault.nodes,
        "clients": opts.clients, "lease_ms": spec.lease_ms, "keep_down": fault.keep_down,
        "seconds_before": opts.seconds_before, "seconds_after": opts.seconds_after,
        "kill_at": kill_at, "failed_nodes": per_failed, "memory_rebuild": per_live,
        "client_view": drill_report.client_view(events, kill_at, nodes_at_kill, failed),
        "reports_found": {"recovery": len(reports["recovery"]),
                          "rebuild": len(reports["rebuild"])},
        "reports_error": reports["error"], "notes": notes,
    }


# ---------------------------------------------------------------- progress

class Progress:
    """A rich live line on stderr: phase, elapsed, commits, errors, recent tx/s."""

    def __init__(self, enabled: bool) -> None:
        self.enabled, self.phase, self.t0, self.live = enabled, "starting", time.time(), None
        self.events: list | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.live import Live

            self.live = Live(get_renderable=self.render, console=Console(stderr=True),
                             refresh_per_second=4, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def show(self, phase: str) -> None:
        self.phase = phase

    def render(self):
        from rich.text import Text

        events = self.events or []
        now = time.time()
        ok = sum(1 for e in events if e.outcome == "ok")
        recent = sum(1 for e in events[-2000:] if e.outcome == "ok" and e.end >= now - 1)
        errors = sum(1 for e in events if e.outcome in drill_report.ERRORS)
        return Text(f"drill {now - self.t0:5.1f} s | {self.phase} | commits {ok} "
                    f"({recent} tx/s) | client errors {errors}")
