"""DML breadth: RETURNING, INSERT ... SELECT, ON CONFLICT, UPDATE ... FROM,
DELETE ... USING and subqueries in DML (results, tags and SQLSTATEs as
PostgreSQL 15 gives them)."""

from decimal import Decimal
from functools import partial

import psycopg
import pytest
import trio

from sql import oids
from sql.errors import SqlError
from sql.memory_txn import MemoryTxn, MemoryTxnSource
from sql.pgwire.server import serve_pgwire
from sql.session import SqlSession


async def _setup(db):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY, b TEXT)")
    await db.run("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')")


# -- RETURNING


async def test_insert_returning_expressions_names_and_types(db):
    await db.run("CREATE TABLE r (id INT PRIMARY KEY, name VARCHAR(5), price NUMERIC(6,2) DEFAULT 1.5)")
    res = await db.run(
        "INSERT INTO r (id, name) VALUES (1, 'ab'), (2, 'cd') "
        "RETURNING id + 1, name AS n, *, upper(name), 'lit', NULL, (SELECT 7)"
    )
    assert res.command_tag == "INSERT 0 2"
    assert [c.name for c in res.columns] == [
        "?column?", "n", "id", "name", "price", "upper", "?column?", "?column?", "?column?",
    ]
    assert [c.type_oid for c in res.columns] == [
        oids.INT4, oids.VARCHAR, oids.INT4, oids.VARCHAR, oids.NUMERIC, oids.TEXT, oids.TEXT, oids.TEXT,
        oids.INT4,
    ]
    assert res.columns[4].type_modifier == ((6 << 16) | 2) + 4
    assert res.rows == [
        (2, "ab", 1, "ab", Decimal("1.50"), "AB", "lit", None, 7),
        (3, "cd", 2, "cd", Decimal("1.50"), "CD", "lit", None, 7),
    ]


async def test_update_and_delete_returning(db):
    await _setup(db)
    res = await db.run("UPDATE t SET b = b || '!' WHERE a >= 2 RETURNING t.*, length(b) AS len")
    assert res.command_tag == "UPDATE 2"
    assert [c.name for c in res.columns] == ["a", "b", "len"]
    assert sorted(res.rows) == [(2, "two!", 4), (3, "three!", 6)]
    res = await db.run("DELETE FROM t WHERE a = 3 RETURNING b, a * 10")
    assert (res.command_tag, res.rows) == ("DELETE 1", [("three!", 30)])
    res = await db.run("DELETE FROM t WHERE a = 99 RETURNING *")
    assert res.command_tag == "DELETE 0" and res.rows == [] and [c.name for c in res.columns] == ["a", "b"]
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "one"), (2, "two!")]


async def test_returning_without_clause_has_no_columns(db):
    await _setup(db)
    res = await db.run("UPDATE t SET b = 'x' WHERE a = 1")
    assert res.columns is None and res.command_tag == "UPDATE 1"


async def test_returning_errors(db):
    await _setup(db)
    assert await db.err("INSERT INTO t VALUES (9, 'x') RETURNING count(*)") == "42803"
    assert await db.err("INSERT INTO t VALUES (9, 'x') RETURNING nope") == "42703"
    assert await db.err("UPDATE t x SET b = 'x' RETURNING t.a") == "42P01"
    assert await db.err("DELETE FROM t RETURNING q.*") == "42P01"
    assert await db.q("SELECT count(*) FROM t") == [(3,)]


async def test_returning_values_as_stored(db):
    await db.run("CREATE TABLE c (id INT PRIMARY KEY, code CHAR(4), amount NUMERIC(5,1))")
    assert await db.q("INSERT INTO c VALUES (1, 'ab', 2.25) RETURNING code, amount") == [("ab  ", Decimal("2.3"))]
    assert await db.q("UPDATE c SET amount = amount * 2 RETURNING amount") == [(Decimal("4.6"),)]


