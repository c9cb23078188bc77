"""SQL types: sqlglot DataType -> SqlType, type categories, and value coercion.

Owns the PostgreSQL rules for turning a Python value (see ``sql.oids``) into a
value of a column type: text input parsing (22P02, 22007), integer ranges
(22003), numeric precision/scale rounding (22003), varchar/char length (22001,
char blank-padded) and NOT NULL (23502).  Also the compile-time check that an
expression type may be assigned to or compared with another (42804).

``UNKNOWN`` (705) is the type of a string literal, NULL and an untyped
parameter: it converts to any type.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlglot import exp

from . import oids
from .api import ColumnDef, SqlType
from .errors import (
    DATATYPE_MISMATCH,
    FEATURE_NOT_SUPPORTED,
    INVALID_DATETIME_FORMAT,
    INVALID_TEXT_REPRESENTATION,
    NOT_NULL_VIOLATION,
    NUMERIC_VALUE_OUT_OF_RANGE,
    STRING_DATA_RIGHT_TRUNCATION,
    SqlError,
)
from .pgvalues import coerce_catalog

INT_TYPES = frozenset({oids.INT2, oids.INT4, oids.INT8})
FLOAT_TYPES = frozenset({oids.FLOAT4, oids.FLOAT8})
NUMBER_TYPES = INT_TYPES | FLOAT_TYPES | {oids.NUMERIC}
STRING_TYPES = frozenset({oids.TEXT, oids.VARCHAR, oids.BPCHAR, oids.NAME, oids.CHAR})
TIME_TYPES = frozenset({oids.DATE, oids.TIMESTAMP, oids.TIMESTAMPTZ})
INT_RANGE = {
    oids.INT2: (-(2**15), 2**15 - 1),
    oids.INT4: (-(2**31), 2**31 - 1),
    oids.INT8: (-(2**63), 2**63 - 1),
}


def simple(oid: int) -> SqlType:
    return _SIMPLE[oid]


_SIMPLE = {oid: SqlType(oids.TYPE_NAME[oid], oid) for oid in oids.TYPE_NAME}


_OWN_CATEGORY = {oids.JSONB: "J", oids.JSON: "j", oids.UUID: "V", oids.BYTEA: "Y", oids.INTERVAL: "I"}


def category(oid: int) -> str:
    """'N' number, 'S' string, 'B' boolean, 'T' date/time, 'U' unknown, 'A' array,
    'J' jsonb, 'j' json, 'V' uuid, 'Y' bytea, 'I' interval, 'X' other."""
    own = _OWN_CATEGORY.get(oid)
    if own is not None:
        return own
    if oid in oids.ELEMENT_OF:
        return "A"
    if oid in NUMBER_TYPES or oid in oids.OID_TYPES:
        return "N"
    if oid in STRING_TYPES:
        return "S"
    if oid == oids.BOOL:
        return "B"
    if oid in TIME_TYPES:
        return "T"
    if oid == oids.UNKNOWN:
        return "U"
    return "X"


def comparable(a: int, b: int) -> bool:
    ca, cb = category(a), category(b)
    return ca == cb or ca == "U" or cb == "U"


def check_assignable(expr_oid: int, target: SqlType, column: str) -> None:
    """42804 when an expression of type ``expr_oid`` cannot be stored in ``target``."""
    if comparable(expr_oid, target.oid) or category(target.oid) == "S":
        return
    raise SqlError(
        DATATYPE_MISMATCH,
        f'column "{column}" is of type {format_type(target)} but expression is of type '
        f"{oids.TYPE_NAME.get(expr_oid, 'unknown')}",
        hint="You will need to rewrite or cast the expression.",
    )


def format_type(t: SqlType) -> str:
    if t.oid in oids.ELEMENT_OF:
        return t.name
    if t.oid in (oids.VARCHAR, oids.BPCHAR) and t.length is not None:
        return f"{t.name}({t.length})"
    if t.oid == oids.NUMERIC and t.precision is not None:
        return f"numeric({t.precision},{t.scale or 0})"
    return t.name


# -- sqlglot DataType -> SqlType

_DTYPE_OID = {
    exp.DataType.Type.INT: oids.INT4,
    exp.DataType.Type.SERIAL: oids.INT4,
    exp.DataType.Type.BIGINT: oids.INT8,
    exp.DataType.Type.BIGSERIAL: oids.INT8,
    exp.DataType.Type.SMALLINT: oids.INT2,
    exp.DataType.Type.TEXT: oids.TEXT,
    exp.DataType.Type.VARCHAR: oids.VARCHAR,
    exp.DataType.Type.CHAR: oids.BPCHAR,
    exp.DataType.Type.BOOLEAN: oids.BOOL,
    exp.DataType.Type.DECIMAL: oids.NUMERIC,
    exp.DataType.Type.FLOAT: oids.FLOAT4,
    exp.DataType.Type.DOUBLE: oids.FLOAT8,
    exp.DataType.Type.DATE: oids.DATE,
    exp.DataType.Type.TIMESTAMP: oids.TIMESTAMP,
    exp.DataType.Type.TIMESTAMPTZ: oids.TIMESTAMPTZ,
    exp.DataType.Type.TIMESTAMPLTZ: oids.TIMESTAMPTZ,
    exp.DataType.Type.JSONB: oids.JSONB,
    exp.DataType.Type.JSON: oids.JSON,
    exp.DataType.Type.UUID: oids.UUID,
    exp.DataType.Type.VARBINARY: oids.BYTEA,
    exp.DataType.Type.INTERVAL: oids.INTERVAL,
}


def array_of(element: SqlType) -> SqlType:
    """The array type of ``element`` (its modifiers apply to every element)."""
    oid = oids.ARRAY_OF[element.oid]
    return SqlType(format_type(element) + "[]", oid, element.length, element.precision, element.scale)


def element_type(t: SqlType) -> SqlType:
    """The element type of array type ``t`` (with ``t``'s modifiers)."""
    e = oids.ELEMENT_OF[t.oid]
    if e == oids.BPCHAR and t.length is None:
        return simple(e)
    if t.length is None and t.precision is None:
        return simple(e)
    return SqlType(oids.TYPE_NAME[e], e, t.length, t.precision, t.scale)


def from_datatype(node: exp.DataType) -> SqlType:
    if node.this == exp.DataType.Type.ARRAY and len(node.expressions) == 1 and isinstance(
            node.expressions[0], exp.DataType):
        element = from_datatype(node.expressions[0])
        if element.oid not in oids.ARRAY_OF or element.oid in oids.ELEMENT_OF:
            raise SqlError(FEATURE_NOT_SUPPORTED, f'type "{node.sql("postgres").lower()}" is not supported')
        return array_of(element)
    oid = _DTYPE_OID.get(node.this)
    if oid is None:
        raise SqlError(FEATURE_NOT_SUPPORTED, f'type "{node.sql("postgres").lower()}" is not supported')
    params = [int(p.this.this) for p in node.expressions if isinstance(p.this, exp.Literal)]
    if oid == oids.VARCHAR:
        return SqlType(oids.TYPE_NAME[oid], oid, length=params[0] if params else None)
    if oid == oids.BPCHAR:
        return SqlType(oids.TYPE_NAME[oid], oid, length=params[0] if params else 1)
    if oid == oids.NUMERIC and params:
        return SqlType("numeric", oid, precision=params[0], scale=params[1] if len(params) > 1 else 0)
    return simple(oid)


# -- value coercion


def _bad_input(oid: int, value: Any) -> SqlError:
    state = INVALID_DATETIME_FORMAT if oid in TIME_TYPES else INVALID_TEXT_REPRESENTATION
    return SqlError(state, f'invalid input syntax for type {oids.TYPE_NAME[oid]}: "{value}"')


_INT_RE = re.compile(r"\s*[+-]?\d+\s*\Z")
_BOOL_TEXT = {
    "t": True, "true": True, "y": True, "yes": True, "on": True, "1": True,
    "f": False, "false": False, "n": False, "no": False, "off": False, "0": False,
}


def check_int(value: int, oid: int) -> int:
    lo, hi = INT_RANGE[oid]
    if value < lo or value > hi:
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, f"{oids.TYPE_NAME[oid]} out of range")
    return value


