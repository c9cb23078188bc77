"""pgbench (PostgreSQL 15 client) against a real two-node cluster via the router.

``pgbench -i -s 1`` with its defaults (DROP/CREATE TABLE ... WITH (fillfactor),
TRUNCATE, COPY ... FROM STDIN WITH (FREEZE ON), VACUUM ANALYZE, ALTER TABLE ...
ADD PRIMARY KEY), then a short tpcb-like run and a select-only run.

The tpcb-like run with 8 clients on scale 1 (one branch row every transaction
updates) conflicts constantly, and the compute layer resolves row-lock
conflicts by wound-wait (40P01), so that run is checked for consistency, and
for zero failures with one client; see the report on issue 5.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

PGBENCH = shutil.which("pgbench")
pytestmark = pytest.mark.skipif(PGBENCH is None, reason="pgbench (PostgreSQL 15 client) is not installed")


def _pgbench(cluster, *args: str, timeout: float = 300) -> str:
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(cluster.port), "PGUSER": "strata",
           "PGDATABASE": "strata", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([PGBENCH, *args], capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"pgbench {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _failed(out: str) -> int:
    m = re.search(r"number of failed transactions: (\d+)", out)
    assert m, out
    return int(m.group(1))


def _processed(out: str) -> int:
    m = re.search(r"number of transactions actually processed: (\d+)", out)
    assert m, out
    return int(m.group(1))


def _balances(cluster) -> tuple:
    with cluster.connect() as conn:
        return conn.execute(
            "select (select sum(abalance) from pgbench_accounts),"
            " (select sum(tbalance) from pgbench_tellers),"
            " (select sum(bbalance) from pgbench_branches),"
            " (select coalesce(sum(delta), 0) from pgbench_history)"
        ).fetchone()


def test_init_then_tpcb_and_select_only(cluster):
    out = _pgbench(cluster, "-i", "-s", "1")
    assert "done in" in out, out
    with cluster.connect() as conn:
        assert conn.execute("select count(*) from pgbench_accounts").fetchone()[0] == 100_000
        assert conn.execute("select count(*) from pgbench_tellers").fetchone()[0] == 10
        assert conn.execute("select count(*) from pgbench_branches").fetchone()[0] == 1
        assert conn.execute("select count(*) from pgbench_history").fetchone()[0] == 0

    # tpcb-like, one client: no conflicts, so no failures.
    out = _pgbench(cluster, "-T", "5", "-c", "1")
    assert _failed(out) == 0, out
    assert _processed(out) > 0, out
    a, t, b, h = _balances(cluster)
    assert a == t == b == h, (a, t, b, h)

    # tpcb-like, 8 clients: every committed transaction is applied exactly once.
    out = _pgbench(cluster, "-T", "5", "-c", "8", "-j", "2")
    assert _processed(out) > 0, out
    a, t, b, h = _balances(cluster)
    assert a == t == b, (a, t, b, h)
    # pgbench truncates pgbench_history at the start of each run: the accounts
    # hold the first run's deltas as well as this one's.

    out = _pgbench(cluster, "-S", "-T", "5", "-c", "8", "-j", "2")
    assert _failed(out) == 0, out
    assert _processed(out) > 0, out
