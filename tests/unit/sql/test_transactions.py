"""BEGIN/COMMIT/ROLLBACK, the failed-block state (25P02), SET/SHOW, split."""

import pytest

from sql.memory_txn import MemoryTxnSource
from sql.session import SqlSession


async def test_commit_and_rollback(db, source):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY)")
    assert await db.tag("BEGIN") == "BEGIN"
    assert db.s.transaction_status == "T"
    await db.run("INSERT INTO t VALUES (1)")
    assert await db.q("SELECT a FROM t") == [(1,)]  # reads own writes
    other = SqlSession(source)
    assert (await other.execute("SELECT a FROM t")).rows == []  # not yet committed
    assert await db.tag("COMMIT") == "COMMIT"
    assert db.s.transaction_status == "I"
    assert (await other.execute("SELECT a FROM t")).rows == [(1,)]
    await db.run("START TRANSACTION")
    await db.run("DELETE FROM t")
    assert await db.tag("ROLLBACK") == "ROLLBACK"
    assert await db.q("SELECT a FROM t") == [(1,)]


async def test_failed_block_until_rollback(db):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY)")
    await db.run("BEGIN")
    await db.run("INSERT INTO t VALUES (1)")
    assert await db.err("INSERT INTO t VALUES (1)") == "23505"
    assert db.s.transaction_status == "E"
    assert await db.err("SELECT 1") == "25P02"
    assert await db.err("SET x = 1") == "25P02"
    assert await db.tag("ROLLBACK") == "ROLLBACK"
    assert db.s.transaction_status == "I"
    assert await db.q("SELECT count(*) FROM t") == [(0,)]


async def test_commit_of_failed_block_rolls_back(db):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY)")
    await db.run("BEGIN")
    await db.run("INSERT INTO t VALUES (1)")
    assert await db.err("SELEC") == "42601"
    assert await db.tag("COMMIT") == "ROLLBACK"
    assert await db.q("SELECT count(*) FROM t") == [(0,)]
    assert await db.tag("END") == "COMMIT"  # no transaction: a warning, not an error


async def test_ddl_in_block_is_transactional(db):
    await db.run("BEGIN")
    await db.run("CREATE TABLE t (a INT PRIMARY KEY)")
    await db.run("INSERT INTO t VALUES (1)")
    assert await db.q("SELECT a FROM t") == [(1,)]
    await db.run("ROLLBACK")
    assert await db.err("SELECT a FROM t") == "42P01"


async def test_set_and_show(db):
    assert await db.tag("SET application_name = 'x'") == "SET"
    assert await db.tag("SET TIME ZONE 'UTC'") == "SET"
    assert await db.tag("set search_path to public") == "SET"
    res = await db.run("SHOW application_name")
    assert res.rows == [("x",)]
    assert (await db.run("SHOW server_version")).columns[0].name == "server_version"
    assert await db.err("SHOW no_such_setting") == "42704"


def test_split_respects_quotes_and_comments():
    s = SqlSession(MemoryTxnSource())
    assert s.split("SELECT 'a;b'; SELECT 2;; ") == ["SELECT 'a;b'", "SELECT 2"]
    assert s.split("SELECT 1 -- x;y\n; SELECT $$;$$") == ["SELECT 1 -- x;y", "SELECT $$;$$"]
    assert s.split("SELECT 1") == ["SELECT 1"]
    assert s.split("  ") == []


async def test_close_rolls_back(db, source):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY)")
    await db.run("BEGIN")
    await db.run("INSERT INTO t VALUES (1)")
    await db.s.close()
    assert (await SqlSession(source).execute("SELECT count(*) FROM t")).rows == [(0,)]


@pytest.mark.parametrize("stmt", ["BEGIN", "BEGIN TRANSACTION", "START TRANSACTION ISOLATION LEVEL READ COMMITTED", "begin;"])
async def test_begin_spellings(db, stmt):
    assert await db.tag(stmt) == "BEGIN"
    assert db.s.transaction_status == "T"
