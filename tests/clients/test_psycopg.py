"""psycopg 3 against a real cluster, through the router and a node port:
simple and prepared statements, binary mode, transactions, SQLSTATE error
classes, COPY both ways, cancel (classic PQcancel, from another process's
point of view the server is separate), notices and ParameterStatus."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors


def _cancel_after(conn: psycopg.Connection, delay_s: float) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(delay_s), conn.cancel()))
    t.start()
    return t


@pytest.fixture(scope="module")
def table(cluster):
    with cluster.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, "
                     "balance NUMERIC(12,2), active BOOLEAN)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO acct VALUES (%s, %s, %s, %s)",
                            [(i, f"o{i % 5}", Decimal(i) * 10, i % 2 == 0) for i in range(1, 101)])
    return "acct"


def test_simple_prepared_and_binary(cluster, table):
    with cluster.connect(autocommit=True) as conn:
        # simple protocol (no parameters, several statements)
        res = conn.pgconn.exec_(b"SELECT count(*) FROM acct; SELECT max(id) FROM acct")
        assert res.get_value(0, 0) == b"100"
        # extended protocol, server-side prepared after prepare_threshold uses
        for _ in range(4):
            row = conn.execute("SELECT owner, balance FROM acct WHERE id = %s", [42],
                               prepare=True).fetchone()
        assert row == ("o2", Decimal("420.00"))
        cur = conn.cursor(binary=True)
        cur.execute("SELECT id, owner, balance, active FROM acct WHERE id <= %s ORDER BY id LIMIT 3",
                    [10])
        assert cur.fetchall() == [(1, "o1", Decimal("10.00"), False), (2, "o2", Decimal("20.00"), True),
                                  (3, "o3", Decimal("30.00"), False)]
        agg = conn.execute("SELECT owner, count(*), sum(balance) FROM acct GROUP BY owner "
                           "ORDER BY owner").fetchall()
        assert agg[0] == ("o0", 20, Decimal("10500.00"))


def test_transactions_and_error_classes(cluster, table):
    with cluster.connect() as conn:
        conn.execute("UPDATE acct SET balance = balance - 5 WHERE id = 1")
        conn.execute("UPDATE acct SET balance = balance + 5 WHERE id = 2")
        conn.rollback()
        assert conn.execute("SELECT balance FROM acct WHERE id = 1").fetchone()[0] == Decimal("10.00")
        with pytest.raises(errors.UniqueViolation):
            conn.execute("INSERT INTO acct VALUES (1, 'dup', 0, true)")
        with pytest.raises(errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.rollback()
        with pytest.raises(errors.UndefinedTable):
            conn.execute("SELECT * FROM nope")
        conn.rollback()
        with pytest.raises(errors.SyntaxError):
            conn.execute("SELEKT 1")
        conn.rollback()
        with pytest.raises(errors.NotNullViolation):
            conn.execute("INSERT INTO acct (id, owner) VALUES (500, NULL)")
        conn.rollback()
        with conn.transaction():
            conn.execute("DELETE FROM acct WHERE id = 100")
        assert conn.execute("SELECT count(*) FROM acct").fetchone()[0] == 99


def test_copy_in_and_out(cluster):
    with cluster.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE cp (id INTEGER PRIMARY KEY, note TEXT)")
        cur = conn.cursor()
        with cur.copy("COPY cp (id, note) FROM STDIN") as cp:
            for i in range(1, 3001):
                cp.write_row((i, None if i % 10 == 0 else f"note {i}\twith tab"))
        assert cur.rowcount == 3000
        with cur.copy("COPY cp FROM STDIN WITH (FORMAT csv)") as cp:
            cp.write('3001,"quoted, ""comma"""\n3002,\n')
        with pytest.raises(errors.UniqueViolation):
            with cur.copy("COPY cp FROM STDIN") as cp:
                cp.write("4000\tnew\n1\tduplicate\n")
        assert conn.execute("SELECT count(*) FROM cp").fetchone()[0] == 3002  # nothing of it
        with cur.copy("COPY (SELECT id, note FROM cp WHERE id >= 3000 ORDER BY id) TO STDOUT "
                      "WITH (FORMAT csv)") as cp:
            out = b"".join(bytes(b) for b in cp)
        assert out == b'3000,\n3001,"quoted, ""comma"""\n3002,\n'
        with cur.copy("COPY cp TO STDOUT") as cp:
            cp.set_types(["int4", "text"])
            rows = sorted(cp.rows())
        assert len(rows) == 3002 and rows[1] == (2, "note 2\twith tab")


