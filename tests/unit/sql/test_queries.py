"""Joins, subqueries, set operations, DISTINCT, CTEs and CREATE INDEX."""

from decimal import Decimal

import pytest


@pytest.fixture
async def t(db):
    await db.run("CREATE TABLE t1(a int PRIMARY KEY, b int)")
    await db.run("CREATE TABLE t2(x int, y text)")
    await db.run("INSERT INTO t1 VALUES (1, 2), (3, NULL), (5, 6)")
    await db.run("INSERT INTO t2 VALUES (1, 'one'), (5, 'five'), (5, 'cinq'), (7, 'seven')")
    return db


async def test_comma_join_with_pushdown_and_hash_keys(t):
    rows = await t.q("SELECT a, y FROM t2, t1 WHERE x = a AND b > 1 ORDER BY a, y")
    assert rows == [(1, "one"), (5, "cinq"), (5, "five")]


async def test_star_keeps_from_order(t):
    rows = await t.q("SELECT * FROM t2, t1 WHERE t1.a = 1 AND t2.x = t1.a")
    assert rows == [(1, "one", 1, 2)]


async def test_outer_joins(t):
    assert await t.q("SELECT a, y FROM t1 LEFT JOIN t2 ON x = a ORDER BY 1, 2") == [
        (1, "one"), (3, None), (5, "cinq"), (5, "five")]
    assert await t.q("SELECT a, x FROM t1 RIGHT JOIN t2 ON x = a AND y <> 'five' ORDER BY 2, 1") == [
        (1, 1), (5, 5), (None, 5), (None, 7)]
    assert await t.q("SELECT a, x FROM t1 FULL JOIN t2 ON x = a + 100 ORDER BY 1, 2") == [
        (1, None), (3, None), (5, None), (None, 1), (None, 5), (None, 5), (None, 7)]
    assert await t.q("SELECT count(*) FROM t1 CROSS JOIN t2") == [(12,)]
    assert await t.q("SELECT count(*) FROM t1 JOIN t2 ON a < x") == [(7,)]


async def test_scalar_exists_in_subqueries(t):
    assert await t.q("SELECT a, (SELECT count(*) FROM t2 WHERE x = t1.a) FROM t1 ORDER BY a") == [
        (1, 1), (3, 0), (5, 2)]
    assert await t.q("SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE x = a) ORDER BY a") == [(1,), (5,)]
    assert await t.q("SELECT a FROM t1 WHERE a NOT IN (SELECT x FROM t2) ORDER BY a") == [(3,)]
    assert await t.q("SELECT 3 IN (SELECT b FROM t1), 3 IN (SELECT a FROM t1 WHERE a > 9)") == [(None, False)]
    assert await t.q("SELECT (SELECT b FROM t1 WHERE a = 4)") == [(None,)]
    assert await t.err("SELECT (SELECT a FROM t1)") == "21000"
    assert await t.err("SELECT (SELECT a, b FROM t1)") == "42601"


async def test_set_operations(t):
    assert await t.q("SELECT x FROM t2 UNION SELECT a FROM t1 ORDER BY 1") == [(1,), (3,), (5,), (7,)]
    assert await t.q("SELECT x FROM t2 UNION ALL SELECT a FROM t1 ORDER BY 1 DESC LIMIT 2") == [(7,), (5,)]
    assert await t.q("SELECT x FROM t2 INTERSECT SELECT a FROM t1 ORDER BY x") == [(1,), (5,)]
    assert await t.q("SELECT x FROM t2 EXCEPT ALL SELECT a FROM t1 ORDER BY x") == [(5,), (7,)]
    assert await t.q("SELECT a FROM t1 UNION SELECT 2.5 ORDER BY 1") == [
        (Decimal(1),), (Decimal("2.5"),), (Decimal(3),), (Decimal(5),)]
    assert await t.err("SELECT a, b FROM t1 UNION SELECT x FROM t2") == "42601"
    assert await t.err("SELECT a FROM t1 UNION SELECT y FROM t2") == "42804"


async def test_distinct_cte_derived_table(t):
    assert await t.q("SELECT DISTINCT x FROM t2 ORDER BY x") == [(1,), (5,), (7,)]
    assert await t.q("SELECT count(DISTINCT x) FROM t2") == [(3,)]
    assert await t.err("SELECT DISTINCT x FROM t2 ORDER BY y") == "42P10"
    assert await t.q("WITH c(k) AS (SELECT x FROM t2 WHERE x > 1) SELECT k FROM c ORDER BY k") == [
        (5,), (5,), (7,)]
    assert await t.q("SELECT s.v FROM (SELECT a * 10 AS v FROM t1) AS s WHERE s.v > 10 ORDER BY 1") == [
        (30,), (50,)]


async def test_distinct_from_and_errors(t):
    assert await t.q("SELECT a FROM t1 WHERE b IS NOT DISTINCT FROM NULL") == [(3,)]
    assert await t.q("SELECT count(*) FROM t1 WHERE b IS DISTINCT FROM 2") == [(2,)]
    assert await t.err("SELECT a FROM t1, t2 WHERE a = q") == "42703"
    assert await t.err("SELECT x FROM t1 AS x1, t2 AS x1") == "42712"
    assert await t.err("SELECT a FROM t1, t1 AS z WHERE a = 1") == "42702"
    assert await t.err("SELECT nope.a FROM t1") == "42P01"
    assert await t.err("SELECT 2147483647 + a FROM t1") == "22003"
    assert await t.err("SELECT a / (b - b) FROM t1 WHERE a = 1") == "22012"


async def test_create_index_is_accepted_and_checked(t):
    assert await t.tag("CREATE INDEX t1b ON t1(b)") == "CREATE INDEX"
    assert await t.err("CREATE INDEX t1z ON t1(z)") == "42703"
    assert await t.err("CREATE INDEX t9a ON t9(a)") == "42P01"
