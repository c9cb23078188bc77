"""Real clients against serve_pgwire + FakeBackend: psycopg 3 (sync, in a
thread: its async API needs asyncio) and psql via trio.run_process."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
import trio
from psycopg import errors
from psycopg.pq import TransactionStatus

from .fake_backend import ITEMS_ROWS


async def in_thread(fn, *args):
    return await trio.to_thread.run_sync(fn, *args)


def _connect(dsn: str, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=autocommit)


# ---------------------------------------------------------------- psycopg


async def test_startup_parameters(server):
    def run():
        with _connect(server.dsn) as conn:
            ps = conn.info.parameter_status
            return (conn.info.server_version, ps("server_encoding"), ps("DateStyle"),
                    ps("TimeZone"), ps("integer_datetimes"), ps("session_authorization"),
                    conn.info.backend_pid)
    version, enc, datestyle, tz, idt, auth, pid = await in_thread(run)
    assert version == 150000
    assert (enc, datestyle, tz, idt, auth) == ("UTF8", "ISO, MDY", "UTC", "on", "strata")
    assert pid > 0


async def test_simple_query_protocol_multiple_statements(server):
    def run():
        with _connect(server.dsn) as conn:
            res = conn.pgconn.exec_(b"SELECT 1; SELECT 2; SELECT 3")  # simple protocol
            return res.status, res.get_value(0, 0), res.fname(0)
    status, value, name = await in_thread(run)
    assert status == psycopg.pq.ExecStatus.TUPLES_OK
    assert (value, name) == (b"3", b"?column?")


async def test_empty_query(server):
    def run():
        with _connect(server.dsn) as conn:
            return conn.pgconn.exec_(b"  ").status
    assert await in_thread(run) == psycopg.pq.ExecStatus.EMPTY_QUERY


async def test_text_results_extended_protocol(server):
    def run():
        with _connect(server.dsn) as conn:
            return conn.execute("SELECT * FROM items").fetchall()
    assert await in_thread(run) == ITEMS_ROWS


async def test_binary_results(server):
    def run():
        with _connect(server.dsn) as conn, conn.cursor(binary=True) as cur:
            rows = cur.execute("SELECT * FROM items").fetchall()
            formats = [cur.pgresult.fformat(i) for i in range(cur.pgresult.nfields)]
            return rows, formats
    rows, formats = await in_thread(run)
    assert rows == ITEMS_ROWS
    assert formats == [1] * 8


async def test_parameters_round_trip(server):
    values = (7, "héllo", 2.5, True, Decimal("12.345"), dt.date(2020, 2, 29),
              dt.datetime(2021, 3, 4, 5, 6, 7, 890), None, 2**40)

    def run():
        with _connect(server.dsn) as conn:
            placeholders = ", ".join(["%s"] * len(values))
            text = conn.execute(f"SELECT {placeholders}", values).fetchone()
            binary = conn.cursor(binary=True).execute(
                f"SELECT {placeholders}", values).fetchone()
            forced = conn.execute("SELECT %b, %t", (b"\x00\xff", 5)).fetchone()
            return text, binary, forced
    text, binary, forced = await in_thread(run)
    assert text == values
    assert binary == values
    assert forced == (b"\x00\xff", 5)


async def test_prepared_statements_reused(server):
    def run():
        with _connect(server.dsn) as conn:
            for i in range(8):  # passes psycopg's prepare_threshold (5)
                conn.execute("INSERT INTO kv VALUES (%s, %s)", (f"k{i}", f"v{i}"))
            return [conn.execute("SELECT v FROM kv WHERE k = %s", (f"k{i}",),
                                 prepare=True).fetchone()[0] for i in range(8)]
    assert await in_thread(run) == [f"v{i}" for i in range(8)]
    assert server.kv["k3"] == "v3"


async def test_errors_map_to_psycopg_classes_and_connection_survives(server):
    def run():
        seen = []
        with _connect(server.dsn) as conn:
            for code, cls in [("23505", errors.UniqueViolation),
                              ("42P01", errors.UndefinedTable),
                              ("40001", errors.SerializationFailure)]:
                with pytest.raises(cls) as info:
                    conn.execute(f"FAIL {code}")
                diag = info.value.diag
                seen.append((diag.sqlstate, diag.message_primary, diag.message_detail,
                             diag.message_hint, diag.severity))
            with pytest.raises(errors.SyntaxError):
                conn.execute("nonsense")
            with pytest.raises(errors.InternalError_, match="boom"):
                conn.execute("CRASH")
            with pytest.raises(errors.UniqueViolation):
                conn.pgconn.exec_(b"SELECT 1; FAIL 23505; SELECT 2")  # simple protocol
                raise errors.UniqueViolation()  # exec_ does not raise; reach here
            after = conn.execute("SELECT 5").fetchone()
        return seen, after
    seen, after = await in_thread(run)
    assert seen[0] == ("23505", "fake failure", "some detail", "some hint", "ERROR")
    assert [s[0] for s in seen] == ["23505", "42P01", "40001"]
    assert after == (5,)


async def test_simple_query_error_skips_rest(server):
    def run():
        with _connect(server.dsn) as conn:
            res = conn.pgconn.exec_(b"SELECT 1; FAIL 23505; SELECT 2")
            return res.status, res.error_field(psycopg.pq.DiagnosticField.SQLSTATE)
    status, code = await in_thread(run)
    assert (status, code) == (psycopg.pq.ExecStatus.FATAL_ERROR, b"23505")
    assert "SELECT 2" not in server.backends[0].executed


async def test_transaction_status(server):
    def run():
        statuses = []
        with _connect(server.dsn, autocommit=False) as conn:
            statuses.append(conn.info.transaction_status)
            conn.execute("SELECT 1")
            statuses.append(conn.info.transaction_status)
            with pytest.raises(errors.UniqueViolation):
                conn.execute("FAIL 23505")
            statuses.append(conn.info.transaction_status)
            with pytest.raises(errors.InFailedSqlTransaction):
                conn.execute("SELECT 1")
            conn.rollback()
            statuses.append(conn.info.transaction_status)
            assert conn.execute("SELECT 9").fetchone() == (9,)
            conn.commit()
            statuses.append(conn.info.transaction_status)
        return statuses
    assert await in_thread(run) == [TransactionStatus.IDLE, TransactionStatus.INTRANS,
                                    TransactionStatus.INERROR, TransactionStatus.IDLE,
                                    TransactionStatus.IDLE]


async def test_backend_closed_on_disconnect(server):
    def run():
        with _connect(server.dsn) as conn:
            conn.execute("BEGIN")
    await in_thread(run)
    with trio.fail_after(5):
        while not server.backends[0].closed:
            await trio.sleep(0.01)


# ---------------------------------------------------------------- psql


async def psql(port: int, *args: str) -> trio.CompletedProcess:
    cmd = ["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "strata", "-d", "strata",
           *args]
    with trio.fail_after(10):
        return await trio.run_process(cmd, capture_stdout=True, capture_stderr=True,
                                      check=False, env={"PGCONNECT_TIMEOUT": "5"})


async def test_psql_select(server):
    proc = await psql(server.port, "-A", "-t", "-c", "SELECT 42")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"42\n"


async def test_psql_table_output(server):
    proc = await psql(server.port, "-A", "-c", "SELECT * FROM items")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines() == [
        "id|name|price|ok|score|day|at|big",
        "1|apple|1.50|t|0.1|2024-01-02|2024-01-02 03:04:05.12|1099511627776",
        "2|pear|-20|f|1e+20|1999-12-31|2000-01-01 00:00:00|-7",
        "3|||||||",
        "(3 rows)",
    ]


async def test_psql_multiple_statements_and_error(server):
    proc = await psql(server.port, "-A", "-t", "-c", "SELECT 1; SELECT 2")
    assert proc.stdout == b"1\n2\n"
    proc = await psql(server.port, "-c", "FAIL 42P01")
    assert proc.returncode == 1
    assert b"ERROR:  fake failure" in proc.stderr
    assert b"DETAIL:  some detail" in proc.stderr
    assert b"HINT:  some hint" in proc.stderr
