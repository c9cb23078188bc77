"""Value encoding on the wire: Python values <-> PostgreSQL text/binary formats.

Owns the mapping from a type OID (``sql.oids``) to:
  * a text encoder (``text_encoder``): value -> bytes exactly as PostgreSQL's
    output function prints it with DateStyle ISO and TimeZone UTC;
  * a binary encoder (``binary_encoder``) for the types whose binary send
    format is implemented here, or ``None`` (the session then sends text and
    says so in RowDescription);
  * a parameter decoder (``decode_param``): Bind bytes -> Python value.

Encoders are never called with ``None`` (NULL is framed by the codec).  They
are looked up once per result set, then called once per field: keep them
plain functions.  Decoding errors raise ``SqlError`` 22P02 / 22003 / 0A000.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
import uuid
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation
from typing import Callable

from sql import oids
from sql.errors import (
    FEATURE_NOT_SUPPORTED,
    INVALID_DATETIME_FORMAT,
    INVALID_TEXT_REPRESENTATION,
    NUMERIC_VALUE_OUT_OF_RANGE,
    SqlError,
)
from sql.pgwire import array_values

Encoder = Callable[[object], bytes]

_PG_EPOCH_DATE = dt.date(2000, 1, 1)
_PG_EPOCH = dt.datetime(2000, 1, 1)
_PG_EPOCH_TZ = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_PG_EPOCH_ORDINAL = _PG_EPOCH_DATE.toordinal()

# ---------------------------------------------------------------- text output


def _format_float(v: float, digits: str, exp10: int, fixed_below: int) -> str:
    """PostgreSQL's shortest-decimal layout (src/common/d2s.c ``to_chars``):
    fixed point when -4 <= exponent < fixed_below, else d.ddde[+-]XX."""
    sign = "-" if v < 0 else ""
    if -4 <= exp10 < fixed_below:
        if exp10 >= 0:
            whole = digits[: exp10 + 1].ljust(exp10 + 1, "0")
            frac = digits[exp10 + 1:]
        else:
            whole = "0"
            frac = "0" * (-exp10 - 1) + digits
        return sign + whole + ("." + frac if frac else "")
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mant}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"


def _special(v: float) -> str | None:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    return None


def float8_text(v: float) -> str:
    v = float(v)
    s = _special(v)
    if s is not None:
        return s
    # repr() is the shortest round-tripping decimal, as PostgreSQL's ryu.
    t = Decimal(repr(v)).as_tuple()
    digits = "".join(map(str, t.digits)).rstrip("0") or "0"
    exp10 = len(t.digits) + int(t.exponent) - 1
    return _format_float(v, digits, exp10, 15)


def _round_f4(v: float) -> float:
    return struct.unpack("!f", struct.pack("!f", v))[0]


def float4_text(v: float) -> str:
    v = _round_f4(float(v))
    s = _special(v)
    if s is not None:
        return s
    for precision in range(1, 10):
        text = f"{v:.{precision - 1}e}"
        if _round_f4(float(text)) == v:
            break
    mant, _, exp = text.partition("e")
    digits = mant.lstrip("-").replace(".", "").rstrip("0") or "0"
    return _format_float(v, digits, int(exp), 6)


def numeric_text(v: object) -> str:
    if isinstance(v, Decimal):
        if v.is_nan():
            return "NaN"
        if v.is_infinite():
            return "Infinity" if v > 0 else "-Infinity"
        return format(v, "f")
    if isinstance(v, float):
        return float8_text(v)
    return str(v)


def _frac(us: int) -> str:
    return ("." + f"{us:06d}".rstrip("0")) if us else ""


def time_text(v: dt.time) -> str:
    return f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}{_frac(v.microsecond)}"


def date_text(v: dt.date) -> str:
    if isinstance(v, dt.datetime):
        v = v.date()
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"


def timestamp_text(v: dt.datetime) -> str:
    return f"{date_text(v)} {time_text(v.time())}"


def timestamptz_text(v: dt.datetime) -> str:
    """In the session's TimeZone (sql.timestamps), e.g. ``2024-01-02 03:04:05+00``."""
    from sql import timestamps

    return timestamps.text(v)


def bytea_text(v: bytes) -> str:
    return "\\x" + bytes(v).hex()


def _bool_text(v: object) -> bytes:
    return b"t" if v else b"f"


def _str_text(v: object) -> bytes:
    return str(v).encode("utf-8")


def _utf8(fn: Callable) -> Encoder:
    return lambda v: fn(v).encode("utf-8")


