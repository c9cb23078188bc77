"""COPY FROM STDIN / TO STDOUT: the pure parsers and formatters, then psycopg
``cursor.copy()`` and psql ``\\copy`` against serve_pgwire over the real SQL
engine (``SqlSession`` on ``MemoryTxnSource``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

import psycopg
import pytest
import trio
from psycopg import errors

from sql.errors import SqlError
from sql.memory_txn import MemoryTxnSource
from sql.pgwire import copy as pgcopy
from sql.pgwire.server import serve_pgwire
from sql.session import SqlSession

from . import raw_client as rc

# ---------------------------------------------------------------- pure


def test_parse_copy_statements():
    s = pgcopy.parse_copy('COPY "public"."t"("a","b") FROM STDIN (FORMAT binary)')
    assert (s.direction, s.table, s.columns, s.format) == ("in", '"public"."t"', ['"a"', '"b"'], "binary")
    s = pgcopy.parse_copy("copy t to stdout with csv header delimiter ';'")
    assert (s.direction, s.format, s.header, s.delimiter, s.null) == ("out", "csv", True, ";", "")
    s = pgcopy.parse_copy("COPY (SELECT a FROM t WHERE a > 1) TO STDOUT WITH (FORMAT csv, NULL 'x')")
    assert s.query == "SELECT a FROM t WHERE a > 1" and s.null == "x"
    assert pgcopy.parse_copy("COPY t FROM STDIN").select_sql() == "SELECT * FROM t"
    with pytest.raises(SqlError) as e:
        pgcopy.parse_copy("COPY t FROM '/etc/passwd'")
    assert e.value.sqlstate == "0A000"
    with pytest.raises(SqlError):
        pgcopy.parse_copy("COPY t FROM STDIN (FORMAT xml)")
    assert pgcopy.parse_copy("COPY t FROM STDIN").insert_sql(["a", "b"], 2) == \
        "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"


def test_text_parser_escapes_null_and_chunking():
    p = pgcopy.TextParser(pgcopy.parse_copy("COPY t FROM STDIN"))
    data = b"1\ta\\tb\\\\c\\n\t\\N\n2\t\xc3\xa9t\xc3\xa9\t\\x41\\101\r\n\\.\nignored\n"
    rows = []
    for i in range(len(data)):  # one byte at a time
        rows += p.feed(data[i:i + 1])
    rows += p.finish()
    assert rows == [["1", "a\tb\\c\n", None], ["2", "été", "AA"]]


def test_csv_parser_quotes_newlines_null_and_header():
    p = pgcopy.CsvParser(pgcopy.parse_copy("COPY t FROM STDIN (FORMAT csv, HEADER)"))
    data = 'a,b,c\n1,"x, ""y""\nz",\n2,"",plain\n'.encode()
    rows = p.feed(data[:9]) + p.feed(data[9:20]) + p.feed(data[20:]) + p.finish()
    assert rows == [["1", 'x, "y"\nz', None], ["2", "", "plain"]]
    bad = pgcopy.CsvParser(pgcopy.parse_copy("COPY t FROM STDIN (FORMAT csv)"))
    bad.feed(b'1,"open\n')
    with pytest.raises(SqlError):
        bad.finish()


def test_formatters_round_trip():
    text = pgcopy.parse_copy("COPY t TO STDOUT")
    csv = pgcopy.parse_copy("COPY t TO STDOUT (FORMAT csv)")
    fields = ["a\tb\\", None, "", 'q"x,y\nz']
    assert pgcopy.text_row(fields, text) == b'a\\tb\\\\\t\\N\t\tq"x,y\\nz\n'
    p = pgcopy.TextParser(text)
    assert p.feed(pgcopy.text_row(fields, text)) == [fields]
    line = pgcopy.csv_row(fields, csv)
    assert line == b'a\tb\\,,"","q""x,y\nz"\n'
    assert pgcopy.CsvParser(csv).feed(line) == [fields]
    b = pgcopy.BinaryParser(pgcopy.parse_copy("COPY t FROM STDIN (FORMAT binary)"))
    blob = pgcopy.binary_header() + pgcopy.binary_row([b"\x00\x01", None]) + pgcopy.binary_trailer()
    assert b.feed(blob[:7]) == [] and b.feed(blob[7:]) == [[b"\x00\x01", None]] and b.done


# ---------------------------------------------------------------- real clients


@pytest.fixture
async def engine(nursery) -> str:
    source = MemoryTxnSource()
    listeners = await nursery.start(partial(serve_pgwire, "127.0.0.1", 0, lambda: SqlSession(source)))
    port = listeners[0].socket.getsockname()[1]
    return f"host=127.0.0.1 port={port} user=strata dbname=strata connect_timeout=5"


CREATE = ("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, price NUMERIC(10,2), "
          "day DATE, ok BOOLEAN)")


async def in_thread(fn):
    return await trio.to_thread.run_sync(fn)


async def test_psycopg_copy_in_and_out_text_and_csv(engine):
    rows = [(i, f"n\t{i}" if i % 7 else None, Decimal(i) / 4, dt.date(2024, 1, 1 + i % 28), i % 2 == 0)
            for i in range(1, 2501)]

    def run():
        with psycopg.connect(engine, autocommit=True) as conn:
            conn.execute(CREATE)
            cur = conn.cursor()
            with cur.copy("COPY t (id, name, price, day, ok) FROM STDIN") as cp:
                for r in rows[:2000]:
                    cp.write_row(r)
            first = cur.rowcount
            with cur.copy("COPY t FROM STDIN WITH (FORMAT csv)") as cp:
                for i, name, price, day, ok in rows[2000:]:  # write_row speaks text format
                    cp.write(f'{i},{"" if name is None else chr(34) + name + chr(34)},'
                             f'{price},{day},{"t" if ok else "f"}\n')
            got = conn.execute("SELECT id, name, price, day, ok FROM t ORDER BY id").fetchall()
            with cur.copy("COPY (SELECT id, name FROM t WHERE id <= 3 ORDER BY id) TO STDOUT") as cp:
                text_out = b"".join(bytes(b) for b in cp)
            with cur.copy("COPY t (id, ok) TO STDOUT WITH (FORMAT csv, HEADER)") as cp:
                csv_out = b"".join(bytes(b) for b in cp)
            with cur.copy("COPY t (id, price) TO STDOUT") as cp:
                cp.set_types(["int4", "numeric"])
                typed = list(cp.rows())
            return first, got, text_out, csv_out, typed
    first, got, text_out, csv_out, typed = await in_thread(run)
    assert typed == [(r[0], r[2]) for r in rows]
    assert first == 2000
    assert got == rows
    assert text_out == b"1\tn\\t1\n2\tn\\t2\n3\tn\\t3\n"
    assert csv_out.splitlines()[:3] == [b"id,ok", b"1,f", b"2,t"]
    assert len(csv_out.splitlines()) == 2501


async def test_copy_error_mid_stream_applies_nothing(engine):
    def run():
        with psycopg.connect(engine, autocommit=True) as conn:
            conn.execute(CREATE)
            cur = conn.cursor()
            with pytest.raises(errors.InvalidTextRepresentation) as info:
                with cur.copy("COPY t (id, name) FROM STDIN") as cp:
                    for i in range(1, 5000):
                        cp.write(f"{i}\tok\n" if i != 4321 else "oops\tbad\n")
            count = conn.execute("SELECT count(*) FROM t").fetchone()[0]
            with pytest.raises(errors.BadCopyFileFormat):
                with cur.copy("COPY t (id, name) FROM STDIN") as cp:
                    cp.write("1\ta\textra\n")
            with pytest.raises(RuntimeError):  # psycopg sends CopyFail, re-raises
                with cur.copy("COPY t (id) FROM STDIN") as cp:
                    cp.write("1\n" * 3000)
                    raise RuntimeError("client gives up")
            count += conn.execute("SELECT count(*) FROM t").fetchone()[0]
            return info.value.diag.message_detail, count, conn.execute("SELECT 1").fetchone()[0]
    detail, count, alive = await in_thread(run)
    assert "line 4321" in detail and "column id" in detail
    assert count == 0 and alive == 1


async def test_copy_binary_in_and_out(engine):
    rows = [(1, "a", Decimal("1.50"), dt.date(2020, 2, 29), True), (2, None, None, None, None)]

    def run():
        with psycopg.connect(engine, autocommit=True) as conn:
            conn.execute(CREATE)
            cur = conn.cursor()
            with cur.copy("COPY t (id, name, price, day, ok) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int4", "text", "numeric", "date", "bool"])
                for r in rows:
                    cp.write_row(r)
            with cur.copy("COPY t TO STDOUT (FORMAT BINARY)") as cp:
                cp.set_types(["int4", "text", "numeric", "date", "bool"])
                return sorted(cp.rows())
    assert await in_thread(run) == rows


async def test_copy_inside_transaction_block(engine):
    def run():
        with psycopg.connect(engine) as conn:  # BEGIN implicitly
            conn.execute(CREATE)
            with conn.cursor().copy("COPY t (id) FROM STDIN") as cp:
                cp.write("1\n2\n")
            conn.rollback()
            with pytest.raises(errors.UndefinedTable):
                conn.execute("SELECT * FROM t")
    await in_thread(run)


async def test_psql_backslash_copy(engine, tmp_path):
    port = engine.split("port=")[1].split()[0]
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("id,name\n1,\"a,b\"\n2,\n")
    out = tmp_path / "out.txt"
    base = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port, "-U", "strata",
            "-d", "strata"]
    res = await trio.run_process(
        base + ["-c", "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)",
                "-c", f"\\copy p FROM '{csv_in}' WITH (FORMAT csv, HEADER)",
                "-c", f"\\copy (SELECT id, name FROM p ORDER BY id) TO '{out}'"],
        capture_stdout=True, capture_stderr=True, check=False)
    assert res.returncode == 0, res.stderr
    assert b"COPY 2" in res.stdout
    assert out.read_text() == "1\ta,b\n2\t\\N\n"


async def test_copy_in_extended_protocol_and_stray_copy_messages(engine):
    port = int(engine.split("port=")[1].split()[0])
    c = await rc.RawClient.connect(port)
    await c.send(rc.query("CREATE TABLE x (id INTEGER PRIMARY KEY)"))
    await c.until(b"Z")
    await c.send(rc.parse("", "COPY x FROM STDIN"), rc.bind("", ""), rc.describe("P", ""),
                 rc.execute(""), rc.SYNC)  # this Sync is ignored in copy-in mode
    msgs = await c.until(b"G")
    assert rc.types(msgs) == "12nG"
    await c.send(rc.copy_data(b"1\n2\n"), rc.COPY_DONE, rc.SYNC)  # as libpq does
    assert rc.types(await c.until(b"Z")) == "CZ"
    # CopyData after a failed COPY is ignored, as PostgreSQL does
    await c.send(rc.query("COPY x FROM STDIN"))
    await c.until(b"G")
    await c.send(rc.copy_data(b"zzz\n"), rc.COPY_DONE, rc.copy_data(b"3\n"), rc.COPY_DONE)
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "EZ"
    await c.send(rc.query("SELECT count(*) FROM x"))
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "TDCZ" and msgs[1][1].endswith(b"2")
