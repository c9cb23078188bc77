"""The plan cache keyed on statement shape (sql.stmt_cache, Executor.execute)."""

from decimal import Decimal

import pytest

from sql import stmt_cache
from sql.executor import Executor
from sql.memory_txn import MemoryTxnSource
from sql.session import SqlSession


@pytest.fixture
def executor():
    return Executor()


@pytest.fixture
def s(executor):
    return SqlSession(MemoryTxnSource(), executor)


async def rows(s, sql):
    return (await s.execute(sql)).rows


def test_literal_spans_skip_comments_identifiers_and_refuse_escapes():
    sql = "SELECT \"c1\", 'it''s' -- 5\nFROM t2 WHERE a = 10 AND b = 1.5e3 /* 7 */"
    lits = stmt_cache.literal_spans(sql)
    assert [lit.text for lit in lits] == ["'it''s'", "10", "1.5e3"]
    assert [lit.value for lit in lits] == ["it's", 10, Decimal("1.5e3")]
    assert stmt_cache.shape(sql, lits).count("?") == 3
    assert stmt_cache.literal_spans("SELECT E'a\\nb'") is None
    assert stmt_cache.literal_spans("SELECT $1") is None
    assert stmt_cache.literal_spans("SELECT $$x$$") is None


async def test_same_shape_other_constants_reuse_one_plan(s, executor):
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT, n NUMERIC(6,2))")
    for i in range(1, 6):
        await s.execute(f"INSERT INTO t VALUES ({i}, 'n{i}', {i}.25)")
    before = executor.stats.misses
    assert await rows(s, "SELECT name FROM t WHERE id = 2") == [("n2",)]
    assert await rows(s, "SELECT name FROM t WHERE id = 4") == [("n4",)]
    assert await rows(s, "SELECT name FROM t WHERE id = 5") == [("n5",)]
    assert executor.stats.misses == before + 1
    assert executor.stats.shape_hits >= 2
    # the INSERTs above shared one plan too
    assert executor.stats.shape_hits >= 6


async def test_fixed_constants_keep_their_meaning(s):
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT)")
    await s.execute("INSERT INTO t VALUES (1, 'b'), (2, 'a')")
    assert await rows(s, "SELECT id, name FROM t ORDER BY 1") == [(1, "b"), (2, "a")]
    assert await rows(s, "SELECT id, name FROM t ORDER BY 2") == [(2, "a"), (1, "b")]
    assert await rows(s, "SELECT id FROM t ORDER BY id LIMIT 1") == [(1,)]
    assert await rows(s, "SELECT id FROM t ORDER BY id LIMIT 2") == [(1,), (2,)]
    assert await rows(s, "SELECT 'x' || name FROM t WHERE id = 1") == [("xb",)]
    assert await rows(s, "SELECT 'y' || name FROM t WHERE id = 2") == [("ya",)]


async def test_constant_types_are_the_literals_types(s):
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    await s.execute("INSERT INTO t VALUES (1, 1), (2, 2)")
    assert await rows(s, "SELECT id FROM t WHERE v = 1.5") == []
    assert await rows(s, "SELECT id FROM t WHERE v = 2") == [(2,)]
    assert await rows(s, "SELECT id FROM t WHERE v < 1.5") == [(1,)]
    assert await rows(s, "SELECT id FROM t WHERE v = 3000000000") == []
    with pytest.raises(Exception) as info:
        await s.execute("SELECT id FROM t WHERE id = 'abc'")
    assert info.value.sqlstate == "22P02"
    assert await rows(s, "SELECT id FROM t WHERE id = '2'") == [(2,)]


async def test_overflow_and_negative_constants(s):
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    await s.execute("INSERT INTO t VALUES (1, 2147483647)")
    with pytest.raises(Exception) as info:
        await s.execute("UPDATE t SET v = v + 1 WHERE id = 1")
    assert info.value.sqlstate == "22003"
    await s.execute("UPDATE t SET v = v + -7 WHERE id = 1")
    await s.execute("UPDATE t SET v = v + -3 WHERE id = 1")
    assert await rows(s, "SELECT v FROM t WHERE id = 1") == [(2147483637,)]
    await s.execute("INSERT INTO t VALUES (2, -2147483648)")
    assert await rows(s, "SELECT v FROM t WHERE id = 2") == [(-2147483648,)]


async def test_ddl_forces_a_new_plan(s):
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT)")
    await s.execute("INSERT INTO t VALUES (1, 'a')")
    assert await rows(s, "SELECT * FROM t WHERE id = 1") == [(1, "a")]
    await s.execute("DROP TABLE t")
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT, extra INT)")
    await s.execute("INSERT INTO t VALUES (2, 'b', 7)")
    assert await rows(s, "SELECT * FROM t WHERE id = 2") == [(2, "b", 7)]


async def test_normalisation_off_plans_every_text():
    executor = Executor(normalise=False)
    s = SqlSession(MemoryTxnSource(), executor)
    await s.execute("CREATE TABLE t (id INT PRIMARY KEY)")
    for i in range(3):
        await s.execute(f"INSERT INTO t VALUES ({i})")
    assert executor.stats.shape_hits == 0
    assert executor.stats.misses == 4


async def test_ddl_text_is_never_parameterised(s, executor):
    await s.execute("CREATE TABLE c1 (a INT CHECK (a > 0), b INT DEFAULT 5)")
    await s.execute("CREATE TABLE c2 (a INT CHECK (a > 1), b INT DEFAULT 6)")
    await s.execute("INSERT INTO c1 (a) VALUES (1)")
    await s.execute("INSERT INTO c2 (a) VALUES (2)")
    assert await rows(s, "SELECT a, b FROM c1") == [(1, 5)]
    assert await rows(s, "SELECT a, b FROM c2") == [(2, 6)]
    with pytest.raises(Exception) as info:
        await s.execute("INSERT INTO c2 (a) VALUES (1)")
    assert info.value.sqlstate == "23514"
