"""CHECK, FOREIGN KEY, UNIQUE constraints and identity columns (sql.constraints,
sql.constraint_ddl); messages as PostgreSQL 15 prints them."""

import pytest

from sql.errors import SqlError


async def error(db, sql):
    with pytest.raises(SqlError) as info:
        await db.run(sql)
    return info.value


async def parent_child(db, on_delete="", on_update=""):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE, name TEXT)")
    await db.run(f"CREATE TABLE c (id INT PRIMARY KEY, p_id INT REFERENCES p {on_delete} {on_update}, note TEXT)")
    await db.run("INSERT INTO p VALUES (1, 10, 'one'), (2, 20, 'two')")
    await db.run("INSERT INTO c VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')")


async def constraint_names(source, table):
    return sorted(
        [c.name for c in source.tables[table].checks]
        + [f.name for f in source.tables[table].foreign_keys]
        + [i.name for i in source.tables[table].indexes if i.constraint])


async def test_default_names(db, source):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE, CHECK (u > 0), CHECK (u > 0), "
                 "CHECK (id >= u), CONSTRAINT named CHECK (id > 0), a INT, b INT, UNIQUE (a, b))")
    assert await constraint_names(source, "p") == [
        "named", "p_a_b_key", "p_check", "p_u_check", "p_u_check1", "p_u_key"]
    await db.run("CREATE TABLE c (x INT REFERENCES p, y INT, z INT, "
                 "FOREIGN KEY (y, z) REFERENCES p (a, b), CONSTRAINT fk FOREIGN KEY (y) REFERENCES p (u))")
    fks = {f.name: f for f in source.tables["c"].foreign_keys}
    assert sorted(fks) == ["c_x_fkey", "c_y_z_fkey", "fk"]
    assert fks["c_x_fkey"].ref_columns == ("id",)
    assert fks["c_y_z_fkey"].ref_columns == ("a", "b")


async def test_check_violation_message_and_null_passes(db):
    await db.run("CREATE TABLE t (a INT CHECK (a > 0), b TEXT, CHECK (a < b::int))")
    e = await error(db, "INSERT INTO t VALUES (-1, '5')")
    assert e.sqlstate == "23514"
    assert e.message == 'new row for relation "t" violates check constraint "t_a_check"'
    assert e.detail == "Failing row contains (-1, 5)."
    e = await error(db, "INSERT INTO t VALUES (7, '5')")
    assert e.message == 'new row for relation "t" violates check constraint "t_check"'
    assert await db.tag("INSERT INTO t VALUES (NULL, NULL), (1, '5')") == "INSERT 0 2"
    e = await error(db, "UPDATE t SET a = 0 WHERE a = 1")
    assert e.sqlstate == "23514" and e.detail == "Failing row contains (0, 5)."


async def test_check_definition_errors(db):
    assert await db.err("CREATE TABLE t (a INT CHECK (a + 1))") == "42804"
    assert await db.err("CREATE TABLE t (a INT CHECK (nope > 0))") == "42703"
    assert await db.err("CREATE TABLE t (a INT, CONSTRAINT x CHECK (a > 0), CONSTRAINT x CHECK (a < 9))") == "42710"
    assert await db.err("SELECT * FROM t") == "42P01"


async def test_fk_insert_requires_parent(db):
    await parent_child(db)
    e = await error(db, "INSERT INTO c VALUES (9, 5, 'x')")
    assert e.sqlstate == "23503"
    assert e.message == 'insert or update on table "c" violates foreign key constraint "c_p_id_fkey"'
    assert e.detail == 'Key (p_id)=(5) is not present in table "p".'
    assert await db.tag("INSERT INTO c VALUES (9, NULL, 'x')") == "INSERT 0 1"
    assert await db.err("UPDATE c SET p_id = 3 WHERE id = 9") == "23503"
    assert await db.tag("UPDATE c SET p_id = 2 WHERE id = 9") == "UPDATE 1"


async def test_fk_to_unique_column_and_multi_column(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY, a INT, b TEXT, UNIQUE (b, a))")
    await db.run("CREATE TABLE c (x INT, y TEXT, FOREIGN KEY (x, y) REFERENCES p (a, b))")
    await db.run("INSERT INTO p VALUES (1, 7, 'q')")
    assert await db.tag("INSERT INTO c VALUES (7, 'q'), (NULL, 'zz'), (8, NULL)") == "INSERT 0 3"
    e = await error(db, "INSERT INTO c VALUES (7, 'r')")
    assert e.detail == 'Key (x, y)=(7, r) is not present in table "p".'


