"""DECLARE / FETCH / MOVE / CLOSE (sql/cursors.py) as PostgreSQL 15 answers them."""

import pytest

from sql.cursors import Fetch, parse


@pytest.fixture
async def nums(db):
    await db.run("CREATE TABLE n (i INTEGER PRIMARY KEY, t TEXT)")
    await db.run("INSERT INTO n VALUES " + ", ".join(f"({i}, 't{i}')" for i in range(1, 6)))
    return db


def test_parse_directions():
    assert parse('FETCH FORWARD 100 FROM "c"') == Fetch("c", False, "forward", 100)
    assert parse("fetch c") == Fetch("c", False, "forward", 1)
    assert parse("FETCH ALL IN C") == Fetch("c", False, "forward", None)
    assert parse("fetch -2 from c") == Fetch("c", False, "backward", 2)
    assert parse("fetch 0 c") == Fetch("c", False, "relative", 0)
    assert parse("move absolute -1 c") == Fetch("c", True, "absolute", -1)
    assert parse("fetch last c") == Fetch("c", False, "absolute", -1)
    assert parse("movement") is None and parse("SELECT 1") is None


async def test_declare_needs_a_block_unless_with_hold(nums):
    assert await nums.err("DECLARE c CURSOR FOR SELECT i FROM n") == "25P01"
    assert await nums.tag("DECLARE c CURSOR WITH HOLD FOR SELECT i FROM n") == "DECLARE CURSOR"
    assert await nums.q("FETCH 2 FROM c") == [(1,), (2,)]


async def test_fetch_directions_like_postgres(nums):
    await nums.run("BEGIN")
    await nums.run("DECLARE c SCROLL CURSOR FOR SELECT i FROM n ORDER BY i")
    assert await nums.q("FETCH LAST FROM c") == [(5,)]
    assert await nums.q("FETCH 0 FROM c") == [(5,)]
    assert await nums.q("FETCH BACKWARD ALL IN c") == [(4,), (3,), (2,), (1,)]
    assert await nums.tag("MOVE FORWARD ALL c") == "MOVE 5"
    assert await nums.q("FETCH ABSOLUTE -2 c") == [(4,)]
    res = await nums.run("FETCH RELATIVE 10 c")
    assert res.rows == [] and res.command_tag == "FETCH 0" and res.columns[0].name == "i"
    assert await nums.q("FETCH -1 FROM c") == [(5,)]
    assert await nums.q("FETCH PRIOR c") == [(4,)]
    assert await nums.q("FETCH FIRST c") == [(1,)]
    assert await nums.tag("FETCH FORWARD 10 FROM c") == "FETCH 4"
    assert await nums.q("FETCH NEXT c") == []
    await nums.run("COMMIT")


async def test_no_scroll_close_and_errors(nums):
    await nums.run("BEGIN")
    await nums.run("DECLARE c NO SCROLL CURSOR FOR SELECT i, t FROM n WHERE i > $1 ORDER BY i", [2])
    assert await nums.q("FETCH 2 c") == [(3, "t3"), (4, "t4")]
    assert await nums.err("FETCH PRIOR c") == "55000"
    await nums.run("ROLLBACK")
    await nums.run("BEGIN")
    await nums.run("DECLARE c CURSOR FOR SELECT i FROM n")
    assert await nums.err("DECLARE c CURSOR FOR SELECT 1") == "42P03"
    assert await nums.err("FETCH c") == "25P02"
    await nums.run("ROLLBACK")
    await nums.run("BEGIN")
    await nums.run("DECLARE c CURSOR FOR SELECT i FROM n")
    assert await nums.tag("CLOSE c") == "CLOSE CURSOR"
    assert await nums.err("CLOSE c") == "34000"
    await nums.run("ROLLBACK")
    await nums.run("BEGIN")
    assert await nums.err("DECLARE d CURSOR FOR INSERT INTO n VALUES (9, 'x')") == "42601"
    await nums.run("ROLLBACK")
    await nums.run("BEGIN")
    await nums.run("DECLARE d BINARY CURSOR FOR SELECT 1")
    res = await nums.run("FETCH d")
    assert res.rows == [(1,)] and res.binary is True
    await nums.run("ROLLBACK")
    assert await nums.err("FETCH nope") == "34000"


async def test_lifetime_hold_commit_rollback(nums):
    await nums.run("BEGIN")
    await nums.run("DECLARE plain CURSOR FOR SELECT i FROM n ORDER BY i")
    await nums.run("DECLARE held CURSOR WITH HOLD FOR SELECT i FROM n ORDER BY i")
    assert await nums.q("FETCH held") == [(1,)]
    await nums.run("COMMIT")
    assert await nums.err("FETCH plain") == "34000"  # ended with its transaction
    await nums.run("INSERT INTO n VALUES (6, 't6')")
    assert await nums.q("FETCH ALL FROM held") == [(2,), (3,), (4,), (5,)]  # materialised
    await nums.run("BEGIN")
    await nums.run("DECLARE lost CURSOR WITH HOLD FOR SELECT 1")
    await nums.run("ROLLBACK")
    assert await nums.err("FETCH lost") == "34000"  # its transaction rolled back
    assert await nums.q("FETCH ABSOLUTE 1 held") == [(1,)]  # older cursors survive
    await nums.run("BEGIN")
    await nums.run("SAVEPOINT s")
    await nums.run("DECLARE inner_c CURSOR FOR SELECT 1")
    await nums.run("ROLLBACK TO SAVEPOINT s")
    assert await nums.err("FETCH inner_c") == "34000"
    await nums.run("ROLLBACK")
    assert await nums.tag("CLOSE ALL") == "CLOSE CURSOR ALL"
    assert await nums.err("FETCH held") == "34000"


async def test_describe_declare_and_fetch(nums, session):
    desc = await session.describe("DECLARE c CURSOR FOR SELECT t FROM n WHERE i = $1", [0])
    assert desc.param_oids == [23] and desc.columns is None
    await nums.run("BEGIN")
    await nums.run("DECLARE c CURSOR FOR SELECT t FROM n WHERE i = $1", [3])
    desc = await session.describe("FETCH FORWARD 5 FROM c", [])
    assert [c.name for c in desc.columns] == ["t"]
    assert session.cursor_columns("c")[0].name == "t"
    assert await nums.q("FETCH FORWARD 5 FROM c") == [("t3",)]
    await nums.run("COMMIT")
