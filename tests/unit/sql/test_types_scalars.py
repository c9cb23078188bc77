"""UUID, BYTEA and numeric power/exp/ln/log/div."""

from decimal import Decimal

from sql.pgwire import values


async def text_rows(db, sql):
    r = await db.run(sql)
    return [tuple(None if v is None else values.text_encoder(c.type_oid)(v).decode() for v, c in
                  zip(row, r.columns, strict=True)) for row in r.rows]


async def test_uuid_column(db):
    await db.run("create table u (id uuid primary key, note text)")
    await db.run("insert into u values ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a'), "
                 "('{a0eebc999c0b4ef8bb6d6bb9bd380a12}', 'b')")
    assert await db.q("select id, note from u order by id") == [
        ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a"), ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", "b")]
    assert await db.q("select note from u where id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'") == [("b",)]
    assert await db.err("insert into u values ('not-a-uuid', 'x')") == "22P02"
    assert await db.err("select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'::uuid") == "22P02"
    await db.run("insert into u values (gen_random_uuid(), 'r')")
    (v,) = (await db.q("select id from u where note = 'r'"))[0]
    assert len(v) == 36 and v[14] == "4"
    assert await db.q("select id::text = lower(id::text) from u where note = 'a'") == [(True,)]
    assert await db.err("select 1 = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid") in ("42804", "42883")


async def test_bytea(db):
    await db.run("create table b (id int primary key, data bytea)")
    await db.run("insert into b values (1, '\\x0102ff'), (2, 'ab\\\\c\\001'), (3, '')")
    assert await text_rows(db, "select data from b order by id") == [("\\x0102ff",), ("\\x61625c6301",), ("\\x",)]
    assert await db.q("select data from b where id = 1") == [(b"\x01\x02\xff",)]
    assert await db.q("select length(data), octet_length(data) from b where id = 2") == [(5, 5)]
    assert await text_rows(db, """select encode('\\x0102ff'::bytea, 'hex'), encode('hello'::bytea, 'base64'),
        encode('a\\\\b\\001'::bytea, 'escape'), decode('0102', 'hex'), decode('aGVsbG8=', 'base64'),
        '\\x01'::bytea || '\\x02'::bytea, octet_length('é')""") == [
        ("0102ff", "aGVsbG8=", "a\\\\b\x01", "\\x0102", "\\x68656c6c6f", "\\x0102", "2")]
    assert await db.err("select '\\x012'::bytea") == "22P02"
    assert await db.err("select '\\x0g'::bytea") == "22P02"
    assert await db.err("select 'a\\9'::bytea") == "22P02"
    assert await db.err("select encode('a'::bytea, 'rot13')") == "22023"


async def test_numeric_power_exp_ln_log(db):
    assert await text_rows(db, """select power(2.0, 3), power(2::numeric, 0.5), power(10::numeric, -2),
        power(1.5, 2.5), power(0::numeric, 0), exp(1.0), ln(2.0), ln(1.05), log(100::numeric),
        log(2.0, 8.0), power(123.456, 3), exp(1), ln(2), power(2, 3)""") == [(
        "8.0000000000000000", "1.4142135623730950", "0.0100000000000000", "2.7556759606310754",
        "1.0000000000000000", "2.7182818284590452", "0.6931471805599453", "0.048790164169432003",
        "2.0000000000000000", "3.0000000000000000", "1881640.2952028160000000", "2.718281828459045",
        "0.6931471805599453", "8")]
    assert await db.err("select power(0::numeric, -1)") == "2201F"
    assert await db.err("select power(-8::numeric, 0.5)") == "2201F"
    assert await db.err("select ln(0::numeric)") == "2201E"
    assert await db.err("select ln(-1.0)") == "2201E"


async def test_div_and_mod(db):
    assert await db.q("select div(7, 2), div(-7.5, 2), mod(-7, 3), mod(7.5, 2)") == [
        (Decimal(3), Decimal(-3), -1, Decimal("1.5"))]
    assert await db.err("select div(1, 0)") == "22012"
