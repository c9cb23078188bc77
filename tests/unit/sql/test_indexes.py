"""Secondary indexes: CREATE/DROP INDEX, uniqueness, maintenance by the write path,
and the index access path (sql.indexes, sql.ddl_index, sql.access)."""

import random

import pytest

from sql import indexes
from sql.access import choose
from sql.api import Bound
from sql.errors import SqlError
from sql.executor import Executor
from sql.expr import Params
from sql.memory_txn import MemoryTxnSource
from sql.parse import parse_statement
from sql.session import SqlSession


async def entries(source: MemoryTxnSource, table: str, index: str) -> list[tuple]:
    """The committed entries of ``index`` (its hidden table's rows)."""
    t = source.tables[table]
    (ix,) = [i for i in t.indexes if i.name == index]
    return sorted(source.rows[ix.table_id].values())


async def test_create_index_builds_entries_and_skips_nulls(db, source):
    await db.run("create table t (id int primary key, a int, b text)")
    await db.run("insert into t values (1, 10, 'x'), (2, null, 'y'), (3, 10, null)")
    assert await db.tag("create index on t (a)") == "CREATE INDEX"
    assert await db.tag("create index ab on t (a, b)") == "CREATE INDEX"
    assert [i.name for i in source.tables["t"].indexes] == ["t_a_idx", "ab"]
    assert await entries(source, "t", "t_a_idx") == [(10, 1), (10, 3)]
    assert await entries(source, "t", "ab") == [(10, "x", 1)]


async def test_default_names_follow_postgres(db, source):
    await db.run("create table t (a int, b int)")
    await db.run("create index on t (a, b)")
    await db.run("create index on t (a, b)")
    await db.run("create unique index on t (b)")
    assert [i.name for i in source.tables["t"].indexes] == ["t_a_b_idx", "t_a_b_idx1", "t_b_idx"]
    assert indexes.default_name("x" * 70, ["y" * 70], "key", set()) == "x" * 29 + "_" + "y" * 29 + "_key"
    assert len(indexes.default_name("x" * 70, ["y" * 70], "key", set())) == 63


async def test_relation_namespace_is_shared(db):
    await db.run("create table t (id int primary key, a int)")
    await db.run("create table u (a int)")
    await db.run("create index i on t (a)")
    assert await db.err("create index i on u (a)") == "42P07"
    assert await db.err("create index u on t (a)") == "42P07"
    assert await db.err("create index t_pkey on u (a)") == "42P07"
    assert await db.tag("create index if not exists i on u (a)") == "CREATE INDEX"
    assert await db.err("create table i (x int)") == "42P07"
    assert await db.tag("create table if not exists i (x int)") == "CREATE TABLE"
    assert await db.q("select relname from pg_class where relkind = 'i' order by relname") == [
        ("i",), ("t_pkey",)]


async def test_create_index_errors(db):
    await db.run("create table t (a int, b text)")
    assert await db.err("create index on nope (a)") == "42P01"
    assert await db.err("create index on t (zz)") == "42703"
    assert await db.err("create index on t (lower(b))") == "0A000"
    assert await db.err("create index on t (a) where a > 1") == "0A000"
    assert await db.err("create index on t using hash (a)") == "0A000"
    assert await db.err("create index on t (a) include (b)") == "0A000"
    assert await db.tag("create index on t using btree (a desc nulls last)") == "CREATE INDEX"
    await db.run("create view v as select 1 as x")
    assert await db.err("create index on v (x)") == "42809"
    assert await db.err("drop index v") == "42809"


async def test_unique_violation_on_insert_names_the_index(db, session):
    await db.run("create table t (id int primary key, a int, b text)")
    await db.run("create unique index t_ab on t (a, b)")
    await db.run("insert into t values (1, 1, 'x')")
    with pytest.raises(SqlError) as info:
        await session.execute("insert into t values (2, 1, 'x')")
    assert info.value.sqlstate == "23505"
    assert info.value.message == 'duplicate key value violates unique constraint "t_ab"'
    assert info.value.detail == "Key (a, b)=(1, x) already exists."
    # NULLs are never equal: many rows may share them
    await db.run("insert into t values (3, null, 'x'), (4, null, 'x'), (5, 1, null), (6, 1, null)")
    assert await db.q("select count(*) from t") == [(5,)]


