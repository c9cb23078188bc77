"""Errors come in PostgreSQL's order: analysis (names) before plan-time constant
folding (data errors), found by the differential test (seed 1029107165)."""


async def test_a_name_error_in_a_later_branch_wins_over_a_folded_overflow(db):
    await db.run("create table t0 (k int primary key)")
    await db.run("create table t1 (k int primary key)")
    assert await db.err(
        "select 9223372036854775807::int from t0 except all "
        "select a2.k from t0 a0, t0 a1 inner join t1 a2 on a0.k = a2.k") == "42P01"


async def test_a_folded_overflow_is_still_raised_at_plan_time(db):
    await db.run("create table t0 (k int primary key)")
    assert await db.err("select 9223372036854775807::int") == "22003"
    # Even when no row is read, as PostgreSQL folds constants while planning.
    assert await db.err("select 9223372036854775807::int from t0 where false") == "22003"
    assert await db.err("select -(-2147483648::int)") == "22003"
