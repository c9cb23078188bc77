"""JSONB / JSON columns, operators and functions (PostgreSQL 15 output)."""

from sql.pgwire import values


async def text_rows(db, sql):
    r = await db.run(sql)
    return [tuple(None if v is None else values.text_encoder(c.type_oid)(v).decode() for v, c in
                  zip(row, r.columns, strict=True)) for row in r.rows]


async def one(db, sql):
    return (await text_rows(db, sql))[0][0]


async def test_jsonb_normalises_and_json_keeps_text(db):
    assert await one(db, """select '{"b":[1,2], "a": 1, "aa":null, "a": 3}'::jsonb""") == \
        '{"a": 3, "b": [1, 2], "aa": null}'
    assert await one(db, """select '{"b":1,  "a":2}'::json""") == '{"b":1,  "a":2}'
    assert await one(db, "select '1.50'::jsonb") == "1.50"
    assert await one(db, """select '"é\\n"'::jsonb""") == '"é\\n"'


async def test_jsonb_column_roundtrip_and_null(db):
    await db.run("create table docs (id int primary key, body jsonb, raw json)")
    await db.run("""insert into docs values (1, '{"k": {"x": [1, 2, 3]}, "t": "a"}', '[1, 2]'),
                    (2, 'null', null), (3, null, null)""")
    rows = await text_rows(db, "select id, body, raw from docs order by id")
    assert rows == [("1", '{"k": {"x": [1, 2, 3]}, "t": "a"}', "[1, 2]"), ("2", "null", None),
                    ("3", None, None)]
    assert await db.q("select id from docs where body is null") == [(3,)]
    assert await db.q("select id from docs where body ->> 't' = 'a'") == [(1,)]
    assert await db.q("select id from docs where body @> '{\"k\": {\"x\": [2]}}'") == [(1,)]
    assert await db.q("select count(distinct body) from docs") == [(2,)]


async def test_bad_json_input(db):
    assert await db.err("select '{bad'::jsonb") == "22P02"
    assert await db.err("select 'NaN'::json") == "22P02"
    await db.run("create table j (id int primary key, v jsonb)")
    assert await db.err("insert into j values (1, '{')") == "22P02"


async def test_extract_operators(db):
    doc = """'{"a": {"b": [1, 2, {"c": true}]}, "s": "x", "n": null}'::jsonb"""
    assert await text_rows(db, f"select {doc} -> 'a' -> 'b' -> 2 ->> 'c', {doc} -> 's', {doc} ->> 's', "
                           f"{doc} -> 'n', {doc} ->> 'n', {doc} -> 'missing', {doc} #> '{{a,b,1}}', "
                           f"{doc} #>> '{{a,b}}', '[1,2,3]'::jsonb -> -1, '[1,2]'::jsonb -> 'a'") == [
        ("true", '"x"', "x", "null", None, None, "2", "[1, 2, {\"c\": true}]", "3", None)]
    assert (await db.run(f"select {doc} -> 'a'")).columns[0].name == "?column?"


async def test_containment_and_keys(db):
    assert await db.q("""select '{"a":1,"b":2}'::jsonb @> '{"a":1}', '{"a":1}'::jsonb <@ '{"a":1,"b":2}',
        '[1,2,[3]]'::jsonb @> '[[3]]', '[1,2]'::jsonb @> '1', '{"a":1}'::jsonb @> '{"a":2}',
        '{"a":1}'::jsonb ? 'a', '["a","b"]'::jsonb ? 'b', '{"a":1}'::jsonb ?| array['x','a'],
        '{"a":1}'::jsonb ?& array['x','a'], '1'::jsonb @> '1'""") == [
        (True, True, True, True, False, True, True, True, False, True)]


