"""pg_catalog / information_schema relations, catalog functions and settings over
the in-memory twin (sql.memory_txn).  The psql comparison against a real
PostgreSQL 15 is tests/clients/test_psql.py."""

import pytest

SCHEMA = [
    "create table accounts (id integer primary key, name varchar(40) not null,"
    " balance numeric(12,2) default 0, note text default 'x')",
    "create table pairs (a int, b text, primary key (a, b))",
    "create table heap (x int)",
]


@pytest.fixture
async def cat(db):
    for s in SCHEMA:
        await db.run(s)
    return db


async def test_pg_class_lists_tables_and_pk_indexes(cat):
    rows = await cat.q("select relname, relkind from pg_catalog.pg_class c join pg_namespace n"
                       " on n.oid = c.relnamespace where n.nspname = 'public' order by 1")
    assert rows == [("accounts", "r"), ("accounts_pkey", "i"), ("heap", "r"), ("pairs", "r"), ("pairs_pkey", "i")]


async def test_unqualified_names_resolve_to_pg_catalog(cat):
    assert await cat.q("select count(*) from pg_namespace where nspname = 'pg_catalog'") == [(1,)]


async def test_pg_attribute_types_not_null_and_defaults(cat):
    rows = await cat.q(
        "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
        " (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d"
        "  where d.adrelid = a.attrelid and d.adnum = a.attnum)"
        " from pg_attribute a where a.attrelid = 'accounts'::regclass and a.attnum > 0 order by a.attnum")
    assert rows == [("id", "integer", True, None), ("name", "character varying(40)", True, None),
                    ("balance", "numeric(12,2)", False, "0"), ("note", "text", False, "'x'::text")]


async def test_index_and_constraint_definitions(cat):
    rows = await cat.q(
        "select pg_get_indexdef(i.indexrelid), pg_get_constraintdef(con.oid), i.indkey::text"
        " from pg_index i join pg_constraint con on con.conindid = i.indexrelid"
        " where i.indrelid = 'pairs'::regclass")
    assert rows == [("CREATE UNIQUE INDEX pairs_pkey ON public.pairs USING btree (a, b)", "PRIMARY KEY (a, b)", "1 2")]


async def test_regclass_prints_names_and_resolves_text(cat):
    rows = await cat.q("select c.oid::regclass::text from pg_class c where c.relname = 'heap'")
    assert rows == [("heap",)]
    assert await cat.err("select 'nope'::regclass") == "42P01"
    assert await cat.q("select to_regclass('nope'), to_regtype('integer')::text") == [(None, "integer")]


async def test_regex_operators_and_operator_syntax(cat):
    rows = await cat.q("select relname from pg_class where relname OPERATOR(pg_catalog.~) '^(acc.*)$'"
                       " COLLATE pg_catalog.default and relname !~ 'pkey' order by 1")
    assert rows == [("accounts",)]
    assert await cat.q("select 'Abc' ~* '^a', 'abc' !~* 'B'") == [(True, False)]


async def test_any_array_and_array_functions(cat):
    assert await cat.q("select 2 = any('{1,2}'::int4[]), array_to_string(array['a', 'b'], ',')") == [(True, "a,b")]
    rows = await cat.q("select array_to_string(array(select relname from pg_class where relkind = 'i'"
                       " and relnamespace = 2200 order by 1), ',')")
    assert rows == [("accounts_pkey,pairs_pkey",)]


async def test_information_schema(cat):
    rows = await cat.q("select table_name, table_type from information_schema.tables"
                       " where table_schema = 'public' order by 1")
    assert rows == [("accounts", "BASE TABLE"), ("heap", "BASE TABLE"), ("pairs", "BASE TABLE")]
    rows = await cat.q("select column_name, data_type, is_nullable, character_maximum_length"
                       " from information_schema.columns where table_name = 'accounts' order by ordinal_position")
    assert rows[:2] == [("id", "integer", "NO", None), ("name", "character varying", "NO", 40)]
    rows = await cat.q("select k.column_name from information_schema.key_column_usage k"
                       " join information_schema.table_constraints c on c.constraint_name = k.constraint_name"
                       " where c.constraint_type = 'PRIMARY KEY' and k.table_name = 'pairs' order by k.ordinal_position")
    assert rows == [("a",), ("b",)]


async def test_user_table_named_like_information_schema_view(cat):
    await cat.run("create table tables (x int)")
    await cat.run("insert into tables values (1)")
    assert await cat.q("select x from tables") == [(1,)]


async def test_catalog_follows_ddl(cat):
    q = "select count(*) from pg_class where relname = 'later'"
    assert await cat.q(q) == [(0,)]
    await cat.run("create table later (x int)")
    assert await cat.q(q) == [(1,)]


async def test_system_information_functions(cat):
    rows = await cat.q("select version(), current_schema(), current_database(), pg_table_is_visible('heap'::regclass),"
                       " has_table_privilege('heap', 'select'), obj_description(1, 'pg_class')")
    version, *rest = rows[0]
    assert version.startswith("PostgreSQL 15.0 (Strata)")
    assert rest == ["public", "strata", True, True, None]


async def test_generate_series_in_from(cat):
    assert await cat.q("select s from generate_series(1, 3) s") == [(1,), (2,), (3,)]


async def test_show_set_reset_and_settings_functions(db):
    assert (await db.q("show server_version_num")) == [("150000",)]
    assert (await db.run("show DateStyle")).columns[0].name == "DateStyle"
    await db.run("set search_path to public, pg_catalog")
    assert await db.q("show search_path") == [("public, pg_catalog",)]
    assert await db.q("select current_setting('search_path')") == [("public, pg_catalog",)]
    await db.run("reset search_path")
    assert await db.q("show search_path") == [('"$user", public',)]
    await db.run("set time zone 'Europe/Paris'")
    assert await db.q("show timezone") == [("Europe/Paris",)]
    assert await db.q("select set_config('application_name', 'app', false)") == [("app",)]
    assert await db.q("select setting from pg_settings where name = 'application_name'") == [("app",)]
    assert await db.err("set server_version = '1'") == "55P02"
    assert await db.err("show no_such_setting") == "42704"
    assert await db.q("select current_setting('no_such', true)") == [(None,)]


async def test_show_with_postgresql_multiword_names(db):
    """SHOW TRANSACTION ISOLATION LEVEL (SQLAlchemy sends it on connect), SHOW TIME ZONE."""
    result = await db.run("show transaction isolation level")
    assert result.columns[0].name == "transaction_isolation"
    assert await db.q("show transaction isolation level") == [("read committed",)]
    assert await db.q("show time zone") == [("UTC",)]
