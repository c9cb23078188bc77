"""INTERVAL, TIMESTAMPTZ (session TimeZone) and the date/time operators and functions."""

from decimal import Decimal

from sql.pgwire import values


async def text_rows(db, sql):
    r = await db.run(sql)
    return [tuple(None if v is None else values.text_encoder(c.type_oid)(v).decode() for v, c in
                  zip(row, r.columns, strict=True)) for row in r.rows]


async def test_interval_input_and_output(db):
    assert await text_rows(db, """select interval '1 year 2 months 3 days 04:05:06', interval 'P1D',
        interval '-1 mon', interval '01:02:03', '1 day 2 hours'::interval, interval '-1 day +2 hours',
        interval 'P1Y2M3DT4H5M6.5S', interval '1.5 days', interval '2 days ago', interval '10',
        interval '3' day, interval '0', '1-2'::interval, interval '1 day -00:00:01'""") == [(
        "1 year 2 mons 3 days 04:05:06", "1 day", "-1 mons", "01:02:03", "1 day 02:00:00",
        "-1 days +02:00:00", "1 year 2 mons 3 days 04:05:06.5", "1 day 12:00:00", "-2 days", "00:00:10",
        "3 days", "00:00:00", "1 year 2 mons", "1 day -00:00:01")]
    assert await db.err("select 'abc'::interval") == "22007"
    assert await db.err("select '1 fortnight'::interval") == "22007"


async def test_interval_column_keeps_fields_apart(db):
    await db.run("create table iv (id int primary key, d interval)")
    await db.run("insert into iv values (1, '1 mon'), (2, '30 days'), (3, '1 day 01:00'), (4, null)")
    assert await db.q("select d from iv where id = 1") == [((1, 0, 0),)]
    assert await db.q("select id from iv where d = interval '30 days' order by id") == [(1,), (2,)]
    assert await db.q("select id from iv where d > '1 day' order by id") == [(1,), (2,), (3,)]
    assert await text_rows(db, "select d * 2, d / 2, -d from iv where id = 3") == [
        ("2 days 02:00:00", "12:30:00", "-1 days -01:00:00")]
    assert await text_rows(db, "select interval '1 day' * 1.5, interval '1 mon' / 3, 2 * interval '1 hour', "
                           "interval '1 day' + interval '1 hour', interval '1 day' - interval '1 hour'") == [
        ("1 day 12:00:00", "10 days", "02:00:00", "1 day 01:00:00", "1 day -01:00:00")]


async def test_date_and_timestamp_arithmetic(db):
    assert await text_rows(db, """select timestamp '2024-01-31' + interval '1 month',
        date '2024-01-01' - date '2023-12-25', timestamp '2024-01-02 03:00' - timestamp '2024-01-01',
        date '2024-01-01' + interval '1 hour', date '2024-01-01' + 3, 3 + date '2024-01-01',
        date '2024-03-01' - 1, timestamptz '2024-01-01 00:00+00' + interval '1 day 2 hours',
        timestamp '2024-03-31 10:00' - interval '1 mon', interval '1 day' + date '2024-01-01'""") == [(
        "2024-02-29 00:00:00", "7", "1 day 03:00:00", "2024-01-01 01:00:00", "2024-01-04", "2024-01-04",
        "2024-02-29", "2024-01-02 02:00:00+00", "2024-02-29 10:00:00", "2024-01-02 00:00:00")]
    assert await db.q("select date '2024-01-02' > timestamp '2024-01-01 23:00', "
                      "timestamptz '2024-01-01 00:00+00' = timestamp '2024-01-01'") == [(True, True)]
    assert await db.err("select date '2024-01-01' + 1.5") == "42883"


