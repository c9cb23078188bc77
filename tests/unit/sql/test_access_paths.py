"""The engine asks the TxnContext for as few rows as the WHERE allows:
pk equality -> get(), pk range -> scan(lo, hi), else a full scan; UPDATE and
DELETE lock each candidate and re-check the WHERE on the locked row."""

import pytest

from sql.api import Bound
from sql.executor import Executor
from sql.memory_txn import MemoryTxnSource
from sql.session import SqlSession


class RecordingTxn:
    def __init__(self, inner, calls):
        self._inner, self.calls = inner, calls

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def get(self, table, key):
        self.calls.append(("get", table.name, key))
        return await self._inner.get(table, key)

    async def scan(self, table, lo=None, hi=None):
        self.calls.append(("scan", table.name, lo, hi))
        return await self._inner.scan(table, lo, hi)

    async def lock_row(self, table, key):
        self.calls.append(("lock_row", table.name, key))
        return await self._inner.lock_row(table, key)


class RecordingSource:
    def __init__(self):
        self.inner = MemoryTxnSource()
        self.calls = []

    async def begin(self):
        return RecordingTxn(await self.inner.begin(), self.calls)


@pytest.fixture
async def rec():
    source = RecordingSource()
    s = SqlSession(source, Executor())
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
    await s.execute("INSERT INTO t VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')")
    await s.execute("CREATE TABLE kv (a INT, b TEXT, n INT, PRIMARY KEY (a, b))")
    await s.execute("INSERT INTO kv VALUES (1,'x',1),(1,'y',2),(2,'x',3)")
    source.calls.clear()
    return s, source.calls


async def test_pk_equality_uses_get(rec):
    s, calls = rec
    assert (await s.execute("SELECT v FROM t WHERE id = 3")).rows == [("c",)]
    assert calls == [("get", "t", (3,))]
    calls.clear()
    assert (await s.execute("SELECT v FROM t WHERE 2 = id AND v = 'b'")).rows == [("b",)]
    assert calls == [("get", "t", (2,))]
    calls.clear()
    assert (await s.execute("SELECT v FROM t WHERE id = $1", ["4"])).rows == [("d",)]
    assert calls == [("get", "t", (4,))]


async def test_composite_pk_equality_uses_get(rec):
    s, calls = rec
    assert (await s.execute("SELECT n FROM kv WHERE a = 1 AND b = 'y'")).rows == [(2,)]
    assert calls == [("get", "kv", (1, "y"))]
    calls.clear()
    assert (await s.execute("SELECT n FROM kv WHERE a = 1 ORDER BY n")).rows == [(1,), (2,)]
    assert calls == [("scan", "kv", Bound(1, True), Bound(1, True))]


async def test_pk_range_uses_bounded_scan(rec):
    s, calls = rec
    assert (await s.execute("SELECT id FROM t WHERE id > 1 AND id <= 3")).rows == [(2,), (3,)]
    assert calls == [("scan", "t", Bound(1, False), Bound(3, True))]
    calls.clear()
    assert (await s.execute("SELECT id FROM t WHERE id BETWEEN 2 AND 4 AND v <> 'c'")).rows == [(2,), (4,)]
    assert calls == [("scan", "t", Bound(2, True), Bound(4, True))]
    calls.clear()
    assert (await s.execute("SELECT id FROM t WHERE id >= 4")).rows == [(4,), (5,)]
    assert calls == [("scan", "t", Bound(4, True), None)]


async def test_other_predicates_full_scan(rec):
    s, calls = rec
    assert (await s.execute("SELECT id FROM t WHERE v = 'c' OR id = 1")).rows == [(1,), (3,)]
    assert calls == [("scan", "t", None, None)]


async def test_null_bound_reads_nothing(rec):
    s, calls = rec
    assert (await s.execute("SELECT id FROM t WHERE id = NULL")).rows == []
    assert (await s.execute("SELECT id FROM t WHERE id > $1", [None])).rows == []
    assert calls == []


async def test_update_delete_lock_candidates_only(rec):
    s, calls = rec
    assert (await s.execute("UPDATE t SET v = 'z' WHERE id = 2")).command_tag == "UPDATE 1"
    assert calls == [("get", "t", (2,)), ("lock_row", "t", (2,))]
    calls.clear()
    assert (await s.execute("DELETE FROM t WHERE id >= 4 AND v = 'e'")).command_tag == "DELETE 1"
    assert calls == [("scan", "t", Bound(4, True), None), ("lock_row", "t", (5,))]


async def test_where_rechecked_on_locked_row(rec):
    """A concurrent change seen at lock time makes the row no longer match."""
    s, calls = rec
    source_txn = RecordingTxn

    async def changed_lock(self, table, key):
        row = await self._inner.lock_row(table, key)
        return (row[0], "changed") if row else None

    original = source_txn.lock_row
    source_txn.lock_row = changed_lock
    try:
        assert (await s.execute("UPDATE t SET v = 'q' WHERE v = 'a'")).command_tag == "UPDATE 0"
        assert (await s.execute("DELETE FROM t WHERE v = 'b'")).command_tag == "DELETE 0"
    finally:
        source_txn.lock_row = original
    assert (await s.execute("SELECT count(*) FROM t")).rows == [(5,)]