async def test_unique_violation_on_update(db, session):
    await db.run("create table t (id int primary key, a int)")
    await db.run("create unique index on t (a)")
    await db.run("insert into t values (1, 1), (2, 2)")
    with pytest.raises(SqlError) as info:
        await session.execute("update t set a = 1 where id = 2")
    assert (info.value.sqlstate, info.value.detail) == ("23505", "Key (a)=(1) already exists.")
    assert await db.tag("update t set a = 3 where id = 2") == "UPDATE 1"
    assert await db.tag("insert into t values (4, 2)") == "INSERT 0 1"  # 2 was freed
    assert await db.err("insert into t values (5, 3)") == "23505"


async def test_unique_index_creation_finds_duplicates(db, session):
    await db.run("create table t (a int, b text)")
    await db.run("insert into t values (1, 'x'), (1, 'x'), (null, null)")
    with pytest.raises(SqlError) as info:
        await session.execute("create unique index on t (a, b)")
    assert info.value.sqlstate == "23505"
    assert info.value.message == 'could not create unique index "t_a_b_idx"'
    assert info.value.detail == "Key (a, b)=(1, x) is duplicated."
    assert await db.q("select count(*) from pg_class where relname = 't_a_b_idx'") == [(0,)]


async def test_key_detail_uses_postgres_text_output(db, session):
    await db.run("create table t (a boolean, d date, n numeric(5,2), ts timestamp)")
    await db.run("create unique index on t (a, d, n, ts)")
    await db.run("insert into t values (true, '2024-01-02', 1.5, '2024-01-02 03:04:05')")
    with pytest.raises(SqlError) as info:
        await session.execute("insert into t values (true, '2024-01-02', 1.5, '2024-01-02 03:04:05')")
    assert info.value.detail == "Key (a, d, n, ts)=(t, 2024-01-02, 1.50, 2024-01-02 03:04:05) already exists."


async def test_update_that_keeps_indexed_values_does_not_touch_the_index(source, session, db):
    await db.run("create table t (id int primary key, a int, note text)")
    await db.run("create index on t (a)")
    await db.run("insert into t values (1, 5, 'x')")
    writes = []
    inner = source.begin

    async def begin():
        txn = await inner()
        for name in ("insert", "update", "delete"):
            orig = getattr(txn, name)

            async def rec(table, *args, _orig=orig, _name=name):
                writes.append((_name, table.name))
                return await _orig(table, *args)
            setattr(txn, name, rec)
        return txn
    source.begin = begin
    await db.run("update t set note = 'y' where id = 1")
    assert writes == [("update", "t")]
    writes.clear()
    await db.run("update t set a = 6 where id = 1")
    assert writes == [("update", "t"), ("delete", "t_a_idx"), ("insert", "t_a_idx")]
    writes.clear()
    await db.run("update t set id = 2 where id = 1")  # new base key: new entry
    assert ("insert", "t_a_idx") in writes and ("delete", "t_a_idx") in writes
    assert await entries(source, "t", "t_a_idx") == [(6, 2)]


async def test_delete_and_pk_change_maintain_entries(db, source):
    await db.run("create table t (id int primary key, a int)")
    await db.run("create unique index u on t (a)")
    await db.run("create index n on t (a)")
    await db.run("insert into t values (1, 10), (2, 20), (3, null)")
    await db.run("update t set id = 4 where id = 1")
    await db.run("delete from t where id = 2")
    assert await entries(source, "t", "u") == [(10, 4)]
    assert await entries(source, "t", "n") == [(10, 4)]
    await db.run("update t set a = 30 where id = 3")
    assert await entries(source, "t", "u") == [(10, 4), (30, 3)]


async def test_table_without_primary_key_indexes_rowids(db, source):
    await db.run("create table t (a int, b text)")
    await db.run("create unique index on t (b)")
    await db.run("insert into t values (1, 'x'), (2, 'y')")
    assert await db.err("insert into t values (3, 'x')") == "23505"
    await db.run("update t set b = 'z' where a = 1")
    assert await db.q("select a from t where b = 'z'") == [(1,)]
    assert await db.q("select a from t where b = 'x'") == []
    (ix,) = source.tables["t"].indexes
    table = indexes.index_table(source.tables["t"], ix)
    assert [c.name for c in table.columns] == ["b", "rowid"] and table.primary_key == (0,)