async def test_describe_returning_without_executing(db, source):
    await db.run("CREATE TABLE d (id BIGINT PRIMARY KEY, name TEXT)")
    commits = source.commits
    desc = await db.s.describe("INSERT INTO d VALUES ($1, $2) RETURNING id, name AS n, id * 2", [])
    assert desc.param_oids == [oids.INT8, oids.TEXT]
    assert [(c.name, c.type_oid) for c in desc.columns] == [("id", oids.INT8), ("n", oids.TEXT),
                                                           ("?column?", oids.INT8)]
    desc = await db.s.describe("UPDATE d SET name = $1 WHERE id = $2 RETURNING *", [])
    assert [c.name for c in desc.columns] == ["id", "name"]
    desc = await db.s.describe("DELETE FROM d WHERE id = $1 RETURNING 1 AS one", [])
    assert [c.name for c in desc.columns] == ["one"]
    assert source.commits == commits
    assert await db.q("SELECT count(*) FROM d") == [(0,)]


async def test_returning_with_parameters(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY, v TEXT)")
    assert await db.q("INSERT INTO p VALUES ($1, $2) RETURNING id, v", [5, "five"]) == [(5, "five")]
    assert await db.q("UPDATE p SET v = $1 WHERE id = $2 RETURNING v", ["V", 5]) == [("V",)]


# -- INSERT ... SELECT


async def test_insert_select_variants(db):
    await _setup(db)
    await db.run("CREATE TABLE t2 (a BIGINT PRIMARY KEY, b TEXT DEFAULT 'dflt')")
    assert await db.tag("INSERT INTO t2 SELECT a, b FROM t WHERE a < 3") == "INSERT 0 2"
    assert await db.tag("INSERT INTO t2 (a) SELECT a + 10 FROM t ORDER BY a DESC LIMIT 1") == "INSERT 0 1"
    assert await db.tag("INSERT INTO t2 (SELECT 20, 'x' UNION ALL SELECT 21, 'y')") == "INSERT 0 2"
    assert await db.tag("WITH w AS (SELECT a + 30 AS a FROM t) INSERT INTO t2 (a) SELECT a FROM w") == "INSERT 0 3"
    assert await db.tag("INSERT INTO t2 WITH w AS (SELECT 40 AS a) SELECT a, 'w' FROM w") == "INSERT 0 1"
    assert await db.q("SELECT a, b FROM t2 ORDER BY a") == [
        (1, "one"), (2, "two"), (13, "dflt"), (20, "x"), (21, "y"),
        (31, "dflt"), (32, "dflt"), (33, "dflt"), (40, "w"),
    ]


async def test_insert_select_from_same_table_reads_before_writing(db):
    await _setup(db)
    assert await db.tag("INSERT INTO t SELECT a + 3, b FROM t") == "INSERT 0 3"
    assert await db.q("SELECT count(*) FROM t") == [(6,)]


async def test_insert_select_coercion_and_errors(db):
    await _setup(db)
    await db.run("CREATE TABLE n (i INT PRIMARY KEY, s TEXT, x NUMERIC(4,1))")
    assert await db.tag("INSERT INTO n SELECT '5', 7, 1") == "INSERT 0 1"  # unknown -> int, int -> text
    assert await db.tag("INSERT INTO n (i, x) SELECT 6, NULL") == "INSERT 0 1"
    assert await db.q("SELECT i, s, x FROM n ORDER BY i") == [(5, "7", Decimal("1.0")), (6, None, None)]
    assert await db.err("INSERT INTO n (i) SELECT '6' UNION SELECT '7'") == "42804"
    assert await db.err("INSERT INTO n (i) SELECT true") == "42804"
    assert await db.err("INSERT INTO n (i) SELECT b FROM t") == "42804"
    assert await db.err("INSERT INTO n SELECT 1, 'a', 1, 2") == "42601"
    assert await db.err("INSERT INTO n (i, s) SELECT 1") == "42601"
    assert await db.err("INSERT INTO n (s) SELECT 'x'") == "23502"
    assert await db.err("INSERT INTO n SELECT a, b, 1 FROM nope") == "42P01"
    assert await db.err("INSERT INTO n SELECT a, b, 1 FROM t UNION ALL SELECT a, b, 1 FROM t") == "23505"
    assert await db.q("SELECT count(*) FROM n") == [(2,)]


