"""Text and binary wire encodings of jsonb, json, uuid, bytea, interval,
timestamptz and one-dimensional arrays, checked against psycopg's own loaders
(an independent implementation of PostgreSQL's formats)."""

import datetime as dt
import uuid
from decimal import Decimal

import psycopg
from psycopg.pq import Format

from sql import oids
from sql.pgvalues import PgArray
from sql.pgwire import values

_CONN_CTX = psycopg.adapt.AdaptersMap(psycopg.adapters)


def load(oid: int, data: bytes, fmt=Format.BINARY):
    loader = _CONN_CTX.get_loader(oid, fmt)
    assert loader is not None
    return loader(oid, None).load(data)


def load_array(array_oid: int, data: bytes):
    from psycopg.types.array import ArrayBinaryLoader

    return ArrayBinaryLoader(array_oid, psycopg.adapt.Transformer()).load(data)


def test_text_encodings():
    t = values.text_encoder
    assert t(oids.JSONB)('{"a": 1}') == b'{"a": 1}'
    assert t(oids.JSON)('[1,2]') == b"[1,2]"
    assert t(oids.UUID)("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") == b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert t(oids.BYTEA)(b"\x01\xff") == b"\\x01ff"
    assert t(oids.INTERVAL)((14, 3, 14_706_500_000)) == b"1 year 2 mons 3 days 04:05:06.5"
    assert t(oids.INTERVAL)((0, 0, 0)) == b"00:00:00"
    assert t(oids.TIMESTAMPTZ)(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)) == b"2024-01-02 03:04:05+00"
    assert t(1007)((1, None, 3)) == b"{1,NULL,3}"
    assert t(1009)(("a b", "", None, 'q"')) == b'{"a b","",NULL,"q\\""}'
    assert t(1000)((True, False)) == b"{t,f}"
    assert t(1187)(((0, 1, 0), (1, 0, 0))) == b'{"1 day","1 mon"}'
    assert t(1001)((b"\x01",)) == b'{"\\\\x01"}'


def test_binary_encodings_match_psycopg_loaders():
    b = values.binary_encoder
    assert b(oids.JSONB)('{"a": [1, 2]}') == b'\x01{"a": [1, 2]}'
    assert load(oids.JSONB, b(oids.JSONB)('{"a": [1, 2]}')) == {"a": [1, 2]}
    assert load(oids.JSON, b(oids.JSON)('{"a":1}')) == {"a": 1}
    u = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert load(oids.UUID, b(oids.UUID)(u)) == uuid.UUID(u)
    assert load(oids.BYTEA, b(oids.BYTEA)(b"\x00\x01")) == b"\x00\x01"
    assert b(oids.INTERVAL)((14, 3, 1_500_000)) == bytes.fromhex("000000000016e360" "00000003" "0000000e")
    assert load(oids.INTERVAL, b(oids.INTERVAL)((0, 3, 1_500_000))) == dt.timedelta(days=3, seconds=1.5)
    ts = dt.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=dt.timezone.utc)
    assert load(oids.TIMESTAMPTZ, b(oids.TIMESTAMPTZ)(ts)) == ts


def test_binary_arrays_match_psycopg_loaders():
    b = values.binary_encoder
    assert load_array(1007, b(1007)((1, None, 3))) == [1, None, 3]
    assert load_array(1007, b(1007)(())) == []
    assert load_array(1009, b(1009)(PgArray(["x", "y z"]))) == ["x", "y z"]
    assert load_array(1231, b(1231)((Decimal("1.5"), None))) == [Decimal("1.5"), None]
    assert load_array(1000, b(1000)((True, False))) == [True, False]
    assert load_array(1016, b(1016)((2**62,))) == [2**62]
    assert load_array(2951, b(2951)(("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",))) == [
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]
    header = b(1007)((1, None))[:20]
    assert header == bytes.fromhex("00000001" "00000001" "00000017" "00000002" "00000001")


def test_binary_params_decode():
    d = values.decode_param
    assert d(b'\x01{"a":1}', 1, oids.JSONB) == '{"a":1}'
    assert d(uuid.UUID(int=1).bytes, 1, oids.UUID) == "00000000-0000-0000-0000-000000000001"
    assert d(bytes.fromhex("000000000016e360" "00000003" "0000000e"), 1, oids.INTERVAL) == (14, 3, 1_500_000)
    arr = values.binary_encoder(1007)((1, None, 3))
    assert d(arr, 1, 1007) == (1, None, 3)
    assert d(b"{1,2}", 0, 1007) == "{1,2}"  # text: coerced when bound (Params.bind)
