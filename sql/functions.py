"""Scalar functions: string and math, with PostgreSQL's argument types and results.

Registered into the expression compiler (``sql.expr.register``) by sqlglot node
type.  Every function here is strict (a NULL argument gives NULL) except
concat, concat_ws, greatest and least, which skip NULLs as PostgreSQL does.
Type resolution follows PostgreSQL: integer arguments of ceil/floor/trunc/
round(x)/sqrt/power go through double precision; numeric keeps numeric with
PostgreSQL's result scale; text functions take text (or an untyped literal)
and raise 42883 otherwise.

    string: upper lower length/char_length substr/substring position/strpos
            replace trim/ltrim/rtrim/btrim concat concat_ws left right lpad rpad
            repeat reverse initcap starts_with
    math:   abs round ceil/ceiling floor trunc power sqrt greatest least sign
            exp ln log div (numeric results with PostgreSQL 15's scales)
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Callable, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import UNDEFINED_FUNCTION, SqlError
from .expr import (
    FLOAT8,
    INT4,
    NUMERIC,
    TEXT,
    Compiled,
    Compiler,
    _check,
    _tname,
    const,
    out_text,
    register,
)
from .operators import _dscale, _weight_first, unsigned_zero

SUBSTRING_ERROR = "22011"
INVALID_ARGUMENT_FOR_POWER = "2201F"
INVALID_ARGUMENT_FOR_SQRT = "2201F"


def _undefined(name: str, args: list[Compiled]) -> SqlError:
    return SqlError(
        UNDEFINED_FUNCTION,
        f"function {name}({', '.join(_tname(a.type) for a in args)}) does not exist",
        hint="No function matches the given name and argument types. "
        "You might need to add explicit type casts.",
    )


def strict(args: list[Compiled], op: Callable[..., Any], t: SqlType) -> Compiled:
    """A function of ``args`` that is NULL when any argument is NULL; folded when all are constant."""
    fns = [a.fn for a in args]
    if len(fns) == 1:
        (f,) = fns

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            v = f(row, p)
            return None if v is None else op(v)
    else:
        def fn(row: tuple, p: Sequence[Any]) -> Any:
            vals = []
            for g in fns:
                v = g(row, p)
                if v is None:
                    return None
                vals.append(v)
            return op(*vals)

    if all(a.const for a in args):
        try:
            return const(fn((), ()), t)
        except SqlError:
            pass  # raised when a row is evaluated, as PostgreSQL would when it gets there
    return Compiled(fn, t)


# -- argument helpers


def _text_args(c: Compiler, name: str, nodes: list[exp.Expression]) -> list[Compiled]:
    args = [c.with_hint(n, TEXT) for n in nodes]
    if any(T.category(a.oid) not in "SU" for a in args):
        raise _undefined(name, args)
    return args


def _int_arg(c: Compiler, name: str, node: exp.Expression, others: list[Compiled]) -> Compiled:
    a = c.with_hint(node, INT4)
    if a.oid not in T.INT_TYPES:
        raise _undefined(name, [*others, a])
    return a


def _number_arg(c: Compiler, name: str, node: exp.Expression) -> Compiled:
    a = c.with_hint(node, NUMERIC)
    if a.oid not in T.NUMBER_TYPES:
        raise _undefined(name, [a])
    return a


def _as_float(a: Compiled) -> Compiled:
    f = a.fn
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else float(v), FLOAT8, a.const)


def _as_numeric(a: Compiled) -> Compiled:
    if a.oid == oids.NUMERIC:
        return a
    f = a.fn
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else Decimal(v), NUMERIC, a.const)


# -- string functions


def _upper(c: Compiler, node: exp.Upper, hint: SqlType | None) -> Compiled:
    return strict(_text_args(c, "upper", [node.this]), str.upper, TEXT)


def _lower(c: Compiler, node: exp.Lower, hint: SqlType | None) -> Compiled:
    return strict(_text_args(c, "lower", [node.this]), str.lower, TEXT)


def _length(c: Compiler, node: exp.Length, hint: SqlType | None) -> Compiled:
    a = _text_args(c, "length", [node.this])
    bpchar = a[0].oid == oids.BPCHAR
    return strict(a, (lambda s: len(s.rstrip(" "))) if bpchar else len, INT4)


def substring(s: str, start: int, length: int | None = None) -> str:
    if length is None:
        return s[max(start, 1) - 1:]
    if length < 0:
        raise SqlError(SUBSTRING_ERROR, "negative substring length not allowed")
    end = start + length
    if end <= 1:
        return ""
    return s[max(start, 1) - 1: end - 1]


def _substring(c: Compiler, node: exp.Substring, hint: SqlType | None) -> Compiled:
    args = _text_args(c, "substr", [node.this])
    args.append(_int_arg(c, "substr", node.args["start"], args))
    if node.args.get("length") is not None:
        args.append(_int_arg(c, "substr", node.args["length"], args))
    return strict(args, substring, TEXT)


def _position(c: Compiler, node: exp.StrPosition, hint: SqlType | None) -> Compiled:
    args = _text_args(c, "strpos", [node.this, node.args["substr"]])
    return strict(args, lambda s, sub: s.find(sub) + 1, INT4)


def _replace(c: Compiler, node: exp.Replace, hint: SqlType | None) -> Compiled:
    args = _text_args(c, "replace", [node.this, node.expression, node.args["replacement"]])
    return strict(args, lambda s, old, new: s.replace(old, new) if old else s, TEXT)


def _trim(c: Compiler, node: exp.Trim, hint: SqlType | None) -> Compiled:
    position = (node.args.get("position") or "BOTH").upper()
    nodes = [node.this] + ([node.expression] if node.expression is not None else [])
    name = {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(position, "btrim")
    args = _text_args(c, name, nodes)
    strip = {"LEADING": str.lstrip, "TRAILING": str.rstrip}.get(position, str.strip)

    def op(s: str, chars: str = " ") -> str:
        return strip(s, chars)

    return strict(args, op, TEXT)


def _concat(c: Compiler, node: exp.Concat, hint: SqlType | None) -> Compiled:
    fns = [c.with_hint(n, TEXT).fn for n in node.expressions]

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        return "".join(out_text(v) for f in fns if (v := f(row, p)) is not None)

    return Compiled(fn, TEXT)


def _concat_ws(c: Compiler, node: exp.ConcatWs, hint: SqlType | None) -> Compiled:
    sep, *rest = [c.with_hint(n, TEXT) for n in node.expressions]
    if T.category(sep.oid) not in "SU":
        raise _undefined("concat_ws", [sep])
    fs, fns = sep.fn, [a.fn for a in rest]

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        s = fs(row, p)
        if s is None:
            return None
        return s.join(out_text(v) for f in fns if (v := f(row, p)) is not None)

    return Compiled(fn, TEXT)


def _left(c: Compiler, node: exp.Left, hint: SqlType | None) -> Compiled:
    args = _text_args(c, "left", [node.this])
    args.append(_int_arg(c, "left", node.expression, args))
    return strict(args, lambda s, n: s[:n] if n >= 0 else s[: max(len(s) + n, 0)], TEXT)


def _right(c: Compiler, node: exp.Right, hint: SqlType | None) -> Compiled:
    args = _text_args(c, "right", [node.this])
    args.append(_int_arg(c, "right", node.expression, args))
    return strict(args, lambda s, n: s[max(len(s) - n, 0):] if n > 0 else s[-n:] if n < 0 else "", TEXT)


def pad(s: str, n: int, fill: str, left: bool) -> str:
    if n <= 0:
        return ""
    if len(s) >= n or not fill:
        return s[:n]
    padding = (fill * (n // len(fill) + 1))[: n - len(s)]
    return padding + s if left else s + padding


def _pad(c: Compiler, node: exp.Pad, hint: SqlType | None) -> Compiled:
    left = bool(node.args.get("is_left"))
    name = "lpad" if left else "rpad"
    args = _text_args(c, name, [node.this])
    args.append(_int_arg(c, name, node.expression, args))
    if node.args.get("fill_pattern") is not None:
        args += _text_args(c, name, [node.args["fill_pattern"]])
    return strict(args, lambda s, n, fill=" ": pad(s, n, fill, left), TEXT)


def _repeat(c: Compiler, node: exp.Repeat, hint: SqlType | None) -> Compiled:
    args = _text_args(c, "repeat", [node.this])
    args.append(_int_arg(c, "repeat", node.args["times"], args))
    return strict(args, lambda s, n: s * max(n, 0), TEXT)


def _reverse(c: Compiler, node: exp.Reverse, hint: SqlType | None) -> Compiled:
    return strict(_text_args(c, "reverse", [node.this]), lambda s: s[::-1], TEXT)


def initcap(s: str) -> str:
    out, word = [], False
    for ch in s:
        out.append(ch.lower() if word else ch.upper())
        word = ch.isalnum()
    return "".join(out)


def _initcap(c: Compiler, node: exp.Initcap, hint: SqlType | None) -> Compiled:
    return strict(_text_args(c, "initcap", [node.this]), initcap, TEXT)


def _starts_with(c: Compiler, node: exp.StartsWith, hint: SqlType | None) -> Compiled:
    from .expr import BOOL

    return strict(_text_args(c, "starts_with", [node.this, node.expression]), str.startswith, BOOL)


# -- math functions


def _abs(c: Compiler, node: exp.Abs, hint: SqlType | None) -> Compiled:
    a = _number_arg(c, "abs", node.this)
    t = FLOAT8 if a.oid == oids.FLOAT4 else a.type
    return strict([a], lambda v: _check(abs(v), t), t)


def _quantize(d: Decimal, digits: int, rounding: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = max(d.adjusted() + 1, 0) + max(digits, 0) + 5
        r = d.quantize(Decimal(1).scaleb(-digits), rounding)
        return unsigned_zero(r.quantize(Decimal(1)) if digits < 0 else r)


def _rounding(name: str, rounding: str, float_op: Callable[[float], float]):
    """round/trunc/ceil/floor: numeric (with optional digits) or double precision."""

    def handler(c: Compiler, node: exp.Expression, hint: SqlType | None) -> Compiled:
        a = _number_arg(c, name, node.this)
        digits = node.args.get("decimals")
        if digits is not None:
            if a.oid in T.FLOAT_TYPES:
                raise _undefined(name, [a, c.compile(digits)])
            d = _int_arg(c, name, digits, [a])
            return strict([_as_numeric(a), d], lambda v, n: _quantize(v, n, rounding), NUMERIC)
        if a.oid == oids.NUMERIC:
            return strict([a], lambda v: _quantize(v, 0, rounding) if v.is_finite() else v, NUMERIC)
        return strict([_as_float(a)], float_op, FLOAT8)

    return handler


def _sqrt(c: Compiler, node: exp.Sqrt, hint: SqlType | None) -> Compiled:
    a = _number_arg(c, "sqrt", node.this)

    def check(v: Any) -> Any:
        if v < 0:
            raise SqlError(INVALID_ARGUMENT_FOR_SQRT, "cannot take square root of a negative number")
        return v

    if a.oid == oids.NUMERIC:
        return strict([a], lambda v: numeric_sqrt(check(v)), NUMERIC)
    return strict([_as_float(a)], lambda v: math.sqrt(check(v)), FLOAT8)


def numeric_sqrt(d: Decimal) -> Decimal:
    """sqrt with PostgreSQL's result scale (numeric_sqrt: 16 significant digits)."""
    w, _ = _weight_first(d)
    sweight = (w + 1) * 4 // 2 - 1
    rscale = min(max(16 - sweight, _dscale(d), 0), 1000)
    with localcontext() as ctx:
        ctx.prec = rscale + max(d.adjusted(), 0) + 10
        return d.sqrt().quantize(Decimal(1).scaleb(-rscale), ROUND_HALF_UP)


