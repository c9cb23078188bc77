"""JOIN USING / NATURAL JOIN (sql/joinusing.py), DISTINCT ON, array_agg and
aggregate FILTER.  Expected rows as PostgreSQL 15 returns them."""

import pytest


@pytest.fixture
async def jdb(db):
    await db.run("create table a (id int, x int)")
    await db.run("create table b (id int, y int)")
    await db.run("create table c (id int, x int, z int)")
    await db.run("insert into a values (1, 10), (2, 20)")
    await db.run("insert into b values (2, 200), (3, 300)")
    await db.run("insert into c values (2, 20, 5), (3, 30, 6)")
    return db


async def test_using_merges_the_column(jdb):
    res = await jdb.run("select * from a join b using (id)")
    assert [c.name for c in res.columns] == ["id", "x", "y"]
    assert res.rows == [(2, 20, 200)]
    assert await jdb.q("select * from a full join b using (id) order by 1") == [
        (1, 10, None), (2, 20, 200), (3, None, 300)]
    assert await jdb.q("select id, a.id, b.id from a right join b using (id) order by 1") == [
        (2, 2, 2), (3, None, 3)]
    assert await jdb.q("select a.*, b.* from a join b using (id)") == [(2, 20, 2, 200)]


async def test_natural_and_chained_joins(jdb):
    assert await jdb.q("select * from a natural join c") == [(2, 20, 5)]
    assert await jdb.q("select * from a join b using (id) join c using (id)") == [(2, 20, 200, 20, 5)]
    assert await jdb.q("select * from a natural join b natural full join c order by 1") == [
        (2, 20, 200, 5), (3, 30, None, 6)]
    assert await jdb.q("select * from a natural join (select 1 as q) s order by 1") == [(1, 10, 1), (2, 20, 1)]
    assert len(await jdb.q("select * from a, b join c using (id)")) == 4


async def test_merged_column_in_where(jdb):
    assert await jdb.q("select * from a join b using (id) where id = 2") == [(2, 20, 200)]
    assert await jdb.q("select id from a full join b using (id) where id > 1 order by id") == [(2,), (3,)]
    assert await jdb.q("select count(*) from a left join b using (id) where y is null") == [(1,)]


async def test_using_errors(jdb):
    assert await jdb.err("select * from a join b using (nope)") == "42703"
    assert await jdb.err("select * from a join b using (id, id)") == "42701"
    assert await jdb.err("select id from a, b join c using (id)") == "42702"


async def test_distinct_on(db):
    await db.run("create table w (g int, x int, y text)")
    await db.run("insert into w values (1,1,'a'),(1,2,'b'),(1,2,'c'),(2,5,'d'),(2,null,'e'),(3,7,null)")
    assert await db.q("select distinct on (g) g, y from w order by g, y desc") == [(1, "c"), (2, "e"), (3, None)]
    assert await db.q("select distinct on (g, x) g, x, y from w order by g") == [
        (1, 1, "a"), (1, 2, "b"), (2, 5, "d"), (2, None, "e"), (3, 7, None)]
    assert await db.q("select distinct on (g) y from w order by g, x desc nulls last") == [("b",), ("d",), (None,)]
    assert await db.q("select distinct on (1) g, y from w") == [(1, "a"), (2, "d"), (3, None)]
    assert await db.err("select distinct on (g) g, y from w order by y") == "42P10"


async def test_array_agg_and_filter(db):
    await db.run("create table w (g int, x int)")
    await db.run("insert into w values (1, 1), (1, 2), (1, 2), (2, 5), (2, null), (3, 7)")
    (row,) = await db.q("select array_agg(distinct x order by x desc), array_agg(distinct x),"
                        " array_agg(x order by x desc) from w")
    assert [list(v) for v in row] == [[None, 7, 5, 2, 1], [1, 2, 5, 7, None], [None, 7, 5, 2, 2, 1]]
    res = await db.run("select g, array_agg(x), count(*) filter (where x > 1), sum(x) filter (where g > 1)"
                       " from w group by g order by g")
    assert [(g, list(arr), n, s) for g, arr, n, s in res.rows] == [
        (1, [1, 2, 2], 2, None), (2, [5, None], 1, 5), (3, [7], 1, 7)]
    assert res.columns[1].type_oid == 1007  # int4[]
    assert await db.q("select array_agg(x)::text from w where x > 100") == [(None,)]
    assert await db.q("select array_agg(x order by x)::text from w where g = 1") == [("{1,2,2}",)]
    assert await db.err("select x from w where count(*) filter (where x > 1) > 0") == "42803"
