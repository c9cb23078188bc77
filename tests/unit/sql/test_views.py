"""CREATE [OR REPLACE] VIEW / DROP VIEW (sql/views.py); expected results and
SQLSTATEs as PostgreSQL 15 gives them."""

import pytest


@pytest.fixture
async def vdb(db):
    await db.run("create table t (a int primary key, b text)")
    await db.run("insert into t values (1, 'x'), (2, 'y'), (3, 'z')")
    return db


async def test_view_is_planned_as_derived_table(vdb):
    assert await vdb.tag("create view v as select a, b from t where a > 1") == "CREATE VIEW"
    assert await vdb.q("select * from v order by a") == [(2, "y"), (3, "z")]
    assert await vdb.q("select x.b from v x where x.a = 3") == [("z",)]
    assert await vdb.q("select count(*) from v join t using (a)") == [(2,)]


async def test_view_sees_later_rows_and_column_names(vdb):
    await vdb.run("create view v (k, label) as select a, upper(b) from t")
    await vdb.run("insert into t values (4, 'w')")
    assert await vdb.q("select label from v where k = 4") == [("W",)]
    res = await vdb.run("select * from v")
    assert [c.name for c in res.columns] == ["k", "label"]


async def test_view_of_view_and_where_pushdown(vdb):
    await vdb.run("create view v as select a, b from t")
    await vdb.run("create view w as select a * 10 as ten from v where a < 3")
    assert await vdb.q("select ten from w order by 1") == [(10,), (20,)]


async def test_create_view_errors(vdb):
    await vdb.run("create view v as select a from t")
    assert await vdb.err("create view v as select 1") == "42P07"
    assert await vdb.err("create view t as select 1") == "42P07"
    assert await vdb.err("create or replace view t as select 1") == "42809"
    assert await vdb.err("create view w (x, y) as select 1") == "42601"
    assert await vdb.err("create view w (x, x) as select 1, 2") == "42701"
    assert await vdb.err("create view w as select $1") == "42P02"
    assert await vdb.err("create view w as select * from nope") == "42P01"


async def test_create_or_replace_rules(vdb):
    await vdb.run("create view v as select a, b from t")
    assert await vdb.err("create or replace view v as select a from t") == "42P16"
    assert await vdb.err("create or replace view v as select b, a from t") == "42P16"
    assert await vdb.err("create or replace view v as select a::bigint as a, b from t") == "42P16"
    assert await vdb.tag("create or replace view v as select a, b, a * 2 as c from t") == "CREATE VIEW"
    assert await vdb.q("select c from v where a = 2") == [(4,)]
    assert await vdb.err("create or replace view v as select a, b, c from v") == "42P17"


async def test_drop_view_and_dependencies(vdb):
    await vdb.run("create view v as select a, b from t")
    await vdb.run("create view w as select a from v")
    assert await vdb.err("drop table v") == "42809"
    assert await vdb.err("drop view t") == "42809"
    assert await vdb.err("drop view nope") == "42P01"
    assert await vdb.err("drop table t") == "2BP01"
    assert await vdb.err("drop view v") == "2BP01"
    assert await vdb.tag("drop view if exists nope, w") == "DROP VIEW"
    assert await vdb.tag("drop view v") == "DROP VIEW"
    assert await vdb.err("select * from v") == "42P01"
    assert await vdb.q("select count(*) from t") == [(3,)]


async def test_drop_cascade_drops_dependent_views(vdb):
    await vdb.run("create view v as select a from t")
    await vdb.run("create view w as select a from v")
    assert await vdb.tag("drop table t cascade") == "DROP TABLE"
    assert await vdb.err("select * from w") == "42P01"
    assert await vdb.err("select * from v") == "42P01"


async def test_views_are_not_updatable(vdb):
    await vdb.run("create view v as select a, b from t")
    assert await vdb.err("insert into v values (9, 'q')") == "0A000"
    assert await vdb.err("update v set b = 'q'") == "0A000"
    assert await vdb.err("delete from v") == "0A000"


async def test_view_in_transaction_rolls_back(vdb):
    await vdb.run("begin")
    await vdb.run("create view v as select a from t")
    assert await vdb.q("select count(*) from v") == [(3,)]
    await vdb.run("rollback")
    assert await vdb.err("select * from v") == "42P01"


async def test_replaced_view_replans_cached_plan(vdb):
    await vdb.run("create view v as select a from t where a = 1")
    assert await vdb.q("select * from v") == [(1,)]
    await vdb.run("create or replace view v as select a from t where a = 2")
    assert await vdb.q("select * from v") == [(2,)]


async def test_view_does_not_see_outer_ctes(vdb):
    await vdb.run("create view v as select a from t")
    assert await vdb.q("with t as (select 100 as a) select count(*) from v") == [(3,)]


async def test_untyped_view_columns_are_text(vdb):
    await vdb.run("create view v as select 'a' as s, null as n")
    res = await vdb.run("select * from v")
    assert res.rows == [("a", None)]
    assert [c.type_oid for c in res.columns] == [25, 25]


async def test_views_in_catalog(vdb):
    await vdb.run("create view v as select a, b from t where a > 1")
    assert await vdb.q("select relname, relkind from pg_class where relname in ('t', 'v') order by 1") == [
        ("t", "r"), ("v", "v")]
    assert await vdb.q("select viewname from pg_views") == [("v",)]
    assert await vdb.q("select tablename from pg_tables") == [("t",)]
    assert await vdb.q("select table_name, table_type from information_schema.tables "
                       "where table_schema = 'public' order by 1") == [("t", "BASE TABLE"), ("v", "VIEW")]
    assert await vdb.q("select table_name from information_schema.views") == [("v",)]
    (definition,), = await vdb.q("select pg_get_viewdef('v'::regclass)")
    assert "FROM t" in definition