async def test_insert_default_values(db):
    await db.run("CREATE TABLE dv (id SERIAL PRIMARY KEY, v TEXT DEFAULT 'd')")
    assert await db.q("INSERT INTO dv DEFAULT VALUES RETURNING *") == [(1, "d")]
    assert await db.q("INSERT INTO dv DEFAULT VALUES RETURNING id") == [(2,)]


# -- ON CONFLICT


async def test_on_conflict_do_nothing(db):
    await _setup(db)
    res = await db.run("INSERT INTO t VALUES (1, 'x'), (4, 'four') ON CONFLICT DO NOTHING RETURNING *")
    assert (res.command_tag, res.rows) == ("INSERT 0 1", [(4, "four")])
    assert await db.tag("INSERT INTO t VALUES (5, 'a'), (5, 'b') ON CONFLICT (a) DO NOTHING") == "INSERT 0 1"
    assert await db.tag("INSERT INTO t VALUES (2, 'z') ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING") == "INSERT 0 0"
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [
        (1, "one"), (2, "two"), (3, "three"), (4, "four"), (5, "a"),
    ]


async def test_on_conflict_do_update(db):
    await _setup(db)
    res = await db.run(
        "INSERT INTO t VALUES (1, 'uno'), (7, 'seven') "
        "ON CONFLICT (a) DO UPDATE SET b = t.b || '/' || excluded.b RETURNING a, b"
    )
    assert (res.command_tag, res.rows) == ("INSERT 0 2", [(1, "one/uno"), (7, "seven")])
    res = await db.run(
        "INSERT INTO t AS x VALUES (2, 'dos'), (3, 'tres') "
        "ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE x.a = 3 RETURNING *"
    )
    assert (res.command_tag, res.rows) == ("INSERT 0 1", [(3, "tres")])
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [
        (1, "one/uno"), (2, "two"), (3, "tres"), (7, "seven"),
    ]


async def test_on_conflict_do_update_changes_key_and_uses_subquery(db):
    await _setup(db)
    await db.run("CREATE TABLE m (k INT PRIMARY KEY, v TEXT)")
    await db.run("INSERT INTO m VALUES (1, 'from m')")
    assert await db.q(
        "INSERT INTO t VALUES (1, 'x') ON CONFLICT (a) DO UPDATE "
        "SET a = 100, b = (SELECT v FROM m WHERE m.k = excluded.a) RETURNING *"
    ) == [(100, "from m")]
    assert await db.q("SELECT a FROM t ORDER BY a") == [(2,), (3,), (100,)]


async def test_on_conflict_errors(db):
    await _setup(db)
    assert await db.err("INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET b = 'x'") == "42601"
    assert await db.err("INSERT INTO t VALUES (1) ON CONFLICT (b) DO NOTHING") == "42P10"
    assert await db.err("INSERT INTO t VALUES (1) ON CONFLICT (zz) DO NOTHING") == "42703"
    assert await db.err("INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT nope DO NOTHING") == "42704"
    assert await db.err(
        "INSERT INTO t VALUES (8, 'a'), (8, 'b') ON CONFLICT (a) DO UPDATE SET b = excluded.b") == "21000"
    assert await db.err("INSERT INTO t VALUES (1, 'x') ON CONFLICT (a) DO UPDATE SET b = b") == "42702"
    assert await db.err(
        "INSERT INTO t VALUES (1, 'x') ON CONFLICT (a) DO UPDATE SET b = 'y' RETURNING excluded.b") == "42P01"
    assert await db.err("INSERT INTO t AS x VALUES (1) ON CONFLICT (a) DO UPDATE SET b = t.b") == "42P01"
    assert await db.err("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 'x' WHERE 1") == "42804"
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "one"), (2, "two"), (3, "three")]


