"""Set-returning functions in a select list: ``unnest(array)`` and
``generate_subscripts(array, dim)`` (SQLAlchemy's pg_constraint/pg_index
reflection selects ``unnest(indkey), generate_subscripts(indkey, 1)``).

Each compiles to a value holding all its rows (``SrfValues``); ``ExpandSrf``,
placed right after the select list's projection, turns a row holding such
values into as many rows as the longest one, the others padded with NULL
(PostgreSQL 10+'s lock-step rule); a row whose functions all return nothing is
dropped.  Only at the top of a select-list item (0A000 elsewhere).
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import FEATURE_NOT_SUPPORTED, UNDEFINED_FUNCTION, SqlError
from .expr import Compiled, Compiler
from .pg_functions import Handler, _chain
from .pgvalues import PgVector
from .physical import Operator
from .runtime import Env

_VECTOR_ELEMENT = {oids.INT2VECTOR: oids.INT2, oids.OIDVECTOR: oids.OID}


class SrfValues(tuple):
    """The rows one set-returning function produced for one input row."""


def _where_allowed(c: Compiler, name: str) -> None:
    if c.clause != "SELECT":
        raise SqlError(FEATURE_NOT_SUPPORTED, f"set-returning functions are not allowed in {c.clause}"
                       if c.clause in ("WHERE", "HAVING") else
                       f"{name}() is only supported at the top of a select-list item")


def _array_arg(c: Compiler, node: exp.Expression, name: str) -> Compiled:
    a = c.compile(node)
    if a.oid not in oids.ELEMENT_OF and a.oid not in _VECTOR_ELEMENT:
        raise SqlError(UNDEFINED_FUNCTION, f"function {name}({a.type.name}) does not exist",
                       hint="No function matches the given name and argument types.")
    return a


def _unnest(c: Compiler, node: exp.Explode, hint: SqlType | None, prev: Handler | None) -> Compiled:
    _where_allowed(c, "unnest")
    a = _array_arg(c, node.this, "unnest")
    element = oids.ELEMENT_OF.get(a.oid) or _VECTOR_ELEMENT[a.oid]
    f = a.fn

    def fn(row: tuple, p: Sequence[Any]) -> SrfValues:
        v = f(row, p)
        return SrfValues(() if v is None else v)

    return Compiled(fn, T.simple(element))


def _subscripts(c: Compiler, node: exp.Expression, hint: SqlType | None, prev: Handler | None) -> Compiled:
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "generate_subscripts"):
        if prev is None:
            return c._unknown_function(node)
        return prev(c, node, hint)
    args = node.expressions
    if not 2 <= len(args) <= 3:
        raise SqlError(UNDEFINED_FUNCTION, "function generate_subscripts does not exist")
    _where_allowed(c, "generate_subscripts")
    arr = _array_arg(c, args[0], "generate_subscripts")
    dim = c.compile(args[1], T.simple(oids.INT4)).fn
    rev = c.compile(args[2], T.simple(oids.BOOL)).fn if len(args) == 3 else None
    f = arr.fn

    def fn(row: tuple, p: Sequence[Any]) -> SrfValues:
        v, d = f(row, p), dim(row, p)
        if v is None or d != 1 or not len(v):
            return SrfValues(())
        low = 0 if isinstance(v, PgVector) else 1  # int2vector/oidvector subscripts start at 0
        subs = range(low, low + len(v))
        return SrfValues(reversed(subs) if rev is not None and rev(row, p) is True else subs)

    return Compiled(fn, T.simple(oids.INT4))


_chain(exp.Explode, _unnest)
_chain(exp.Anonymous, _subscripts)


def _is_srf(node: exp.Expression) -> bool:
    return isinstance(node, exp.Explode) or (
        isinstance(node, exp.Anonymous) and node.name.lower() == "generate_subscripts")


def expand(op: Operator, items: Sequence[exp.Expression]) -> Operator:
    """``op`` (the select list's projection), expanded if an item is a set-returning function."""
    positions = []
    for i, item in enumerate(items):
        node = item.this if isinstance(item, exp.Alias) else item
        if _is_srf(node):
            positions.append(i)
        elif any(_is_srf(n) for n in node.find_all(exp.Explode, exp.Anonymous)):
            raise SqlError(FEATURE_NOT_SUPPORTED, "set-returning functions are only supported "
                           "at the top of a select-list item")
    return ExpandSrf(op, positions) if positions else op


class ExpandSrf(Operator):
    def __init__(self, child: Operator, positions: list[int]) -> None:
        self.child, self.positions, self.width = child, positions, child.width

    def rows(self, env: Env) -> list[tuple]:
        out: list[tuple] = []
        for r in self.child.rows(env):
            n = max(len(r[i]) for i in self.positions)
            for k in range(n):
                out.append(tuple((v[k] if k < len(v) else None) if isinstance(v, SrfValues) else v
                                 for v in r))
        return out
