"""Aggregates and the grouping operator.

``Aggregate`` folds the rows of one group into a value (count, sum, avg, min,
max, each optionally DISTINCT; NULL inputs are ignored).  ``Group`` turns input
rows into one row per group: ``group key values + aggregate values``; with no
GROUP BY there is exactly one group, even over no rows.  Select-list, HAVING
and ORDER BY expressions are compiled against those slots (sql.query).
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import GROUPING_ERROR, UNDEFINED_FUNCTION, SqlError
from .expr import INT8, NUMERIC, Compiled, Compiler, Fn, numeric_div
from .operators import EXACT, unsigned_zero
from .physical import Operator
from .runtime import Env

AGGREGATES = (exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.GroupConcat, exp.LogicalAnd, exp.LogicalOr)
NAMED = {"every": exp.LogicalAnd, "bool_and": exp.LogicalAnd, "bool_or": exp.LogicalOr}
"""Aggregates sqlglot leaves as anonymous function calls, by name."""
_SQL_NAME = {exp.GroupConcat: "string_agg", exp.LogicalAnd: "bool_and", exp.LogicalOr: "bool_or"}


def is_aggregate(node: exp.Expression) -> bool:
    return isinstance(node, exp.AggFunc) or (isinstance(node, exp.Anonymous) and node.name.lower() in NAMED)


class Aggregate:
    """One aggregate call: how to fold input rows into a value."""

    def __init__(self, node: exp.Expression, compiler: Compiler) -> None:
        if isinstance(node, exp.Anonymous):
            if len(node.expressions) != 1:
                raise SqlError(UNDEFINED_FUNCTION, f"function {node.name.lower()} does not exist")
            self.kind: type = NAMED[node.name.lower()]
            arg = node.expressions[0]
        elif isinstance(node, AGGREGATES):
            self.kind = type(node)
            arg = node.this
        else:
            raise SqlError(UNDEFINED_FUNCTION, f"function {node.sql_name().lower()} does not exist")
        self.name = _SQL_NAME.get(self.kind, self.kind.__name__.lower())
        self.order: list[tuple[Fn, bool, bool]] = []
        order_nodes = []
        if isinstance(arg, exp.Order):
            order_nodes = [o.this for o in arg.expressions]
            for o in arg.expressions:
                key = compiler.compile(o.this)
                self.order.append((key.fn, bool(o.args.get("desc")), bool(o.args.get("nulls_first"))))
            arg = arg.this
        self.distinct = isinstance(arg, exp.Distinct)
        if self.distinct:
            arg = arg.expressions[0]
            if order_nodes and any(o != arg for o in order_nodes):
                raise SqlError("42P10", "in an aggregate with DISTINCT, ORDER BY expressions must appear "
                               "in argument list")
        self.separator: Fn | None = None
        if self.kind is exp.GroupConcat:
            sep = node.args.get("separator")
            if sep is None:
                raise SqlError(UNDEFINED_FUNCTION, "function string_agg(text) does not exist")
            self.separator = compiler.with_hint(sep, T.simple(oids.TEXT)).fn
        if isinstance(arg, exp.Star) or arg is None:
            self.arg: Fn | None = None
            self.type = INT8
            return
        hint = T.simple(oids.BOOL) if self.kind in (exp.LogicalAnd, exp.LogicalOr) else None
        c: Compiled = compiler.with_hint(arg, hint) if hint else compiler.compile(arg)
        if c.oid == oids.UNKNOWN:
            c = compiler.with_hint(arg, T.simple(oids.TEXT))
        self.arg = c.fn
        self.type = self._result_type(c.type)

    def _undefined(self, t: SqlType) -> SqlError:
        return SqlError(
            UNDEFINED_FUNCTION,
            f"function {self.name}({oids.TYPE_NAME.get(t.oid)}) does not exist",
            hint="No function matches the given name and argument types.",
        )

    def _result_type(self, t: SqlType) -> SqlType:
        if self.kind is exp.Count:
            return INT8
        if self.kind in (exp.Min, exp.Max):
            if T.category(t.oid) not in "NST":
                raise self._undefined(t)
            return T.simple(oids.TEXT) if t.oid == oids.VARCHAR else t
        if self.kind is exp.GroupConcat:
            if T.category(t.oid) not in "SU":
                raise self._undefined(t)
            return T.simple(oids.TEXT)
        if self.kind in (exp.LogicalAnd, exp.LogicalOr):
            if t.oid != oids.BOOL:
                raise self._undefined(t)
            return t
        if t.oid not in T.NUMBER_TYPES:
            raise self._undefined(t)
        if t.oid in T.FLOAT_TYPES:
            return T.simple(oids.FLOAT8)
        if self.kind is exp.Sum and t.oid in (oids.INT2, oids.INT4):
            return INT8
        return NUMERIC

    def _values(self, rows: list[tuple], params: Sequence[Any]) -> list[Any]:
        f = self.arg
        assert f is not None
        if not self.order:
            values = [v for r in rows if (v := f(r, params)) is not None]
            return list(dict.fromkeys(values)) if self.distinct else values
        keyed = [(v, r) for r in rows if (v := f(r, params)) is not None]
        if self.distinct:
            keyed = list({v: (v, r) for v, r in reversed(keyed)}.values())[::-1]
        for kf, desc, nulls_first in reversed(self.order):
            flag = nulls_first == desc

            def key(item: tuple, kf: Fn = kf, flag: bool = flag) -> tuple:
                k = kf(item[1], params)
                return (flag, 0) if k is None else (not flag, k)

            keyed.sort(key=key, reverse=desc)
        return [v for v, _ in keyed]

    def fold(self, rows: list[tuple], params: Sequence[Any]) -> Any:
        if self.arg is None:
            return len(rows)
        values = self._values(rows, params)
        if self.kind is exp.Count:
            return len(values)
        if not values:
            return None
        if self.kind is exp.Min:
            return min(values)
        if self.kind is exp.Max:
            return max(values)
        if self.kind is exp.LogicalAnd:
            return all(values)
        if self.kind is exp.LogicalOr:
            return any(values)
        if self.kind is exp.GroupConcat:
            return self._string_agg(rows, params)
        if self.type.oid == oids.FLOAT8:
            total: Any = float(sum(values))
        elif self.type.oid == oids.NUMERIC:
            total = unsigned_zero(functools.reduce(EXACT.add, map(Decimal, values), Decimal(0)))
        else:
            total = sum(values)
        if self.kind is exp.Sum:
            if self.type.oid == oids.INT8:
                T.check_int(total, oids.INT8)
            return total
        if self.type.oid == oids.FLOAT8:
            return total / len(values)
        return numeric_div(total, Decimal(len(values)))

    def _string_agg(self, rows: list[tuple], params: Sequence[Any]) -> Any:
        """The separator is evaluated per row and goes before every value but the first."""
        f, sep = self.arg, self.separator
        assert f is not None and sep is not None
        if self.distinct or self.order:
            values = self._values(rows, params)
            seps = [sep(rows[0], params) for _ in values]
        else:
            pairs = [(v, sep(r, params)) for r in rows if (v := f(r, params)) is not None]
            values, seps = [v for v, _ in pairs], [s for _, s in pairs]
        out = values[0]
        for v, s in zip(values[1:], seps[1:], strict=True):
            out += (s or "") + v
        return out


def find_aggregates(nodes: list[exp.Expression]) -> list[exp.AggFunc]:
    """Aggregate calls of this query level (not inside subqueries), deduplicated."""
    found: list[exp.AggFunc] = []
    for n in nodes:
        for a in _walk_level(n):
            if not is_aggregate(a):
                continue
            if any(is_aggregate(x) for c in a.iter_expressions() for x in _walk_level(c)):
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
