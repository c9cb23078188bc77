"""Arrays of the base types as values and columns (one dimension).

An array value is a tuple of element values (``PgArray`` while computed, a plain
tuple once stored); NULL elements are ``None``.  This module coerces values to an
array type and registers the array operators and functions into the expression
compiler: ``= <> < <= > >=`` (element-wise, NULL elements equal and last),
``@> <@ &&``, ``||`` (array-array, array-element, element-array),
array_length / cardinality (ArraySize), array_position, array_append,
array_prepend, array_cat, array_remove.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import DATATYPE_MISMATCH, UNDEFINED_FUNCTION, SqlError
from .expr import BOOL, INT4, Compiled, Compiler
from .handler_chain import chain, fallback, peek_pair, strict2
from .pgvalues import PgArray, array_cmp, parse_array
from .pgvalues import array_sort_key as sort_key  # noqa: F401  (re-exported)


def coerce_array(value: Any, t: SqlType) -> PgArray:
    element = T.element_type(t)
    if isinstance(value, (list, tuple)):
        return PgArray(None if x is None else T.coerce(x, element) for x in value)
    arr = parse_array(str(value), element.oid)
    if element.length is None and element.precision is None:
        return arr
    return PgArray(None if x is None else T.coerce(x, element) for x in arr)


def is_array(oid: int) -> bool:
    return oid in oids.ELEMENT_OF


_CMPS = {
    exp.EQ: ("=", lambda r: r == 0), exp.NEQ: ("<>", lambda r: r != 0), exp.LT: ("<", lambda r: r < 0),
    exp.LTE: ("<=", lambda r: r <= 0), exp.GT: (">", lambda r: r > 0), exp.GTE: (">=", lambda r: r >= 0),
}


def _unify(c: Compiler, left: exp.Expression, right: exp.Expression) -> tuple[Compiled, Compiled] | None:
    """Both sides compiled when at least one is an array (a literal takes the other's type)."""
    pair = peek_pair(c, left, right)
    if pair is None:
        return None
    a, b = pair
    if not (is_array(a.oid) or is_array(b.oid)):
        return None
    if a.oid == oids.UNKNOWN:
        a = c.with_hint(left, b.type)
    if b.oid == oids.UNKNOWN:
        b = c.with_hint(right, a.type)
    return a, b


def _elements_match(op: str, a: Compiled, b: Compiled) -> None:
    if not (is_array(a.oid) and is_array(b.oid)) or not T.comparable(
            oids.ELEMENT_OF[a.oid], oids.ELEMENT_OF[b.oid]):
        raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {a.type.name} {op} {b.type.name}",
                       hint="No operator matches the given name and argument types. "
                       "You might need to add explicit type casts.")


def _binary(fa, fb, op: Callable[[Any, Any], Any], t: SqlType) -> Compiled:
    return Compiled(strict2(fa, fb, op), t)


