"""EXPLAIN: the operator tree and, per scan, the pages it reads and their owners."""

import pytest


async def explain(db, sql):
    res = await db.run(sql)
    assert res.command_tag == "EXPLAIN"
    assert [c.name for c in res.columns] == ["QUERY PLAN"]
    return [r[0] for r in res.rows]


@pytest.fixture
async def tables(db):
    await db.run("CREATE TABLE t (id INT PRIMARY KEY, name TEXT)")
    await db.run("CREATE TABLE u (id INT PRIMARY KEY, tid INT)")
    await db.run("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    return db


async def test_point_query_uses_the_primary_key(tables):
    lines = await explain(tables, "EXPLAIN SELECT * FROM t WHERE id = 1")
    assert "  ->  Index Scan using t_pkey on t" in lines
    assert any(line.strip().startswith("Pages: 1 owned by no node") for line in lines)


async def test_join_aggregate_sort_limit_tree(tables):
    lines = await explain(
        tables,
        "EXPLAIN (COSTS OFF) SELECT t.name, count(*) FROM t JOIN u ON u.tid = t.id "
        "GROUP BY 1 ORDER BY 2 LIMIT 3",
    )
    labels = [line.strip().removeprefix("->  ") for line in lines if "Pages" not in line]
    assert labels == ["Limit", "Sort", "HashAggregate", "Hash Join", "Seq Scan on t", "Seq Scan on u"]
    assert lines[1] == "  ->  Sort"


async def test_dml_and_analyze(tables, db):
    lines = await explain(db, "EXPLAIN ANALYZE UPDATE t SET name = 'z' WHERE id = 2")
    assert lines[0] == "Update on t"
    assert lines[-2:][0] == "Result: UPDATE 1"
    assert lines[-1].startswith("Execution Time: ")
    # ANALYZE ran it
    assert await db.q("SELECT name FROM t WHERE id = 2") == [("z",)]
    lines = await explain(db, "EXPLAIN DELETE FROM t WHERE name = 'a'")
    assert lines[0] == "Delete on t"
    assert any(line.strip() == "->  Seq Scan on t" for line in lines)
    assert await db.q("SELECT count(*) FROM t") == [(2,)]


async def test_explain_errors(tables, db):
    assert await db.err("EXPLAIN SELECT * FROM missing") == "42P01"
    assert await db.err("EXPLAIN (FORMAT JSON) SELECT 1") == "0A000"
    assert await db.err("EXPLAIN (BOGUS) SELECT 1") == "42601"
    assert await db.err("EXPLAIN") == "42601"
