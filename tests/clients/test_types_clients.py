"""psycopg (text and binary) and asyncpg (binary) round-trip jsonb, json, uuid,
bytea, interval, timestamptz and arrays through a real cluster: stored on one
compute node, read back through the router."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from decimal import Decimal

import asyncpg
import pytest
from psycopg.types.json import Jsonb

UTC = dt.timezone.utc
U1 = uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
TS = dt.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
CREATE = ("CREATE TABLE {t} (id INT PRIMARY KEY, j JSONB, js JSON, u UUID, b BYTEA, iv INTERVAL, "
          "tz TIMESTAMPTZ, ia INT[], ta TEXT[], na NUMERIC[], ba BOOLEAN[])")


@pytest.mark.parametrize("binary", [False, True])
def test_psycopg_roundtrip(cluster, binary):
    table = f"types_pg_{int(binary)}"
    with cluster.connect(autocommit=True) as conn:
        conn.execute(CREATE.format(t=table))
        row = (1, Jsonb({"b": [1, 2], "a": None}), json.dumps({"z": 1, "a": 2}), U1, b"\x00\x01\xff",
               dt.timedelta(days=3, hours=4), TS, [1, None, 3], ["x", "y z", ""], [Decimal("1.5")], [True, False])
        with conn.cursor(binary=binary) as cur:
            cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
            cur.execute(f"SELECT * FROM {table} WHERE id = %s", (1,))
            got = cur.fetchone()
            assert got == (1, {"a": None, "b": [1, 2]}, {"z": 1, "a": 2}, U1, b"\x00\x01\xff",
                           dt.timedelta(days=3, hours=4), TS, [1, None, 3], ["x", "y z", ""], [Decimal("1.5")],
                           [True, False])
            cur.execute(f"SELECT j -> 'b', j ->> 'b', u::text, iv + interval '1 hour', ia || 4 FROM {table}")
            assert cur.fetchone() == ([1, 2], "[1, 2]", str(U1), dt.timedelta(days=3, hours=5), [1, None, 3, 4])
            cur.execute(f"SELECT id FROM {table} WHERE u = %s AND j @> %s AND ia @> %s", (U1, Jsonb({"b": [2]}), [3]))
            assert cur.fetchall() == [(1,)]
        # text output as PostgreSQL prints it
        with conn.cursor() as cur:
            cur.execute(f"SELECT j::text, iv::text, tz::text, ia::text, b::text FROM {table}")
            assert cur.fetchone() == ('{"a": null, "b": [1, 2]}', "3 days 04:00:00", "2024-01-02 03:04:05.5+00",
                                      "{1,NULL,3}", "\\x0001ff")


def _asyncpg(cluster, body):
    async def main():
        conn = await asyncpg.connect(host="127.0.0.1", port=cluster.port, user="strata", database="strata",
                                     timeout=10)
        try:
            await body(conn)
        finally:
            await conn.close()

    asyncio.run(main())


def test_asyncpg_roundtrip(cluster):
    async def body(conn):
        await conn.execute("CREATE TABLE types_apg (id INT PRIMARY KEY, j JSONB, js JSON, u UUID, b BYTEA, "
                           "iv INTERVAL, tz TIMESTAMPTZ, ta TEXT[])")
        row = (1, '{"b": [1, 2], "a": null}', '{"z": 1}', U1, b"\x00\x01", dt.timedelta(days=3, hours=4), TS,
               ["x", "y z", None])
        await conn.execute("INSERT INTO types_apg VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", *row)
        got = await conn.fetchrow("SELECT * FROM types_apg WHERE u = $1", U1)
        assert tuple(got) == (1, '{"a": null, "b": [1, 2]}', '{"z": 1}', U1, b"\x00\x01",
                              dt.timedelta(days=3, hours=4), TS, ["x", "y z", None])
        assert await conn.fetchval("SELECT j -> 'b' FROM types_apg WHERE j @> $1", '{"a": null}') == "[1, 2]"
        assert await conn.fetchval("SELECT $1::interval * 2", dt.timedelta(hours=1)) == dt.timedelta(hours=2)
        assert isinstance(await conn.fetchval("SELECT gen_random_uuid()"), uuid.UUID)
        assert await conn.fetchval("SELECT tz + interval '1 day' FROM types_apg") == TS + dt.timedelta(days=1)
        assert await conn.fetchval("SELECT '{a,b}'::text[] || 'c'::text") == ["a", "b", "c"]

    _asyncpg(cluster, body)


def test_asyncpg_arrays(cluster):
    """asyncpg introspects int[]/numeric[]/... (its recursive pg_type query) before using them."""
    async def body(conn):
        await conn.execute("CREATE TABLE types_apg_arr (id INT PRIMARY KEY, ia INT[], na NUMERIC[], ba BOOLEAN[], "
                           "ua UUID[], ja JSONB[])")
        row = (1, [1, None, 3], [Decimal("1.5"), None], [True, False], [U1], ['{"a": 1}'])
        await conn.execute("INSERT INTO types_apg_arr VALUES ($1, $2, $3, $4, $5, $6)", *row)
        assert tuple(await conn.fetchrow("SELECT * FROM types_apg_arr")) == row
        assert await conn.fetchval("SELECT id FROM types_apg_arr WHERE ia @> $1", [3]) == 1
        assert await conn.fetchval("SELECT ARRAY[1, NULL, 3] || 4") == [1, None, 3, 4]

    _asyncpg(cluster, body)
