"""WITH RECURSIVE (sql/recursive.py); results and SQLSTATEs as PostgreSQL 15."""

import threading
import time

import trio

from sql.errors import SqlError
from sql.recursive import RecursiveUnion


async def test_counting_union_all(db):
    assert await db.q("with recursive r(n) as (select 1 union all select n + 1 from r where n < 5)"
                      " select * from r") == [(1,), (2,), (3,), (4,), (5,)]


async def test_union_stops_when_no_new_rows(db):
    # UNION discards rows already produced, so the cycle 1 -> 2 -> 3 -> 1 ends
    assert await db.q("with recursive r as (select 1 as n union select n % 3 + 1 from r)"
                      " select * from r order by 1") == [(1,), (2,), (3,)]


async def test_tree_walk_over_table(db):
    await db.run("create table emp (id int primary key, boss int, name text)")
    await db.run("insert into emp values (1, null, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'c'), (5, 4, 'd')")
    rows = await db.q(
        "with recursive sub(id, name, depth) as ("
        " select id, name, 0 from emp where id = 2"
        " union all select e.id, e.name, s.depth + 1 from emp e join sub s on e.boss = s.id)"
        " select name, depth from sub order by depth")
    assert rows == [("a", 0), ("c", 1), ("d", 2)]


async def test_other_ctes_and_aggregates_over_result(db):
    assert await db.q("with recursive x as (select 5 as v), r(n) as (select v from x union all"
                      " select n - 1 from r where n > 0) select sum(n), count(*) from r") == [(15, 6)]


async def test_text_accumulation_and_types_from_first_term(db):
    rows = await db.q("with recursive r(i, s) as (select 1, 'x' union all"
                      " select i + 1, s || 'y' from r where i < 3) select * from r")
    assert rows == [(1, "x"), (2, "xy"), (3, "xyy")]


async def test_recursive_errors(db):
    assert await db.err("with recursive r(n) as (select 1 union all select n * 1.5 from r where n < 5)"
                        " select * from r") == "42804"
    assert await db.err("with recursive r(n) as (select n from r) select * from r") == "42P19"
    assert await db.err("with recursive r(n) as (select 1 union all select n + 1 from r join r r2 on true)"
                        " select * from r") == "42P19"
    assert await db.err("with recursive r(n) as (select 1 union all select (select n from r))"
                        " select * from r") == "42P19"
    assert await db.err("with recursive r(n) as (select 1 from r union all select 2)"
                        " select * from r") == "42P19"


async def test_non_recursive_cte_under_with_recursive(db):
    assert await db.q("with recursive c as (select 7 as v) select v from c") == [(7,)]


async def test_cancel_stops_an_endless_recursion(session, monkeypatch):
    """No iteration cap: a cancel (what a CancelRequest does to the statement's
    trio scope) stops the statement, and its worker thread stops too."""
    ended = threading.Event()
    outcome = []
    original = RecursiveUnion.rows

    def rows(self, env):
        try:
            return original(self, env)
        except SqlError as e:
            outcome.append(e.sqlstate)
            raise
        finally:
            ended.set()

    monkeypatch.setattr(RecursiveUnion, "rows", rows)
    with trio.move_on_after(0.5) as scope:
        await session.execute("with recursive r(n) as (select 1 union all select n + 1 from r)"
                              " select count(*) from r", ())
    assert scope.cancelled_caught
    deadline = time.monotonic() + 5
    while not ended.is_set() and time.monotonic() < deadline:
        await trio.sleep(0.05)
    assert ended.is_set() and outcome == ["57014"]
    try:
        await session.execute("rollback", ())
    except SqlError:
        pass
    res = await session.execute("select 1", ())
    assert res.rows == [(1,)]
