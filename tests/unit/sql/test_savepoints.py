"""SAVEPOINT / RELEASE / ROLLBACK TO (SQLAlchemy and psycopg's nested
transactions use them)."""


async def test_rollback_to_undoes_only_what_came_after(db):
    await db.run("create table s (k int primary key, v text)")
    await db.run("begin")
    await db.run("insert into s values (1, 'a')")
    assert await db.tag("savepoint sp1") == "SAVEPOINT"
    await db.run("insert into s values (2, 'b')")
    await db.run("savepoint sp2")
    await db.run("update s set v = 'z' where k = 1")
    assert await db.tag("rollback to savepoint sp1") == "ROLLBACK"
    assert await db.q("select k, v from s order by k") == [(1, "a")]
    await db.run("insert into s values (3, 'c')")
    assert await db.tag("release sp1") == "RELEASE"
    await db.run("commit")
    assert await db.q("select k, v from s order by k") == [(1, "a"), (3, "c")]


async def test_rollback_to_clears_a_failed_block(db):
    await db.run("create table s (k int primary key)")
    await db.run("begin")
    await db.run("insert into s values (1)")
    await db.run("savepoint before_dup")
    assert await db.err("insert into s values (1)") == "23505"
    assert await db.err("select 1") == "25P02"
    await db.run("rollback to before_dup")
    await db.run("insert into s values (2)")
    await db.run("commit")
    assert await db.q("select k from s order by k") == [(1,), (2,)]


async def test_savepoint_errors(db):
    assert await db.err("savepoint x") == "25P01"
    await db.run("begin")
    assert await db.err("release nope") == "3B001"
    await db.run("rollback")
    await db.run("begin")
    await db.run('savepoint "Mixed"')
    assert await db.err("rollback to mixed") == "3B001"  # names fold like identifiers
    assert await db.err("select 1") == "25P02"
    await db.run("rollback")
    assert await db.q("select 1") == [(1,)]
