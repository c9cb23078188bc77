"""CREATE/INSERT/SELECT/UPDATE/DELETE/DROP through SqlSession over MemoryTxnSource."""

from decimal import Decimal

from sql import oids


async def make_items(db):
    await db.run(
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(10) NOT NULL DEFAULT 'none', "
        "price NUMERIC(6,2), qty BIGINT, tag CHAR(3))"
    )
    await db.run(
        "INSERT INTO items VALUES (1, 'apple', 1.5, 10, 'a'), (2, 'pear', 2.25, NULL, 'p'), "
        "(3, 'fig', NULL, 5, NULL)"
    )


async def test_create_insert_select(db):
    assert await db.tag("CREATE TABLE t (a INT PRIMARY KEY, b TEXT)") == "CREATE TABLE"
    assert await db.tag("INSERT INTO t VALUES (1, 'x'), (2, 'y')") == "INSERT 0 2"
    res = await db.run("SELECT * FROM t")
    assert res.command_tag == "SELECT 2"
    assert [c.name for c in res.columns] == ["a", "b"]
    assert [c.type_oid for c in res.columns] == [oids.INT4, oids.TEXT]
    assert res.rows == [(1, "x"), (2, "y")]


async def test_types_defaults_and_padding(db):
    await make_items(db)
    await db.run("INSERT INTO items (id, price) VALUES (4, 3.456)")
    rows = await db.q("SELECT name, price, tag FROM items WHERE id = 4")
    assert rows == [("none", Decimal("3.46"), None)]
    assert await db.q("SELECT tag FROM items WHERE id = 1") == [("a  ",)]
    await db.run("INSERT INTO items VALUES (5, DEFAULT, NULL, NULL, NULL)")
    assert await db.q("SELECT name FROM items WHERE id = 5") == [("none",)]


async def test_if_not_exists_and_drop(db):
    await db.run("CREATE TABLE t (a INT PRIMARY KEY)")
    assert await db.tag("CREATE TABLE IF NOT EXISTS t (a INT PRIMARY KEY)") == "CREATE TABLE"
    assert await db.err("CREATE TABLE t (a INT)") == "42P07"
    assert await db.tag("DROP TABLE t") == "DROP TABLE"
    assert await db.tag("DROP TABLE IF EXISTS t") == "DROP TABLE"
    assert await db.err("DROP TABLE t") == "42P01"


async def test_composite_primary_key(db):
    await db.run("CREATE TABLE kv (a INT, b TEXT, v INT, PRIMARY KEY (a, b))")
    await db.run("INSERT INTO kv VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', 3)")
    assert await db.err("INSERT INTO kv VALUES (1, 'x', 9)") == "23505"
    assert await db.q("SELECT v FROM kv WHERE a = 1 AND b = 'y'") == [(2,)]


async def test_update_and_delete(db):
    await make_items(db)
    assert await db.tag("UPDATE items SET qty = qty + 1 WHERE qty IS NOT NULL") == "UPDATE 2"
    assert await db.q("SELECT id, qty FROM items ORDER BY id") == [(1, 11), (2, None), (3, 6)]
    assert await db.tag("UPDATE items SET name = 'x' WHERE id = 99") == "UPDATE 0"
    assert await db.tag("DELETE FROM items WHERE price IS NULL") == "DELETE 1"
    assert await db.tag("DELETE FROM items") == "DELETE 2"
    assert await db.q("SELECT * FROM items") == []


async def test_update_primary_key_moves_row(db):
    await make_items(db)
    assert await db.tag("UPDATE items SET id = 10 WHERE id = 1") == "UPDATE 1"
    assert await db.q("SELECT id, name FROM items WHERE id = 10") == [(10, "apple")]
    assert await db.q("SELECT id FROM items WHERE id = 1") == []
    assert await db.err("UPDATE items SET id = 2 WHERE id = 3") == "23505"


async def test_table_without_primary_key(db):
    await db.run("CREATE TABLE log (msg TEXT, n INT)")
    await db.run("INSERT INTO log VALUES ('a', 1), ('a', 1)")
    assert await db.q("SELECT count(*) FROM log") == [(2,)]
    assert await db.tag("UPDATE log SET n = 2") == "UPDATE 2"
    assert await db.tag("DELETE FROM log WHERE n = 2") == "DELETE 2"


async def test_select_expressions_without_from(db):
    res = await db.run("SELECT 1, 'a' AS s, 1.5, 7 / 2, -7 % 3, 2 * 3 + 1, 'a' || 'b'")
    assert res.rows == [(1, "a", Decimal("1.5"), 3, -1, 7, "ab")]
    assert [c.type_oid for c in res.columns] == [
        oids.INT4, oids.TEXT, oids.NUMERIC, oids.INT4, oids.INT4, oids.INT4, oids.TEXT,
    ]
    assert [c.name for c in res.columns][:2] == ["?column?", "s"]


async def test_functions_case_cast(db):
    rows = await db.q(
        "SELECT lower('AbC'), upper('a'), length('abcd'), abs(-3), round(2.567, 2), "
        "CASE WHEN 1 > 2 THEN 'x' ELSE 'y' END, CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, "
        "coalesce(NULL, 3), nullif(1, 1), CAST('12' AS INT), '5'::bigint + 1, 3::text"
    )
    assert rows == [("abc", "A", 4, 3, Decimal("2.57"), "y", "two", 3, None, 12, 6, "3")]


async def test_like_in_between(db):
    await make_items(db)
    assert await db.q("SELECT id FROM items WHERE name LIKE 'p%'") == [(2,)]
    assert await db.q("SELECT id FROM items WHERE name ILIKE '%PP%'") == [(1,)]
    assert await db.q("SELECT id FROM items WHERE name NOT LIKE '_ig'") == [(1,), (2,)]
    assert await db.q("SELECT id FROM items WHERE id IN (1, 3)") == [(1,), (3,)]
    assert await db.q("SELECT id FROM items WHERE id NOT IN (1, 3)") == [(2,)]
    assert await db.q("SELECT id FROM items WHERE qty BETWEEN 5 AND 9") == [(3,)]


async def test_parameters_are_coerced_from_context(db):
    await make_items(db)
    assert await db.q("SELECT name FROM items WHERE id = $1", ["2"]) == [("pear",)]
    assert await db.q("SELECT name FROM items WHERE id = $1", [2]) == [("pear",)]
    await db.run("INSERT INTO items (id, name, price) VALUES ($1, $2, $3)", ["7", "kiwi", "0.5"])
    assert await db.q("SELECT price FROM items WHERE id = 7") == [(Decimal("0.50"),)]
    assert await db.tag("UPDATE items SET qty = $1 WHERE id = $2", ["42", "7"]) == "UPDATE 1"
    assert await db.q("SELECT qty FROM items WHERE id = 7") == [(42,)]