def _to_int(value: Any, oid: int) -> int:
    if isinstance(value, bool):
        raise _bad_input(oid, value)
    if isinstance(value, int):
        return check_int(value, oid)
    if isinstance(value, (Decimal, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, f"{oids.TYPE_NAME[oid]} out of range")
        return check_int(int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP)), oid)
    if isinstance(value, str):
        if not _INT_RE.match(value):
            raise _bad_input(oid, value)
        n = int(value)
        lo, hi = INT_RANGE[oid]
        if n < lo or n > hi:
            raise SqlError(
                NUMERIC_VALUE_OUT_OF_RANGE,
                f'value "{value}" is out of range for type {oids.TYPE_NAME[oid]}',
            )
        return n
    raise _bad_input(oid, value)


def _to_numeric(value: Any, t: SqlType) -> Decimal:
    if isinstance(value, bool):
        raise _bad_input(oids.NUMERIC, value)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, (int, float)):
        # float8 -> numeric keeps DBL_DIG (15) significant digits, as PostgreSQL
        d = Decimal(f"{value:.15g}") if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise _bad_input(oids.NUMERIC, value) from None
        if "_" in value:
            raise _bad_input(oids.NUMERIC, value)
    else:
        raise _bad_input(oids.NUMERIC, value)
    if t.precision is None or not d.is_finite():
        return d
    scale = t.scale or 0
    d = d.quantize(Decimal(1).scaleb(-scale), ROUND_HALF_UP)
    if d != 0 and d.adjusted() >= t.precision - scale:
        raise SqlError(
            NUMERIC_VALUE_OUT_OF_RANGE,
            "numeric field overflow",
            detail=f"A field with precision {t.precision}, scale {scale} must round to an "
            f"absolute value less than 10^{t.precision - scale}.",
        )
    return d


