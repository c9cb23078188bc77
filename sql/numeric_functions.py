"""power / exp / ln / log / div: double precision for float (and integer)
arguments, numeric with PostgreSQL 15's result scales (numeric.c power_var,
exp_var, ln_var, log_var) when an argument is numeric.  Registered into the
expression compiler (sql.expr.register)."""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Callable

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import NUMERIC_VALUE_OUT_OF_RANGE, SqlError
from .expr import FLOAT8, NUMERIC, Compiled, Compiler, register
from .functions import INVALID_ARGUMENT_FOR_POWER, _as_float, _as_numeric, _number_arg, strict
from .operators import _dscale, unsigned_zero

INVALID_ARGUMENT_FOR_LOG = "2201E"


def _float_power(x: float, y: float) -> float:
    if x == 0 and y < 0:
        raise SqlError(INVALID_ARGUMENT_FOR_POWER, "zero raised to a negative power is undefined")
    if x < 0 and not float(y).is_integer():
        raise SqlError(INVALID_ARGUMENT_FOR_POWER,
                       "a negative number raised to a non-integer power yields a complex result")
    try:
        return math.pow(x, y)
    except OverflowError:
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow") from None


def _result(v: Decimal, rscale: int) -> Decimal:
    rscale = min(max(rscale, 0), 1000)
    with localcontext() as ctx:
        ctx.prec = max(v.adjusted(), 0) + rscale + 5
        return unsigned_zero(v.quantize(Decimal(1).scaleb(-rscale), ROUND_HALF_UP))


def numeric_power(x: Decimal, y: Decimal) -> Decimal:
    """power(numeric, numeric) with PostgreSQL 15's result scale (power_var)."""
    if x == 0 and y < 0:
        raise SqlError(INVALID_ARGUMENT_FOR_POWER, "zero raised to a negative power is undefined")
    integral = y == y.to_integral_value()
    if x < 0 and not integral:
        raise SqlError(INVALID_ARGUMENT_FOR_POWER,
                       "a negative number raised to a non-integer power yields a complex result")
    weight = float(y) * math.log10(abs(float(x))) if x != 0 and abs(float(x)) not in (0.0, math.inf) else 0.0
    if abs(weight) > 131072:
        if weight < 0:
            return Decimal(0).quantize(Decimal(1).scaleb(-1000))
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format")
    if integral and abs(y) <= 2**31 - 1:
        rscale = max(16, _dscale(x))
    else:
        rscale = max(16 - int(weight), _dscale(x), _dscale(y))
        rscale = min(rscale, 1000)
    with localcontext() as ctx:
        ctx.prec = max(int(weight), 0) + min(rscale, 1000) + 20
        if x == 0:
            r = Decimal(1) if y == 0 else Decimal(0)
        else:
            r = x ** (int(y) if integral else y)
    return _result(r, rscale)


def _ln_dweight(d: Decimal) -> int:
    """estimate_ln_dweight: the decimal weight of ln(d)."""
    if d <= 0:
        return 0
    if Decimal("0.9") <= d <= Decimal("1.1"):
        x = d - 1
        return x.adjusted() if x else 0
    ln = float(d.ln()) if abs(d.adjusted()) > 300 else math.log(float(d))
    return int(math.log10(abs(ln)))


def _check_log(d: Any) -> None:
    if d == 0:
        raise SqlError(INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of zero")
    if d < 0:
        raise SqlError(INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of a negative number")


def numeric_ln(d: Decimal) -> Decimal:
    _check_log(d)
    rscale = max(16 - _ln_dweight(d), _dscale(d))
    with localcontext() as ctx:
        ctx.prec = min(rscale, 1000) + 20
        return _result(d.ln(), rscale)


def numeric_log(base: Decimal, d: Decimal) -> Decimal:
    _check_log(base)
    _check_log(d)
    rscale = max(16 - (_ln_dweight(d) - _ln_dweight(base)), _dscale(base), _dscale(d))
    with localcontext() as ctx:
        ctx.prec = min(rscale, 1000) + 40
        lb = base.ln()
        if lb == 0:
            raise SqlError("22012", "division by zero")
        return _result(d.ln() / lb, rscale)


def numeric_exp(d: Decimal) -> Decimal:
    val = max(min(float(d) * 0.434294481903252, 1000.0), -1000.0)
    if val > 131072 / 1:
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format")
    rscale = max(16 - int(val), _dscale(d))
    with localcontext() as ctx:
        ctx.prec = max(int(val), 0) + min(rscale, 1000) + 20
        return _result(d.exp(), rscale)


def _float_fn(op: Callable[[float], float], check: Callable[[float], None] | None = None):
    def fn(v: float) -> float:
        if check is not None:
            check(v)
        try:
            return op(v)
        except OverflowError:
            raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow") from None

    return fn


def _power(c: Compiler, node: exp.Pow, hint: SqlType | None) -> Compiled:
    a, b = _number_arg(c, "power", node.this), _number_arg(c, "power", node.expression)
    if oids.NUMERIC in (a.oid, b.oid) and not ({a.oid, b.oid} & T.FLOAT_TYPES):
        return strict([_as_numeric(a), _as_numeric(b)], numeric_power, NUMERIC)
    return strict([_as_float(a), _as_float(b)], _float_power, FLOAT8)


def _exp(c: Compiler, node: exp.Exp, hint: SqlType | None) -> Compiled:
    a = _number_arg(c, "exp", node.this)
    if a.oid == oids.NUMERIC:
        return strict([a], numeric_exp, NUMERIC)
    return strict([_as_float(a)], _float_fn(math.exp), FLOAT8)


def _ln(c: Compiler, node: exp.Ln, hint: SqlType | None) -> Compiled:
    a = _number_arg(c, "ln", node.this)
    if a.oid == oids.NUMERIC:
        return strict([a], numeric_ln, NUMERIC)
    return strict([_as_float(a)], _float_fn(math.log, _check_log), FLOAT8)


def _log(c: Compiler, node: exp.Log, hint: SqlType | None) -> Compiled:
    if node.expression is None:
        a = _number_arg(c, "log", node.this)
        if a.oid == oids.NUMERIC:
            return strict([a], lambda v: numeric_log(Decimal(10), v), NUMERIC)
        return strict([_as_float(a)], _float_fn(math.log10, _check_log), FLOAT8)
    base, a = _number_arg(c, "log", node.this), _number_arg(c, "log", node.expression)
    return strict([_as_numeric(base), _as_numeric(a)], numeric_log, NUMERIC)


def _int_div(c: Compiler, node: exp.IntDiv, hint: SqlType | None) -> Compiled:
    """div(a, b): the integral quotient, truncated toward zero, as numeric."""
    a, b = _number_arg(c, "div", node.this), _number_arg(c, "div", node.expression)

    def op(x: Decimal, y: Decimal) -> Decimal:
        if y == 0:
            raise SqlError("22012", "division by zero")
        with localcontext() as ctx:
            ctx.prec = max(x.adjusted() - y.adjusted(), 0) + 30
            return unsigned_zero((x / y).to_integral_value(ROUND_DOWN))

    return strict([_as_numeric(a), _as_numeric(b)], op, NUMERIC)


for _node, _handler in {exp.Pow: _power, exp.Exp: _exp, exp.Ln: _ln, exp.Log: _log,
                         exp.IntDiv: _int_div}.items():
    register(_node, _handler)
