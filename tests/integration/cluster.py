"""A real local cluster for integration tests, driven through the `strata` CLI.

Every process is real: redis-server, the storage node (gRPC over RocksDB),
compute nodes and the router, started by ``strata up`` and its supervisor.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import psycopg

STRATA = [sys.executable, "-m", "deploy.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, data_dir: pathlib.Path, nodes: int, lease_ms: int | None = None) -> None:
        self.data_dir = data_dir
        self.nodes = nodes
        self.lease_ms = lease_ms
        self.port = free_port()

    # ------------------------------------------------------------ lifecycle
    def strata(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [*STRATA, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"strata {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}\n"
                + self.log_tails()
            )
        return proc

    def up(self) -> None:
        lease = ["--lease-ms", str(self.lease_ms)] if self.lease_ms else []
        self.strata("up", "--data-dir", str(self.data_dir), "--nodes", str(self.nodes),
                    "--port", str(self.port), *lease)

    def down(self) -> None:
        self.strata("down", "--data-dir", str(self.data_dir), check=False)

    def log_tails(self, lines: int = 30) -> str:
        out = []
        for log in sorted((self.data_dir / "logs").glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(out)

    # ------------------------------------------------------------ inspection
    def status(self) -> dict:
        return json.loads(self.strata("status", "--data-dir", str(self.data_dir), "--json").stdout)

    def process(self, name: str) -> dict:
        for p in self.status()["processes"]:
            if p["name"] == name:
                return p
        raise KeyError(name)

    def node_port(self, node_id: int) -> int:
        return self.process(f"compute-{node_id}")["port"]

    def hold(self, name: str) -> None:
        """Keep ``name`` down when it dies (the supervisor honours DIR/hold/NAME)."""
        (self.data_dir / "hold").mkdir(exist_ok=True)
        (self.data_dir / "hold" / name).touch()

    def release(self, name: str) -> None:
        self.strata("start", name, "--data-dir", str(self.data_dir), check=False)

    def kill9(self, name: str) -> int:
        pid = self.process(name)["pid"]
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            p = self.process(name)
            if p["pid"] != old_pid and p.get("healthy"):
                return
            time.sleep(0.2)
        raise AssertionError(f"{name} was not restarted within {timeout} s\n" + self.log_tails())

    # ------------------------------------------------------------ clients
    def dsn(self, port: int | None = None) -> str:
        return f"postgresql://strata@127.0.0.1:{port or self.port}/strata"

    def connect(self, port: int | None = None, **kw) -> psycopg.Connection:
        return psycopg.connect(self.dsn(port), connect_timeout=10, **kw)

    def redis(self):
        import redis

        port = next(p["port"] for p in self.status()["processes"] if p["kind"] == "redis")
        return redis.Redis(host="127.0.0.1", port=port)
