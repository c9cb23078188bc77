"""Acceptance 5 (issue 2): bad input gets an ErrorResponse with the right
SQLSTATE, and the session goes on."""

from __future__ import annotations

import psycopg
import pytest

CASES = [
    ("SELEC 1", {"42601"}),
    ("SELECT * FROM items WHERE id = 'abc'", {"22P02"}),
    ("INSERT INTO items VALUES ('x', 'y')", {"22P02"}),
    ("SELECT * FROM items WHERE id = true", {"42804", "42883"}),
    ("INSERT INTO items VALUES (1, 'dup')", {"23505"}),
    ("SELECT * FROM no_such_table", {"42P01"}),
]


@pytest.mark.parametrize("via", ["router", "node"])
def test_errors_keep_the_session(cluster, via):
    port = cluster.node_port(1) if via == "node" else None
    with cluster.connect(port, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO items VALUES (1, 'one')")
        for sql, states in CASES:
            with pytest.raises(psycopg.Error) as info:
                conn.execute(sql)
            assert info.value.sqlstate in states, (sql, info.value.sqlstate, str(info.value))
            assert conn.execute("SELECT name FROM items WHERE id = 1").fetchone() == ("one",)
        # inside a transaction block: the block fails, ROLLBACK ends it, session goes on
        conn.execute("BEGIN")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO items VALUES (1, 'dup')")
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (1,)
