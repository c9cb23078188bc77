"""Startup parameters and SET values as PostgreSQL 15 applies them, through a
real pgwire server over a SqlSession (MemoryTxnSource) and psycopg, plus
psycopg's server-side cursors over the same server."""

from __future__ import annotations

from functools import partial

import psycopg
import pytest
import trio
from psycopg import errors

from sql.executor import Executor
from sql.memory_txn import MemoryTxnSource
from sql.pgwire.server import serve_pgwire
from sql.pgwire.startup import option_settings, split_options
from sql.session import SqlSession
from tests.unit.sql.conftest import Client


@pytest.fixture
async def dsn(nursery):
    source, executor = MemoryTxnSource(), Executor()
    listeners = await nursery.start(partial(
        serve_pgwire, "127.0.0.1", 0, lambda: SqlSession(source, executor)))
    port = listeners[0].socket.getsockname()[1]
    return f"host=127.0.0.1 port={port} user=strata dbname=strata connect_timeout=5"


async def in_thread(fn):
    return await trio.to_thread.run_sync(fn)


def test_split_options_like_pg_split_opts():
    assert split_options(r"-c a=b  -c\ x  -cname=va\ lue\\") == ["-c", "a=b", "-c x", "-cname=va lue\\"]
    assert option_settings(r"-c search_path=a\,b -cDateStyle=ISO --extra-float-digits=3") == [
        ("search_path", "a,b"), ("DateStyle", "ISO"), ("extra_float_digits", "3")]


async def test_options_and_startup_gucs_set_the_session(dsn):
    def run():
        opts = r"-c search_path=public -cstatement_timeout=5000 -c application_name=my\ app"
        with psycopg.connect(dsn, options=opts, autocommit=True,
                             application_name="ignored-by-options?") as conn:
            ps = conn.info.parameter_status
            shown = conn.execute("SELECT current_setting('search_path'), "
                                 "current_setting('statement_timeout')").fetchone()
            return ps("application_name"), ps("DateStyle"), ps("in_hot_standby"), shown
    app, datestyle, standby, shown = await in_thread(run)
    # startup-packet parameters are applied after the options, as PostgreSQL does
    assert app == "ignored-by-options?"
    assert (datestyle, standby) == ("ISO, MDY", "off")
    assert shown == ("public", "5s")


async def test_startup_errors_are_fatal_with_postgres_sqlstates(dsn):
    def sqlstate(**kw):
        try:
            psycopg.connect(dsn, **kw).close()
        except psycopg.OperationalError as e:
            return str(e)
        return None
    msg = await in_thread(lambda: sqlstate(options="-c nosuch=1"))
    assert 'unrecognized configuration parameter "nosuch"' in msg
    msg = await in_thread(lambda: sqlstate(options="-c statement_timeout=abc"))
    assert 'invalid value for parameter "statement_timeout": "abc"' in msg
    msg = await in_thread(lambda: sqlstate(options="-c server_version=1"))
    assert 'parameter "server_version" cannot be changed' in msg
    msg = await in_thread(lambda: sqlstate(options="-c search_path"))
    assert "-c search_path requires a value" in msg
    assert await in_thread(lambda: sqlstate(options="-c my.custom=1")) is None


class _SlowExecutor(Executor):
    async def execute(self, sql, txn, params=()):
        await trio.sleep(0.5 if "slow" in sql else 0)
        return await super().execute(sql, txn, params)


async def test_statement_timeout_cancels(dsn, source):
    db = Client(SqlSession(source, _SlowExecutor()))
    await db.run("SET statement_timeout = '100ms'")
    assert await db.q("SHOW statement_timeout") == [("100ms",)]
    await db.run("CREATE TABLE t (i INTEGER PRIMARY KEY)")
    assert await db.err("INSERT INTO t VALUES (1) -- slow") == "57014"
    assert await db.q("SELECT count(*) FROM t") == [(0,)]  # rolled back
    await db.run("SET statement_timeout = 0")
    await db.run("INSERT INTO t VALUES (1) -- slow")
    assert await db.q("SELECT count(*) FROM t") == [(1,)]

    def run():
        with psycopg.connect(dsn, autocommit=True) as setup:
            setup.execute("CREATE TABLE w (i INTEGER PRIMARY KEY)")
            setup.execute("INSERT INTO w VALUES " + ", ".join(f"({i})" for i in range(600)))
        with psycopg.connect(dsn, options="-c statement_timeout=20", autocommit=True) as conn:
            with pytest.raises(errors.QueryCanceled) as info:  # 360,000 row pairs
                conn.execute("SELECT count(*) FROM w a, w b WHERE a.i + b.i > 7")
            conn.execute("SET statement_timeout = 0")
            return str(info.value), conn.execute("SELECT count(*) FROM w").fetchone()[0]
    msg, count = await in_thread(run)
    assert msg == "canceling statement due to statement timeout" and count == 600


