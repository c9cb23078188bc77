"""pgbench (PostgreSQL 15 client) against a real two-node cluster via the router.

Issue 5's acceptance run (``bench/pgbench_tpcb.py`` prints the figures): ``pgbench -i
-s 10`` with its defaults (DROP/CREATE TABLE ... WITH (fillfactor), TRUNCATE and
COPY ... FROM STDIN WITH (FREEZE ON) in one transaction, VACUUM ANALYZE, ALTER
TABLE ... ADD PRIMARY KEY), then tpcb-like with 8 clients on 2 threads -- every
transaction updates the one page that holds ``pgbench_branches`` -- for 30 s with
zero failed transactions and consistent balances, then select-only for 30 s.
``STRATA_PGBENCH_SCALE`` / ``STRATA_PGBENCH_SECONDS`` shorten it for local runs.

What makes the tpcb-like run clean: the router keeps the sessions of one
application on one node (``router/affinity.py``), so the hot pages stay put,
and row-lock waits on a node abort only a real cycle (``compute/locks.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

PGBENCH = shutil.which("pgbench")
pytestmark = pytest.mark.skipif(PGBENCH is None, reason="pgbench (PostgreSQL 15 client) is not installed")

SCALE = int(os.environ.get("STRATA_PGBENCH_SCALE", "10"))
SECONDS = os.environ.get("STRATA_PGBENCH_SECONDS", "30")


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


@pytest.mark.timeout(1800)
def test_init_then_tpcb_with_8_clients_and_select_only(cluster):
    out = _pgbench(cluster, "-i", "-s", str(SCALE), timeout=1500)
    assert "done in" in out, out
    print("\n" + out.strip().splitlines()[-1])  # pgbench's own "done in ... s (drop tables ...)" line
    with cluster.connect() as conn:
        assert conn.execute("select count(*) from pgbench_accounts").fetchone()[0] == SCALE * 100_000
        assert conn.execute("select count(*) from pgbench_tellers").fetchone()[0] == SCALE * 10
        assert conn.execute("select count(*) from pgbench_branches").fetchone()[0] == SCALE
        assert conn.execute("select count(*) from pgbench_history").fetchone()[0] == 0

    # tpcb-like, 8 clients on one hot branches page: no failures, and every
    # committed transaction applied exactly once (pgbench truncates
    # pgbench_history when a run starts; this is the first run after -i).
    out = _pgbench(cluster, "-T", SECONDS, "-c", "8", "-j", "2")
    print(out)
    assert _failed(out) == 0, out
    assert _processed(out) > 0, out
    a, t, b, h = _balances(cluster)
    assert a == t == b == h, (a, t, b, h)

    out = _pgbench(cluster, "-S", "-T", SECONDS, "-c", "8", "-j", "2")
    assert _failed(out) == 0, out
    assert _processed(out) > 0, out