async def test_timestamptz_follows_session_timezone(db):
    await db.run("create table ev (id int primary key, at timestamptz)")
    await db.run("insert into ev values (1, '2024-01-02 03:04:05+02'), (2, '2024-01-02 03:04:05')")
    assert await text_rows(db, "select at from ev order by id") == [
        ("2024-01-02 01:04:05+00",), ("2024-01-02 03:04:05+00",)]
    await db.run("set timezone = 'Asia/Kolkata'")
    assert await text_rows(db, "select at, at::timestamp, at::date from ev where id = 1") == [
        ("2024-01-02 06:34:05+05:30", "2024-01-02 06:34:05", "2024-01-02")]
    assert await text_rows(db, "select '2024-01-02 00:00'::timestamptz, timestamp '2024-01-02' at time zone 'UTC'"
                           ) == [("2024-01-02 00:00:00+05:30", "2024-01-02 05:30:00+05:30")]
    await db.run("set time zone 'America/St_Johns'")
    assert await text_rows(db, "select '2024-01-02'::timestamptz") == [("2024-01-02 00:00:00-03:30",)]


async def test_extract_and_date_part(db):
    assert await text_rows(db, """select extract(second from timestamp '2024-01-02 03:04:05.5'),
        extract(epoch from timestamp '2024-01-02 03:04:05.5'), extract(day from date '2024-01-02'),
        extract(epoch from date '2024-01-02'), extract(year from timestamptz '2024-01-02 03:04:05+00'),
        extract(epoch from interval '1 day 1 hour'), extract(hour from interval '25 hours'),
        extract(dow from date '2024-01-07'), extract(week from date '2024-01-07'),
        extract(quarter from date '2024-05-01'), extract(milliseconds from timestamp '2024-01-02 03:04:05.5'),
        extract(month from interval '14 months'), extract(doy from date '2024-03-01'),
        date_part('year', date '2024-06-01')""") == [(
        "5.500000", "1704164645.500000", "2", "1704153600", "2024", "90000.000000", "25", "0", "1", "2",
        "5500.000", "2", "61", "2024")]
    assert await db.err("select extract(hour from date '2024-01-01')") == "0A000"


async def test_date_trunc_age_make(db):
    assert await text_rows(db, """select date_trunc('month', date '2024-01-15'),
        date_trunc('week', timestamp '2024-01-17 10:00'), date_trunc('hour', interval '1 day 2:30'),
        date_trunc('year', timestamptz '2024-05-05 05:05+00'),
        age(timestamp '2024-03-01', timestamp '2023-01-31 12:00'), make_date(2024, 2, 29),
        make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(days => 3, hours => 1),
        to_timestamp(1704164645.5), make_timestamp(2024, 1, 2, 3, 4, 5.5)""") == [(
        "2024-01-01 00:00:00+00", "2024-01-15 00:00:00", "1 day 02:00:00", "2024-01-01 00:00:00+00",
        "1 year 1 mon 12:00:00", "2024-02-29", "1 year 2 mons 25 days 05:06:07.5", "3 days 01:00:00",
        "2024-01-02 03:04:05.5+00", "2024-01-02 03:04:05.5")]
    assert await db.err("select make_date(2023, 2, 29)") == "22008"
    names = [c.name for c in (await db.run("select date_trunc('day', now()), to_char(now(), 'YYYY')")).columns]
    assert names == ["date_trunc", "to_char"]


async def test_to_char(db):
    assert await text_rows(db, """select to_char(timestamp '2024-01-02 03:04:05.678',
        'YYYY-MM-DD HH24:MI:SS.MS HH12 AM Mon Month FMMonth Dy DDD "lit" FMDD'),
        to_char(timestamptz '2024-01-02 13:04:05+00', 'HH:MI PM TZ'),
        to_char(interval '1 day 03:04:05', 'DD HH24:MI:SS'), to_char(date '2024-07-04', 'DD/MM/YYYY')""") == [(
        "2024-01-02 03:04:05.678 03 AM Jan January   January Tue 002 lit 2", "01:04 PM UTC", "01 03:04:05",
        "04/07/2024")]


async def test_now_is_timestamptz(db):
    r = await db.run("select now(), current_timestamp, clock_timestamp(), current_date, localtimestamp")
    assert [c.type_oid for c in r.columns] == [1184, 1184, 1184, 1082, 1114]
    assert r.rows[0][0].tzinfo is not None
    assert await db.q("select now() - interval '1 day' < now()") == [(True,)]
    assert await db.q("select extract(year from now()) > 2000") == [(True,)]
    assert (await db.q("select extract(epoch from interval '1 mon')"))[0][0] == Decimal("2592000.000000")
