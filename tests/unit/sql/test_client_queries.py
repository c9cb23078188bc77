"""Query shapes drivers and ORMs send: set-returning functions in the select
list (SQLAlchemy's index reflection), VALUES as a FROM item (SQLAlchemy's
insertmanyvalues), ``$1::oid[]`` (asyncpg's type introspection), text bound
to ``CAST($1 AS regclass)``, and the binary "char" of pg_attribute."""

from decimal import Decimal

from sql.pgwire import values


async def test_select_list_srfs_run_in_lock_step(db):
    assert await db.q("SELECT unnest(ARRAY[1, 2, 3]) AS u, generate_subscripts(ARRAY[5, 6], 1) AS g, 'x'") == [
        (1, 1, "x"), (2, 2, "x"), (3, None, "x")]
    assert await db.q("SELECT unnest(ARRAY['a', 'b']) ORDER BY 1 DESC") == [("b",), ("a",)]
    assert await db.q("SELECT generate_subscripts(ARRAY[1, 2], 1, true)") == [(2,), (1,)]
    assert await db.q("SELECT unnest(CAST(NULL AS int[]))") == []
    assert await db.err("SELECT 1 WHERE unnest(ARRAY[1]) = 1") == "0A000"
    assert await db.err("SELECT unnest(ARRAY[1]) + 1") == "0A000"
    assert await db.err("SELECT unnest(5)") == "42883"


async def test_srf_over_int2vector_starts_at_zero(db):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY, b INT, c INT)")
    await db.run("CREATE INDEX t_cb ON t (c, b)")
    rows = await db.q("SELECT unnest(i.indkey), generate_subscripts(i.indkey, 1) FROM pg_index i "
                      "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 't_cb'")
    assert rows == [(3, 0), (2, 1)]


async def test_values_as_a_from_item(db):
    assert await db.q("SELECT * FROM (VALUES (1, 'a'), (2.5, NULL)) AS v(x, y)") == [
        (Decimal("1"), "a"), (Decimal("2.5"), None)]
    assert await db.q("SELECT column1 FROM (VALUES (1), (2)) v ORDER BY column1 DESC") == [(2,), (1,)]
    await db.run("CREATE TABLE b (id INT PRIMARY KEY, title TEXT)")
    tag = await db.tag("INSERT INTO b (id, title) SELECT p0::INT, p1 FROM (VALUES ($1, $2, 0), ($3, $4, 1)) "
                       "AS imp(p0, p1, n) ORDER BY n", [1, "one", 2, "two"])
    assert tag == "INSERT 0 2"
    assert await db.q("SELECT * FROM b ORDER BY id") == [(1, "one"), (2, "two")]
    assert await db.err("SELECT * FROM (VALUES (1), (1, 2)) v") == "42601"


async def test_oid_array_casts_and_regclass_parameters(db):
    assert await db.q("SELECT 3 = ANY('{1,3}'::oid[]), 23 = ANY(CAST($1 AS pg_catalog.oid[]))",
                      ["{23}"]) == [(True, True)]
    assert await db.q("SELECT CAST($1 AS regclass)::oid", ["pg_catalog.pg_constraint"]) == [(2606,)]
    assert await db.q("SELECT 0::regtype::text, 23::regtype::text") == [("-", "integer")]


def test_char_binary_is_one_byte():
    enc = values.binary_encoder(18)
    assert enc("") == b"\x00" and enc("a") == b"a"
    assert values.binary_encoder(22)([1, 2])[:12] == b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x15"


async def test_like_escape(db):
    assert await db.q("SELECT 'a%b' LIKE 'a/%b' ESCAPE '/', 'axb' LIKE 'a/%b' ESCAPE '/', "
                      "'a\\b' LIKE 'a\\b' ESCAPE '', 'pg_toast' NOT LIKE 'pg/_%' ESCAPE '/', "
                      "'A_b' ILIKE 'a#_B' ESCAPE '#', NULL LIKE 'a' ESCAPE '/'") == [
        (True, False, True, False, True, None)]
    assert await db.q("SELECT 'pg_catalog' NOT LIKE $1 || '%' ESCAPE '/'", ["pg/_"]) == [(False,)]
    assert await db.err("SELECT 'ab' LIKE 'a_' ESCAPE 'xx'") == "22025"


async def test_cte_reading_outer_columns(db):
    """asyncpg's type introspection: WITH RECURSIVE inside a correlated scalar
    subquery whose anchor reads the outer row."""
    assert await db.q("SELECT t.n, (WITH RECURSIVE r(k) AS (SELECT t.n UNION ALL SELECT k - 1 FROM r "
                      "WHERE k > 0) SELECT count(*) FROM r) FROM (VALUES (1), (3), (2)) t(n)") == [
        (1, 2), (3, 4), (2, 3)]
    assert await db.q("SELECT t.n, (WITH x AS (SELECT t.n * 10 AS m) SELECT m FROM x) "
                      "FROM (VALUES (1), (3)) t(n)") == [(1, 10), (3, 30)]
    assert await db.q("WITH x AS (SELECT 1 AS a) SELECT (SELECT a FROM x), a FROM x") == [(1, 1)]
    # read from a deeper level it would need re-running per row of that level: refused
    assert await db.err("SELECT (WITH x AS (SELECT t.n AS m) SELECT (SELECT m FROM x)) "
                        "FROM (VALUES (1)) t(n)") == "0A000"
    rows = await db.q("""SELECT t.typname, (CASE WHEN t.typtype = 'd' THEN (WITH RECURSIVE
        tb(oid, depth) AS (SELECT t2.typbasetype, 0 FROM pg_type t2 WHERE t2.oid = t.oid
        UNION ALL SELECT t2.typbasetype, tb.depth + 1 FROM pg_type t2, tb
        WHERE tb.oid = t2.oid AND t2.typbasetype != 0) SELECT oid FROM tb ORDER BY depth DESC LIMIT 1)
        END), t.typelem FROM pg_type t WHERE t.oid = ANY($1::oid[]) ORDER BY 1""", ["{1007,22}"])
    assert rows == [("_int4", None, 23), ("int2vector", None, 21)]
