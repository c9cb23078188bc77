"""String and math functions, aggregates and the PostgreSQL corner cases the
differential test found (every expected value below is PostgreSQL 15's)."""

from decimal import Decimal

import pytest


async def one(db, sql):
    (row,) = await db.q(sql)
    return row


async def test_string_functions(db):
    assert await one(db, "SELECT position('b' in 'abc'), strpos('abc', 'c'), substr('hello', -1, 3), "
                         "substr('hello', 0), left('hello', -2), right('hello', -2), right('10', 3)") == (
        2, 3, "h", "hello", "hel", "llo", "10")
    assert await one(db, "SELECT lpad('hello', 3, 'xy'), lpad('hi', 5, 'xy'), rpad('hi', 5, 'xy'), "
                         "lpad('hi', 5, ''), replace('abc', '', 'x'), btrim('xxaxx', 'x')") == (
        "hel", "xyxhi", "hixyx", "hi", "abc", "a")
    assert await one(db, "SELECT ltrim('  x '), rtrim(' x  '), trim(' x '), initcap('hello wORLD'), "
                         "reverse('abc'), repeat('ab', 2), repeat('ab', -1)") == (
        "x ", " x", "x", "Hello World", "cba", "abab", "")
    assert await one(db, "SELECT 'a' || true, concat('a', true, 1.50, NULL), true::text, 'a' || 1.50, "
                         "concat_ws(NULL, 'a'), concat_ws(',', NULL, 'a', 1)") == (
        "atrue", "at1.50", "true", "a1.50", None, "a,1")
    assert await db.err("SELECT substr('abc', 1, -1)") == "22011"
    assert await db.err("SELECT upper(1)") == "42883"


async def test_math_functions(db):
    row = await one(db, "SELECT round(2.5::float8), round(2.5), round(-2.5), ceil(2.1), floor(-2.1), "
                        "trunc(2.567, 2), trunc(-2.5), round(12.345, -1), ceil(1.50), power(2, 3), sqrt(2.0)")
    assert row == (2.0, Decimal("3"), Decimal("-3"), Decimal("3"), Decimal("-3"), Decimal("2.56"), Decimal("-2"),
                   Decimal("10"), Decimal("2"), 8.0, Decimal("1.414213562373095"))
    assert [str(v) for v in row[1:9] if isinstance(v, Decimal)] == ["3", "-3", "3", "-3", "2.56", "-2", "10", "2"]
    assert await one(db, "SELECT greatest(1, 2.5), greatest(1, NULL), least(3::bigint, 2), greatest('a', 'b')") == (
        Decimal("2.5"), 1, 2, "b")
    assert await one(db, "SELECT sqrt(2)::numeric, round(-0.4), -0.0 * 1") == (
        Decimal("1.4142135623731"), Decimal("0"), Decimal("0.0"))
    assert str((await one(db, "SELECT round(-0.4)"))[0]) == "0"
    assert await db.err("SELECT sqrt(-1)") == "2201F"


async def test_numeric_scale_and_precision(db):
    assert [str(v) for v in await one(db, "SELECT 1.5 * 2.25, 1.10 + 2.2, 10 / 4.0, 1 / 3.0, 10.0 / 3")] == [
        "3.375", "3.30", "2.5000000000000000", "0.33333333333333333333", "3.3333333333333333"]
    big = await one(db, "SELECT 1000000000.12345678901234567890 - 0.00000000000000000001")
    assert str(big[0]) == "1000000000.12345678901234567889"


async def test_integer_edges(db):
    assert await db.err("SELECT 2147483647 + 1") == "22003"
    assert await db.err("SELECT -2147483648 / -1") == "22003"
    assert await db.err("SELECT 5 / 0") == "22012"
    assert await one(db, "SELECT (-2147483648) % -1, -2147483648") == (0, -2147483648)
    assert await one(db, "SELECT '10'::int, ' 10 '::int, 2.5::int, (-2.5)::int, true::int") == (10, 10, 3, -3, 1)


async def test_aggregates(db):
    await db.run("CREATE TABLE a(k int PRIMARY KEY, s text, b boolean, n numeric(6,2))")
    await db.run("INSERT INTO a VALUES (1, 'x', true, 1.25), (2, 'y', false, 2.50), (3, NULL, NULL, NULL), "
                 "(4, 'x', true, NULL)")
    row = await one(db, "SELECT string_agg(s, ',' ORDER BY s DESC), string_agg(DISTINCT s, '|' ORDER BY s), "
                        "bool_and(b), bool_or(b), every(b), avg(n), sum(n) FROM a")
    assert row == ("y,x,x", "x|y", False, True, False, Decimal("1.8750000000000000"), Decimal("3.75"))
    assert str(row[5]) == "1.8750000000000000"
    assert await db.err("SELECT min(b) FROM a") == "42883"
    assert await db.err("SELECT string_agg(DISTINCT s, ',' ORDER BY k) FROM a") == "42P10"


@pytest.mark.parametrize("sql, state", [
    ("SELECT 1 FROM a ORDER BY true", "42601"),
    ("SELECT 1 FROM a ORDER BY -3.75", "42601"),
    ("SELECT 1 FROM a ORDER BY (- 5)", "42703"),
    ("SELECT 1 FROM a GROUP BY 0.5", "42601"),
    ("SELECT 1 FROM a x, a y JOIN a z ON x.k = z.k", "42P01"),
])
async def test_constant_keys_and_visibility(db, sql, state):
    await db.run("CREATE TABLE a(k int PRIMARY KEY)")
    assert await db.err(sql) == state


async def test_comma_then_outer_join_crosses_the_chain(db):
    await db.run("CREATE TABLE p(k int PRIMARY KEY)")
    await db.run("CREATE TABLE q(k int PRIMARY KEY)")
    await db.run("INSERT INTO p VALUES (1), (2)")
    await db.run("INSERT INTO q VALUES (2), (3)")
    rows = await db.q("SELECT x.k, p.k, q.k FROM p x, p FULL JOIN q ON p.k = q.k ORDER BY 1, 2, 3")
    assert rows == [(1, 1, None), (1, 2, 2), (1, None, 3), (2, 1, None), (2, 2, 2), (2, None, 3)]


async def test_limit_zero_reads_nothing(db):
    await db.run("CREATE TABLE z(k int PRIMARY KEY, v int)")
    await db.run("INSERT INTO z VALUES (1, 0)")
    assert await db.q("SELECT 1 / v FROM z ORDER BY 1 LIMIT 0") == []