async def test_on_conflict_unique_index_arbiter(db):
    await db.run("CREATE TABLE u (id INT PRIMARY KEY, email TEXT, n INT)")
    await db.run("CREATE UNIQUE INDEX u_email ON u (email)")
    await db.run("INSERT INTO u VALUES (1, 'a@x', 1), (2, 'b@x', 1)")
    assert await db.q(
        "INSERT INTO u VALUES (3, 'a@x', 5) ON CONFLICT (email) DO UPDATE SET n = u.n + excluded.n RETURNING *"
    ) == [(1, "a@x", 6)]
    assert await db.tag("INSERT INTO u VALUES (4, 'b@x', 5) ON CONFLICT DO NOTHING") == "INSERT 0 0"
    assert await db.tag("INSERT INTO u VALUES (2, 'c@x', 5) ON CONFLICT DO NOTHING") == "INSERT 0 0"
    # a conflict on a unique rule that is not the arbiter is an error
    assert await db.err("INSERT INTO u VALUES (2, 'c@x', 5) ON CONFLICT (email) DO NOTHING") == "23505"
    assert await db.err("INSERT INTO u VALUES (9, 'a@x', 5) ON CONFLICT (id) DO NOTHING") == "23505"
    assert await db.err(
        "INSERT INTO u VALUES (5, 'c@x', 5), (6, 'c@x', 7) ON CONFLICT (email) DO UPDATE SET n = 0") == "21000"
    assert await db.tag("INSERT INTO u VALUES (5, 'c@x', 5), (6, 'c@x', 7) ON CONFLICT (email) DO NOTHING") \
        == "INSERT 0 1"
    # a plain unique index is not a constraint
    assert await db.err("INSERT INTO u VALUES (7, 'a@x', 5) ON CONFLICT ON CONSTRAINT u_email DO NOTHING") == "42704"
    # NULLs never conflict
    assert await db.tag("INSERT INTO u VALUES (8, NULL, 0), (9, NULL, 0) ON CONFLICT (email) DO NOTHING") \
        == "INSERT 0 2"
    assert await db.q("SELECT id, email, n FROM u ORDER BY id") == [
        (1, "a@x", 6), (2, "b@x", 1), (5, "c@x", 5), (8, None, 0), (9, None, 0),
    ]


async def test_on_conflict_retries_when_a_concurrent_insert_wins(db, source, monkeypatch):
    """The key is free when looked up, but another transaction inserts it before
    ours does (23505 from the pk): the upsert re-checks and updates instead."""
    await db.run("CREATE TABLE cnt (k INT PRIMARY KEY, n INT)")
    real_lock = MemoryTxn.lock_row
    raced = []

    async def racing_lock(self, table, key):
        if table.name == "cnt" and not raced:
            raced.append(key)
            other = await source.begin()
            await other.insert(table, key, (1, 10))
            await other.commit()
            return None  # what we saw just before the other insert committed
        return await real_lock(self, table, key)

    monkeypatch.setattr(MemoryTxn, "lock_row", racing_lock)
    res = await db.run(
        "INSERT INTO cnt VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = cnt.n + excluded.n RETURNING n")
    assert raced == [(1,)]
    assert (res.command_tag, res.rows) == ("INSERT 0 1", [(11,)])
    assert await db.q("SELECT k, n FROM cnt") == [(1, 11)]


# -- UPDATE ... FROM, DELETE ... USING


async def test_update_from_join_first_match_once(db):
    await _setup(db)
    await db.run("CREATE TABLE o (id INT, v TEXT)")
    await db.run("INSERT INTO o VALUES (2, 'x'), (2, 'y'), (3, 'z'), (9, 'nine')")
    res = await db.run("UPDATE t SET b = o.v FROM o WHERE o.id = t.a RETURNING t.a, t.b, o.*")
    assert res.command_tag == "UPDATE 2"
    assert [c.name for c in res.columns] == ["a", "b", "id", "v"]
    rows = sorted(res.rows)
    assert rows[0] in [(2, "x", 2, "x"), (2, "y", 2, "y")] and rows[1] == (3, "z", 3, "z")
    assert await db.q("SELECT a, b FROM t WHERE a <> 2 ORDER BY a") == [(1, "one"), (3, "z")]