async def test_concat_and_delete(db):
    assert await text_rows(db, """select '{"a":1}'::jsonb || '{"b":2,"a":0}', '[1]'::jsonb || '[2,3]',
        '[1]'::jsonb || '4', '{"a":1,"b":2}'::jsonb - 'a', '[1,2,3]'::jsonb - 1,
        '["a","b"]'::jsonb - 'a', '{"a":1,"b":2,"c":3}'::jsonb - array['a','c'],
        '{"a":{"b":1,"c":2}}'::jsonb #- '{a,b}'""") == [
        ('{"a": 0, "b": 2}', "[1, 2, 3]", "[1, 4]", '{"b": 2}', "[1, 3]", '["b"]', '{"b": 2}',
         '{"a": {"c": 2}}')]
    assert await db.err("""select '{"a":1}'::jsonb - 1""") == "22023"
    assert await db.err("select '1'::jsonb - 'a'") == "22023"


async def test_build_functions(db):
    assert await text_rows(db, """select jsonb_build_object('b', 1, 'a', array[1,2], 'c', null, 'd', 'x'::text),
        json_build_object('a', 1, 'b', 'x'), jsonb_build_array(1, 'a', true, null, 1.50),
        json_build_array(1, 2), to_jsonb('x'::text), to_jsonb(12), to_jsonb(true),
        to_jsonb(date '2024-01-02'), to_jsonb(timestamp '2024-01-02 03:04:05.5'), to_json(array['a','b'])""") == [
        ('{"a": [1, 2], "b": 1, "c": null, "d": "x"}', '{"a" : 1, "b" : "x"}',
         '[1, "a", true, null, 1.50]', "[1, 2]", '"x"', "12", "true", '"2024-01-02"',
         '"2024-01-02T03:04:05.5"', '["a", "b"]')]
    assert await db.err("select jsonb_build_object('a')") == "22023"
    assert await db.err("select jsonb_build_object(null, 1)") == "22023"


async def test_inspection_functions(db):
    assert await text_rows(db, """select jsonb_typeof('1.5'), jsonb_typeof('{}'), jsonb_typeof('null'),
        jsonb_array_length('[1,2,3]'), jsonb_extract_path('{"a":{"b":3}}', 'a', 'b'),
        jsonb_extract_path_text('{"a":"x"}', 'a'), jsonb_set('{"a":1}', '{b}', '[2]'),
        jsonb_set('{"a":{"b":1}}', '{a,b}', '5'), jsonb_set('[1,2]', '{0}', '9', false),
        jsonb_strip_nulls('{"a":null,"b":1}')""") == [
        ("number", "object", "null", "3", "3", "x", '{"a": 1, "b": [2]}', '{"a": {"b": 5}}', "[9, 2]",
         '{"b": 1}')]
    assert await db.err("select jsonb_array_length('{}')") == "22023"
    assert await one(db, """select jsonb_pretty('{"a":[1,{"b":2}],"c":{}}')""") == (
        '{\n    "a": [\n        1,\n        {\n            "b": 2\n        }\n    ],\n    "c": {}\n}')


async def test_casts(db):
    assert await db.q("""select '1'::jsonb::int, '2.5'::jsonb::numeric, 'true'::jsonb::boolean,
        '{"a":1}'::jsonb::text, '{"a":1}'::json::jsonb::text""") == [(1, __import__("decimal").Decimal("2.5"),
                                                                      True, '{"a": 1}', '{"a": 1}')]
    assert await db.err("""select '"x"'::jsonb::int""") == "22023"
    assert await db.err("select '1'::jsonb::uuid") == "42846"
    assert await db.err("select 1 -> 'a'") == "42883"


async def test_group_by_jsonb_and_params(db):
    await db.run("create table g (id int primary key, v jsonb)")
    await db.run("""insert into g values (1, '{"a":1, "b":2}'), (2, '{"b":2,"a":1}'), (3, '[1]')""")
    assert await text_rows(db, "select v, count(*) from g group by v order by count(*) desc") == [
        ('{"a": 1, "b": 2}', "2"), ("[1]", "1")]
    assert await db.q("select id from g where v = $1 order by id", ('{"b": 2, "a": 1}',)) == [(1,), (2,)]
    assert await db.q("select id from g where v @> $1", ("[1]",)) == [(3,)]
