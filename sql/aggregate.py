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
from .expr import INT8, NUMERIC, Compiled, Compiler, Fn, numeric_div, register
from .operators import EXACT, unsigned_zero
from .pgvalues import PgArray
from .physical import Operator
from .runtime import Env

AGGREGATES = (exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.GroupConcat, exp.LogicalAnd, exp.LogicalOr,
              exp.ArrayAgg)
_WINDOW_ONLY = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile,
                exp.FirstValue, exp.LastValue, exp.NthValue, exp.Lag, exp.Lead)
NAMED = {"every": exp.LogicalAnd, "bool_and": exp.LogicalAnd, "bool_or": exp.LogicalOr}
"""Aggregates sqlglot leaves as anonymous function calls, by name."""
_SQL_NAME = {exp.GroupConcat: "string_agg", exp.LogicalAnd: "bool_and", exp.LogicalOr: "bool_or",
             exp.ArrayAgg: "array_agg"}


def is_aggregate(node: exp.Expression) -> bool:
    """An aggregate call (``agg(...) FILTER (WHERE ...)`` is one: the Filter node)."""
    if isinstance(node, exp.Filter):
        return is_aggregate(node.this)
    return isinstance(node, exp.AggFunc) or (isinstance(node, exp.Anonymous) and node.name.lower() in NAMED)


class Aggregate:
    """One aggregate call: how to fold input rows into a value."""

    def __init__(self, node: exp.Expression, compiler: Compiler) -> None:
        self.filter: Fn | None = None
        if isinstance(node, exp.Filter):
            where = node.expression
            cond = where.this if isinstance(where, exp.Where) else where
            fc = compiler.with_hint(cond, T.simple(oids.BOOL))
            if fc.oid != oids.BOOL:
                raise SqlError("42804", f"argument of FILTER must be type boolean, not type {oids.TYPE_NAME.get(fc.oid)}")
            self.filter = fc.fn
            node = node.this
        if isinstance(node, _WINDOW_ONLY):
            raise SqlError("42809", f"window function {node.sql_name().lower()} requires an OVER clause")
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
        if self.kind is exp.ArrayAgg:
            if t.oid not in oids.ARRAY_OF or t.oid in oids.ELEMENT_OF:
                raise self._undefined(t)
            return T.array_of(t)
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
        if self.filter is not None:
            keep = self.filter
            rows = [r for r in rows if keep(r, params) is True]
        if self.arg is None:
            return len(rows)
        if self.kind is exp.ArrayAgg:
            return self._array_agg(rows, params)
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

    def prefix_folds(self, rows: list[tuple], params: Sequence[Any]) -> list[Any] | None:
        """``[fold(rows[:k]) for k in 0..len(rows)]`` in one pass, for window frames
        that start at the partition's first row; None where only ``fold`` applies
        (DISTINCT, ORDER BY, string_agg, array_agg)."""
        kind = self.kind
        if self.distinct or self.order or kind in (exp.GroupConcat, exp.ArrayAgg):
            return None
        f, keep, oid = self.arg, self.filter, self.type.oid
        out: list[Any] = [0 if kind is exp.Count else None]
        count, acc = 0, None
        for r in rows:
            v = f(r, params) if f is not None else 1
            if v is not None and (keep is None or keep(r, params) is True):
                count += 1
                if kind in (exp.Min, exp.Max):
                    acc = v if acc is None or (v < acc if kind is exp.Min else v > acc) else acc
                elif kind in (exp.LogicalAnd, exp.LogicalOr):
                    acc = v if acc is None else (acc and v if kind is exp.LogicalAnd else acc or v)
                elif kind in (exp.Sum, exp.Avg):
                    if oid == oids.FLOAT8:
                        acc = (acc or 0.0) + v
                    elif oid == oids.NUMERIC:
                        acc = EXACT.add(acc if acc is not None else Decimal(0), Decimal(v))
                    else:
                        acc = (acc or 0) + v
            if kind is exp.Count:
                out.append(count)
            elif acc is None or kind in (exp.Min, exp.Max, exp.LogicalAnd, exp.LogicalOr):
                out.append(acc)
            elif kind is exp.Sum:
                if oid == oids.INT8:
                    T.check_int(acc, oids.INT8)
                out.append(unsigned_zero(acc) if oid == oids.NUMERIC else acc)
            elif oid == oids.FLOAT8:
                out.append(acc / count)
            else:
                out.append(numeric_div(unsigned_zero(acc), Decimal(count)))
        return out

    def _array_agg(self, rows: list[tuple], params: Sequence[Any]) -> Any:
        """NULL inputs are kept; no rows is NULL.  DISTINCT sorts (one NULL, last
        unless the ORDER BY puts NULLs first)."""
        f = self.arg
        assert f is not None
        if not rows:
            return None
        if not self.distinct:
            return PgArray(self._with_nulls(rows, params) if self.order else [f(r, params) for r in rows])
        values = self._values(rows, params)
        desc, nulls_first = (self.order[0][1], self.order[0][2]) if self.order else (False, False)
        if not self.order:
            values.sort()
        if any(f(r, params) is None for r in rows):
            none_first = (nulls_first != desc) != desc  # where Sort puts a NULL key
            values = [None, *values] if none_first else [*values, None]
        return PgArray(values)

    def _with_nulls(self, rows: list[tuple], params: Sequence[Any]) -> list[Any]:
        """ORDER BY over every row (NULL argument values included)."""
        f = self.arg
        assert f is not None
        keyed = list(rows)
        for kf, desc, nulls_first in reversed(self.order):
            flag = nulls_first == desc

            def key(r: tuple, kf: Fn = kf, flag: bool = flag) -> tuple:
                k = kf(r, params)
                return (flag, 0) if k is None else (not flag, k)

            keyed.sort(key=key, reverse=desc)
        return [f(r, params) for r in keyed]

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
            if not is_aggregate(a) or _is_call_of(a):
                continue
            inner = [x for c in _agg_children(a) for x in _walk_level(c)]
            if any(isinstance(x, exp.Window) for x in inner):
                raise SqlError(GROUPING_ERROR, "aggregate function calls cannot contain window function calls")
            if any(is_aggregate(x) for x in inner):
                raise SqlError(GROUPING_ERROR, "aggregate function calls cannot be nested")
            if a not in found:
                found.append(a)
    return found


def _is_call_of(node: exp.Expression) -> bool:
    """The function of a window call or of an aggregate's FILTER (not an aggregate itself)."""
    parent = node.parent
    if isinstance(parent, exp.Filter) and parent.this is node:
        return True
    return isinstance(parent, exp.Window) and parent.this is node


def _agg_children(a: exp.Expression) -> list[exp.Expression]:
    if isinstance(a, exp.Filter):
        return [*a.this.iter_expressions(), a.expression]
    return list(a.iter_expressions())


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


def _filter_outside_group(compiler: Compiler, node: exp.Filter, hint: SqlType | None) -> Compiled:
    """``agg(...) FILTER (...)`` where aggregates are not allowed (grouped queries use slots)."""
    if not is_aggregate(node.this):
        raise SqlError("42809", "FILTER specified, but it is not an aggregate function")
    raise SqlError(GROUPING_ERROR, f"aggregate functions are not allowed in {compiler.clause}")


register(exp.Filter, _filter_outside_group)