async def test_update_from_several_sources_and_alias(db):
    await _setup(db)
    await db.run("CREATE TABLE o (id INT PRIMARY KEY, k INT)")
    await db.run("CREATE TABLE p (k INT PRIMARY KEY, label TEXT)")
    await db.run("INSERT INTO o VALUES (1, 10), (2, 20)")
    await db.run("INSERT INTO p VALUES (10, 'ten'), (20, 'twenty')")
    assert await db.tag(
        "UPDATE t AS x SET b = p.label || x.a FROM o JOIN p ON p.k = o.k WHERE o.id = x.a AND x.a = 2"
    ) == "UPDATE 1"
    assert await db.tag("UPDATE t SET b = p.label FROM o, p WHERE o.id = t.a AND p.k = o.k AND t.a < 2") \
        == "UPDATE 1"
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "ten"), (2, "twenty2"), (3, "three")]
    assert await db.err("UPDATE t SET b = 'k' FROM t WHERE true") == "42712"
    assert await db.err("UPDATE t SET b = a FROM t t2") == "42702"
    assert await db.err("UPDATE t SET b = 'k' FROM nope WHERE true") == "42P01"


async def test_update_from_self_join_and_derived_table(db):
    await _setup(db)
    assert await db.q(
        "UPDATE t SET b = s.b FROM (SELECT a + 1 AS a, b FROM t) AS s WHERE s.a = t.a RETURNING t.a, t.b"
    ) == [(2, "one"), (3, "two")]


async def test_delete_using(db):
    await _setup(db)
    await db.run("CREATE TABLE o (id INT, v TEXT)")
    await db.run("INSERT INTO o VALUES (2, 'x'), (2, 'y'), (3, 'z')")
    res = await db.run("DELETE FROM t USING o WHERE o.id = t.a AND o.v <> 'z' RETURNING t.*")
    assert (res.command_tag, res.rows) == ("DELETE 1", [(2, "two")])
    assert await db.tag("DELETE FROM t x USING o, o AS o2 WHERE o.id = x.a AND o2.id = o.id") == "DELETE 1"
    assert await db.q("SELECT a FROM t") == [(1,)]


# -- subqueries in DML


async def test_subqueries_in_update_where_and_set(db):
    await _setup(db)
    await db.run("CREATE TABLE o (id INT PRIMARY KEY, v TEXT)")
    await db.run("INSERT INTO o VALUES (1, 'o1'), (3, 'o3')")
    assert await db.tag("UPDATE t SET b = (SELECT v FROM o WHERE o.id = t.a) WHERE a IN (SELECT id FROM o)") \
        == "UPDATE 2"
    assert await db.tag("UPDATE t SET b = 'none' WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.id = t.a)") \
        == "UPDATE 1"
    assert await db.tag("UPDATE t SET b = 'max' WHERE a = (SELECT max(a) FROM t)") == "UPDATE 1"
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "o1"), (2, "none"), (3, "max")]
    assert await db.err("UPDATE t SET b = (SELECT v FROM o)") == "21000"
    assert await db.err("UPDATE t SET b = (SELECT id, v FROM o WHERE false)") == "42601"


async def test_subqueries_in_delete_and_insert_values(db):
    await _setup(db)
    await db.run("CREATE TABLE o (id INT PRIMARY KEY)")
    await db.run("INSERT INTO o VALUES (2)")
    assert await db.tag("DELETE FROM t WHERE a IN (SELECT id FROM o) OR a > (SELECT count(*) FROM o) + 1") \
        == "DELETE 2"
    assert await db.tag("INSERT INTO t VALUES ((SELECT max(a) + 10 FROM t), (SELECT 'sub'))") == "INSERT 0 1"
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "one"), (11, "sub")]
    assert await db.tag("DELETE FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.id * 5 + 1 = t.a)") == "DELETE 1"
    assert await db.q("SELECT a FROM t") == [(1,)]