async def test_rollback_and_savepoint_undo_index_entries(db, source):
    await db.run("create table t (id int primary key, a int)")
    await db.run("create unique index on t (a)")
    await db.run("begin")
    await db.run("insert into t values (1, 1)")
    await db.run("rollback")
    assert await db.tag("insert into t values (2, 1)") == "INSERT 0 1"
    await db.run("begin")
    await db.run("savepoint s")
    await db.run("delete from t where id = 2")
    await db.run("insert into t values (3, 1)")
    await db.run("rollback to savepoint s")
    assert await db.err("insert into t values (4, 1)") == "23505"
    await db.run("rollback")
    await db.run("begin")
    await db.run("savepoint s")
    await db.run("create index extra on t (id)")
    await db.run("rollback to savepoint s")
    await db.run("commit")
    assert [i.name for i in source.tables["t"].indexes] == ["t_a_idx"]
    assert await entries(source, "t", "t_a_idx") == [(1, 2)]


async def test_create_index_rolls_back(db, source):
    await db.run("create table t (a int)")
    await db.run("begin")
    await db.run("create index i on t (a)")
    await db.run("rollback")
    assert source.tables["t"].indexes == ()
    assert await db.tag("create index i on t (a)") == "CREATE INDEX"


async def test_drop_index(db, source):
    await db.run("create table t (id int primary key, a int, b int)")
    await db.run("create index i1 on t (a)")
    await db.run("create unique index i2 on t (b)")
    await db.run("insert into t values (1, 1, 1)")
    assert await db.tag("drop index i1, i2") == "DROP INDEX"
    assert source.tables["t"].indexes == ()
    assert await db.tag("insert into t values (2, 1, 1)") == "INSERT 0 1"  # i2 no longer enforced
    assert await db.err("drop index i1") == "42704"
    assert await db.tag("drop index if exists i1, i2") == "DROP INDEX"
    assert await db.err("drop index t") == "42809"
    assert await db.err("drop index t_pkey") == "2BP01"
    await db.run("create index i3 on t (a)")
    assert await db.err("drop index i3, nope") == "42704"
    assert [i.name for i in source.tables["t"].indexes] == ["i3"]  # the statement failed as a whole


async def test_drop_index_backing_a_constraint_is_refused(db, session, source):
    await db.run("create table t (id int primary key, a int)")
    txn = await source.begin()
    table = await txn.get_table("t")
    await indexes.create_index(txn, table, "t_a_key", [1], True, constraint=True)
    await txn.commit()
    with pytest.raises(SqlError) as info:
        await session.execute("drop index t_a_key")
    assert info.value.sqlstate == "2BP01"
    assert info.value.message == "cannot drop index t_a_key because constraint t_a_key on table t requires it"
    assert info.value.hint == "You can drop constraint t_a_key on table t instead."


async def test_drop_table_drops_its_indexes_and_truncate_keeps_them(db, source):
    await db.run("create table t (id int primary key, a int)")
    await db.run("create unique index i on t (a)")
    await db.run("insert into t values (1, 1)")
    old = source.tables["t"].indexes[0].table_id
    assert await db.tag("truncate t") == "TRUNCATE TABLE"
    (ix,) = source.tables["t"].indexes
    assert ix.name == "i" and ix.unique and ix.table_id != old
    assert old not in source.rows
    assert await db.tag("insert into t values (2, 1)") == "INSERT 0 1"
    assert await db.err("insert into t values (3, 1)") == "23505"
    await db.run("drop table t")
    assert ix.table_id not in source.rows
    await db.run("create table t (id int primary key, a int)")
    assert await db.tag("create index i on t (a)") == "CREATE INDEX"


