"""The cluster spec: data directory layout, cluster.json, port allocation.

Owns the on-disk description of a local cluster.  Everything here is a pure
function or a small file read/write; nothing starts processes.

    DIR/cluster.json      the spec: every process's argv, address, readiness
                          check and tier (written by `strata up`, reused on
                          the next `up` so ports stay the same)
    DIR/state.json        live pids, status and restart counts (supervisor)
    DIR/supervisor.pid    pid of the running supervisor
    DIR/logs/<name>.log   stdout+stderr of each process (and supervisor.log)
    DIR/redis/            Redis working directory (no persistence)
    DIR/storage/          storage node data
    DIR/node-<i>/         compute node i data
    DIR/hold/<name>       present: the supervisor does not restart <name>
                          after it exits (`strata stop`, `strata drill --keep-down`);
                          removing it (`strata start`) lets the supervisor start it

Invariants: the spec lists processes in start order; ``tier`` rises along the
list (redis 0, storage 1, compute 2, router 3); processes start tier by tier
and stop in the reverse order.  A process's ``ready`` is "redis" (PING
answers) or "tcp" (its port accepts).  ``client_check`` is "sql" (`strata up`
waits until ``SELECT 1`` works through the router) or "tcp" (only the router
port; used by tests that run fake children).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

SPEC_VERSION = 1
HOST = "127.0.0.1"
TIERS = {"redis": 0, "storage": 1, "compute": 2, "router": 3}
DEFAULT_LEASE_MS = 2000


@dataclass
class ProcessSpec:
    name: str
    kind: str
    argv: list[str]
    host: str
    port: int
    ready: str = "tcp"
    tier: int = 0
    node_id: int | None = None
    peer_port: int | None = None
    metrics_port: int | None = None
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class ClusterSpec:
    data_dir: str
    nodes: int
    router_port: int
    processes: list[ProcessSpec]
    client_check: str = "sql"
    version: int = SPEC_VERSION
    lease_ms: int = DEFAULT_LEASE_MS

    def process(self, name: str) -> ProcessSpec:
        for proc in self.processes:
            if proc.name == name:
                return proc
        raise KeyError(name)

    def redis_url(self) -> str | None:
        """The memory layer's URL, as given to the compute nodes (--redis-url)."""
        for proc in self.by_kind("compute"):
            if "--redis-url" in proc.argv[:-1]:
                return proc.argv[proc.argv.index("--redis-url") + 1]
        redis = self.by_kind("redis")
        return f"redis://{redis[0].host}:{redis[0].port}/0" if redis else None

    def by_kind(self, kind: str) -> list[ProcessSpec]:
        return [p for p in self.processes if p.kind == kind]


# ---------------------------------------------------------------- layout

def cluster_json(data_dir: Path) -> Path:
    return Path(data_dir) / "cluster.json"


def state_json(data_dir: Path) -> Path:
    return Path(data_dir) / "state.json"


def pid_file(data_dir: Path) -> Path:
    return Path(data_dir) / "supervisor.pid"


def logs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "logs"


def log_file(data_dir: Path, name: str) -> Path:
    return logs_dir(data_dir) / f"{name}.log"


def hold_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "hold"


def hold_file(data_dir: Path, name: str) -> Path:
    return hold_dir(data_dir) / name


def dsn(port: int, host: str = HOST) -> str:
    return f"postgresql://strata@{host}:{port}/strata"


# ---------------------------------------------------------------- building a spec