async def test_update_set_multi_column_and_default(db):
    await db.run("CREATE TABLE mc (id INT PRIMARY KEY, x INT DEFAULT 7, y TEXT)")
    await db.run("INSERT INTO mc VALUES (1, 1, 'a')")
    assert await db.q("UPDATE mc SET (x, y) = (x + 1, 'b') RETURNING x, y") == [(2, "b")]
    assert await db.q("UPDATE mc SET x = DEFAULT RETURNING x") == [(7,)]
    assert await db.err("UPDATE mc SET (x, y) = (1, 2, 3)") == "42601"
    assert await db.err("UPDATE mc SET mc.x = 1") == "42703"
    assert await db.err("UPDATE mc SET x = 1, x = 2") == "42601"


async def test_update_rechecks_where_on_locked_row(db, source, monkeypatch):
    """Read Committed: a row changed by a transaction that commits between our
    read and our lock is re-checked (whole WHERE, join partner unchanged)."""
    await _setup(db)
    await db.run("CREATE TABLE o (id INT PRIMARY KEY, v TEXT)")
    await db.run("INSERT INTO o VALUES (1, 'one'), (2, 'two')")
    real_lock = MemoryTxn.lock_row
    changed = []

    async def racing_lock(self, table, key):
        if table.name == "t" and key == (2,) and not changed:
            changed.append(key)
            other = await source.begin()
            await other.update(table, key, (2, "changed"))
            await other.commit()
        return await real_lock(self, table, key)

    monkeypatch.setattr(MemoryTxn, "lock_row", racing_lock)
    res = await db.run("UPDATE t SET b = upper(t.b) FROM o WHERE o.id = t.a AND o.v = t.b RETURNING t.a")
    assert changed == [(2,)]
    assert (res.command_tag, res.rows) == ("UPDATE 1", [(1,)])
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "ONE"), (2, "changed"), (3, "three")]


async def test_dml_on_table_without_primary_key(db):
    await db.run("CREATE TABLE h (x INT, y TEXT)")
    assert await db.q("INSERT INTO h VALUES (1, 'a'), (1, 'a'), (2, 'b') RETURNING x") == [(1,), (1,), (2,)]
    await db.run("CREATE TABLE k (x INT)")
    await db.run("INSERT INTO k VALUES (1), (1)")
    assert await db.tag("UPDATE h SET y = 'z' FROM k WHERE k.x = h.x") == "UPDATE 2"
    assert await db.tag("DELETE FROM h USING k WHERE k.x = h.x") == "DELETE 2"
    assert await db.q("SELECT x, y FROM h") == [(2, "b")]


async def test_with_before_update_and_delete(db):
    await _setup(db)
    assert await db.tag("WITH w AS (SELECT 2 AS id) UPDATE t SET b = 'w' FROM w WHERE w.id = t.a") == "UPDATE 1"
    assert await db.tag("WITH w AS (SELECT 3 AS id) DELETE FROM t WHERE a IN (SELECT id FROM w)") == "DELETE 1"
    assert await db.q("SELECT a, b FROM t ORDER BY a") == [(1, "one"), (2, "w")]


async def test_copy_style_parameterised_insert_still_checks_pk(db):
    await _setup(db)
    with pytest.raises(SqlError) as info:
        await db.run("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)", [9, "x", 1, "dup"])
    assert info.value.sqlstate == "23505"
    assert await db.q("SELECT count(*) FROM t") == [(3,)]


async def test_insert_select_parameter_takes_column_type(db):
    await db.run("CREATE TABLE ps (id INT PRIMARY KEY, v TEXT)")
    desc = await db.s.describe("INSERT INTO ps SELECT $1, $2 RETURNING id", [])
    assert desc.param_oids == [oids.INT4, oids.TEXT]
    assert await db.q("INSERT INTO ps SELECT $1, $2 RETURNING id, v", ["5", "x"]) == [(5, "x")]