def _compare(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
    pair = _unify(c, node.this, node.expression)
    if pair is None:
        return fallback(c, node, hint, prev)
    a, b = pair
    name, test = _CMPS[type(node)]
    _elements_match(name, a, b)
    return _binary(a.fn, b.fn, lambda x, y: test(array_cmp(x, y)), BOOL)


def _contains(x: Sequence[Any], y: Sequence[Any]) -> bool:
    have = set(v for v in x if v is not None)
    return all(v is not None and v in have for v in y)


def _containment(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
    pair = _unify(c, node.this, node.expression)
    if pair is None:
        return fallback(c, node, hint, prev)
    a, b = pair
    op = {exp.ArrayContainsAll: "@>", exp.ArrayContainedBy: "<@", exp.ArrayOverlaps: "&&"}[type(node)]
    _elements_match(op, a, b)
    if op == "@>":
        return _binary(a.fn, b.fn, _contains, BOOL)
    if op == "<@":
        return _binary(a.fn, b.fn, lambda x, y: _contains(y, x), BOOL)
    return _binary(a.fn, b.fn, lambda x, y: bool(set(v for v in x if v is not None) & set(y)), BOOL)


def _concat(c: Compiler, node: exp.DPipe, hint, prev) -> Compiled:
    pair = peek_pair(c, node.this, node.expression)
    if pair is None or not (is_array(pair[0].oid) or is_array(pair[1].oid)):
        return fallback(c, node, hint, prev)
    a, b = pair
    if is_array(a.oid) and is_array(b.oid):
        _elements_match("||", a, b)
        return _nullable_concat(a.fn, b.fn, a.type)
    if is_array(a.oid):
        if b.oid == oids.UNKNOWN:
            b = c.with_hint(node.expression, a.type)
            return _nullable_concat(a.fn, b.fn, a.type)
        return _append(a, _element_arg(c, node.expression, a, b), a.type)
    if a.oid == oids.UNKNOWN:
        a = c.with_hint(node.this, b.type)
        return _nullable_concat(a.fn, b.fn, b.type)
    return _prepend(_element_arg(c, node.this, b, a), b, b.type)


def _nullable_concat(fa, fb, t: SqlType) -> Compiled:
    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x, y = fa(row, p), fb(row, p)
        if x is None:
            return None if y is None else PgArray(y)
        return PgArray(x) if y is None else PgArray((*x, *y))

    return Compiled(fn, t)


def _element_arg(c: Compiler, node: exp.Expression, arr: Compiled, e: Compiled) -> Compiled:
    element = T.element_type(arr.type)
    if e.oid == oids.UNKNOWN:
        return c.with_hint(node, element)
    if not T.comparable(e.oid, element.oid):
        raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {arr.type.name} || {e.type.name}")
    return e


def _append(arr: Compiled, e: Compiled, t: SqlType) -> Compiled:
    fa, fe = arr.fn, e.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x = fa(row, p)
        return PgArray((*(x or ()), fe(row, p)))

    return Compiled(fn, t)


def _prepend(e: Compiled, arr: Compiled, t: SqlType) -> Compiled:
    fa, fe = arr.fn, e.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x = fa(row, p)
        return PgArray((fe(row, p), *(x or ())))

    return Compiled(fn, t)


def _array_arg(c: Compiler, node: exp.Expression, name: str) -> Compiled:
    a = c.compile(node)
    if a.oid == oids.UNKNOWN and a.const:
        a = c.with_hint(node, T.simple(oids.ARRAY_OF[oids.TEXT]))
    if not is_array(a.oid):
        raise SqlError(UNDEFINED_FUNCTION, f"function {name}({a.type.name}) does not exist",
                       hint="No function matches the given name and argument types. "
                       "You might need to add explicit type casts.")
    return a


def _array_size(c: Compiler, node: exp.ArraySize, hint, prev) -> Compiled:
    a = _array_arg(c, node.this, "array_length")
    fa = a.fn
    if node.expression is None:
        return Compiled(lambda row, p: None if (v := fa(row, p)) is None else len(v), INT4)
    fd = c.with_hint(node.expression, INT4).fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        v, d = fa(row, p), fd(row, p)
        if v is None or d is None:
            return None
        return len(v) if d == 1 and v else None

    return Compiled(fn, INT4)


def _position(c: Compiler, node: exp.ArrayPosition, hint, prev) -> Compiled:
    a = _array_arg(c, node.this, "array_position")
    e = _element_arg(c, node.expression, a, c.compile(node.expression))
    fa, fe = a.fn, e.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        v = fa(row, p)
        if v is None:
            return None
        x = fe(row, p)
        for i, y in enumerate(v):
            if (x is None and y is None) or (x is not None and y is not None and x == y):
                return i + 1
        return None

    return Compiled(fn, INT4)


def _append_node(c: Compiler, node: exp.ArrayAppend, hint, prev) -> Compiled:
    a = _array_arg(c, node.this, "array_append")
    return _append(a, _element_arg(c, node.expression, a, c.compile(node.expression)), a.type)


def _prepend_node(c: Compiler, node: exp.ArrayPrepend, hint, prev) -> Compiled:
    # sqlglot: array_prepend(elem, arr) -> ArrayPrepend(this=arr, expression=elem)
    a = _array_arg(c, node.this, "array_prepend")
    return _prepend(_element_arg(c, node.expression, a, c.compile(node.expression)), a, a.type)


def _cat_node(c: Compiler, node: exp.ArrayConcat, hint, prev) -> Compiled:
    if len(node.expressions) != 1:
        return fallback(c, node, hint, prev)
    a = _array_arg(c, node.this, "array_cat")
    b = c.with_hint(node.expressions[0], a.type)
    _elements_match("||", a, b)
    return _nullable_concat(a.fn, b.fn, a.type)


def _remove(c: Compiler, node: exp.ArrayRemove, hint, prev) -> Compiled:
    a = _array_arg(c, node.this, "array_remove")
    e = _element_arg(c, node.expression, a, c.compile(node.expression))
    fa, fe = a.fn, e.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        v = fa(row, p)
        if v is None:
            return None
        x = fe(row, p)
        return PgArray(y for y in v if not ((x is None and y is None) or (x is not None and y == x)))

    return Compiled(fn, a.type)


def check_array_assignable(a: Compiled, target: SqlType) -> None:
    if is_array(a.oid) and is_array(target.oid) and not T.comparable(
            oids.ELEMENT_OF[a.oid], oids.ELEMENT_OF[target.oid]):
        raise SqlError(DATATYPE_MISMATCH, f"cannot cast type {a.type.name} to {target.name}")


for _cls in _CMPS:
    chain(_cls, _compare)
for _cls in (exp.ArrayContainsAll, exp.ArrayContainedBy, exp.ArrayOverlaps):
    chain(_cls, _containment)
chain(exp.DPipe, _concat)
chain(exp.ArraySize, _array_size)
chain(exp.ArrayPosition, _position)
chain(exp.ArrayAppend, _append_node)
chain(exp.ArrayPrepend, _prepend_node)
chain(exp.ArrayConcat, _cat_node)
chain(exp.ArrayRemove, _remove)