async def test_fk_definition_errors(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE, v INT)")
    await db.run("CREATE TABLE nokey (a INT)")
    assert await db.err("CREATE TABLE c (x INT REFERENCES q)") == "42P01"
    assert await db.err("CREATE TABLE c (x INT REFERENCES p (v))") == "42830"
    assert await db.err("CREATE TABLE c (x INT REFERENCES nokey)") == "42830"
    assert await db.err("CREATE TABLE c (x INT REFERENCES p (nope))") == "42703"
    assert await db.err("CREATE TABLE c (x INT, FOREIGN KEY (x) REFERENCES p (id, u))") == "42830"
    e = await error(db, "CREATE TABLE c (x TEXT REFERENCES p)")
    assert e.sqlstate == "42804"
    assert e.message == 'foreign key constraint "c_x_fkey" cannot be implemented'
    assert e.detail == 'Key columns "x" and "id" are of incompatible types: text and integer.'
    assert await db.tag("CREATE TABLE c (x BIGINT REFERENCES p (u))") == "CREATE TABLE"


async def test_delete_no_action_and_restrict(db):
    await parent_child(db, "ON DELETE RESTRICT")
    e = await error(db, "DELETE FROM p WHERE id = 1")
    assert e.sqlstate == "23503"
    assert e.message == 'update or delete on table "p" violates foreign key constraint "c_p_id_fkey" on table "c"'
    assert e.detail == 'Key (id)=(1) is still referenced from table "c".'
    await db.run("DELETE FROM c WHERE p_id = 1")
    assert await db.tag("DELETE FROM p WHERE id = 1") == "DELETE 1"
    assert await db.err("UPDATE p SET id = 5 WHERE id = 2") == "23503"
    assert await db.tag("UPDATE p SET name = 'x' WHERE id = 2") == "UPDATE 1"


async def test_delete_cascade(db):
    await parent_child(db, "ON DELETE CASCADE")
    await db.run("CREATE TABLE g (id INT PRIMARY KEY, c_id INT REFERENCES c ON DELETE CASCADE)")
    await db.run("INSERT INTO g VALUES (1, 1), (2, 3)")
    assert await db.tag("DELETE FROM p WHERE id = 1") == "DELETE 1"
    assert await db.q("SELECT id FROM c ORDER BY id") == [(3,)]
    assert await db.q("SELECT id FROM g") == [(2,)]


async def test_delete_set_null_and_set_default(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY)")
    await db.run("INSERT INTO p VALUES (0), (1)")
    await db.run("CREATE TABLE c (id INT PRIMARY KEY, a INT REFERENCES p ON DELETE SET NULL, "
                 "b INT DEFAULT 0 REFERENCES p ON DELETE SET DEFAULT)")
    await db.run("INSERT INTO c VALUES (1, 1, 1)")
    await db.run("DELETE FROM p WHERE id = 1")
    assert await db.q("SELECT * FROM c") == [(1, None, 0)]
    assert await db.err("DELETE FROM p WHERE id = 0") == "23503"


async def test_update_cascade(db):
    await parent_child(db, "", "ON UPDATE CASCADE")
    assert await db.tag("UPDATE p SET id = 7 WHERE id = 1") == "UPDATE 1"
    assert await db.q("SELECT id, p_id FROM c ORDER BY id") == [(1, 7), (2, 7), (3, 2)]


async def test_fk_on_unique_column_update(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE)")
    await db.run("CREATE TABLE c (u INT REFERENCES p (u) ON UPDATE SET NULL)")
    await db.run("INSERT INTO p VALUES (1, 10)")
    await db.run("INSERT INTO c VALUES (10)")
    await db.run("UPDATE p SET u = 11")
    assert await db.q("SELECT u FROM c") == [(None,)]


async def test_self_reference(db):
    await db.run("CREATE TABLE t (id INT PRIMARY KEY, parent INT REFERENCES t ON DELETE CASCADE)")
    await db.run("INSERT INTO t VALUES (1, NULL), (2, 1), (3, 2), (4, 4)")
    assert await db.err("INSERT INTO t VALUES (5, 9)") == "23503"
    await db.run("DELETE FROM t WHERE id = 1")
    assert await db.q("SELECT * FROM t") == [(4, 4)]


async def test_drop_referenced_table(db):
    await parent_child(db)
    e = await error(db, "DROP TABLE p")
    assert e.sqlstate == "2BP01"
    assert e.message == "cannot drop table p because other objects depend on it"
    assert e.detail == "constraint c_p_id_fkey on table c depends on table p"
    assert await db.tag("DROP TABLE p CASCADE") == "DROP TABLE"
    assert await db.tag("INSERT INTO c VALUES (10, 99, 'x')") == "INSERT 0 1"


async def test_drop_parent_and_child_together(db):
    await parent_child(db)
    assert await db.tag("DROP TABLE p, c") == "DROP TABLE"


async def test_fk_check_in_transaction_sees_own_parent(db):
    await parent_child(db)
    await db.run("BEGIN")
    await db.run("INSERT INTO p VALUES (3, 30, 'three')")
    await db.run("INSERT INTO c VALUES (4, 3, 'd')")
    await db.run("COMMIT")
    assert await db.q("SELECT p_id FROM c WHERE id = 4") == [(3,)]


