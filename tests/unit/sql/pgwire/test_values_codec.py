"""Pure tests of value encoding (sql.pgwire.values) and framing (sql.pgwire.codec)."""

from __future__ import annotations

import datetime as dt
import math
import struct
from decimal import Decimal

import pytest
import trio
import trio.testing

from sql import oids
from sql.errors import SqlError
from sql.pgwire import codec
from sql.pgwire.api import ResultColumn
from sql.pgwire.values import (
    binary_encoder,
    decode_param,
    float4_text,
    float8_text,
    numeric_bin,
    text_encoder,
)


@pytest.mark.parametrize("value, text", [
    (1.0, "1"), (0.1, "0.1"), (-2.5, "-2.5"), (1e15, "1e+15"), (1e14, "100000000000000"),
    (1e-4, "0.0001"), (1e-5, "1e-05"), (1.5e300, "1.5e+300"), (1 / 3, "0.3333333333333333"),
    (math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (-0.0, "-0"),
])
def test_float8_text_as_postgres(value, text):
    assert float8_text(value) == text


@pytest.mark.parametrize("value, text", [
    (1.0, "1"), (0.1, "0.1"), (1 / 3, "0.33333334"), (1e6, "1e+06"), (123456.0, "123456"),
])
def test_float4_text_as_postgres(value, text):
    assert float4_text(value) == text


def test_text_encoders():
    enc = {oid: text_encoder(oid) for oid in (oids.BOOL, oids.NUMERIC, oids.TIMESTAMP,
                                             oids.TIMESTAMPTZ, oids.DATE, oids.BYTEA, oids.INT8)}
    assert enc[oids.BOOL](True) == b"t" and enc[oids.BOOL](False) == b"f"
    assert enc[oids.NUMERIC](Decimal("1E+3")) == b"1000"
    assert enc[oids.NUMERIC](Decimal("NaN")) == b"NaN"
    assert enc[oids.TIMESTAMP](dt.datetime(2024, 5, 6, 7, 8, 9)) == b"2024-05-06 07:08:09"
    assert enc[oids.TIMESTAMP](dt.datetime(2024, 5, 6, 7, 8, 9, 500)) == b"2024-05-06 07:08:09.0005"
    tz = dt.timezone(dt.timedelta(hours=2))
    assert enc[oids.TIMESTAMPTZ](dt.datetime(2024, 5, 6, 7, 0, tzinfo=tz)) == b"2024-05-06 05:00:00+00"
    assert enc[oids.DATE](dt.date(7, 1, 2)) == b"0007-01-02"
    assert enc[oids.BYTEA](b"\x01\xab") == b"\\x01ab"
    assert enc[oids.INT8](-5) == b"-5"


@pytest.mark.parametrize("text", ["0", "0.000", "1.50", "-123.456", "1E+5", "0.00012",
                                  "10000", "1" * 40 + "." + "2" * 30, "NaN", "-Infinity"])
def test_numeric_binary_round_trip(text):
    d = Decimal(text)
    back = decode_param(numeric_bin(d), 1, oids.NUMERIC)
    if d.is_nan():
        assert back.is_nan()
    else:
        assert back == d


@pytest.mark.parametrize("oid, value", [
    (oids.INT2, -3), (oids.INT4, 2**31 - 1), (oids.INT8, -(2**63)), (oids.FLOAT8, 0.1),
    (oids.BOOL, True), (oids.TEXT, "héllo"), (oids.DATE, dt.date(1999, 1, 1)),
    (oids.TIMESTAMP, dt.datetime(1970, 1, 1, 0, 0, 0, 1)), (oids.BYTEA, b"\x00"),
])
def test_binary_round_trip(oid, value):
    assert decode_param(binary_encoder(oid)(value), 1, oid) == value


def test_text_params():
    assert decode_param(b"42", 0, oids.INT4) == 42
    assert decode_param(b"42", 0, 0) == "42"  # unknown type: the engine coerces
    assert decode_param(b"on", 0, oids.BOOL) is True
    assert decode_param(None, 0, oids.INT4) is None
    assert decode_param(b"2020-01-02 03:04:05", 0, oids.TIMESTAMP) == dt.datetime(2020, 1, 2, 3, 4, 5)
    with pytest.raises(SqlError) as e:
        decode_param(b"x1", 0, oids.INT4)
    assert e.value.sqlstate == "22P02"
    with pytest.raises(SqlError) as e:
        decode_param(b"70000", 0, oids.INT2)
    assert e.value.sqlstate == "22003"
    with pytest.raises(SqlError) as e:
        decode_param(b"\x00\x01", 1, oids.INT4)
    assert e.value.sqlstate == "22P03"


def test_row_description_single_format_applies_to_all():
    cols = [ResultColumn("a", oids.INT4), ResultColumn("b", oids.TEXT)]
    msg = codec.row_description(cols, [1])
    assert msg.count(struct.pack("!h", 1)) >= 2  # both columns binary
    assert struct.pack("!Ihih", oids.INT4, 4, -1, 1) in msg  # size filled from sql.oids


async def test_reader_handles_split_messages_and_size_limit():
    send, recv = trio.testing.memory_stream_one_way_pair()
    reader = codec.MessageReader(recv, max_message_size=100)
    data = codec.message(b"Q", b"SELECT 1\0") + codec.message(b"Q", b"x" * 500) + codec.message(b"S")
    for i in range(0, len(data), 7):  # dribble in 7-byte chunks
        await send.send_all(data[i:i + 7])
    await send.aclose()
    assert await reader.read_message() == (b"Q", b"SELECT 1\0")
    with pytest.raises(codec.MessageTooLarge):
        await reader.read_message()
    assert await reader.read_message() == (b"S", b"")  # stream still in sync
    with pytest.raises(codec.ClientClosed):
        await reader.read_message()


async def test_reader_rejects_bad_length():
    send, recv = trio.testing.memory_stream_one_way_pair()
    await send.send_all(b"Q" + struct.pack("!i", 2))
    with pytest.raises(codec.ProtocolViolation):
        await codec.MessageReader(recv).read_message()
