"""Planning one SELECT (a query level) into physical operators.

Pipeline: FROM (sql.fromclause: sources, pushdown, joins) -> remaining WHERE ->
(group + aggregate -> HAVING) -> project (select list plus any ORDER BY keys
not in it) -> DISTINCT -> ORDER BY -> OFFSET/LIMIT -> drop the extra keys.

Grouped stage rows are ``group key values + aggregate values``; select-list,
HAVING and ORDER BY expressions are compiled against those slots, so a bare
column outside GROUP BY is a 42803 at plan time.  ORDER BY takes a position,
an output column name, or any expression of the input (not with DISTINCT).
"""

from __future__ import annotations

from typing import Any, Callable

from sqlglot import exp

from . import locking, oids, srf
from . import types as T
from .access import conjuncts
from .aggregate import Aggregate, Group, find_aggregates
from .api import SqlType
from .errors import UNDEFINED_COLUMN, SqlError
from .expr import INT8, Compiled, Compiler
from .fromclause import FromPlanner, _and, require_bool
from .physical import Distinct, DistinctOn, Filter, Limit, OneRow, Operator, Project, Slice, Sort
from .plan import output_name
from .scope import Level, Scope
from .window import find_windows, plan_windows

Columns = list[tuple[str, SqlType]]


def plan_select(node: exp.Select, ctx: Any, outer: Scope | None, level: Level) -> tuple[Operator, Columns]:
    where = node.args.get("where")
    terms = conjuncts(where.this) if where is not None else []
    op: Operator
    if node.args.get("from_") is None:
        op, scope, rest = OneRow(), Scope(None, [], parent=outer, level=level), terms
    else:
        op, scope, rest = FromPlanner(ctx, outer, level).plan(node, terms)
    if rest:
        op = Filter(op, require_bool(Compiler(scope, ctx.params, planner=ctx), _and(rest)))
    items = _expand_star(node.expressions, scope)
    distinct = node.args.get("distinct")
    on_nodes = list(distinct.args["on"].expressions) if distinct is not None and distinct.args.get("on") else []
    order_nodes = list(node.args["order"].expressions) if node.args.get("order") else []
    group_nodes = list(node.args["group"].expressions) if node.args.get("group") else []
    having = node.args.get("having")
    agg_nodes = find_aggregates([*items, *(o.this for o in order_nodes), *([having.this] if having else [])])
    aliases = {output_name(i): _unalias(i) for i in items if isinstance(i, exp.Alias)}
    win_nodes = find_windows([*items, *(o.this for o in order_nodes)])

    grouped = bool(group_nodes or agg_nodes or having is not None)
    locking.check_query(node, grouped, bool(agg_nodes), bool(win_nodes))
    if grouped:
        op, out_compiler = _plan_group(op, scope, ctx, items, aliases, group_nodes, agg_nodes, having)
    else:
        out_compiler = Compiler(scope, ctx.params, clause="SELECT", planner=ctx)
    if win_nodes:
        width = op.width if grouped else len(scope.columns)
        pre = Compiler(scope, ctx.params, slots=out_compiler.slots, grouped=grouped,
                       clause="window functions", planner=ctx)
        op, wslots = plan_windows(op, width, win_nodes, pre, node.args.get("windows"))
        out_compiler = Compiler(scope, ctx.params, slots={**out_compiler.slots, **wslots}, grouped=grouped,
                                clause="SELECT", planner=ctx)

    compiled = [_output(out_compiler, i) for i in items]
    fns = [c.fn for c in compiled]
    names = [output_name(i) for i in items]
    keys: list[tuple[int, bool, bool]] = []
    for o in order_nodes:
        pos = _order_position(o.this, items, names)
        if pos is None:
            if distinct is not None and not on_nodes:
                raise SqlError("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
            fns.append(out_compiler.compile(o.this).fn)
            pos = len(fns) - 1
        keys.append((pos, bool(o.args.get("desc")), bool(o.args.get("nulls_first"))))
    on_keys = _distinct_on(on_nodes, items, names, fns, keys, out_compiler, order_nodes)
    op = srf.expand(Project(op, fns), items)  # unnest() etc. in the select list
    if distinct is not None and not on_nodes:
        op = Distinct(op)
    if on_keys:
        op = DistinctOn(Sort(op, keys), on_keys)
    elif keys:
        op = Sort(op, keys)
    op = apply_limit(op, node, ctx)
    if len(fns) > len(items):
        op = Slice(op, len(items))
    return op, [(n, c.type) for n, c in zip(names, compiled, strict=True)]


def _distinct_on(on_nodes, items, names, fns, keys, compiler, order_nodes) -> list[int]:
    """Positions of the DISTINCT ON keys (extra ones appended to ``fns``); the sort
    ``keys`` are completed with them.  The leading ORDER BY keys must be DISTINCT ON keys."""
    positions: list[int] = []
    for n in on_nodes:
        pos = _order_position(n, items, names)
        if pos is None:
            for (p, _, _), o in zip(keys, order_nodes, strict=False):
                if o.this == n:
                    pos = p
            if pos is None:
                fns.append(compiler.compile(n).fn)
                pos = len(fns) - 1
        positions.append(pos)
    if not positions:
        return []
    lead = [p for p, _, _ in keys[: len(positions)]]
    if any(p not in positions for p in lead):
        raise SqlError("42P10", "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
    keys.extend((p, False, False) for p in positions if p not in lead)
    return positions


def _plan_group(op, scope, ctx, items, aliases, group_nodes, agg_nodes, having) -> tuple[Operator, Compiler]:
    base = Compiler(scope, ctx.params, planner=ctx)
    group_nodes = [_resolve_ref(g, items, aliases, scope) for g in group_nodes]
    slots: dict[exp.Expression, tuple[int, SqlType]] = {}
    keys = []
    for g in group_nodes:
        c = base.compile(g)
        slots.setdefault(g, (len(keys), c.type))
        keys.append(c.fn)
    agg_compiler = Compiler(scope, ctx.params, clause="aggregate function calls", planner=ctx)
    aggregates: list[Aggregate] = []
    for a in agg_nodes:
        if a not in slots:
            agg = Aggregate(a, agg_compiler)
            slots[a] = (len(group_nodes) + len(aggregates), agg.type)
            aggregates.append(agg)
    having_fn = None
    if having is not None:
        hc = Compiler(scope, ctx.params, slots=slots, grouped=True, clause="HAVING", planner=ctx)
        having_fn = require_bool(hc, having.this)
    out = Compiler(scope, ctx.params, slots=slots, grouped=True, clause="SELECT", planner=ctx)
    return Group(op, keys, aggregates, having_fn), out


def apply_limit(op: Operator, node: exp.Expression, ctx: Any) -> Operator:
    base = Compiler(Scope(None, []), ctx.params, clause="LIMIT")
    limit = _const_int(node.args.get("limit"), base)
    offset = _const_int(node.args.get("offset"), base)
    return Limit(op, limit, offset) if limit or offset else op


def _output(compiler: Compiler, item: exp.Expression) -> Compiled:
    c = compiler.compile(_unalias(item))
    if c.oid == oids.UNKNOWN:
        c = Compiled(c.fn, T.simple(oids.TEXT), c.const)
    return c


def _unalias(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Alias) else node


def _expand_star(items: list[exp.Expression], scope: Scope) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for item in items:
        if isinstance(item, exp.Star):
            qualifier = None
        elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            qualifier = item.table
            if not scope.has_qualifier(qualifier):
                raise SqlError("42P01", f'missing FROM-clause entry for table "{qualifier}"')
        else:
            out.append(item)
            continue
        if not scope.columns:
            raise SqlError(UNDEFINED_COLUMN, "SELECT * with no tables specified is not valid")
        positions = scope.star if qualifier is None and scope.star is not None else range(len(scope.columns))
        for i in positions:
            name, q = scope.columns[i][0], scope.qualifiers[i]
            if qualifier is None or q == qualifier:
                out.append(exp.column(name, table=q) if q else exp.column(name))
    return out


def _position(node: exp.Expression, items: list[exp.Expression], clause: str = "ORDER BY") -> int | None:
    """A constant key: an integer is a select-list position, any other constant is 42601
    (parentheses and a minus sign are part of PostgreSQL's constant)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        if not node.this.this.isdigit():
            raise SqlError("42601", f"non-integer constant in {clause}")
        raise SqlError(UNDEFINED_COLUMN, f"{clause} position -{node.this.this} is not in select list")
    if isinstance(node, exp.Boolean):
        raise SqlError("42601", f"non-integer constant in {clause}")
    if isinstance(node, exp.Literal):
        if node.is_string or not node.this.isdigit() or int(node.this) > 2**31 - 1:
            raise SqlError("42601", f"non-integer constant in {clause}")
        n = int(node.this)
        if not 1 <= n <= len(items):
            raise SqlError(UNDEFINED_COLUMN, f"{clause} position {n} is not in select list")
        return n - 1
    return None


def _order_position(node: exp.Expression, items: list[exp.Expression], names: list[str]) -> int | None:
    """ORDER BY 2, ORDER BY output_name, or an expression written in the select list."""
    pos = _position(node, items)
    if pos is not None:
        return pos
    if isinstance(node, exp.Column) and not node.table and names.count(node.name) == 1:
        return names.index(node.name)
    for i, item in enumerate(items):
        if _unalias(item) == node:
            return i
    return None


def _resolve_ref(node: exp.Expression, items: list[exp.Expression], aliases: dict, scope: Scope) -> exp.Expression:
    """GROUP BY 1 or GROUP BY alias -> the select-list expression (input columns win)."""
    pos = _position(node, items, "GROUP BY")
    if pos is not None:
        return _unalias(items[pos])
    if isinstance(node, exp.Column) and not node.table and node.name in aliases:
        try:
            scope.resolve(node.name, None)
        except SqlError:
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