def _to_float(value: Any, oid: int) -> float:
    if isinstance(value, bool):
        raise _bad_input(oid, value)
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _bad_input(oid, value) from None
    raise _bad_input(oid, value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        b = _BOOL_TEXT.get(value.strip().lower())
        if b is not None:
            return b
    raise _bad_input(oids.BOOL, value)


def _to_string(value: Any, t: SqlType) -> str:
    if isinstance(value, bool):
        s = "true" if value else "false"
    elif isinstance(value, str):
        s = value
    else:
        s = str(value)
    n = t.length
    if n is None:
        return s
    if len(s) > n:
        if s[n:].strip(" "):
            raise SqlError(STRING_DATA_RIGHT_TRUNCATION, f"value too long for type {format_type(t)}")
        s = s[:n]
    if t.oid == oids.BPCHAR:
        s = s.ljust(n)
    return s


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from .timestamps import to_local

            return to_local(value).date()
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _bad_input(oids.DATE, value) from None
    raise _bad_input(oids.DATE, value)


def _to_timestamp(value: Any, oid: int) -> dt.datetime:
    from . import timestamps

    ts = timestamps.coerce(value, oid == oids.TIMESTAMPTZ)
    if ts is not None:
        return ts
    raise _bad_input(oid, value)


def coerce(value: Any, t: SqlType) -> Any:
    """Convert ``value`` to type ``t`` (an explicit or implicit cast); None stays None."""
    if value is None:
        return None
    oid = t.oid
    if oid in INT_TYPES:
        return _to_int(value, oid)
    if oid in STRING_TYPES or oid == oids.UNKNOWN:
        return _to_string(value, t)
    if oid == oids.NUMERIC:
        return _to_numeric(value, t)
    if oid in FLOAT_TYPES:
        return _to_float(value, oid)
    if oid == oids.BOOL:
        return _to_bool(value)
    if oid == oids.DATE:
        return _to_date(value)
    if oid in (oids.TIMESTAMP, oids.TIMESTAMPTZ):
        return _to_timestamp(value, oid)
    if oid in _OWN_CATEGORY:
        from .typed_values import coerce_own

        return coerce_own(value, oid)
    if oid in oids.ELEMENT_OF:
        from .arrays import coerce_array

        return coerce_array(value, t)
    return coerce_catalog(value, oid)


def coerce_column(value: Any, col: ColumnDef, table: str) -> Any:
    """Assignment of ``value`` to column ``col`` of ``table`` (NOT NULL checked)."""
    if value is None:
        if col.not_null:
            raise SqlError(
                NOT_NULL_VIOLATION,
                f'null value in column "{col.name}" of relation "{table}" violates not-null constraint',
            )
        return None
    v = coerce(value, col.type)
    # rows hold only what storage.page_format unpickles: PgArray -> a plain tuple
    return tuple(v) if type(v) is not tuple and isinstance(v, tuple) else v