def _json_text(v: object) -> bytes:
    return (v if isinstance(v, str) else json.dumps(v)).encode("utf-8")


def _interval_text(v: object) -> bytes:
    if isinstance(v, tuple):
        from sql import intervals

        return intervals.text(v).encode("utf-8")
    if not isinstance(v, dt.timedelta):
        return str(v).encode("utf-8")
    total = _micros(v)
    neg = total < 0
    days, rem = divmod(abs(total), 86_400_000_000)
    secs, us = divmod(rem, 1_000_000)
    hh, rem_s = divmod(secs, 3600)
    mm, ss = divmod(rem_s, 60)
    sign = "-" if neg else ""
    out = f"{sign}{days} day{'' if days == 1 else 's'}" if days else ""
    if rem or not days:
        out += (" " if out else "") + f"{sign}{hh:02d}:{mm:02d}:{ss:02d}{_frac(us)}"
    return out.encode()


_TEXT_ENCODERS: dict[int, Encoder] = {
    oids.BOOL: _bool_text,
    oids.FLOAT4: _utf8(float4_text),
    oids.FLOAT8: _utf8(float8_text),
    oids.NUMERIC: _utf8(numeric_text),
    oids.DATE: _utf8(date_text),
    oids.TIME: _utf8(time_text),
    oids.TIMESTAMP: _utf8(timestamp_text),
    oids.TIMESTAMPTZ: _utf8(timestamptz_text),
    oids.BYTEA: _utf8(bytea_text),
    oids.JSONB: _json_text,
    oids.JSON: _json_text,
    oids.INTERVAL: _interval_text,
}


def text_encoder(type_oid: int) -> Encoder:
    """value -> bytes in PostgreSQL text output format for ``type_oid``."""
    enc = _TEXT_ENCODERS.get(type_oid)
    if enc is not None:
        return enc
    element = oids.ELEMENT_OF.get(type_oid)
    if element is not None:
        return array_values.text_encoder(type_oid)
    return _str_text


# ---------------------------------------------------------------- binary output

_pack_i2 = struct.Struct("!h").pack
_pack_i4 = struct.Struct("!i").pack
_pack_u4 = struct.Struct("!I").pack
_pack_i8 = struct.Struct("!q").pack
_pack_f4 = struct.Struct("!f").pack
_pack_f8 = struct.Struct("!d").pack

NUMERIC_POS = 0x0000
NUMERIC_NEG = 0x4000
NUMERIC_NAN = 0xC000
NUMERIC_PINF = 0xD000
NUMERIC_NINF = 0xF000


def _date_bin(v: dt.date) -> bytes:
    if isinstance(v, dt.datetime):
        v = v.date()
    return _pack_i4(v.toordinal() - _PG_EPOCH_ORDINAL)


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timestamp_bin(v: dt.datetime) -> bytes:
    return _pack_i8(_micros(v.replace(tzinfo=None) - _PG_EPOCH))


def _timestamptz_bin(v: dt.datetime) -> bytes:
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.timezone.utc)
    return _pack_i8(_micros(v - _PG_EPOCH_TZ))


def _time_bin(v: dt.time) -> bytes:
    return _pack_i8(((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond)


def numeric_bin(v: object) -> bytes:
    """numeric_send: ndigits, weight, sign, dscale, base-10000 digits."""
    d = v if isinstance(v, Decimal) else Decimal(str(v))
    if d.is_nan():
        return struct.pack("!hhHh", 0, 0, NUMERIC_NAN, 0)
    if d.is_infinite():
        return struct.pack("!hhHh", 0, 0, NUMERIC_PINF if d > 0 else NUMERIC_NINF, 0)
    sign, digits, exp = d.as_tuple()
    exp = int(exp)
    dscale = max(0, -exp)
    if not any(digits):
        return struct.pack("!hhHh", 0, 0, NUMERIC_POS, dscale)
    # Pad so the decimal point falls on a base-10000 boundary.
    int_len = len(digits) + exp  # digits before the point (may be <= 0)
    front = (-int_len) % 4
    s = "0" * front + "".join(map(str, digits))
    if exp > 0:
        s += "0" * exp
    s += "0" * ((-len(s)) % 4)
    groups = [int(s[i:i + 4]) for i in range(0, len(s), 4)]
    weight = (front + int_len) // 4 - 1
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    head = struct.pack("!hhHh", len(groups), weight, NUMERIC_NEG if sign else NUMERIC_POS, dscale)
    return head + b"".join(_pack_i2(g) for g in groups)


def _uuid_bin(v: object) -> bytes:
    return (v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))).bytes