async def test_identity_always_columns(db):
    await db.run("CREATE TABLE ident (id INT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT)")
    assert await db.q("INSERT INTO ident (v) VALUES ('a') RETURNING id") == [(1,)]
    assert await db.q("INSERT INTO ident VALUES (DEFAULT, 'b') RETURNING *") == [(2, "b")]
    assert await db.err("INSERT INTO ident VALUES (5, 'x')") == "428C9"
    assert await db.err("INSERT INTO ident SELECT 5, 'x'") == "428C9"
    assert await db.err("UPDATE ident SET id = 7") == "428C9"
    assert await db.q("UPDATE ident SET id = DEFAULT WHERE id = 1 RETURNING id") == [(3,)]
    assert await db.q("SELECT id, v FROM ident ORDER BY id") == [(2, "b"), (3, "a")]


async def test_target_is_not_visible_in_from_join_condition(db):
    await _setup(db)
    await db.run("CREATE TABLE o (id INT PRIMARY KEY)")
    assert await db.err("UPDATE t SET b = 'k' FROM o JOIN t t3 ON t3.a = t.a") == "42P01"
    assert await db.err("DELETE FROM t USING o JOIN t t3 ON t3.a = t.a") == "42P01"


async def test_returning_through_psycopg_extended_protocol(nursery):
    """Parse/Describe/Bind/Execute of INSERT/UPDATE ... RETURNING over pgwire:
    RowDescription from the describe, rows and the command tag from the execute."""
    source = MemoryTxnSource()
    listeners = await nursery.start(partial(serve_pgwire, "127.0.0.1", 0, lambda: SqlSession(source)))
    dsn = f"host=127.0.0.1 port={listeners[0].socket.getsockname()[1]} user=strata dbname=strata"

    def run():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE w (id INT PRIMARY KEY, v TEXT, n NUMERIC(5,2))")
            cur = conn.cursor()
            cur.execute("INSERT INTO w VALUES (%s, %s, 1.5) RETURNING id, v AS val, n", (1, "a"), prepare=True)
            first = (cur.fetchall(), [(d.name, d.type_code) for d in cur.description], cur.statusmessage)
            cur.execute("INSERT INTO w VALUES (%s, %s, 1.5) ON CONFLICT (id) DO UPDATE SET v = excluded.v "
                        "RETURNING v", (1, "b"), prepare=True)
            second = (cur.fetchall(), cur.statusmessage)
            cur.execute("UPDATE w SET n = n * 2 WHERE id = %s RETURNING n", (1,), prepare=True)
            third = (cur.fetchall(), cur.statusmessage)
            cur.execute("DELETE FROM w WHERE id = %s", (1,), prepare=True)
            return first, second, third, cur.description, cur.statusmessage

    first, second, third, desc, tag = await trio.to_thread.run_sync(run)
    assert first == ([(1, "a", Decimal("1.50"))], [("id", oids.INT4), ("val", oids.TEXT), ("n", oids.NUMERIC)],
                     "INSERT 0 1")
    assert second == ([("b",)], "INSERT 0 1")
    assert third == ([(Decimal("3.00"),)], "UPDATE 1")
    assert desc is None and tag == "DELETE 1"


async def test_dml_reads_views_and_recursive_ctes(db):
    await _setup(db)
    await db.run("CREATE VIEW big AS SELECT a, b FROM t WHERE a > 1")
    assert await db.q("UPDATE t SET b = big.b || '!' FROM big WHERE big.a = t.a AND t.a = 2 RETURNING t.b") \
        == [("two!",)]
    assert await db.tag(
        "WITH RECURSIVE r(n) AS (SELECT 10 UNION ALL SELECT n + 1 FROM r WHERE n < 12) "
        "INSERT INTO t SELECT n, 'r' FROM r") == "INSERT 0 3"
    assert await db.tag(
        "WITH RECURSIVE r(n) AS (SELECT 10 UNION ALL SELECT n + 1 FROM r WHERE n < 11) "
        "DELETE FROM t USING r WHERE r.n = t.a") == "DELETE 2"
    assert await db.q("DELETE FROM t WHERE a IN (SELECT a FROM big) RETURNING a") == [(2,), (3,), (12,)]
    assert await db.q("SELECT a FROM t") == [(1,)]
