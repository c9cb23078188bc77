"""SCRAM-SHA-256 on a real cluster, configured only through the environment
(``STRATA_PG_AUTH`` / ``STRATA_PG_PASSWORD_FILE``, read by sql/pgwire), with
psycopg and psql (PGPASSWORD) through the router."""

from __future__ import annotations

import os
import subprocess

import psycopg
import pytest

from sql.pgwire.auth import make_verifier
from tests.integration.cluster import Cluster


def test_scram_through_router(tmp_path, monkeypatch):
    pw_file = tmp_path / "passwords"
    pw_file.write_text(f"# user:verifier\nstrata:{make_verifier('correct horse')}\n")
    monkeypatch.setenv("STRATA_PG_AUTH", "scram-sha-256")
    monkeypatch.setenv("STRATA_PG_PASSWORD_FILE", str(pw_file))
    monkeypatch.setenv("PGPASSWORD", "correct horse")  # for `strata up`'s SELECT 1 probe
    cluster = Cluster(tmp_path / "cluster", nodes=1)
    try:
        cluster.up()
        with psycopg.connect(cluster.dsn(), password="correct horse", connect_timeout=10) as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
        with pytest.raises(psycopg.OperationalError) as info:
            psycopg.connect(cluster.dsn(), password="wrong", connect_timeout=10)
        assert 'password authentication failed for user "strata"' in str(info.value)
        base = ["psql", "-X", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "strata",
                "-d", "strata", "-tAc", "SELECT 2"]
        ok = subprocess.run(base, env={**os.environ, "PGPASSWORD": "correct horse"},
                            capture_output=True, text=True, timeout=30)
        assert ok.returncode == 0 and ok.stdout.strip() == "2", ok.stderr
        bad = subprocess.run(base, env={**os.environ, "PGPASSWORD": "nope"},
                             capture_output=True, text=True, timeout=30)
        assert bad.returncode == 2 and "password authentication failed" in bad.stderr
    finally:
        cluster.down()
