"""RETURNING of INSERT, UPDATE and DELETE.

The list is compiled against the scope of the row the statement wrote: the
target table's columns (under its alias), and for UPDATE ... FROM / DELETE ...
USING the columns of the other sources too.  ``*`` and ``alias.*`` expand as in
a select list (never to the hidden key column of ``sql.dmlsource``); output
names and types are PostgreSQL's (``sql.plan.output_name``; an untyped literal
is text).  The values are those of the row as stored (after coercion), the new
row for UPDATE and the deleted row for DELETE.
"""

from __future__ import annotations

from sqlglot import exp

from . import oids
from . import types as T
from .dmlsource import KEY_COLUMN
from .errors import UNDEFINED_TABLE, SqlError
from .expr import Compiler, Fn
from .pgwire.api import ResultColumn
from .plan import output_name, result_column
from .scope import Scope


class Returning:
    def __init__(self, fns: list[Fn], columns: list[ResultColumn]) -> None:
        self.fns = fns
        self.columns = columns

    def row(self, row: tuple, env: tuple) -> tuple:
        return tuple([f(row, env) for f in self.fns])


def plan_returning(node: exp.Expression, scope: Scope, ctx) -> Returning | None:
    """``node``'s RETURNING clause (None without one), over rows of ``scope``."""
    returning = node.args.get("returning")
    if returning is None:
        return None
    compiler = Compiler(scope, ctx.params, clause="RETURNING", planner=ctx)
    fns: list[Fn] = []
    columns: list[ResultColumn] = []
    for item in _expand(returning.expressions, scope):
        c = compiler.compile(item.this if isinstance(item, exp.Alias) else item)
        t = T.simple(oids.TEXT) if c.oid == oids.UNKNOWN else c.type
        fns.append(c.fn)
        columns.append(result_column(output_name(item), t))
    return Returning(fns, columns)


def _expand(items: list[exp.Expression], scope: Scope) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for item in items:
        if isinstance(item, exp.Star):
            qualifier = None
        elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            qualifier = item.table
            if not scope.has_qualifier(qualifier):
                raise SqlError(UNDEFINED_TABLE, f'missing FROM-clause entry for table "{qualifier}"')
        else:
            out.append(item)
            continue
        for (name, _), q in zip(scope.columns, scope.qualifiers, strict=True):
            if name != KEY_COLUMN and (qualifier is None or q == qualifier):
                out.append(exp.column(name, table=q) if q else exp.column(name))
    return out