@pytest.mark.parametrize("via", ["router", "node"])
def test_cancel_row_lock_wait(cluster, via):
    """A statement waiting for a row lock is cancelled with 57014 and the
    session goes on; the lock holder is unaffected."""
    port = cluster.port if via == "router" else cluster.node_port(1)
    with cluster.connect(port=port, autocommit=True) as waiter:
        # the holder must be on the waiter's node (across nodes the page
        # hand-off would fail with 40P01 first): ask the node which one it is
        node_id = int(waiter.info.parameter_status("strata_node_id"))
        holder = cluster.connect(port=cluster.node_port(node_id))
        holder.execute("UPDATE acct SET balance = balance WHERE id = 7")  # holds the row lock
        t = _cancel_after(waiter, 0.5)
        start = time.monotonic()
        with pytest.raises(errors.QueryCanceled) as info:
            waiter.execute("UPDATE acct SET balance = 1 WHERE id = 7")
        t.join()
        assert time.monotonic() - start < 4  # the lock wait would last 5 s
        assert "canceling statement due to user request" in str(info.value)
        assert waiter.execute("SELECT balance FROM acct WHERE id = 7").fetchone()[0] == Decimal("70.00")
        holder.rollback()
        holder.close()


def test_notices_and_parameter_status(cluster):
    with cluster.connect(autocommit=True) as conn:
        seen = []
        conn.add_notice_handler(lambda d: seen.append(d.message_primary))
        conn.execute("COMMIT")  # no transaction in progress: a notice
        assert seen == ["there is no transaction in progress"]
        conn.execute("SET application_name = 'psycopg-suite'")
        assert conn.info.parameter_status("application_name") == "psycopg-suite"
        assert conn.info.server_version >= 150000


def test_startup_options_and_statement_timeout(cluster, table):
    """``options=-c ...`` and GUC startup parameters reach the node through the
    router; an unknown one is FATAL 42704; statement_timeout ends a lock wait."""
    opts = r"-c search_path=public -c application_name=via\ options -c statement_timeout=700"
    with cluster.connect(options=opts, autocommit=True) as conn:
        assert conn.info.parameter_status("application_name") == "via options"
        assert conn.execute("SELECT current_setting('search_path'), "
                            "current_setting('statement_timeout')").fetchone() == ("public", "700ms")
        node_id = int(conn.info.parameter_status("strata_node_id"))
        holder = cluster.connect(port=cluster.node_port(node_id))
        try:
            holder.execute("UPDATE acct SET balance = balance WHERE id = 9")  # holds the row lock
            start = time.monotonic()
            with pytest.raises(errors.QueryCanceled) as info:
                conn.execute("UPDATE acct SET balance = 1 WHERE id = 9")
            assert time.monotonic() - start < 4  # the lock wait would last 5 s
            assert "canceling statement due to statement timeout" in str(info.value)
        finally:
            holder.rollback()
            holder.close()
        assert conn.execute("SELECT balance FROM acct WHERE id = 9").fetchone()[0] == Decimal("90.00")
    with pytest.raises(psycopg.OperationalError, match='unrecognized configuration parameter "nosuch"'):
        cluster.connect(options="-c nosuch=1")


def test_server_side_cursors(cluster, table):
    with cluster.connect() as conn:
        rest = [r[0] for r in conn.execute("SELECT id FROM acct WHERE id > 53 ORDER BY id")]
        total = conn.execute("SELECT count(*) FROM acct").fetchone()[0]
        conn.commit()
        with conn.cursor(name="acct_cur") as cur:
            cur.itersize = 30
            cur.execute("SELECT id, owner FROM acct WHERE id > %s ORDER BY id", [50])
            assert cur.fetchone() == (51, "o1")
            assert cur.fetchmany(2) == [(52, "o2"), (53, "o3")]
            assert [r[0] for r in cur] == rest
            cur.scroll(-2)
            assert cur.fetchone() == (rest[-1], f"o{rest[-1] % 5}")
        with conn.cursor(name="no_scroll", scrollable=False) as cur:
            cur.execute("SELECT id FROM acct ORDER BY id")
            cur.fetchmany(3)
            with pytest.raises(errors.ObjectNotInPrerequisiteState):
                cur.scroll(-1)
        conn.rollback()
        held = conn.cursor(name="held", withhold=True)
        held.execute("SELECT count(*) FROM acct")
        conn.commit()
        assert held.fetchone() == (total,)
        held.close()
        conn.commit()
        with pytest.raises(errors.InvalidCursorName):
            conn.execute("FETCH held")
