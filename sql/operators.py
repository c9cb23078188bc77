"""Operator semantics shared by the expression compiler: PostgreSQL's integer
and numeric arithmetic (truncating division, 22012, 22003, numeric result
scale), comparison operators, LIKE patterns, value conversion and the type
errors they raise."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    localcontext,
)
from typing import Any, Callable

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import (
    DATATYPE_MISMATCH,
    DIVISION_BY_ZERO,
    NUMERIC_VALUE_OUT_OF_RANGE,
    UNDEFINED_FUNCTION,
    SqlError,
)
from .pgwire.values import numeric_text

UNKNOWN = T.simple(oids.UNKNOWN)
BOOL = T.simple(oids.BOOL)
INT4 = T.simple(oids.INT4)
INT8 = T.simple(oids.INT8)
NUMERIC = T.simple(oids.NUMERIC)
FLOAT8 = T.simple(oids.FLOAT8)
TEXT = T.simple(oids.TEXT)


def _tname(t: SqlType) -> str:
    return oids.TYPE_NAME.get(t.oid, t.name)


def _no_operator(op: str, a: SqlType, b: SqlType) -> SqlError:
    return SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {_tname(a)} {op} {_tname(b)}")


def _int_rank(oid: int) -> int:
    return {oids.INT2: 0, oids.INT4: 1, oids.INT8: 2}[oid]


def numeric_result(a: SqlType, b: SqlType) -> SqlType | None:
    """Result type of arithmetic on ``a`` and ``b``; None if not numbers."""
    if a.oid == oids.UNKNOWN:
        a = b
    if b.oid == oids.UNKNOWN:
        b = a
    if a.oid not in T.NUMBER_TYPES or b.oid not in T.NUMBER_TYPES:
        return None
    if a.oid in T.FLOAT_TYPES or b.oid in T.FLOAT_TYPES:
        return FLOAT8
    if a.oid == oids.NUMERIC or b.oid == oids.NUMERIC:
        return NUMERIC
    return a if _int_rank(a.oid) >= _int_rank(b.oid) else b


def _div_zero() -> SqlError:
    return SqlError(DIVISION_BY_ZERO, "division by zero")


def _int_div(a: int, b: int) -> int:
    if b == 0:
        raise _div_zero()
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int_mod(a: int, b: int) -> int:
    if b == 0:
        raise _div_zero()
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def numeric_div(a: Decimal, b: Decimal) -> Decimal:
    """a / b with PostgreSQL's result scale (select_div_scale: at least 16
    significant digits, at least the operands' scales)."""
    if b == 0:
        raise _div_zero()
    w1, f1 = _weight_first(a)
    w2, f2 = _weight_first(b)
    qweight = w1 - w2 - (1 if f1 <= f2 else 0)
    rscale = max(16 - qweight * 4, _dscale(a), _dscale(b), 0)
    rscale = min(rscale, 1000)
    with localcontext() as ctx:
        ctx.prec = max(40, rscale + max(a.adjusted() - b.adjusted(), 0) + 10)
        return unsigned_zero((a / b).quantize(Decimal(1).scaleb(-rscale), ROUND_HALF_UP))


def unsigned_zero(d: Decimal) -> Decimal:
    """PostgreSQL's numeric has no negative zero: -0.00 is 0.00."""
    return d.copy_abs() if not d and d.is_signed() else d