async def test_set_values_checked_by_type(db):
    assert await db.err("SET nosuch = 1") == "42704"
    assert await db.err("SET enable_seqscan = maybe") == "22023"
    assert await db.err("SET statement_timeout = -5") == "22023"
    assert await db.err("SET work_mem = '64mb'") == "22023"
    assert await db.err("SET shared_buffers = '1GB'") == "55P02"
    assert await db.err("SET datestyle = 'German'") == "0A000"
    assert await db.err("SET client_encoding = 'LATIN1'") == "0A000"
    await db.run("SET work_mem = 65536")
    await db.run("SET statement_timeout = '90s'")
    await db.run("SET enable_seqscan = of")
    await db.run("SET intervalstyle = 'ISO_8601'")
    await db.run("SET datestyle = 'iso, dmy'")
    await db.run("SET client_encoding = 'utf-8'")
    await db.run("SET my.custom = 'x'")
    got = await db.q("SELECT current_setting('work_mem'), current_setting('statement_timeout'), "
                     "current_setting('enable_seqscan'), current_setting('IntervalStyle'), "
                     "current_setting('DateStyle'), current_setting('client_encoding'), "
                     "current_setting('my.custom'), current_setting('jit')")
    assert got == [("64MB", "90s", "off", "iso_8601", "ISO, DMY", "UTF8", "x", "on")]


async def test_psycopg_server_side_cursor(dsn):
    def run():
        with psycopg.connect(dsn) as conn:
            conn.execute("CREATE TABLE sc (id INTEGER PRIMARY KEY, v TEXT)")
            conn.execute("INSERT INTO sc VALUES " + ", ".join(f"({i}, 'v{i}')" for i in range(1, 251)))
            conn.commit()
            out = {}
            with conn.cursor(name="c1") as cur:
                cur.itersize = 100
                cur.execute("SELECT id, v FROM sc WHERE id > %s ORDER BY id", [10])
                out["one"] = cur.fetchone()
                out["many"] = cur.fetchmany(3)
                out["desc"] = [d.name for d in cur.description]
                out["rest"] = len(cur.fetchall())
                cur.scroll(0, "absolute")
                out["again"] = cur.fetchone()
            with conn.cursor(name="c2", binary=True) as cur:
                cur.execute("SELECT id FROM sc ORDER BY id")
                out["iter"] = sum(r[0] for r in cur)
            conn.commit()
            with pytest.raises(errors.InvalidCursorName):
                conn.execute("FETCH c1")
            conn.rollback()
            held = conn.cursor(name="held", withhold=True)
            held.execute("SELECT id FROM sc WHERE id <= 3 ORDER BY id")
            conn.commit()  # WITH HOLD survives the commit
            out["held"] = held.fetchall()
            held.close()
            conn.commit()
            conn.execute("DECLARE b BINARY CURSOR FOR SELECT id, v FROM sc WHERE id = 7")
            res = conn.pgconn.exec_(b"FETCH b")  # simple query: a binary-format result
            out["binary"] = (res.fformat(0), res.get_value(0, 0), res.fformat(1), res.get_value(0, 1))
            conn.rollback()
            return out
    out = await in_thread(run)
    assert out["one"] == (11, "v11")
    assert out["many"] == [(12, "v12"), (13, "v13"), (14, "v14")]
    assert out["desc"] == ["id", "v"]
    assert out["rest"] == 236
    assert out["again"] == (11, "v11")
    assert out["iter"] == sum(range(1, 251))
    assert out["held"] == [(1,), (2,), (3,)]
    assert out["binary"] == (1, b"\x00\x00\x00\x07", 1, b"v7")


async def test_asyncpg_startup_and_jsonb_codec(dsn):
    """asyncpg sends client_encoding='utf-8' (quoted) and server_settings as
    startup parameters; set_type_codec looks jsonb up in pg_type."""
    import asyncio
    import json

    import asyncpg

    port = int(dsn.split("port=")[1].split()[0])

    async def main():
        conn = await asyncpg.connect(host="127.0.0.1", port=port, user="strata", database="strata",
                                     server_settings={"application_name": "apg", "search_path": "public"})
        try:
            await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads,
                                      schema="pg_catalog")
            return (await conn.fetchval("SELECT current_setting('application_name')"),
                    await conn.fetchval("SELECT $1::jsonb", {"a": [1, None]}))
        finally:
            await conn.close()
    assert await in_thread(lambda: asyncio.run(main())) == ("apg", {"a": [1, None]})
