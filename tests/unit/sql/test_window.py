"""Window functions (sql/window.py).  Expected values were taken from
PostgreSQL 15 running the same statements over the same rows."""

from decimal import Decimal

import pytest


@pytest.fixture
async def wdb(db):
    await db.run("create table w (g int, x int, y text)")
    await db.run("insert into w values (1,1,'a'),(1,2,'b'),(1,2,'c'),(2,5,'d'),(2,null,'e'),(3,7,null)")
    return db


async def test_ranking_functions(wdb):
    rows = await wdb.q(
        "select g, x, row_number() over (partition by g order by x), rank() over (partition by g order by x),"
        " dense_rank() over (order by x), percent_rank() over (partition by g order by x),"
        " cume_dist() over (order by x), ntile(2) over (order by y) from w order by y")
    assert rows == [
        (1, 1, 1, 1, 1, 0.0, 0.16666666666666666, 1),
        (1, 2, 2, 2, 2, 0.5, 0.5, 1),
        (1, 2, 3, 2, 2, 0.5, 0.5, 1),
        (2, 5, 1, 1, 3, 0.0, 0.6666666666666666, 2),
        (2, None, 2, 2, 5, 1.0, 1.0, 2),
        (3, 7, 1, 1, 4, 0.0, 0.8333333333333334, 2),
    ]


async def test_value_functions_and_aggregates_default_frame(wdb):
    rows = await wdb.q(
        "select y, lag(x) over o, lag(x, 2, -1) over o, lead(x, 1, 0) over o, first_value(y) over o,"
        " last_value(y) over o, nth_value(y, 2) over o, sum(x) over o, count(*) over o, avg(x) over o,"
        " string_agg(y, ',') over o from w window o as (order by x) order by y")
    assert rows == [
        ("a", None, -1, 2, "a", "a", None, 1, 1, Decimal("1.00000000000000000000"), "a"),
        ("b", 1, -1, 2, "a", "c", "b", 5, 3, Decimal("1.6666666666666667"), "a,b,c"),
        ("c", 2, 1, 5, "a", "c", "b", 5, 3, Decimal("1.6666666666666667"), "a,b,c"),
        ("d", 2, 2, 7, "a", "d", "b", 10, 4, Decimal("2.5000000000000000"), "a,b,c,d"),
        ("e", 7, 5, 0, "a", "e", "b", 17, 6, Decimal("3.4000000000000000"), "a,b,c,d,e"),
        (None, 5, 2, None, "a", None, "b", 17, 5, Decimal("3.4000000000000000"), "a,b,c,d"),
    ]


async def test_explicit_frames_and_exclusion(wdb):
    rows = await wdb.q(
        "select y, sum(x) over (order by x rows between 1 preceding and 1 following),"
        " sum(x) over (order by x range between 1 preceding and current row),"
        " count(*) over (order by x groups between 1 preceding and current row exclude current row),"
        " max(y) over (partition by g order by x rows between unbounded preceding and unbounded following"
        " exclude ties) from w order by y")
    assert rows == [("a", 3, 1, 0, "c"), ("b", 5, 5, 2, "b"), ("c", 9, 5, 2, "c"),
                    ("d", 14, 5, 2, "e"), ("e", 7, None, 1, "e"), (None, 12, 7, 1, None)]


async def test_range_offset_descending_and_rows_shorthand(wdb):
    assert await wdb.q("select y, sum(x) over (order by x desc range between 2 preceding and 1 following)"
                       " from w order by y") == [
        ("a", 5), ("b", 5), ("c", 5), ("d", 12), ("e", None), (None, 7)]
    assert await wdb.q("select y, sum(x) over (order by x rows 1 preceding) from w order by y") == [
        ("a", 1), ("b", 3), ("c", 4), ("d", 7), ("e", 7), (None, 12)]


async def test_windows_over_grouped_rows(wdb):
    rows = await wdb.q("select g, sum(x), rank() over (order by sum(x) desc nulls last), sum(sum(x)) over ()"
                       " from w group by g order by 3, 1")
    assert rows == [(3, 7, 1, 17), (1, 5, 2, 17), (2, 5, 2, 17)]


async def test_order_by_window_result_and_named_window_chain(wdb):
    assert await wdb.q("select y, row_number() over (order by y desc) as rn from w order by rn") == [
        (None, 1), ("e", 2), ("d", 3), ("c", 4), ("b", 5), ("a", 6)]
    assert await wdb.q("select y, sum(x) over w2 from w window w1 as (partition by g), w2 as (w1 order by y)"
                       " order by y") == [("a", 1), ("b", 3), ("c", 5), ("d", 5), ("e", 5), (None, 7)]
    assert await wdb.q("select distinct count(*) over (partition by g) from w order by 1") == [(1,), (2,), (3,)]


async def test_filter_and_array_agg_over_windows(wdb):
    rows = await wdb.q("select x, count(*) filter (where x > 1) over (order by x),"
                       " array_agg(y) over (partition by g order by y) from w order by y")
    assert [(r[0], r[1], list(r[2])) for r in rows] == [
        (1, 0, ["a"]), (2, 2, ["a", "b"]), (2, 2, ["a", "b", "c"]), (5, 3, ["d"]), (None, 4, ["d", "e"]),
        (7, 4, [None])]


async def test_lag_default_of_wider_type(wdb):
    assert await wdb.q("select lag(x, 1, 1.5) over (order by y) from w") == [
        (Decimal("1.5"),), (1,), (2,), (2,), (5,), (None,)]


async def test_window_errors(wdb):
    assert await wdb.err("select x from w where row_number() over () > 1") == "42P20"
    assert await wdb.err("select sum(row_number() over ()) from w") == "42803"
    assert await wdb.err("select ntile(0) over () from w") == "22014"
    assert await wdb.err("select rank() from w") == "42809"
    assert await wdb.err("select first_value(x) over nope from w") == "42704"
    assert await wdb.err("select sum(x) over (order by x, y range between 1 preceding and current row) from w") == "42P20"
    assert await wdb.err("select sum(x) over (rows between unbounded following and current row) from w") == "42P20"
    assert await wdb.err("select g, sum(x) over () from w group by g") == "42803"
    assert await wdb.err("select sum(x) over (rows between -1 preceding and current row) from w") == "22013"


async def test_empty_input_and_whole_partition(wdb):
    assert await wdb.q("select row_number() over () from w where false") == []
    assert await wdb.q("select count(*) over (partition by g) from w where g = 2") == [(2,), (2,)]
