"""The operators PostgreSQL clients use when they introspect: the regular-expression
operators ``~ ~* !~ !~*``, ``OPERATOR(schema.op)``, ``x op ANY/ALL (array)``,
``ARRAY[...]``, ``ARRAY(subquery)`` and subscripts.  Registered into the
expression compiler on top of what was there (``sql.pg_functions._chain``): a
handler that does not recognise its node passes it on.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .errors import FEATURE_NOT_SUPPORTED, UNDEFINED_FUNCTION, SqlError
from .expr import BOOL, TEXT, Compiled, Compiler, _check_comparable
from .pg_functions import _chain, _fallback, _typ
from .pgvalues import PgArray

INVALID_REGULAR_EXPRESSION = "2201B"


# -- regular expressions: ~ ~* !~ !~*


@lru_cache(maxsize=256)
def posix_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """A POSIX ARE as PostgreSQL writes it -> a Python pattern (the common subset:
    Python's syntax plus the bracket classes [[:alpha:]] etc.)."""
    classes = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
               "space": r"\s", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f", "word": r"\w"}
    py = re.sub(r"\[:(\w+):\]", lambda m: classes.get(m.group(1), m.group(0)), pattern)
    try:
        return re.compile(py, re.IGNORECASE if ignore_case else 0)
    except re.error as e:
        raise SqlError(INVALID_REGULAR_EXPRESSION, f"invalid regular expression: {e}") from None


def compile_regex(c: Compiler, left: exp.Expression, right: exp.Expression, ignore_case: bool,
                  negate: bool) -> Compiled:
    a, b = c.with_hint(left, TEXT), c.with_hint(right, TEXT)
    for x in (a, b):
        if T.category(x.oid) not in "SU":
            op = ("!" if negate else "") + ("~*" if ignore_case else "~")
            raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {a.type.name} {op} {b.type.name}")
    fa, fb = a.fn, b.fn
    if b.const:
        pat = fb((), ())
        if pat is None:
            return Compiled(lambda row, p: None, BOOL)
        rx = posix_regex(pat, ignore_case)
        return Compiled(lambda row, p: None if (x := fa(row, p)) is None else (rx.search(x) is not None) != negate,
                        BOOL)

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x, y = fa(row, p), fb(row, p)
        if x is None or y is None:
            return None
        return (posix_regex(y, ignore_case).search(x) is not None) != negate

    return Compiled(fn, BOOL)


def _regexp(c: Compiler, node: exp.Expression, hint, prev) -> Compiled:
    return compile_regex(c, node.this, node.expression, isinstance(node, exp.RegexpILike), False)


def _not(c: Compiler, node: exp.Not, hint, prev) -> Compiled:
    inner = node.this
    if isinstance(inner, (exp.RegexpLike, exp.RegexpILike)):
        return compile_regex(c, inner.this, inner.expression, isinstance(inner, exp.RegexpILike), True)
    return _fallback(c, node, hint, prev)


_OPERATORS: dict[str, Callable[[exp.Expression, exp.Expression], exp.Expression]] = {
    "=": lambda a, b: exp.EQ(this=a, expression=b), "<>": lambda a, b: exp.NEQ(this=a, expression=b),
    "!=": lambda a, b: exp.NEQ(this=a, expression=b), "<": lambda a, b: exp.LT(this=a, expression=b),
    "<=": lambda a, b: exp.LTE(this=a, expression=b), ">": lambda a, b: exp.GT(this=a, expression=b),
    ">=": lambda a, b: exp.GTE(this=a, expression=b), "~": lambda a, b: exp.RegexpLike(this=a, expression=b),
    "~*": lambda a, b: exp.RegexpILike(this=a, expression=b),
    "!~": lambda a, b: exp.Not(this=exp.RegexpLike(this=a, expression=b)),
    "!~*": lambda a, b: exp.Not(this=exp.RegexpILike(this=a, expression=b)),
    "~~": lambda a, b: exp.Like(this=a, expression=b), "~~*": lambda a, b: exp.ILike(this=a, expression=b),
    "+": lambda a, b: exp.Add(this=a, expression=b), "-": lambda a, b: exp.Sub(this=a, expression=b),
    "*": lambda a, b: exp.Mul(this=a, expression=b), "/": lambda a, b: exp.Div(this=a, expression=b),
    "||": lambda a, b: exp.DPipe(this=a, expression=b),
}


def _operator(c: Compiler, node: exp.Operator, hint, prev) -> Compiled:
    """``a OPERATOR(pg_catalog.op) b``: the operator op."""
    op = str(node.args.get("operator") or "").strip()
    schema, _, name = op.rpartition(".")
    build = _OPERATORS.get(name)
    if build is None or schema not in ("", "pg_catalog"):
        raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {op}")
    return c.compile(build(node.this, node.expression), hint)


# -- x op ANY (array)


def _quantified(cls: type) -> None:
    def handler(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
        right = node.expression
        if not isinstance(right, (exp.Any, exp.All)) or isinstance(right.this, exp.Query) or (
            isinstance(right.this, exp.Paren) and isinstance(right.this.this, exp.Query)
        ):
            return _fallback(c, node, hint, prev)
        is_all = isinstance(right, exp.All)
        inner = right.this.this if isinstance(right.this, exp.Paren) else right.this
        a = c.compile(node.this)
        arr = c.compile(inner)
        if arr.oid == oids.UNKNOWN and arr.const:
            elem = a.oid if a.oid != oids.UNKNOWN else oids.TEXT
            arr = c.with_hint(inner, _typ(oids.ARRAY_OF.get(elem, oids.ARRAY_OF[oids.TEXT])))
        element = oids.ELEMENT_OF.get(arr.oid)
        if element is None:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"op ANY/ALL (array) requires array on right side, not {arr.type.name}")
        if a.oid == oids.UNKNOWN and a.const:
            a = c.with_hint(node.this, _typ(element))
        cmp_node = type(node)(this=exp.Placeholder(), expression=exp.Placeholder())
        from .operators import _CMP

        opname, cmp = _CMP[type(cmp_node)]
        _check_comparable(opname, a.type, _typ(element))
        fa, farr = a.fn, arr.fn

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x, values = fa(row, p), farr(row, p)
            if values is None:
                return None
            if not values:
                return is_all
            if x is None:
                return None
            saw_null = False
            for v in values:
                if v is None:
                    saw_null = True
                    continue
                r = cmp(x, v)
                if r != is_all:
                    return r
            return None if saw_null else is_all

        return Compiled(fn, BOOL)

    _chain(cls, handler)


# -- ARRAY[...], ARRAY(subquery), a[i]


def _array(c: Compiler, node: exp.Array, hint, prev) -> Compiled:
    items = list(node.expressions)
    if len(items) == 1 and isinstance(items[0], exp.Query):
        from .subquery import _one_column, _plan

        run, columns, _ = _plan(c, items[0])
        _one_column(columns)
        element = columns[0][1].oid
        t = _typ(oids.ARRAY_OF.get(element, oids.ARRAY_OF[oids.TEXT]))
        return Compiled(lambda row, p: PgArray(r[0] for r in run(row, p)), t)
    compiled = [c.compile(i) for i in items]
    known = [x.oid for x in compiled if x.oid != oids.UNKNOWN]
    element = known[0] if known else oids.TEXT
    compiled = [c.with_hint(i, _typ(element)) for i in items]
    fns = [x.fn for x in compiled]
    return Compiled(lambda row, p: PgArray(f(row, p) for f in fns),
                    _typ(oids.ARRAY_OF.get(element, oids.ARRAY_OF[oids.TEXT])))


def _bracket(c: Compiler, node: exp.Bracket, hint, prev) -> Compiled:
    arr = c.compile(node.this)
    element = oids.ELEMENT_OF.get(arr.oid)
    if arr.oid in (oids.INT2VECTOR, oids.OIDVECTOR):
        element, base = (oids.INT2 if arr.oid == oids.INT2VECTOR else oids.OID), 0
    elif element is None:
        raise SqlError("42804", f"cannot subscript type {arr.type.name} because it is not an array")
    else:
        base = 1
    if len(node.expressions) != 1:
        raise SqlError(FEATURE_NOT_SUPPORTED, "array slices and multiple subscripts are not supported")
    sub = node.expressions[0]
    # sqlglot shifts a literal subscript to 0-based; other subscripts are as written
    shift = 0 if isinstance(sub, exp.Literal) else base
    fi, fa = c.with_hint(sub, _typ(oids.INT4)).fn, arr.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        values, i = fa(row, p), fi(row, p)
        if values is None or i is None:
            return None
        k = i - shift
        return values[k] if 0 <= k < len(values) else None

    return Compiled(fn, _typ(element))


_chain(exp.RegexpLike, _regexp)
_chain(exp.RegexpILike, _regexp)
_chain(exp.Not, _not)
_chain(exp.Operator, _operator)
_chain(exp.Array, _array)
_chain(exp.Bracket, _bracket)
for _cls in (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE):
    _quantified(_cls)
