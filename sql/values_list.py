"""``(VALUES (...), (...)) AS t(cols)`` as a FROM item (SQLAlchemy's ORM
inserts many rows with ``INSERT ... SELECT ... FROM (VALUES ...) AS imp_sen(...)
ORDER BY sen_counter RETURNING ...``).

Each row's expressions are compiled over the enclosing query's outer scope
(so they may use $n parameters and outer columns); column types are unified
across rows as UNION does (sql.setops), columns are named column1..columnN as
in PostgreSQL, and rows are produced in the order written.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from . import types as T
from .api import SqlType
from .errors import SYNTAX_ERROR, SqlError
from .expr import TEXT, UNKNOWN, Compiler
from .physical import Operator
from .runtime import Env
from .scope import Scope
from .setops import common_types


def plan_values(node: exp.Values, ctx: Any, outer: Scope | None, level: Any) -> tuple[Operator, list[tuple[str, SqlType]]]:
    rows = [list(t.expressions) if isinstance(t, exp.Tuple) else [t] for t in node.expressions]
    if not rows or not rows[0]:
        raise SqlError(SYNTAX_ERROR, "syntax error at or near \"VALUES\"")
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise SqlError(SYNTAX_ERROR, "VALUES lists must all be the same length")
    compiler = Compiler(Scope(None, [], parent=outer, level=level), ctx.params, clause="VALUES",
                        planner=ctx)
    compiled = [[compiler.compile(e) for e in r] for r in rows]
    types = [c.type for c in compiled[0]]
    for r in compiled[1:]:
        types = common_types("VALUES", types, [c.type for c in r])
    types = [TEXT if t.oid == UNKNOWN.oid else t for t in types]
    fns = []
    for r in compiled:
        row_fns = []
        for c, t in zip(r, types, strict=True):
            f = c.fn
            if c.type.oid != t.oid:
                row_fns.append(lambda row, p, f=f, t=t: None if (v := f(row, p)) is None else T.coerce(v, t))
            else:
                row_fns.append(f)
        fns.append(row_fns)
    return ValuesScan(fns), [(f"column{i + 1}", t) for i, t in enumerate(types)]


class ValuesScan(Operator):
    def __init__(self, fns: list[list]) -> None:
        self.fns = fns
        self.width = len(fns[0])

    def rows(self, env: Env) -> list[tuple]:
        return [tuple(f((), env) for f in row) for row in self.fns]
