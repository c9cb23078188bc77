"""What pgbench -i and sysbench prepare need: TRUNCATE, VACUUM/ANALYZE (no-ops),
WITH (fillfactor=...), ALTER TABLE ... ADD PRIMARY KEY, sequences and SERIAL."""

from sql import oids


async def test_fillfactor_truncate_vacuum_analyze(db):
    await db.run("create table a (aid int not null, v int, filler char(84)) with (fillfactor=100)")
    await db.run("create table b (bid int primary key, v int) with (fillfactor=90)")
    await db.run("insert into a values (1, 1, 'x'), (2, 2, 'y')")
    await db.run("insert into b values (1, 10)")
    assert await db.tag("truncate table a, b") == "TRUNCATE TABLE"
    assert await db.q("select count(*) from a") == [(0,)]
    assert await db.q("select count(*) from b") == [(0,)]
    await db.run("insert into b values (1, 11)")  # the old key is gone too
    assert await db.q("select * from b") == [(1, 11)]
    assert await db.tag("vacuum analyze a") == "VACUUM"
    assert await db.tag("vacuum") == "VACUUM"
    assert await db.tag("analyze b") == "ANALYZE"
    assert await db.err("truncate nosuch") == "42P01"


async def test_truncate_rolls_back(db):
    await db.run("create table t (id int primary key)")
    await db.run("insert into t values (1), (2)")
    await db.run("begin")
    await db.run("truncate t")
    await db.run("insert into t values (3)")
    assert await db.q("select id from t") == [(3,)]
    await db.run("rollback")
    assert await db.q("select id from t order by id") == [(1,), (2,)]


async def test_add_primary_key_rewrites_table(db):
    await db.run("create table h (tid int, bid int, delta int)")
    await db.run("insert into h values (2, 1, 5), (1, 1, 7), (3, 2, -1)")
    assert await db.tag("alter table h add primary key (tid)") == "ALTER TABLE"
    assert await db.q("select * from h where tid = 1") == [(1, 1, 7)]
    assert await db.q("select tid from h") == [(1,), (2,), (3,)]
    assert await db.err("insert into h values (1, 0, 0)") == "23505"
    assert await db.err("insert into h values (null, 0, 0)") == "23502"
    assert await db.err("alter table h add primary key (bid)") == "42P16"
    assert await db.q("select count(*) from pg_index where indrelid = 'h'::regclass") == [(1,)]


async def test_add_primary_key_checks_rows(db):
    await db.run("create table d (k int, v int)")
    await db.run("insert into d values (1, 1), (1, 2)")
    assert await db.err("alter table d add primary key (k)") == "23505"
    await db.run("create table n (k int, v int)")
    await db.run("insert into n values (1, 1), (null, 2)")
    assert await db.err("alter table n add primary key (k)") == "23502"
    assert await db.err("alter table n add primary key (nosuch)") == "42703"
    # nothing changed: both tables still take any rows
    await db.run("insert into d values (1, 3)")
    assert await db.q("select count(*) from d") == [(3,)]


async def test_add_composite_primary_key(db):
    await db.run("create table c (a int, b int, v text)")
    await db.run("insert into c values (1, 2, 'x'), (1, 1, 'y')")
    await db.run("alter table c add primary key (a, b)")
    assert await db.q("select v from c where a = 1 and b = 1") == [("y",)]
    assert await db.err("insert into c values (1, 2, 'z')") == "23505"


async def test_serial_columns(db):
    await db.run(
        "create table sbtest1 (id serial, k integer default '0' not null,"
        " c char(120) default '' not null, primary key (id))")
    await db.run("create index k_1 on sbtest1(k)")
    await db.run("insert into sbtest1 (k, c) values (5, 'a'), (6, 'b')")
    await db.run("insert into sbtest1 (k) values (7)")
    assert await db.q("select id, k from sbtest1 order by id") == [(1, 5), (2, 6), (3, 7)]
    await db.run("insert into sbtest1 (id, k) values (10, 8)")  # explicit id: the sequence is untouched
    await db.run("insert into sbtest1 (k) values (9)")
    assert await db.q("select max(id) from sbtest1") == [(10,)]
    assert (await db.q("select id from sbtest1 where k = 9")) == [(4,)]
    res = await db.run("select id from sbtest1 where id = 1")
    assert res.columns[0].type_oid == oids.INT4
    # the hidden sequence table is not listed
    assert await db.q("select relname from pg_class where relname like 'strata%'") == []
    # DROP TABLE drops the owned sequence, so the table can be re-created
    await db.run("drop table sbtest1")
    await db.run("create table sbtest1 (id serial primary key, k int)")
    await db.run("insert into sbtest1 (k) values (1)")
    assert await db.q("select id from sbtest1") == [(1,)]


async def test_serial_rolls_back(db):
    await db.run("create table s (id bigserial primary key, v int)")
    await db.run("begin")
    await db.run("insert into s (v) values (1)")
    await db.run("rollback")
    await db.run("insert into s (v) values (2)")
    assert await db.q("select id, v from s") == [(1, 2)]  # transactional (documented)


async def test_create_drop_sequence(db):
    assert await db.tag("create sequence q start with 5 increment by 2") == "CREATE SEQUENCE"
    assert await db.err("create sequence q") == "42P07"
    await db.run("create sequence if not exists q")
    await db.run("create table t (id bigint default nextval('q') primary key, v int)")
    await db.run("insert into t (v) values (1), (2)")
    await db.run("insert into t values (nextval('q'), 3)")
    assert await db.q("select id from t order by id") == [(5,), (7,), (9,)]
    assert await db.tag("drop sequence q") == "DROP SEQUENCE"
    assert await db.err("insert into t (v) values (4)") == "42P01"
    assert await db.err("drop sequence q") == "42P01"
    await db.run("drop sequence if exists q")
