"""Input and output of the non-scalar-number types: jsonb, json, uuid, bytea and
interval (``types.coerce`` calls ``coerce_own``; casts to text call ``text_of``).

Values (see ``sql.oids``): jsonb and json are text (``sql.jsonb``), uuid the
canonical lowercase text, bytea ``bytes``, interval ``(months, days, us)``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from . import intervals, jsonb, oids
from .errors import INVALID_PARAMETER_VALUE, INVALID_TEXT_REPRESENTATION, SqlError


def _bad(oid: int, value: Any) -> SqlError:
    return SqlError(INVALID_TEXT_REPRESENTATION, f'invalid input syntax for type {oids.TYPE_NAME[oid]}: "{value}"')


# -- uuid


def to_uuid(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)) and len(value) == 16:
        return str(uuid.UUID(bytes=bytes(value)))
    s = str(value).strip()
    if not re.fullmatch(r"\{?[0-9A-Fa-f]{4}(-?[0-9A-Fa-f]{4}){7}\}?", s) or (s[0] == "{") != (s[-1] == "}"):
        raise _bad(oids.UUID, value)
    return str(uuid.UUID(s.strip("{}").replace("-", "")))


# -- bytea


def bytea_in(s: str) -> bytes:
    """bytea input: ``\\x`` hex, or the escape format (``\\\\`` and ``\\ooo``)."""
    if s.startswith("\\x") or s.startswith("\\X"):
        digits = re.sub(r"\s+", "", s[2:])
        if len(digits) % 2:
            raise SqlError(INVALID_TEXT_REPRESENTATION, "invalid hexadecimal data: odd number of digits")
        try:
            return bytes.fromhex(digits)
        except ValueError:
            bad = next((ch for ch in digits if ch not in "0123456789abcdefABCDEF"), "?")
            raise SqlError(INVALID_TEXT_REPRESENTATION, f'invalid hexadecimal digit: "{bad}"') from None
    out = bytearray()
    i = 0
    raw = s.encode("utf-8")
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
        elif raw[i + 1: i + 2] == b"\\":
            out.append(0x5C)
            i += 2
        elif re.fullmatch(rb"[0-3][0-7][0-7]", raw[i + 1: i + 4]):
            out.append(int(raw[i + 1: i + 4], 8))
            i += 4
        else:
            raise SqlError(INVALID_TEXT_REPRESENTATION, "invalid input syntax for type bytea")
    return bytes(out)


def bytea_escape(b: bytes) -> str:
    """encode(b, 'escape'): backslashes doubled, zero and high-bit bytes as octal."""
    out = []
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif c == 0 or c >= 0x80:
            out.append(f"\\{c:03o}")
        else:
            out.append(chr(c))
    return "".join(out)


def encode(b: bytes, fmt: str) -> str:
    f = fmt.lower()
    if f == "hex":
        return b.hex()
    if f == "base64":
        s = base64.b64encode(b).decode("ascii")
        return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))
    if f == "escape":
        return bytea_escape(b)
    raise SqlError(INVALID_PARAMETER_VALUE, f'unrecognized encoding: "{fmt}"')


def decode(s: str, fmt: str) -> bytes:
    f = fmt.lower()
    if f == "hex":
        return bytea_in("\\x" + s)
    if f == "base64":
        try:
            return base64.b64decode(re.sub(r"\s+", "", s), validate=True)
        except (binascii.Error, ValueError):
            raise SqlError(INVALID_PARAMETER_VALUE, "invalid base64 end sequence") from None
    if f == "escape":
        return bytea_in(s)
    raise SqlError(INVALID_PARAMETER_VALUE, f'unrecognized encoding: "{fmt}"')


def to_bytea(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return bytea_in(str(value))


# -- dispatch


def coerce_own(value: Any, oid: int) -> Any:
    if oid == oids.JSONB:
        if isinstance(value, str):
            return jsonb.normalize(value)
        return jsonb.dump(value)
    if oid == oids.JSON:
        return jsonb.validate(value) if isinstance(value, str) else jsonb.dump(value, sort=False)
    if oid == oids.UUID:
        return to_uuid(value)
    if oid == oids.BYTEA:
        return to_bytea(value)
    if oid == oids.INTERVAL:
        return intervals.from_value(value)
    raise _bad(oid, value)


def text_of(v: Any, oid: int) -> str:
    """``v::text`` for a value of type ``oid`` (any type)."""
    from .operators import _text
    from .pgvalues import PgArray
    from .pgwire.values import bytea_text

    if oid == oids.INTERVAL:
        return intervals.text(v)
    if oid == oids.BYTEA:
        return bytea_text(v)
    if oid == oids.TIMESTAMPTZ and isinstance(v, dt.datetime):
        from .timestamps import text

        return text(v)
    element = oids.ELEMENT_OF.get(oid)
    if element is not None and element in (oids.INTERVAL, oids.BYTEA, oids.TIMESTAMPTZ, oids.JSONB,
                                           oids.FLOAT4, oids.FLOAT8, oids.NUMERIC):
        return str(PgArray(None if x is None else _ArrayItem(text_of(x, element)) for x in v))
    if type(v) in (list, tuple):
        return str(PgArray(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (Decimal, float)):
        return _text(v)
    return _text(v)


class _ArrayItem(str):
    """An element already printed by its type's output function."""