def build_spec(data_dir: Path, nodes: int, router_port: int, ports: list[int],
               python: str, redis_server: str,
               lease_ms: int = DEFAULT_LEASE_MS) -> ClusterSpec:
    """The standard cluster: Redis, one storage node, ``nodes`` compute nodes,
    the router.  ``ports`` are free ports: redis, storage, then pg and peer per node,
    then (optional) a Prometheus metrics port per node."""
    if nodes < 1:
        raise ValueError("a cluster needs at least one compute node")
    if len(ports) < 2 + 2 * nodes:
        raise ValueError(f"need {2 + 2 * nodes} ports, got {len(ports)}")
    d = Path(data_dir)
    redis_port, storage_port = ports[0], ports[1]
    redis_url = f"redis://{HOST}:{redis_port}/0"
    procs = [
        ProcessSpec("redis", "redis", [redis_server, "--port", str(redis_port), "--bind", HOST,
                                       "--save", "", "--appendonly", "no", "--dir", str(d / "redis")],
                    HOST, redis_port, ready="redis", tier=TIERS["redis"]),
        ProcessSpec("storage", "storage", [python, "-u", "-m", "storage", "--data-dir",
                                           str(d / "storage"), "--host", HOST,
                                           "--port", str(storage_port)],
                    HOST, storage_port, tier=TIERS["storage"]),
    ]
    metrics = ports[2 + 2 * nodes:2 + 3 * nodes]
    for i in range(1, nodes + 1):
        pg, peer = ports[2 * i], ports[2 * i + 1]
        metrics_port = metrics[i - 1] if len(metrics) == nodes else None
        extra = ["--metrics-port", str(metrics_port)] if metrics_port else []
        procs.append(ProcessSpec(
            f"compute-{i}", "compute",
            [python, "-u", "-m", "compute", "--node-id", str(i), "--host", HOST,
             "--pg-port", str(pg), "--peer-port", str(peer), "--redis-url", redis_url,
             "--storage", f"{HOST}:{storage_port}", "--data-dir", str(d / f"node-{i}"),
             "--lease-ms", str(lease_ms), *extra],
            HOST, pg, tier=TIERS["compute"], node_id=i, peer_port=peer,
            metrics_port=metrics_port))
    node_list = ",".join(f"{HOST}:{p.port}" for p in procs if p.kind == "compute")
    procs.append(ProcessSpec("router", "router",
                             [python, "-u", "-m", "router", "--host", HOST,
                              "--port", str(router_port), "--nodes", node_list],
                             HOST, router_port, tier=TIERS["router"]))
    return ClusterSpec(str(d), nodes, router_port, procs, lease_ms=lease_ms)


def data_dirs(spec: ClusterSpec) -> list[Path]:
    """Directories the processes expect to exist before they start."""
    d = Path(spec.data_dir)
    dirs = [logs_dir(d)]
    for proc in spec.processes:
        if proc.kind == "redis":
            dirs.append(d / "redis")
        elif proc.kind == "storage":
            dirs.append(d / "storage")
        elif proc.kind == "compute":
            dirs.append(d / f"node-{proc.node_id}")
    return dirs


# ---------------------------------------------------------------- ports

def allocate_ports(count: int, host: str = HOST, avoid: set[int] = frozenset()) -> list[int]:
    """``count`` distinct free ports, found by binding port 0 (all held open
    until every one is found, so they are distinct), none in ``avoid``."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(s)
            s.bind((host, 0))
            port = s.getsockname()[1]
            if port not in avoid and port not in ports:
                ports.append(port)
    finally:
        for s in held:
            s.close()
    return ports


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def port_accepts(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- JSON files

def spec_to_json(spec: ClusterSpec) -> dict:
    return asdict(spec)


def spec_from_json(data: dict) -> ClusterSpec:
    if data.get("version") != SPEC_VERSION:
        raise ValueError(f"unsupported cluster.json version {data.get('version')!r}")
    procs = [ProcessSpec(**p) for p in data["processes"]]
    rest = {k: v for k, v in data.items() if k != "processes"}
    return ClusterSpec(processes=procs, **rest)


def write_json_atomic(path: Path, data: dict) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None


def write_spec(spec: ClusterSpec) -> None:
    write_json_atomic(cluster_json(Path(spec.data_dir)), spec_to_json(spec))


def read_spec(data_dir: Path) -> ClusterSpec | None:
    data = read_json(cluster_json(data_dir))
    return None if data is None else spec_from_json(data)
