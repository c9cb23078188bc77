"""A throw-away PostgreSQL 15 server for differential tests.

Found under /usr/lib/postgresql/15/bin (Debian's postgresql-15, installed by
``deploy/bootstrap.sh test``) or via ``pg_config --bindir``.  initdb refuses to
run as root, so as root the server runs as the ``postgres`` system user (the
package creates it) in a directory that user owns.  Trust authentication on a
loopback port, fsync off: it holds generated test data only.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

CANDIDATES = ["/usr/lib/postgresql/15/bin"]


def find_bindir() -> pathlib.Path | None:
    for d in CANDIDATES:
        if (pathlib.Path(d) / "postgres").exists():
            return pathlib.Path(d)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        d = pathlib.Path(out.stdout.strip())
        if (d / "postgres").exists() and "15" in subprocess.run(
                [d / "postgres", "--version"], capture_output=True, text=True).stdout:
            return d
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres15:
    def __init__(self, bindir: pathlib.Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="strata-pg15-"))
        self.data = self.dir / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *argv: str) -> None:
        proc = subprocess.run([*self.as_user, *argv], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> Postgres15:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                  "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")
        return self

    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")
        except Exception:
            pass
        for _ in range(20):
            try:
                shutil.rmtree(self.dir)
                return
            except OSError:
                time.sleep(0.1)
