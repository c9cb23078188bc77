"""Errors carry PostgreSQL's SQLSTATE, and the session keeps working afterwards."""

import pytest


@pytest.fixture
async def t(db):
    await db.run(
        "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(5) NOT NULL, n SMALLINT, "
        "amount NUMERIC(4,2), ok BOOLEAN)"
    )
    await db.run("INSERT INTO t VALUES (1, 'one', 1, 1.00, true)")
    return db


@pytest.mark.parametrize(
    "sql, state",
    [
        ("SELEC 1", "42601"),
        ("SELECT (1", "42601"),
        ("SELECT 'abc", "42601"),
        ("INSERT INTO t VALUES ('abc', 'x')", "22P02"),
        ("SELECT id FROM t WHERE id = 'abc'", "22P02"),
        ("SELECT id FROM t WHERE id = true", "42804"),
        ("INSERT INTO t (id, name, n) VALUES (2, 'x', true)", "42804"),
        ("INSERT INTO t VALUES (1, 'dup')", "23505"),
        ("SELECT * FROM missing", "42P01"),
        ("INSERT INTO missing VALUES (1)", "42P01"),
        ("SELECT nope FROM t", "42703"),
        ("UPDATE t SET nope = 1", "42703"),
        ("SELECT 1 / 0", "22012"),
        ("SELECT 5 % 0", "22012"),
        ("SELECT 1.0 / 0", "22012"),
        ("INSERT INTO t (id) VALUES (2)", "23502"),
        ("UPDATE t SET name = NULL", "23502"),
        ("INSERT INTO t (id, name) VALUES (2, 'toolong')", "22001"),
        ("INSERT INTO t (id, name, n) VALUES (2, 'x', 40000)", "22003"),
        ("INSERT INTO t (id, name, amount) VALUES (2, 'x', 123.4)", "22003"),
        ("SELECT 2147483647 + 1", "22003"),
        ("SELECT 9223372036854775807::bigint * 2", "22003"),
        ("SELECT no_such_fn(1)", "42883"),
        ("SELECT 'a' + 1", "22P02"),
    ],
)
async def test_sqlstate_and_session_continues(t, sql, state):
    assert await t.err(sql) == state
    assert await t.q("SELECT name FROM t WHERE id = 1") == [("one",)]
    assert t.s.transaction_status == "I"


async def test_error_messages_match_postgres(t):
    from sql.errors import SqlError

    async def message(sql):
        with pytest.raises(SqlError) as info:
            await t.run(sql)
        return info.value.message

    assert await message("SELECT id FROM t WHERE id = 'abc'") == 'invalid input syntax for type integer: "abc"'
    assert await message("INSERT INTO t (id) VALUES (2)") == (
        'null value in column "name" of relation "t" violates not-null constraint'
    )
    assert await message("SELECT * FROM missing") == 'relation "missing" does not exist'
    assert await message("SELECT nope FROM t") == 'column "nope" does not exist'
    assert await message("SELECT 1/0") == "division by zero"
    assert await message("SELEC 1") == 'syntax error at or near "SELEC"'
    assert await message("INSERT INTO t (id, name) VALUES (2, 'toolong')") == (
        "value too long for type character varying(5)"
    )


async def test_failed_statement_in_autocommit_leaves_nothing(t):
    assert await t.err("INSERT INTO t VALUES (2, 'two'), (1, 'dup')") == "23505"
    assert await t.q("SELECT count(*) FROM t") == [(1,)]
