"""SELECT ... FOR UPDATE / SHARE (sql/locking.py): which rows are locked, the
Read Committed re-check on the locked version, and where PostgreSQL refuses it."""

import pytest

from sql.memory_txn import MemoryTxn


@pytest.fixture
async def ldb(db, monkeypatch):
    await db.run("create table a (id int primary key, x int)")
    await db.run("create table b (id int primary key, y int)")
    await db.run("insert into a values (1, 10), (2, 20), (3, 30)")
    await db.run("insert into b values (2, 200), (3, 300)")
    locked = []
    original = MemoryTxn.lock_row

    async def lock_row(self, table, key):
        locked.append((table.name, key))
        return await original(self, table, key)

    monkeypatch.setattr(MemoryTxn, "lock_row", lock_row)
    db.locked = locked
    return db


async def test_for_update_locks_rows_passing_the_pushed_filter(ldb):
    assert await ldb.q("select * from a where x >= 20 for update") == [(2, 20), (3, 30)]
    assert sorted(ldb.locked) == [("a", (2,)), ("a", (3,))]


async def test_pk_lookup_locks_one_row(ldb):
    assert await ldb.q("select x from a where id = 2 for no key update") == [(20,)]
    assert ldb.locked == [("a", (2,))]


async def test_of_limits_the_locked_tables(ldb):
    rows = await ldb.q("select a.id, y from a join b on a.id = b.id for update of b")
    assert sorted(rows) == [(2, 200), (3, 300)]
    assert sorted(ldb.locked) == [("b", (2,)), ("b", (3,))]
    ldb.locked.clear()
    await ldb.q("select * from a, b where a.id = b.id and b.y = 300 for share")
    assert sorted(ldb.locked) == [("a", (1,)), ("a", (2,)), ("a", (3,)), ("b", (3,))]


async def test_locked_version_is_rechecked(ldb, monkeypatch):
    """lock_row returns the newest committed row; a row that changed so it no
    longer matches is dropped, one that still matches is returned as it is now."""
    async def lock_row(self, table, key):
        return {(1,): (1, 99), (2,): (2, 21), (3,): None}[key]

    monkeypatch.setattr(MemoryTxn, "lock_row", lock_row)
    assert await ldb.q("select * from a where x < 50 for update") == [(2, 21)]


async def test_without_for_update_nothing_is_locked(ldb):
    await ldb.q("select * from a where x > 0")
    assert ldb.locked == []


async def test_where_postgres_refuses_it(ldb):
    assert await ldb.err("select count(*) from a for update") == "0A000"
    assert await ldb.err("select x from a group by x for update") == "0A000"
    assert await ldb.err("select distinct x from a for share") == "0A000"
    assert await ldb.err("select x from a union select y from b for update") == "0A000"
    assert await ldb.err("select row_number() over () from a for update") == "0A000"
    assert await ldb.err("select * from a left join b on a.id = b.id for update") == "0A000"
    assert await ldb.err("select * from a for update of nope") == "42P01"
    assert await ldb.err("select * from a for update nowait") == "0A000"
    assert await ldb.err("select * from (select * from a) s for update") == "0A000"
    rows = await ldb.q("select a.id from a left join b on a.id = b.id for update of a")
    assert sorted(rows) == [(1,), (2,), (3,)]
