"""ORDER BY / LIMIT / OFFSET, aggregates and GROUP BY, NULL semantics."""

from decimal import Decimal

from sql import oids


async def make_scores(db):
    await db.run("CREATE TABLE s (id INT PRIMARY KEY, team TEXT, pts INT, w DOUBLE PRECISION)")
    await db.run(
        "INSERT INTO s VALUES (1, 'a', 10, 1.5), (2, 'b', NULL, 2.5), (3, 'a', 30, NULL), "
        "(4, 'b', 20, 0.5), (5, NULL, 5, 1.0)"
    )


async def test_order_by_directions_and_nulls(db):
    await make_scores(db)
    assert await db.q("SELECT id FROM s ORDER BY pts") == [(5,), (1,), (4,), (3,), (2,)]
    assert await db.q("SELECT id FROM s ORDER BY pts DESC") == [(2,), (3,), (4,), (1,), (5,)]
    assert await db.q("SELECT id FROM s ORDER BY pts DESC NULLS LAST") == [(3,), (4,), (1,), (5,), (2,)]
    assert await db.q("SELECT id FROM s ORDER BY pts NULLS FIRST") == [(2,), (5,), (1,), (4,), (3,)]
    assert await db.q("SELECT id, team FROM s ORDER BY team DESC, id") == [
        (5, None), (2, "b"), (4, "b"), (1, "a"), (3, "a"),
    ]


async def test_order_by_position_alias_and_expression(db):
    await make_scores(db)
    assert await db.q("SELECT id, pts * 2 AS d FROM s WHERE pts IS NOT NULL ORDER BY 2 DESC") == [
        (3, 60), (4, 40), (1, 20), (5, 10),
    ]
    assert await db.q("SELECT id, -id AS neg FROM s ORDER BY neg LIMIT 2") == [(5, -5), (4, -4)]
    assert await db.q("SELECT id FROM s ORDER BY id % 2, id") == [(2,), (4,), (1,), (3,), (5,)]


async def test_limit_offset(db):
    await make_scores(db)
    assert await db.q("SELECT id FROM s ORDER BY id LIMIT 2") == [(1,), (2,)]
    assert await db.q("SELECT id FROM s ORDER BY id LIMIT 2 OFFSET 3") == [(4,), (5,)]
    assert await db.q("SELECT id FROM s ORDER BY id OFFSET 4") == [(5,)]
    assert await db.q("SELECT id FROM s WHERE id > 1 LIMIT 2") == [(2,), (3,)]
    assert await db.q("SELECT id FROM s LIMIT $1", ["1"]) == [(1,)]


async def test_aggregates_without_group(db):
    await make_scores(db)
    res = await db.run("SELECT count(*), count(pts), sum(pts), avg(pts), min(pts), max(team) FROM s")
    assert res.rows == [(5, 4, 65, Decimal("16.2500000000000000"), 5, "b")]
    assert [c.type_oid for c in res.columns] == [
        oids.INT8, oids.INT8, oids.INT8, oids.NUMERIC, oids.INT4, oids.TEXT,
    ]
    assert [c.name for c in res.columns] == ["count", "count", "sum", "avg", "min", "max"]


async def test_aggregates_on_empty_table(db):
    await db.run("CREATE TABLE e (a INT PRIMARY KEY, b BIGINT)")
    res = await db.run("SELECT count(*), sum(a), max(a), sum(b) FROM e")
    assert res.rows == [(0, None, None, None)]
    assert res.columns[3].type_oid == oids.NUMERIC
    assert await db.q("SELECT a, count(*) FROM e GROUP BY a") == []


async def test_group_by_having(db):
    await make_scores(db)
    rows = await db.q("SELECT team, count(*), sum(pts) FROM s GROUP BY team ORDER BY team")
    assert rows == [("a", 2, 40), ("b", 2, 20), (None, 1, 5)]
    rows = await db.q("SELECT team, sum(w) AS total FROM s GROUP BY 1 HAVING count(*) > 1 ORDER BY total")
    assert rows == [("a", 1.5), ("b", 3.0)]
    rows = await db.q("SELECT team, max(pts) - min(pts) FROM s GROUP BY team ORDER BY 2 DESC NULLS LAST")
    assert rows == [("a", 20), ("b", 0), (None, 0)]


async def test_grouping_error(db):
    await make_scores(db)
    assert await db.err("SELECT team, pts FROM s GROUP BY team") == "42803"
    assert await db.err("SELECT id FROM s WHERE count(*) > 1") == "42803"


async def test_null_three_valued_logic(db):
    row = (await db.q(
        "SELECT NULL = NULL, NULL <> 1, NULL AND false, NULL AND true, NULL OR true, "
        "NULL OR false, NOT NULL, NULL IS NULL, 1 IS NOT NULL, 1 IN (2, NULL), 1 IN (1, NULL), "
        "NULL + 1, 'a' || NULL, coalesce(NULL, NULL, 'z')"
    ))[0]
    assert row == (None, None, False, None, True, None, None, True, True, None, True, None, None, "z")


async def test_null_rows_not_matched_by_where(db):
    await make_scores(db)
    assert await db.q("SELECT id FROM s WHERE pts > 0 ORDER BY id") == [(1,), (3,), (4,), (5,)]
    assert await db.q("SELECT id FROM s WHERE NOT (pts > 0)") == []
    assert await db.q("SELECT id FROM s WHERE pts IS NULL") == [(2,)]
    assert await db.q("SELECT id FROM s WHERE team = NULL") == []