async def test_lookup_unique(db, source):
    await db.run("create table t (id int primary key, a int, b text)")
    await db.run("create unique index u on t (a, b)")
    await db.run("insert into t values (7, 1, 'x')")
    txn = await source.begin()
    table = await txn.get_table("t")
    assert indexes.unique_constraints(table) == [("t_pkey", (0,), None), ("u", (1, 2), table.indexes[0])]
    assert await indexes.lookup_unique(txn, table, table.indexes[0], (1, "x")) == (7,)
    assert await indexes.lookup_unique(txn, table, table.indexes[0], (1, "y")) is None
    assert await indexes.lookup_unique(txn, table, table.indexes[0], (None, "x")) is None


async def test_index_table_survives_catalog_json(db, source):
    from sql.api import TableDef

    await db.run("create table t (id int primary key, a int)")
    await db.run("create unique index u on t (a)")
    t = source.tables["t"]
    assert TableDef.from_json(t.to_json()) == t


# -- access paths


class Recording:
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


@pytest.fixture
async def rec():
    source = MemoryTxnSource()
    calls: list = []
    real_begin = source.begin

    async def begin():
        return Recording(await real_begin(), calls)
    source.begin = begin
    s = SqlSession(source, Executor())
    await s.execute("create table t (id int primary key, a int, b text not null, c int)")
    await s.execute("insert into t values (1, 10, 'x', 1), (2, 10, 'y', 2), (3, 20, 'x', 3), (4, null, 'z', 4)")
    await s.execute("create index t_a_b on t (a, b)")
    await s.execute("create unique index t_c on t (c)")
    await s.execute("create index t_b on t (b)")
    calls.clear()
    return s, calls


async def test_equality_on_leading_columns_scans_the_index(rec):
    s, calls = rec
    assert (await s.execute("select id from t where a = 10 and b = 'y'")).rows == [(2,)]
    assert calls == [("scan", "t_a_b", Bound(10), Bound(10)), ("get", "t", (2,))]
    calls.clear()
    assert sorted((await s.execute("select id from t where a = $1", ["10"])).rows) == [(1,), (2,)]
    assert calls[0] == ("scan", "t_a_b", Bound(10), Bound(10)) and len(calls) == 3


async def test_unique_index_full_equality_is_one_get(rec):
    s, calls = rec
    assert (await s.execute("select id from t where c = 3")).rows == [(3,)]
    assert calls == [("get", "t_c", (3,)), ("get", "t", (3,))]


async def test_range_on_first_column(rec):
    s, calls = rec
    assert sorted((await s.execute("select id from t where a > 10 and a <= 20")).rows) == [(3,)]
    assert calls[0] == ("scan", "t_a_b", Bound(10, False), Bound(20, True))
    calls.clear()
    assert sorted((await s.execute("select id from t where c between 2 and 3")).rows) == [(2,), (3,)]
    assert calls[0] == ("scan", "t_c", Bound(2), Bound(3))


async def test_pk_path_wins_and_null_reads_nothing(rec):
    s, calls = rec
    assert (await s.execute("select id from t where id = 2 and c = 2")).rows == [(2,)]
    assert calls == [("get", "t", (2,))]
    calls.clear()
    assert (await s.execute("select id from t where c = null")).rows == []
    assert (await s.execute("select id from t where a is null")).rows == [(4,)]
    assert calls == [("scan", "t", None, None)]


async def test_dml_uses_the_index_path(rec):
    s, calls = rec
    assert (await s.execute("update t set b = 'w' where c = 1")).command_tag == "UPDATE 1"
    assert calls[0] == ("get", "t_c", (1,))
    calls.clear()
    assert (await s.execute("delete from t where b = 'w'")).command_tag == "DELETE 1"
    assert calls[0] == ("scan", "t_b", Bound("w"), Bound("w"))
    assert (await s.execute("select id from t where b = 'w'")).rows == []


def _path(where: str, table):
    node = parse_statement(f"select * from {table.name} where {where}")
    return choose(node.args["where"].this, table, Params())


@pytest.fixture
def table_t(source):
    async def make(db):
        await db.run("create table t (id int primary key, a int, b text not null, c int, ch char(3), d int)")
        await db.run("create index t_a_b on t (a, b)")
        await db.run("create unique index t_c on t (c)")
        await db.run("create index t_ch on t (ch)")
        await db.run("create index t_d_a on t (d, a)")
        return source.tables["t"]
    return make


