"""Process helpers shared by the supervisor and the CLI: is a pid alive, is it
the supervisor of a data dir, spawn a child with its log, stop a group.

Liveness checks read /proc/<pid>/cmdline where it exists so a recycled pid
is not mistaken for a Strata process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy import cluster

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SUPERVISOR_MODULE = "deploy.supervisor"
PR_SET_PDEATHSIG = 1


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def cmdline(pid: int) -> list[str] | None:
    """The argv of ``pid`` or None when /proc is not readable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def read_pid(path: Path) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def running_supervisor(data_dir: Path) -> int | None:
    """The pid of the live supervisor of ``data_dir``, or None."""
    pid = read_pid(cluster.pid_file(data_dir))
    if pid is None or not pid_alive(pid):
        return None
    argv = cmdline(pid)
    if argv is not None and SUPERVISOR_MODULE not in argv:
        return None  # the pid was recycled by another program
    return pid


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every process of a cluster: unbuffered output, and
    the project on PYTHONPATH so ``python -m <package>`` works uninstalled."""
    env = dict(os.environ)
    paths = [str(PROJECT_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def _die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM if the supervisor dies (Linux only)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def spawn(argv: list[str], log_path: Path, env: dict[str, str],
          cwd: Path | None = None) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
            cwd=cwd, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)


def stop_all(popens: list[subprocess.Popen], grace_s: float = 5.0) -> None:
    """SIGTERM every process, then SIGKILL whoever is left after ``grace_s``."""
    for p in popens:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace_s
    for p in popens:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
