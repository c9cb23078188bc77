"""The real supervisor and `strata up/status/down`, with fake children."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy import cluster, procs
from tests.unit.deploy.fake_cluster import fake_spec

ROOT = Path(__file__).resolve().parents[3]


def strata(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def wait_for(predicate, timeout_s: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def state(data_dir: Path) -> dict:
    return {p["name"]: p for p in cluster.read_json(cluster.state_json(data_dir))["processes"]}


@pytest.fixture
def fake_dir(tmp_path):
    data_dir = tmp_path / "cluster"
    data_dir.mkdir()
    cluster.write_spec(fake_spec(data_dir))
    yield data_dir
    pid = procs.running_supervisor(data_dir)
    if pid is not None:  # a failed test must not leave a supervisor behind
        os.kill(pid, signal.SIGKILL)


def test_up_restart_status_down(fake_dir):
    up = strata("up", "--data-dir", str(fake_dir))
    assert up.returncode == 0, up.stderr
    assert "postgresql://strata@127.0.0.1:" in up.stdout
    sup_pid = procs.running_supervisor(fake_dir)
    assert sup_pid is not None

    again = strata("up", "--data-dir", str(fake_dir))
    assert again.returncode == 1
    assert f"a cluster is already running on {fake_dir} (supervisor pid {sup_pid})" in again.stderr
    assert "Traceback" not in again.stderr

    wait_for(lambda: all(p["status"] == "ready" for p in state(fake_dir).values()),
             what="every child ready")
    victim = state(fake_dir)["compute-1"]
    os.kill(victim["pid"], signal.SIGKILL)
    restarted = wait_for(lambda: (s := state(fake_dir)["compute-1"])["restarts"] == 1
                         and s["status"] == "ready" and s, what="compute-1 restarted")
    assert restarted["pid"] != victim["pid"]
    assert state(fake_dir)["compute-2"]["restarts"] == 0

    st = strata("status", "--data-dir", str(fake_dir), "--json")
    assert st.returncode == 0, st.stderr
    report = json.loads(st.stdout)
    assert report["data_dir"] == str(fake_dir)
    rows = {p["name"]: p for p in report["processes"]}
    assert set(rows) == {"storage", "compute-1", "compute-2", "router"}
    assert all(p["alive"] and p["healthy"] for p in rows.values())
    assert rows["compute-1"]["restarts"] == 1 and rows["compute-1"]["node_id"] == 1
    assert "pages" in rows["compute-2"] and "handoffs" in report
    human = strata("status", "--data-dir", str(fake_dir))
    assert human.returncode == 0 and "compute-1" in human.stdout

    child_pids = [p["pid"] for p in state(fake_dir).values()]
    down = strata("down", "--data-dir", str(fake_dir))
    assert down.returncode == 0, down.stderr
    assert "stopped" in down.stdout
    assert not cluster.pid_file(fake_dir).exists()
    assert not procs.pid_alive(sup_pid)
    assert not any(procs.pid_alive(pid) for pid in child_pids)
    assert cluster.read_json(cluster.state_json(fake_dir))["status"] == "stopped"

    again = strata("down", "--data-dir", str(fake_dir))
    assert again.returncode == 0 and "no cluster is running" in again.stdout


def test_up_refuses_a_port_in_use(fake_dir):
    import socket

    spec = cluster.read_spec(fake_dir)
    with socket.socket() as busy:
        busy.bind((cluster.HOST, spec.router_port))
        busy.listen()
        up = strata("up", "--data-dir", str(fake_dir))
    assert up.returncode == 1
    assert f"port {spec.router_port} (router) is already in use" in up.stderr
    assert procs.running_supervisor(fake_dir) is None


def test_up_reports_a_child_that_never_gets_ready(fake_dir):
    spec = cluster.read_spec(fake_dir)
    spec.process("router").argv = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]
    cluster.write_spec(spec)
    up = strata("up", "--data-dir", str(fake_dir), "--timeout", "3")
    assert up.returncode == 1
    assert "did not come up within 3 s" in up.stderr
    assert "boom" in up.stderr  # the router's log tail
    assert procs.running_supervisor(fake_dir) is None


def test_a_held_process_stays_down_until_started(fake_dir):
    up = strata("up", "--data-dir", str(fake_dir))
    assert up.returncode == 0, up.stderr
    wait_for(lambda: all(p["status"] == "ready" for p in state(fake_dir).values()),
             what="every child ready")
    stop = strata("stop", "compute-2", "--data-dir", str(fake_dir))
    assert stop.returncode == 0, stop.stderr
    assert cluster.hold_file(fake_dir, "compute-2").exists()
    held = wait_for(lambda: (s := state(fake_dir)["compute-2"])["status"] == "held" and s,
                    what="compute-2 held")
    assert held["pid"] is None
    time.sleep(1.0)  # several supervisor ticks: still not restarted
    assert state(fake_dir)["compute-2"]["status"] == "held"
    report = json.loads(strata("status", "--data-dir", str(fake_dir), "--json").stdout)
    row = {p["name"]: p for p in report["processes"]}["compute-2"]
    assert not row["alive"] and row["status"] == "held"
    assert cluster.read_json(cluster.state_json(fake_dir))["status"] == "degraded"

    start = strata("start", "compute-2", "--data-dir", str(fake_dir))
    assert start.returncode == 0 and "released" in start.stdout
    back = wait_for(lambda: (s := state(fake_dir)["compute-2"])["status"] == "ready" and s,
                    what="compute-2 started again")
    assert back["restarts"] == 1 and back["pid"]
    again = strata("start", "compute-2", "--data-dir", str(fake_dir))
    assert again.returncode == 0 and "is not held" in again.stdout
    assert strata("down", "--data-dir", str(fake_dir)).returncode == 0