def _interval_bin(v: object) -> bytes:
    """interval_send: int64 microseconds, int32 days, int32 months."""
    if isinstance(v, dt.timedelta):
        v = (0, v.days, v.seconds * 1_000_000 + v.microseconds)
    months, days, us = v  # type: ignore[misc]
    return struct.pack("!qii", us, days, months)


def _jsonb_bin(v: object) -> bytes:
    return b"\x01" + _json_text(v)


_BINARY_ENCODERS: dict[int, Encoder] = {
    oids.BOOL: lambda v: b"\x01" if v else b"\x00",
    oids.INT2: _pack_i2,
    oids.INT4: _pack_i4,
    oids.INT8: _pack_i8,
    oids.OID: _pack_u4,
    oids.FLOAT4: _pack_f4,
    oids.FLOAT8: _pack_f8,
    oids.TEXT: _str_text,
    oids.VARCHAR: _str_text,
    oids.BPCHAR: _str_text,
    oids.NAME: _str_text,
    oids.CHAR: lambda v: str(v).encode()[:1] or b"\x00",  # charsend: one byte, '' is \0
    oids.UNKNOWN: _str_text,
    oids.BYTEA: bytes,
    oids.DATE: _date_bin,
    oids.TIME: _time_bin,
    oids.TIMESTAMP: _timestamp_bin,
    oids.TIMESTAMPTZ: _timestamptz_bin,
    oids.NUMERIC: numeric_bin,
    oids.UUID: _uuid_bin,
    oids.INTERVAL: _interval_bin,
    oids.JSONB: _jsonb_bin,
    oids.JSON: _json_text,
}


def binary_encoder(type_oid: int) -> Encoder | None:
    """value -> bytes in binary send format, or None if not implemented."""
    enc = _BINARY_ENCODERS.get(type_oid)
    if enc is not None:
        return enc
    if type_oid in oids.ELEMENT_OF:
        element = oids.ELEMENT_OF[type_oid]
    elif type_oid in (oids.INT2VECTOR, oids.OIDVECTOR):  # int2vectorsend: an array
        element = oids.INT2 if type_oid == oids.INT2VECTOR else oids.OID
    else:
        return None
    item = _BINARY_ENCODERS.get(element)
    return None if item is None else array_values.binary_encoder(element, item)


# ---------------------------------------------------------------- parameters


def _bad(oid: int, data: object, code: str = INVALID_TEXT_REPRESENTATION) -> SqlError:
    name = oids.TYPE_NAME.get(oid, str(oid))
    return SqlError(code, f"invalid input syntax for type {name}: {data!r}")


_INT_RANGE = {oids.INT2: 1 << 15, oids.INT4: 1 << 31, oids.INT8: 1 << 63}


def _text_int(oid: int, s: str) -> int:
    try:
        n = int(s.strip())
    except ValueError:
        raise _bad(oid, s) from None
    limit = _INT_RANGE[oid]
    if not -limit <= n < limit:
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE,
                       f'value "{s}" is out of range for type {oids.TYPE_NAME[oid]}')
    return n


_TRUE = {"t", "true", "y", "yes", "on", "1"}
_FALSE = {"f", "false", "n", "no", "off", "0"}


def _text_bool(s: str) -> bool:
    low = s.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _bad(oids.BOOL, s)


def _text_float(oid: int, s: str) -> float:
    low = s.strip().lower()
    special = {"nan": math.nan, "infinity": math.inf, "+infinity": math.inf,
               "-infinity": -math.inf, "inf": math.inf, "-inf": -math.inf}
    if low in special:
        return special[low]
    try:
        return float(low)
    except ValueError:
        raise _bad(oid, s) from None


def _text_numeric(s: str) -> Decimal:
    try:
        return Decimal(s.strip())
    except InvalidOperation:
        raise _bad(oids.NUMERIC, s) from None


def _text_datetime(oid: int, s: str) -> object:
    try:
        if oid == oids.DATE:
            return dt.date.fromisoformat(s.strip())
        if oid == oids.TIME:
            return dt.time.fromisoformat(s.strip())
        v = dt.datetime.fromisoformat(s.strip())
    except ValueError:
        raise _bad(oid, s, INVALID_DATETIME_FORMAT) from None
    if oid == oids.TIMESTAMPTZ and v.tzinfo is None:
        v = v.replace(tzinfo=dt.timezone.utc)
    if oid == oids.TIMESTAMP and v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    return v