async def test_unique_constraint_enforced(db):
    await db.run("CREATE TABLE t (a INT UNIQUE, b INT)")
    await db.run("INSERT INTO t VALUES (1, 1), (NULL, 2), (NULL, 3)")
    e = await error(db, "INSERT INTO t VALUES (1, 4)")
    assert e.sqlstate == "23505"
    assert e.message == 'duplicate key value violates unique constraint "t_a_key"'


async def test_identity_always(db, source):
    await db.run("CREATE TABLE t (id INT GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5), v TEXT)")
    assert source.tables["t"].columns[0].identity == "a"
    await db.run("INSERT INTO t (v) VALUES ('a'), ('b')")
    assert await db.q("SELECT * FROM t ORDER BY id") == [(10, "a"), (15, "b")]
    e = await error(db, "INSERT INTO t VALUES (1, 'x')")
    assert e.sqlstate == "428C9"
    assert e.message == 'cannot insert a non-DEFAULT value into column "id"'
    assert await db.err("UPDATE t SET id = 3") == "428C9"
    assert await db.tag("INSERT INTO t VALUES (DEFAULT, 'c')") == "INSERT 0 1"


async def test_identity_by_default(db, source):
    await db.run("CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v TEXT)")
    assert source.tables["t"].columns[0].identity == "d"
    await db.run("INSERT INTO t (v) VALUES ('a')")
    await db.run("INSERT INTO t VALUES (100, 'b')")
    assert await db.q("SELECT * FROM t ORDER BY id") == [(1, "a"), (100, "b")]


async def test_identity_errors(db):
    assert await db.err("CREATE TABLE t (id TEXT GENERATED ALWAYS AS IDENTITY)") == "22023"
    assert await db.err("CREATE TABLE t (id INT GENERATED ALWAYS AS IDENTITY DEFAULT 5)") == "42601"


async def test_truncate_keeps_constraints_and_refuses_referenced(db, source):
    await parent_child(db)
    await db.run("ALTER TABLE c ADD CONSTRAINT ck CHECK (id < 100)")
    e = await error(db, "TRUNCATE p")
    assert (e.sqlstate, e.detail) == ("0A000", 'Table "c" references "p".')
    await db.run("TRUNCATE c")
    assert [f.name for f in source.tables["c"].foreign_keys] == ["c_p_id_fkey"]
    assert await db.err("INSERT INTO c VALUES (1, 99, 'x')") == "23503"
    assert await db.err("INSERT INTO c VALUES (100, 1, 'x')") == "23514"
    assert await db.tag("TRUNCATE p, c") == "TRUNCATE TABLE"
    assert await db.q("SELECT count(*) FROM p") == [(0,)]


async def test_checks_at_end_of_statement(db):
    await db.run("CREATE TABLE t (id INT PRIMARY KEY, parent INT REFERENCES t)")
    assert await db.tag("INSERT INTO t VALUES (2, 1), (1, NULL), (3, 2)") == "INSERT 0 3"
    assert await db.err("DELETE FROM t WHERE id = 1") == "23503"
    assert await db.tag("DELETE FROM t") == "DELETE 3"
    await db.run("CREATE TABLE p (id INT PRIMARY KEY)")
    await db.run("CREATE TABLE c (p_id INT REFERENCES p)")
    await db.run("INSERT INTO p VALUES (1), (2)")
    await db.run("INSERT INTO c VALUES (1)")
    assert await db.err("UPDATE p SET id = id + 10") == "23503"
    assert await db.q("SELECT id FROM p ORDER BY id") == [(1,), (2,)]
    assert await db.tag("UPDATE p SET id = id + 10 WHERE id = 2") == "UPDATE 1"
    await db.run("CREATE TABLE r (id INT PRIMARY KEY, parent INT REFERENCES r ON DELETE RESTRICT)")
    await db.run("INSERT INTO r VALUES (1, NULL), (2, 1)")
    assert await db.err("DELETE FROM r") == "23503"


async def test_fk_value_out_of_parent_range_is_23503(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY)")
    await db.run("CREATE TABLE c (x BIGINT REFERENCES p)")
    assert await db.err("INSERT INTO c VALUES (5000000000)") == "23503"


async def test_many_child_rows_in_one_statement(db):
    await db.run("CREATE TABLE p (id INT PRIMARY KEY)")
    await db.run("CREATE TABLE c (id INT PRIMARY KEY, p_id INT REFERENCES p)")
    await db.run("INSERT INTO p VALUES " + ", ".join(f"({i})" for i in range(100)))
    values = ", ".join(f"({i}, {i % 100})" for i in range(2000))
    assert await db.tag(f"INSERT INTO c VALUES {values}") == "INSERT 0 2000"
    more = ", ".join(f"({i}, {i % 100})" for i in range(2000, 2500)) + ", (9999, 100)"
    assert await db.err(f"INSERT INTO c VALUES {more}") == "23503"
    assert await db.q("SELECT count(*) FROM c") == [(2000,)]
