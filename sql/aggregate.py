"""Aggregates and the grouping operator.

``Aggregate`` folds the rows of one group into a value (count, sum, avg, min,
max, each optionally DISTINCT; NULL inputs are ignored).  ``Group`` turns input
rows into one row per group: ``group key values + aggregate values``; with no
GROUP BY there is exactly one group, even over no rows.  Select-list, HAVING
and ORDER BY expressions are compiled against those slots (sql.query).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import GROUPING_ERROR, UNDEFINED_FUNCTION, SqlError
from .expr import INT8, NUMERIC, Compiled, Compiler, Fn, numeric_div
from .physical import Operator
from .runtime import Env

AGGREGATES = (exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max)


class Aggregate:
    """One aggregate call: how to fold input rows into a value."""

    def __init__(self, node: exp.AggFunc, compiler: Compiler) -> None:
        if not isinstance(node, AGGREGATES):
            raise SqlError(UNDEFINED_FUNCTION, f"function {node.sql_name().lower()} does not exist")
        self.kind = type(node)
        arg = node.this
        self.distinct = isinstance(arg, exp.Distinct)
        if self.distinct:
            arg = arg.expressions[0]
        if isinstance(arg, exp.Star) or arg is None:
            self.arg: Fn | None = None
            self.type = INT8
            return
        c: Compiled = compiler.compile(arg)
        if c.oid == oids.UNKNOWN:
            c = compiler.with_hint(arg, T.simple(oids.TEXT))
        self.arg = c.fn
        self.type = self._result_type(c.type)

    def _result_type(self, t: SqlType) -> SqlType:
        if self.kind is exp.Count:
            return INT8
        if self.kind in (exp.Min, exp.Max):
            return t
        if t.oid not in T.NUMBER_TYPES:
            name = "sum" if self.kind is exp.Sum else "avg"
            raise SqlError(UNDEFINED_FUNCTION, f"function {name}({oids.TYPE_NAME.get(t.oid)}) does not exist")
        if t.oid in T.FLOAT_TYPES:
            return T.simple(oids.FLOAT8)
        if self.kind is exp.Sum and t.oid in (oids.INT2, oids.INT4):
            return INT8
        return NUMERIC

    def fold(self, rows: list[tuple], params: Sequence[Any]) -> Any:
        if self.arg is None:
            return len(rows)
        f = self.arg
        values = [v for r in rows if (v := f(r, params)) is not None]
        if self.distinct:
            values = list(dict.fromkeys(values))
        if self.kind is exp.Count:
            return len(values)
        if not values:
            return None
        if self.kind is exp.Min:
            return min(values)
        if self.kind is exp.Max:
            return max(values)
        if self.type.oid == oids.FLOAT8:
            total: Any = float(sum(values))
        else:
            total = sum(values)
            if self.type.oid == oids.NUMERIC:
                total = Decimal(total)
        if self.kind is exp.Sum:
            if self.type.oid == oids.INT8:
                T.check_int(total, oids.INT8)
            return total
        if self.type.oid == oids.FLOAT8:
            return total / len(values)
        return numeric_div(total, Decimal(len(values)))


def find_aggregates(nodes: list[exp.Expression]) -> list[exp.AggFunc]:
    """Aggregate calls of this query level (not inside subqueries), deduplicated."""
    found: list[exp.AggFunc] = []
    for n in nodes:
        for a in _walk_level(n):
            if not isinstance(a, exp.AggFunc):
                continue
            if a.this is not None and any(isinstance(x, exp.AggFunc) for x in _walk_level(a.this)):
                raise SqlError(GROUPING_ERROR, "aggregate function calls cannot be nested")
            if a not in found:
                found.append(a)
    return found


def _walk_level(node: exp.Expression):
    """Nodes of ``node`` without descending into subqueries."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (exp.Subquery, exp.Exists)) or (isinstance(n, exp.Query) and n is not node):
            continue
        for child in n.iter_expressions():
            if isinstance(child, exp.Query) and not isinstance(n, exp.Subquery):
                continue
            stack.append(child)


class Group(Operator):
    def __init__(self, child: Operator, keys: list[Fn], aggregates: list[Aggregate], having: Fn | None) -> None:
        self.child, self.keys, self.aggregates, self.having = child, keys, aggregates, having
        self.width = len(keys) + len(aggregates)

    def rows(self, env: Env) -> list[tuple]:
        keys = self.keys
        rows = self.child.rows(env)
        groups: dict[tuple, list[tuple]] = {}
        if not keys:
            groups[()] = rows
        else:
            for r in rows:
                groups.setdefault(tuple([k(r, env) for k in keys]), []).append(r)
        out = []
        having = self.having
        for key, members in groups.items():
            g = key + tuple([a.fold(members, env) for a in self.aggregates])
            if having is None or having(g, env) is True:
                out.append(g)
        return out
