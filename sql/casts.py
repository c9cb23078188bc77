"""Casts to and from jsonb, json, uuid, bytea, interval, timestamptz and arrays,
and ``||`` / length functions where those types meet text.  Registered in front
of the expression compiler's own CAST (sql.expr) for these types only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlglot import exp

from . import jsonb as J
from . import oids
from . import types as T
from .api import SqlType
from .errors import INVALID_PARAMETER_VALUE, SqlError
from .expr import INT4, TEXT, Compiled, Compiler, fold
from .handler_chain import chain, fallback, peek, peek_pair, strict2
from .typed_values import text_of

OWN = frozenset({oids.JSONB, oids.JSON, oids.UUID, oids.BYTEA, oids.INTERVAL})
PRINTED = OWN | {oids.TIMESTAMPTZ, oids.TIMESTAMP, oids.FLOAT4, oids.FLOAT8}
"""Types whose ``::text`` differs from Python's str()."""


def _cannot(src: SqlType, target: SqlType) -> SqlError:
    return SqlError("42846", f"cannot cast type {src.name} to {T.format_type(target)}")


def _jsonb_to(v: str, target: SqlType) -> Any:
    """jsonb::int / numeric / float / boolean (a number or boolean scalar only)."""
    x = J.load(v)
    want_bool = target.oid == oids.BOOL
    if want_bool and isinstance(x, bool):
        return x
    if not want_bool and not isinstance(x, bool) and isinstance(x, (int, Decimal)):
        return T.coerce(x, target)
    kind = J.kind(x)
    raise SqlError(INVALID_PARAMETER_VALUE, f"cannot cast jsonb {kind} to type {T.format_type(target)}")


def _converter(src: SqlType, target: SqlType):
    """value -> value for a cast between these types, or None for the engine's own rules."""
    s, t = src.oid, target.oid
    if T.category(t) == "S" and (s in PRINTED or s in oids.ELEMENT_OF):
        return lambda v: T.coerce(text_of(v, s), target)
    if t not in OWN:
        if s == oids.JSONB and (t in T.NUMBER_TYPES or t == oids.BOOL):
            return lambda v: _jsonb_to(v, target)
        if s in OWN:
            raise _cannot(src, target)
        return None
    if s == t or T.category(s) in "SU":
        return lambda v: T.coerce(v, target)
    if {s, t} == {oids.JSON, oids.JSONB}:
        return lambda v: T.coerce(v, target)
    raise _cannot(src, target)


def _cast(c: Compiler, node: exp.Cast, hint, prev) -> Compiled:
    to = node.args["to"]
    if not isinstance(to, exp.DataType) or to.this == exp.DataType.Type.USERDEFINED:
        return fallback(c, node, hint, prev)
    try:
        target = T.from_datatype(to)
    except SqlError:
        return fallback(c, node, hint, prev)
    a = c.compile(node.this, target) if isinstance(node.this, exp.Parameter) else peek(c, node.this)
    if a is None:
        if target.oid not in OWN:
            return fallback(c, node, hint, prev)
        a = c.compile(node.this, target)
    conv = _converter(a.type, target)
    if conv is None:
        return fallback(c, node, hint, prev)
    f = a.fn
    if a.const:
        return fold(lambda: None if (v := f((), ())) is None else conv(v), target)
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else conv(v), target)


def _concat(c: Compiler, node: exp.DPipe, hint, prev) -> Compiled:
    """``||`` with a value of one of these types and text (or bytea || bytea)."""
    pair = peek_pair(c, node.this, node.expression)
    if pair is None or not ({pair[0].oid, pair[1].oid} & PRINTED):
        return fallback(c, node, hint, prev)
    a, b = pair
    if a.oid == oids.BYTEA or b.oid == oids.BYTEA:
        a, b = c.with_hint(node.this, b.type), c.with_hint(node.expression, a.type)
        if a.oid == b.oid == oids.BYTEA:
            return _strict(a.fn, b.fn, lambda x, y: x + y, a.type)
    if T.category(a.oid) not in "SU" and T.category(b.oid) not in "SU":
        return fallback(c, node, hint, prev)
    sa, sb = a.oid, b.oid
    return _strict(a.fn, b.fn, lambda x, y: text_of(x, sa) + text_of(y, sb), TEXT)


def _strict(fa, fb, op, t: SqlType) -> Compiled:
    return Compiled(strict2(fa, fb, op), t)


def _length(c: Compiler, node: exp.Length, hint, prev) -> Compiled:
    a = peek(c, node.this)
    if a is None or a.oid != oids.BYTEA:
        return fallback(c, node, hint, prev)
    f = a.fn
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else len(v), INT4)


def _octet_length(c: Compiler, node: exp.Anonymous, hint, prev) -> Compiled:
    if node.name.lower() != "octet_length" or len(node.expressions) != 1:
        return fallback(c, node, hint, prev)
    a = c.with_hint(node.expressions[0], TEXT)
    if a.oid != oids.BYTEA and T.category(a.oid) not in "SU":
        return fallback(c, node, hint, prev)
    f, is_bytes = a.fn, a.oid == oids.BYTEA
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else
                    len(v) if is_bytes else len(v.encode("utf-8")), INT4)


chain(exp.Cast, _cast)
chain(exp.DPipe, _concat)
chain(exp.Length, _length)
chain(exp.Anonymous, _octet_length)