async def test_choose_and_describe(db, table_t):
    t = await table_t(db)
    assert _path("id = 1", t).describe() == "Index Scan using t_pkey on t"
    assert _path("id > 1", t).describe() == "Index Scan using t_pkey on t"
    assert _path("a = 1", t).describe() == "Index Scan using t_a_b on t"
    assert _path("b = 'x'", t).describe() == "Seq Scan on t"  # not a leading column
    assert _path("a = 1 and c = 2", t).describe() == "Index Scan using t_c on t"  # unique, full
    assert _path("c > 2", t).describe() == "Index Scan using t_c on t"
    assert _path("a > 1 and b = 'x'", t).describe() == "Index Scan using t_a_b on t"
    assert _path("a = 1 or c = 2", t).describe() == "Seq Scan on t"
    assert _path("ch = 'ab'", t).describe() == "Seq Scan on t"  # char(n): padding semantics
    assert _path("a = 1.5::float8", t).describe() == "Seq Scan on t"  # compared as float8
    assert _path("a = c", t).describe() == "Seq Scan on t"
    # a row with d = 1 and a NULL a has no t_d_a entry: usable only when a is compared too
    assert _path("d = 1", t).describe() == "Seq Scan on t"
    assert _path("d = 1 and a > 0", t).describe() == "Index Scan using t_d_a on t"
    node = parse_statement("select * from t x where x.a = 1")
    assert choose(node.args["where"].this, t, Params(), "x").describe() == "Index Scan using t_a_b on t x"


async def test_index_path_results_equal_a_full_scan(db):
    """Random data and predicates: the rows through an index equal the rows of a
    table without indexes holding the same data."""
    rnd = random.Random(7)
    await db.run("create table i (id int primary key, a int, b text, n numeric(6,2))")
    await db.run("create table f (id int primary key, a int, b text, n numeric(6,2))")
    rows = []
    for k in range(200):
        a = rnd.choice([None, *range(-5, 6)])
        b = rnd.choice([None, "a", "b", "c", "d"])
        n = rnd.choice([None, "1.5", "2", "-0.25", "3.75"])
        rows.append(f"({k}, {'null' if a is None else a}, {'null' if b is None else repr(b)}, "
                    f"{'null' if n is None else n})")
    for t in ("i", "f"):
        await db.run(f"insert into {t} values {', '.join(rows)}")
    await db.run("create index on i (a, b)")
    await db.run("create index on i (b)")
    await db.run("create index on i (n)")
    await db.run("update i set a = a + 1 where id % 3 = 0")
    await db.run("update f set a = a + 1 where id % 3 = 0")
    await db.run("delete from i where id % 7 = 0")
    await db.run("delete from f where id % 7 = 0")
    preds = ["a = 3", "a = 3 and b = 'b'", "a > 2", "a >= -1 and a < 2", "a between 0 and 3 and b > 'a'",
             "b = 'c'", "b < 'c'", "n = 1.5", "n > 1.5", "n = 2", "a = 2.0", "a = 2.5", "a < 1.5",
             "a = 1 and b is null", "b = 'a' and a > 0", "a is null", "a = null", "n <= 2 and n > -1"]
    for p in preds:
        got = await db.q(f"select id from i where {p} order by id")
        want = await db.q(f"select id from f where {p} order by id")
        assert got == want, p
    for p in ["a = $1", "a > $1", "b = $1"]:
        for v in ["1", "3", "b"] if "b" in p else ["1", "3"]:
            got = await db.q(f"select id from i where {p} order by id", [v])
            want = await db.q(f"select id from f where {p} order by id", [v])
            assert got == want, (p, v)


async def test_drop_index_a_foreign_key_depends_on_is_refused(db, session):
    await db.run("create table p (id int primary key, code text)")
    await db.run("create unique index pc on p (code)")
    await db.run("create table c (code text references p(code))")
    with pytest.raises(SqlError) as info:
        await session.execute("drop index pc")
    assert info.value.sqlstate == "2BP01"
    assert info.value.detail == "constraint c_code_fkey on table c depends on index pc"
    await db.run("drop table c")
    assert await db.tag("drop index pc") == "DROP INDEX"
