"""describe(): parameter and result types without executing anything."""

from sql import oids


async def test_describe_infers_params_and_columns(db, source):
    await db.run("CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(8), price NUMERIC(6,2))")
    commits = source.commits
    d = await db.s.describe("SELECT name, price, count(*) FROM t WHERE id = $1 GROUP BY name, price", [])
    assert d.param_oids == [oids.INT8]
    assert [(c.name, c.type_oid) for c in d.columns] == [
        ("name", oids.VARCHAR), ("price", oids.NUMERIC), ("count", oids.INT8),
    ]
    assert d.columns[0].type_modifier == 8 + 4
    d = await db.s.describe("INSERT INTO t VALUES ($1, $2, $3)", [])
    assert d.param_oids == [oids.INT8, oids.VARCHAR, oids.NUMERIC] and d.columns is None
    d = await db.s.describe("UPDATE t SET name = $2 WHERE id = $1", [0, 0])
    assert d.param_oids == [oids.INT8, oids.VARCHAR]
    d = await db.s.describe("SELECT $1", [oids.INT4])
    assert d.param_oids == [oids.INT4] and d.columns[0].type_oid == oids.INT4
    d = await db.s.describe("SELECT $1 || 'x'", [])
    assert d.param_oids == [oids.TEXT]
    assert source.commits == commits
    assert await db.q("SELECT count(*) FROM t") == [(0,)]


async def test_describe_control_statements(db):
    assert (await db.s.describe("BEGIN", [])).columns is None
    assert (await db.s.describe("SHOW server_version", [])).columns[0].type_oid == oids.TEXT