def decode_text_param(s: str, oid: int) -> object:
    """A text-format parameter; unknown or textual OIDs stay ``str``."""
    if oid in _INT_RANGE:
        return _text_int(oid, s)
    if oid == oids.BOOL:
        return _text_bool(s)
    if oid in (oids.FLOAT4, oids.FLOAT8):
        return _text_float(oid, s)
    if oid == oids.NUMERIC:
        return _text_numeric(s)
    if oid in (oids.DATE, oids.TIME, oids.TIMESTAMP, oids.TIMESTAMPTZ):
        return _text_datetime(oid, s)
    if oid == oids.BYTEA:
        if s.startswith("\\x"):
            try:
                return bytes.fromhex(s[2:])
            except ValueError:
                raise _bad(oid, s) from None
        return s.encode("utf-8")
    return s


_WIDE = Context(prec=1000, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _bin_numeric(b: bytes) -> Decimal:
    ndigits, weight, sign, dscale = struct.unpack_from("!hhHh", b)
    if sign == NUMERIC_NAN:
        return Decimal("NaN")
    if sign == NUMERIC_PINF:
        return Decimal("Infinity")
    if sign == NUMERIC_NINF:
        return Decimal("-Infinity")
    groups = struct.unpack_from(f"!{ndigits}h", b, 8)
    n = 0
    for g in groups:
        n = n * 10000 + g
    shift = (weight - ndigits + 1) * 4  # power of ten of the last group
    d = Decimal(n).scaleb(shift, context=_WIDE).quantize(Decimal(1).scaleb(-dscale), context=_WIDE)
    return -d if sign == NUMERIC_NEG else d


def _bin_unpack(fmt: str) -> Callable[[bytes], object]:
    s = struct.Struct(fmt)
    return lambda b: s.unpack(b)[0]


_BINARY_DECODERS: dict[int, Callable[[bytes], object]] = {
    oids.BOOL: lambda b: b != b"\x00",
    oids.INT2: _bin_unpack("!h"),
    oids.INT4: _bin_unpack("!i"),
    oids.INT8: _bin_unpack("!q"),
    oids.OID: _bin_unpack("!I"),
    oids.FLOAT4: _bin_unpack("!f"),
    oids.FLOAT8: _bin_unpack("!d"),
    oids.TEXT: lambda b: b.decode("utf-8"),
    oids.VARCHAR: lambda b: b.decode("utf-8"),
    oids.BPCHAR: lambda b: b.decode("utf-8"),
    oids.NAME: lambda b: b.decode("utf-8"),
    oids.UNKNOWN: lambda b: b.decode("utf-8"),
    oids.JSONB: lambda b: b[1:].decode("utf-8"),  # version byte 1, then text
    oids.BYTEA: bytes,
    oids.DATE: lambda b: dt.date.fromordinal(_PG_EPOCH_ORDINAL + struct.unpack("!i", b)[0]),
    oids.TIME: lambda b: (dt.datetime.min + dt.timedelta(
        microseconds=struct.unpack("!q", b)[0])).time(),
    oids.TIMESTAMP: lambda b: _PG_EPOCH + dt.timedelta(microseconds=struct.unpack("!q", b)[0]),
    oids.TIMESTAMPTZ: lambda b: _PG_EPOCH_TZ + dt.timedelta(
        microseconds=struct.unpack("!q", b)[0]),
    oids.NUMERIC: _bin_numeric,
    oids.UUID: lambda b: str(uuid.UUID(bytes=bytes(b))),
    oids.JSON: lambda b: b.decode("utf-8"),
    oids.INTERVAL: lambda b: (lambda us, d, m: (m, d, us))(*struct.unpack("!qii", b)),
}


def decode_param(data: bytes | None, fmt: int, oid: int) -> object:
    """One Bind parameter value: ``fmt`` 0 text, 1 binary; ``oid`` 0 unknown."""
    if data is None:
        return None
    if fmt == 0:
        try:
            s = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SqlError("22021", "invalid byte sequence for encoding \"UTF8\"") from None
        return decode_text_param(s, oid)
    decoder = _BINARY_DECODERS.get(oid)
    if decoder is None and oid in oids.ELEMENT_OF:
        return array_values.decode_binary(data, _BINARY_DECODERS)
    if decoder is None:
        name = oids.TYPE_NAME.get(oid, str(oid))
        raise SqlError(FEATURE_NOT_SUPPORTED,
                       f"binary format for parameters of type {name} is not supported")
    try:
        return decoder(data)
    except (struct.error, ValueError, OverflowError, UnicodeDecodeError):
        raise SqlError("22P03", f"incorrect binary data format in parameter of type "
                                f"{oids.TYPE_NAME.get(oid, oid)}") from None