EXACT = Context(prec=4000, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Numeric + - * and sums are exact in PostgreSQL; 4,000 digits is exact for any value
a numeric(p,s) column holds (p <= 1000)."""


def _num_add(a: Any, b: Any) -> Any:
    return unsigned_zero(EXACT.add(a, b)) if isinstance(a, Decimal) else a + b


def _num_sub(a: Any, b: Any) -> Any:
    return unsigned_zero(EXACT.subtract(a, b)) if isinstance(a, Decimal) else a - b


def _num_mul(a: Any, b: Any) -> Any:
    return unsigned_zero(EXACT.multiply(a, b)) if isinstance(a, Decimal) else a * b


def _weight_first(d: Decimal) -> tuple[int, int]:
    """Base-10000 weight and first base-10000 digit, as PostgreSQL stores numerics."""
    if d == 0:
        return 0, 0
    w = d.adjusted() // 4
    return w, int(abs(d).scaleb(-4 * w))


def _dscale(d: Decimal) -> int:
    e = d.as_tuple().exponent
    return -e if isinstance(e, int) and e < 0 else 0


def _num_div(a: Any, b: Any) -> Any:
    if b == 0:
        raise _div_zero()
    if isinstance(a, Decimal):
        return numeric_div(a, b)
    try:
        return a / b
    except (DivisionByZero, InvalidOperation, ZeroDivisionError):
        raise _div_zero() from None


def _num_mod(a: Any, b: Any) -> Any:
    if b == 0:
        raise _div_zero()
    return unsigned_zero(a % b) if isinstance(a, Decimal) else math.fmod(a, b)


_ARITH = {
    exp.Add: ("+", lambda a, b: a + b, _num_add),
    exp.Sub: ("-", lambda a, b: a - b, _num_sub),
    exp.Mul: ("*", lambda a, b: a * b, _num_mul),
    exp.Div: ("/", _int_div, _num_div),
    exp.Mod: ("%", _int_mod, _num_mod),
}

_CMP = {
    exp.EQ: ("=", lambda a, b: a == b),
    exp.NEQ: ("<>", lambda a, b: a != b),
    exp.GT: (">", lambda a, b: a > b),
    exp.GTE: (">=", lambda a, b: a >= b),
    exp.LT: ("<", lambda a, b: a < b),
    exp.LTE: ("<=", lambda a, b: a <= b),
}


def like_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _convert_fn(t: SqlType) -> Callable[[Any], Any]:
    if t.oid == oids.NUMERIC:
        return lambda v: v if isinstance(v, Decimal) else Decimal(v) if isinstance(v, int) else Decimal(str(v))
    if t.oid in T.FLOAT_TYPES:
        return float
    return lambda v: v

def _check(v: Any, t: SqlType) -> Any:
    if t.oid in T.INT_TYPES:
        lo, hi = T.INT_RANGE[t.oid]
        if v < lo or v > hi:
            raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, f"{oids.TYPE_NAME[t.oid]} out of range")
    return v


def _text(v: Any) -> str:
    """``v::text``: PostgreSQL's output of a value, booleans as true/false."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (Decimal, float)):
        return numeric_text(v)
    if type(v) in (tuple, list):  # a stored array (PgArray/PgVector print themselves)
        from .pgvalues import PgArray

        return str(PgArray(v))
    if isinstance(v, dt.datetime):
        from .pgwire.values import timestamp_text

        if v.tzinfo is None:
            return timestamp_text(v)
        from .timestamps import text

        return text(v)
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return str(v)


def out_text(v: Any) -> str:
    """A value as its type's output function prints it (concat, format): booleans t/f."""
    if isinstance(v, bool):
        return "t" if v else "f"
    return _text(v)


def _check_comparable(op: str, a: SqlType, b: SqlType) -> None:
    if not T.comparable(a.oid, b.oid):
        raise SqlError(
            DATATYPE_MISMATCH,
            f"operator does not exist: {_tname(a)} {op} {_tname(b)}",
            hint="No operator matches the given name and argument types.",
        )


def bpchar_trimmed(f: Callable, oid: int) -> Callable:
    """A comparison operand: a character(n) value without its trailing blanks, which
    PostgreSQL's bpchar comparisons (and its bpchar-to-text cast) ignore."""
    if oid != oids.BPCHAR:
        return f
    return lambda row, p: v.rstrip(" ") if isinstance(v := f(row, p), str) else v
