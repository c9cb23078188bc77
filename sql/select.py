"""SELECT planning and execution over one table (or none).

Pipeline: access path -> WHERE filter -> (group + aggregate -> HAVING) ->
ORDER BY -> OFFSET/LIMIT -> projection.  Without ORDER BY or aggregates the
scan stops as soon as OFFSET + LIMIT rows have passed the filter.

Grouped stage rows are ``group key values + aggregate values``; select-list,
HAVING and ORDER BY expressions are compiled against those slots, so a bare
column outside GROUP BY is a 42803 at plan time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .access import AccessPath, choose
from .api import SqlType, TableDef, TxnContext
from .errors import (
    FEATURE_NOT_SUPPORTED,
    GROUPING_ERROR,
    INVALID_PARAMETER_VALUE,
    UNDEFINED_COLUMN,
    UNDEFINED_FUNCTION,
    SqlError,
)
from .expr import INT8, NUMERIC, Compiled, Compiler, Fn, Params, Scope, const, numeric_div
from .pgwire.api import QueryResult
from .plan import Plan, lookup_table, output_name, result_column, table_scope_columns

_AGGS = (exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max)


class Aggregate:
    """One aggregate call: how to fold input rows into a value."""

    def __init__(self, node: exp.AggFunc, compiler: Compiler) -> None:
        if not isinstance(node, _AGGS):
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
            return total
        if self.type.oid == oids.FLOAT8:
            return total / len(values)
        return numeric_div(total, Decimal(len(values)))


class SelectPlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        params = self.params.bind(params)
        limit = self.limit((), params) if self.limit else None
        offset = self.offset((), params) if self.offset else 0
        for v, what in ((limit, "LIMIT"), (offset, "OFFSET")):
            if v is not None and v < 0:
                raise SqlError(INVALID_PARAMETER_VALUE, f"{what} must not be negative")
        offset = offset or 0
        if self.table is None:
            rows: list[tuple] = [()]
        else:
            fetched = await self.path.fetch(txn, self.table, params)
            rows = [r for _, r in fetched]
        where = self.where
        if where is not None:
            stop = None if (self.grouped or self.order or limit is None) else offset + limit
            kept = []
            for r in rows:
                if where(r, params) is True:
                    kept.append(r)
                    if stop is not None and len(kept) >= stop:
                        break
            rows = kept
        if self.grouped:
            rows = self.group(rows, params)
        if self.order:
            rows = self.sort(rows, params)
        if offset or limit is not None:
            rows = rows[offset : None if limit is None else offset + limit]
        outs = self.outputs
        result = [tuple(f(r, params) for f in outs) for r in rows]
        return QueryResult(f"SELECT {len(result)}", self.columns, result)

    def group(self, rows: list[tuple], params: Sequence[Any]) -> list[tuple]:
        keys = self.group_keys
        groups: dict[tuple, list[tuple]] = {}
        if not keys:
            groups[()] = rows
        else:
            for r in rows:
                groups.setdefault(tuple(k(r, params) for k in keys), []).append(r)
        out = []
        for key, members in groups.items():
            g = key + tuple(a.fold(members, params) for a in self.aggregates)
            if self.having is None or self.having(g, params) is True:
                out.append(g)
        return out

    def sort(self, rows: list[tuple], params: Sequence[Any]) -> list[tuple]:
        rows = list(rows)
        for f, desc, nulls_first in reversed(self.order):
            # the flag sorts NULLs first exactly when nulls_first, in either direction
            nulls_last_flag = nulls_first == desc

            def key(r: tuple, f: Fn = f, flag: bool = nulls_last_flag) -> tuple:
                v = f(r, params)
                return ((v is None) == flag, 0) if v is None else ((v is None) == flag, v)

            rows.sort(key=key, reverse=bool(desc))
        return rows


async def plan_select(node: exp.Select, txn: TxnContext, params: Params) -> SelectPlan:
    plan = SelectPlan()
    plan.params = params
    if node.args.get("joins") or node.args.get("with_") or node.args.get("distinct"):
        raise SqlError(FEATURE_NOT_SUPPORTED, "joins, WITH and DISTINCT are not supported yet")
    source = node.args.get("from_")
    table: TableDef | None = None
    alias = None
    if source is not None:
        if not isinstance(source.this, exp.Table):
            raise SqlError(FEATURE_NOT_SUPPORTED, "subqueries in FROM are not supported")
        table = await lookup_table(txn, source.this)
        alias = source.this.alias or table.name
        scope = Scope(alias, table_scope_columns(table))
        plan.tables = (table,)
    else:
        scope = Scope(None, [])
    plan.table = table
    base = Compiler(scope, params)
    items = _expand_star(node.expressions, scope)
    where = node.args.get("where")
    plan.where = _require_bool(Compiler(scope, params), where.this).fn if where else None
    plan.path = choose(where.this if where else None, table, params, alias) if table else AccessPath("scan")
    plan.limit = _const_int(node.args.get("limit"), base)
    plan.offset = _const_int(node.args.get("offset"), base)

    order_nodes = node.args.get("order").expressions if node.args.get("order") else []
    group_nodes = list(node.args["group"].expressions) if node.args.get("group") else []
    having = node.args.get("having")
    agg_nodes = _find_aggregates([*items, *(o.this for o in order_nodes), *([having.this] if having else [])])
    plan.grouped = bool(group_nodes or agg_nodes)
    aliases = {output_name(i): _unalias(i) for i in items if isinstance(i, exp.Alias)}

    if plan.grouped:
        group_nodes = [_resolve_ref(g, items, aliases) for g in group_nodes]
        slots: dict[exp.Expression, tuple[int, SqlType]] = {}
        plan.group_keys = []
        for g in group_nodes:
            c = base.compile(g)
            slots.setdefault(g, (len(plan.group_keys), c.type))
            plan.group_keys.append(c.fn)
        agg_compiler = Compiler(scope, params, clause="aggregate function calls")
        plan.aggregates = []
        for a in agg_nodes:
            if a not in slots:
                agg = Aggregate(a, agg_compiler)
                slots[a] = (len(group_nodes) + len(plan.aggregates), agg.type)
                plan.aggregates.append(agg)
        out_compiler = Compiler(scope, params, slots=slots, grouped=True, clause="SELECT")
        plan.having = _require_bool(Compiler(scope, params, slots=slots, grouped=True, clause="HAVING"), having.this).fn if having else None
    else:
        if having is not None:
            raise SqlError(GROUPING_ERROR, "HAVING without aggregates is not supported")
        out_compiler = Compiler(scope, params, clause="SELECT")

    compiled = [_output(out_compiler, i) for i in items]
    plan.outputs = [c.fn for c in compiled]
    plan.columns = [result_column(output_name(i), c.type) for i, c in zip(items, compiled, strict=False)]
    plan.order = []
    for o in order_nodes:
        target = o.this
        pos = _position(target, items)
        if pos is not None:
            f = compiled[pos].fn
        elif isinstance(target, exp.Column) and not target.table and target.name in aliases:
            f = out_compiler.compile(aliases[target.name]).fn
        else:
            f = out_compiler.compile(target).fn
        plan.order.append((f, bool(o.args.get("desc")), bool(o.args.get("nulls_first"))))
    return plan


def _output(compiler: Compiler, item: exp.Expression) -> Compiled:
    c = compiler.compile(_unalias(item))
    if c.oid == oids.UNKNOWN:
        c = Compiled(c.fn, T.simple(oids.TEXT), c.const)
    return c


def _unalias(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Alias) else node


def _require_bool(compiler: Compiler, node: exp.Expression) -> Compiled:
    c = compiler.with_hint(node, T.simple(oids.BOOL))
    if c.oid != oids.BOOL:
        raise SqlError(
            "42804", f"argument of {compiler.clause} must be type boolean, not type {oids.TYPE_NAME.get(c.oid)}"
        )
    return c


def _expand_star(items: list[exp.Expression], scope: Scope) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for item in items:
        is_star = isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star))
        if not is_star:
            out.append(item)
            continue
        if not scope.columns:
            raise SqlError(UNDEFINED_COLUMN, "SELECT * with no tables specified is not valid")
        out.extend(exp.column(name) for name, _ in scope.columns)
    return out


def _find_aggregates(nodes: list[exp.Expression]) -> list[exp.AggFunc]:
    found: list[exp.AggFunc] = []
    for n in nodes:
        for a in n.find_all(exp.AggFunc):
            if any(isinstance(x, exp.AggFunc) for x in a.this.walk() if x is not a) if a.this else False:
                raise SqlError(GROUPING_ERROR, "aggregate function calls cannot be nested")
            if a not in found:
                found.append(a)
    return found


def _position(node: exp.Expression, items: list[exp.Expression]) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        n = int(node.this)
        if not 1 <= n <= len(items):
            raise SqlError(UNDEFINED_COLUMN, f"ORDER BY position {n} is not in select list")
        return n - 1
    return None


def _resolve_ref(node: exp.Expression, items: list[exp.Expression], aliases: dict) -> exp.Expression:
    """GROUP BY 1 or GROUP BY alias -> the select-list expression."""
    pos = _position(node, items)
    if pos is not None:
        return _unalias(items[pos])
    if isinstance(node, exp.Column) and not node.table and node.name in aliases:
        return aliases[node.name]
    return node


def _const_int(node: exp.Expression | None, compiler: Compiler) -> Callable | None:
    if node is None:
        return None
    value = node.expression
    if isinstance(value, exp.Var) and value.name.upper() == "ALL":
        return None
    c = compiler.with_hint(value, INT8)
    f = c.fn
    return lambda row, p: None if (v := f(row, p)) is None else int(v)


__all__ = ["plan_select", "SelectPlan", "const"]
