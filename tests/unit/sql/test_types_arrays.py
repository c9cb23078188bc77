"""Array columns of the base types: input, output, comparison and functions."""

from decimal import Decimal

from sql.pgwire import values


async def text_rows(db, sql):
    r = await db.run(sql)
    return [tuple(None if v is None else values.text_encoder(c.type_oid)(v).decode() for v, c in
                  zip(row, r.columns, strict=True)) for row in r.rows]


async def test_array_columns_roundtrip(db):
    await db.run("create table a (id int primary key, i int[], b bigint[], t text[], n numeric(5,1)[], "
                 "f boolean[], d date[], j jsonb[])")
    await db.run("""insert into a values (1, '{1,2,NULL}', array[9223372036854775807], array['x','y z', '', 'NULL'],
                    '{1.25, 2}', '{t,f}', '{2024-01-02}', array['{"a":1}'::jsonb]),
                    (2, '{}', null, '{}', null, null, null, null)""")
    assert await text_rows(db, "select i, b, t, n, f, d, j from a order by id") == [
        ("{1,2,NULL}", "{9223372036854775807}", '{x,"y z","","NULL"}', "{1.3,2.0}", "{t,f}", "{2024-01-02}",
         '{"{\\"a\\": 1}"}'),
        ("{}", None, "{}", None, None, None, None)]
    assert await db.q("select i, n from a where id = 1") == [((1, 2, None), (Decimal("1.3"), Decimal("2.0")))]
    r = await db.run("select i, t from a")
    assert [c.type_oid for c in r.columns] == [1007, 1009]
    assert await db.err("insert into a (id, i) values (3, '{1,x}')") == "22P02"
    assert await db.err("insert into a (id, i) values (3, '1,2')") == "22P02"


async def test_array_format_type(db):
    await db.run("create table fa (id int primary key, i integer[], t text[])")
    assert await db.q("select format_type(atttypid, atttypmod) from pg_attribute "
                      "where attrelid = 'fa'::regclass and attnum > 0 order by attnum") == [
        ("integer",), ("integer[]",), ("text[]",)]


async def test_array_comparisons(db):
    assert await db.q("""select array[1,null] = array[1,null], array[1,2] < array[1,null], array[2] > array[1,5],
        array[1,2] <> array[1,2,3], array[1,2] < array[1,2,3], '{1,2}'::int[] = array[1,2]""") == [
        (True, True, True, True, True, True)]
    await db.run("create table s (id int primary key, v int[])")
    await db.run("insert into s values (1, '{2}'), (2, '{1,5}'), (3, '{1}'), (4, '{1,NULL}')")
    assert await db.q("select id from s where v = '{1,5}'") == [(2,)]
    assert await db.q("select count(distinct v) from s") == [(4,)]


async def test_containment_and_concat(db):
    assert await db.q("""select array[1,2] @> array[1], array[1,2] <@ array[1,2,3], array[1,2] && array[3],
        array[1,null] @> array[null]::int[], '{1,2}'::int[] @> '{}'""") == [(True, True, False, False, True)]
    assert await text_rows(db, """select array[1,2] || 3, 0 || array[1], array[1] || array[2,3],
        array['a'] || 'b'::text, array_append(array[1], 2), array_prepend(0, array[1]),
        array_cat(array[1], array[2]), array_remove(array[1,2,1], 1), array[1] || null::int[]""") == [
        ("{1,2,3}", "{0,1}", "{1,2,3}", "{a,b}", "{1,2}", "{0,1}", "{1,2}", "{2}", "{1}")]
    assert await db.err("select array[1] || array['a'::text]") == "42883"


async def test_array_functions(db):
    assert await db.q("""select array_length(array[1,2,3], 1), array_length(array[]::int[], 1),
        cardinality(array[1,2]), cardinality(array[]::int[]), array_position(array[1,2,null], null),
        array_position(array['a','b'], 'b'), array_position(array[1], 5), (array[10,20])[2]""") == [
        (3, None, 2, 0, 3, 2, None, 20)]
    assert (await db.run("select array_length(array[1], 1)")).columns[0].name == "array_length"


async def test_array_casts(db):
    assert await text_rows(db, "select array[1,2]::text, '{a,b}'::text[], array[1.5]::text[], "
                           "array['1','2']::int[]") == [("{1,2}", "{a,b}", "{1.5}", "{1,2}")]


async def test_order_and_group_by_arrays(db):
    await db.run("create table o (id int primary key, v int[])")
    await db.run("insert into o values (1, '{2}'), (2, '{1,5}'), (3, '{1}'), (4, '{1,NULL}'), (5, null), (6, '{1}')")
    assert await db.q("select id from o order by v, id") == [(3,), (6,), (2,), (4,), (1,), (5,)]
    assert await db.q("select id from o order by v desc, id") == [(5,), (1,), (4,), (2,), (3,), (6,)]
    assert await text_rows(db, "select v, count(*) from o group by v order by v") == [
        ("{1}", "2"), ("{1,5}", "1"), ("{1,NULL}", "1"), ("{2}", "1"), (None, "1")]
