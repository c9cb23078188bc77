"""The local supervisor: ``python -m deploy.supervisor DIR``.

Owns the processes of one cluster (as listed in DIR/cluster.json) for as long
as it runs.  Started detached by `strata up`; stopped by SIGTERM (`strata down`).

    start:   tier by tier (redis, storage, compute, router); a tier starts
             once every process of the earlier tiers has been ready once
    watch:   a child that exits is restarted after a backoff (0.2 s doubling
             to 5 s; back to 0.2 s once it stayed ready for 10 s) and its
             restart counter goes up
    hold:    a child that exits while DIR/hold/<name> exists is not restarted
             (status "held", pid null); once the file is gone it is started
             again and its restart counter goes up
    stop:    on SIGTERM/SIGINT, tiers in reverse order: SIGTERM, then SIGKILL
             after 5 s; then supervisor.pid is removed

Invariants: DIR/supervisor.pid names a live supervisor or is stale (checked by
pid + cmdline); DIR/state.json is replaced atomically and always parses; the
supervisor is single-threaded (children get PDEATHSIG, which needs that).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from deploy import cluster, procs
from deploy.cluster import ClusterSpec, ProcessSpec

TICK_S = 0.1
BACKOFF_MIN_S = 0.2
BACKOFF_MAX_S = 5.0
STABLE_S = 10.0
STOP_GRACE_S = 5.0


@dataclass
class Child:
    spec: ProcessSpec
    popen: subprocess.Popen | None = None
    status: str = "pending"  # pending | starting | ready | backoff | held | stopped
    restarts: int = 0
    backoff_s: float = BACKOFF_MIN_S
    next_start: float = 0.0
    ready_since: float | None = None
    last_exit: int | None = None

    def state(self) -> dict:
        s = self.spec
        out = {"name": s.name, "kind": s.kind, "pid": self.popen.pid if self.popen else None,
               "host": s.host, "port": s.port, "status": self.status,
               "restarts": self.restarts, "last_exit": self.last_exit}
        if s.node_id is not None:
            out["node_id"] = s.node_id
        if s.peer_port is not None:
            out["peer_port"] = s.peer_port
        return out


def is_ready(spec: ProcessSpec) -> bool:
    if spec.ready == "redis":
        return _redis_pings(spec.host, spec.port)
    return cluster.port_accepts(spec.host, spec.port, timeout_s=0.2)


def _redis_pings(host: str, port: int) -> bool:
    import redis

    try:
        client = redis.Redis(host=host, port=port, socket_timeout=0.3, socket_connect_timeout=0.3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


class Supervisor:
    def __init__(self, spec: ClusterSpec) -> None:
        self.spec = spec
        self.dir = Path(spec.data_dir)
        self.children = [Child(p) for p in spec.processes]
        self.stopping = False
        self.started_tiers: set[int] = set()
        self.env = procs.child_env()
        self._last_state: dict | None = None

    # ------------------------------------------------------------ lifecycle

    def log(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} supervisor: {text}", flush=True)

    def request_stop(self, signum, _frame) -> None:
        self.stopping = True

    def run(self) -> None:
        self.log(f"pid {os.getpid()} supervising {self.dir}")
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                self.step(child, now)
            self.write_state()
            time.sleep(TICK_S)
        self.stop()

    def step(self, child: Child, now: float) -> None:
        if child.status == "pending":
            if self._earlier_tiers_ready(child.spec.tier):
                self.start(child)
            return
        if child.status == "held":
            if not self.held(child):
                self.log(f"{child.spec.name} released")
                child.restarts += 1
                child.backoff_s = BACKOFF_MIN_S
                self.start(child)
            return
        if child.status == "backoff":
            if self.held(child):
                self.hold(child)
            elif now >= child.next_start:
                child.restarts += 1
                self.start(child)
            return
        code = child.popen.poll() if child.popen else None
        if code is not None:
            self.exited(child, code, now)
        elif child.status == "starting" and is_ready(child.spec):
            child.status, child.ready_since = "ready", now
            self.log(f"{child.spec.name} ready on {child.spec.host}:{child.spec.port}")
        elif child.status == "ready" and now - (child.ready_since or now) >= STABLE_S:
            child.backoff_s = BACKOFF_MIN_S

    def _earlier_tiers_ready(self, tier: int) -> bool:
        if tier in self.started_tiers:
            return True
        earlier = [c for c in self.children if c.spec.tier < tier]
        if all(c.status == "ready" for c in earlier):
            self.started_tiers.add(tier)
            return True
        return False

    def start(self, child: Child) -> None:
        s = child.spec
        env = dict(self.env, **s.env)
        try:
            child.popen = procs.spawn(s.argv, cluster.log_file(self.dir, s.name), env,
                                      cwd=self.dir)
        except OSError as exc:
            self.log(f"cannot start {s.name}: {exc}")
            child.popen = None
            self.exited(child, -1, time.monotonic())
            return
        child.status, child.ready_since = "starting", None
        self.log(f"started {s.name} pid {child.popen.pid} (restarts {child.restarts})")

    def held(self, child: Child) -> bool:
        return cluster.hold_file(self.dir, child.spec.name).exists()

    def hold(self, child: Child) -> None:
        child.status, child.popen = "held", None
        self.log(f"{child.spec.name} held down ({cluster.hold_file(self.dir, child.spec.name)})")

    def exited(self, child: Child, code: int, now: float) -> None:
        child.last_exit = code
        if self.held(child):
            self.hold(child)
            return
        child.status = "backoff"
        child.next_start = now + child.backoff_s
        pid = child.popen.pid if child.popen else None
        self.log(f"{child.spec.name} pid {pid} exited with {code}; "
                 f"restarting in {child.backoff_s:.1f} s")
        child.backoff_s = min(child.backoff_s * 2, BACKOFF_MAX_S)

    def stop(self) -> None:
        self.log("stopping")
        self.write_state(status="stopping")
        for tier in sorted({c.spec.tier for c in self.children}, reverse=True):
            group = [c for c in self.children if c.spec.tier == tier and c.popen]
            procs.stop_all([c.popen for c in group], STOP_GRACE_S)
            for c in group:
                c.status = "stopped"
                c.last_exit = c.popen.returncode
            self.write_state(status="stopping")
        self.write_state(status="stopped")
        self.log("stopped")

    # ------------------------------------------------------------ state.json

    def write_state(self, status: str | None = None) -> None:
        if status is None:
            up = [c for c in self.children if c.status != "held"]
            ready = all(c.status == "ready" for c in up)
            status = ("running" if len(up) == len(self.children) else "degraded") if ready \
                else "starting"
        state = {"supervisor_pid": os.getpid(), "status": status,
                 "processes": [c.state() for c in self.children]}
        if state != self._last_state:
            cluster.write_json_atomic(cluster.state_json(self.dir), state)
            self._last_state = state


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m deploy.supervisor DATA_DIR", file=sys.stderr)
        return 2
    data_dir = Path(args[0]).resolve()
    spec = cluster.read_spec(data_dir)
    if spec is None:
        print(f"supervisor: no cluster.json in {data_dir}", file=sys.stderr)
        return 1
    other = procs.running_supervisor(data_dir)
    if other is not None and other != os.getpid():
        print(f"supervisor: already running as pid {other}", file=sys.stderr)
        return 1
    for d in cluster.data_dirs(spec):
        d.mkdir(parents=True, exist_ok=True)
    pid_path = cluster.pid_file(data_dir)
    pid_path.write_text(f"{os.getpid()}\n")
    sup = Supervisor(spec)
    signal.signal(signal.SIGTERM, sup.request_stop)
    signal.signal(signal.SIGINT, sup.request_stop)
    try:
        sup.run()
    finally:
        if procs.read_pid(pid_path) == os.getpid():
            pid_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
