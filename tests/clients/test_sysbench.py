"""sysbench 1.0.20 (``--db-driver=pgsql``) against a real two-node cluster via
the router: ``oltp_read_write`` and ``oltp_point_select`` prepare, run and
cleanup with zero errors (sysbench's tables use ``id SERIAL``, a secondary
index ``k_1``, BEGIN/COMMIT, point selects, ranges with ORDER BY / DISTINCT /
SUM, UPDATEs of index and non-index columns, DELETE + INSERT)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

SYSBENCH = shutil.which("sysbench")
pytestmark = pytest.mark.skipif(SYSBENCH is None, reason="sysbench is not installed")


def _sysbench(cluster, test: str, command: str, *extra: str) -> str:
    args = [SYSBENCH, "--db-driver=pgsql", "--pgsql-host=127.0.0.1", f"--pgsql-port={cluster.port}",
            "--pgsql-user=strata", "--pgsql-db=strata", "--tables=1", "--table-size=1000",
            *extra, test, command]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}\n{out}"
    assert "FATAL" not in out, out
    return out


def _stat(out: str, name: str) -> int:
    m = re.search(rf"{name}:\s+(\d+)", out)
    assert m, out
    return int(m.group(1))


@pytest.mark.parametrize("test", ["oltp_read_write", "oltp_point_select"])
def test_prepare_run_cleanup(cluster, test):
    _sysbench(cluster, test, "cleanup")
    _sysbench(cluster, test, "prepare")
    with cluster.connect() as conn:
        assert conn.execute("select count(*), min(id), max(id) from sbtest1").fetchone() == (1000, 1, 1000)
    out = _sysbench(cluster, test, "run", "--time=5")
    assert _stat(out, "transactions") > 0, out
    assert _stat(out, "ignored errors") == 0, out
    with cluster.connect() as conn:
        assert conn.execute("select count(*) from sbtest1").fetchone()[0] == 1000
    _sysbench(cluster, test, "cleanup")