def _sign(c: Compiler, node: exp.Sign, hint: SqlType | None) -> Compiled:
    a = _number_arg(c, "sign", node.this)
    if a.oid == oids.NUMERIC:
        return strict([a], lambda v: Decimal((v > 0) - (v < 0)), NUMERIC)
    return strict([_as_float(a)], lambda v: float((v > 0) - (v < 0)), FLOAT8)


def _extreme(pick: Callable[..., Any]):
    def handler(c: Compiler, node: exp.Expression, hint: SqlType | None) -> Compiled:
        args = c._common_type([node.this, *node.expressions], hint)
        fns = [a.fn for a in args]

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            vals = [v for f in fns if (v := f(row, p)) is not None]
            return pick(vals) if vals else None

        return Compiled(fn, args[0].type)

    return handler


for _node, _handler in {
    exp.Upper: _upper,
    exp.Lower: _lower,
    exp.Length: _length,
    exp.Substring: _substring,
    exp.StrPosition: _position,
    exp.Replace: _replace,
    exp.Trim: _trim,
    exp.Concat: _concat,
    exp.ConcatWs: _concat_ws,
    exp.Left: _left,
    exp.Right: _right,
    exp.Pad: _pad,
    exp.Repeat: _repeat,
    exp.Reverse: _reverse,
    exp.Initcap: _initcap,
    exp.StartsWith: _starts_with,
    exp.Abs: _abs,
    exp.Round: _rounding("round", ROUND_HALF_UP, lambda v: float(round(v))),
    exp.Trunc: _rounding("trunc", ROUND_DOWN, lambda v: float(math.trunc(v)) if math.isfinite(v) else v),
    exp.Ceil: _rounding("ceil", ROUND_CEILING, lambda v: float(math.ceil(v)) if math.isfinite(v) else v),
    exp.Floor: _rounding("floor", ROUND_FLOOR, lambda v: float(math.floor(v)) if math.isfinite(v) else v),
    exp.Sqrt: _sqrt,
    exp.Sign: _sign,
    exp.Greatest: _extreme(max),
    exp.Least: _extreme(min),
}.items():
    register(_node, _handler)

from . import arrays as _arrays  # noqa: E402,F401  (registers array operators and functions)
from . import casts as _casts  # noqa: E402,F401  (registers casts of jsonb/uuid/bytea/interval/arrays)
from . import datetime_functions as _datetime_functions  # noqa: E402,F401  (extract, date_trunc, ...)
from . import datetime_ops as _datetime_ops  # noqa: E402,F401  (registers date/interval arithmetic)
from . import json_functions as _json_functions  # noqa: E402,F401  (registers json operators/functions)
from . import numeric_functions as _numeric_functions  # noqa: E402,F401  (power, exp, ln, log, div)
from . import uuid_bytea as _uuid_bytea  # noqa: E402,F401  (gen_random_uuid, encode/decode)
