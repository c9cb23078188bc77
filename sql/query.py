"""Query planning entry: SELECT, set operations, WITH, subqueries -> ``QueryPlan``.

``plan_query`` first looks up (awaits) every table the statement names, so the
rest of planning is synchronous; ``QueryContext`` then plans each query level
(sql.select), set operation (sql.setops), CTE and subquery (sql.subquery)
against that catalog snapshot and records every table scan.

``QueryPlan.run`` binds the parameters, awaits every scan's fetch (pk get, pk
range or full scan, each at most once per execution) and evaluates the operator
tree synchronously over the fetched rows (sql.runtime).
"""

from __future__ import annotations

from typing import Any, Sequence

import trio
from sqlglot import exp

from . import locking, oids, pg_catalog, recursive, views
from . import (
    pg_functions as _pg_functions,  # registers catalog functions, reg* casts
)
from . import (
    pg_operators as _pg_operators,  # noqa: F401  (registers ~, OPERATOR(), ANY, arrays)
)
from . import subquery as _subquery  # noqa: F401  (registers subquery expressions)
from .api import SqlType, TableDef, TxnContext
from .errors import FEATURE_NOT_SUPPORTED, UNDEFINED_COLUMN, UNDEFINED_TABLE, SqlError
from .expr import Compiler, Params
from .pgwire.api import QueryResult
from .physical import Cached, Operator, Project, Sort, TableScan
from .plan import Plan, result_column
from .runtime import Env
from .scope import Level, Scope
from .select import apply_limit, plan_select
from .setops import SetOp, common_types, converter

Columns = list[tuple[str, SqlType]]
_SETOPS = {exp.Union: "UNION", exp.Intersect: "INTERSECT", exp.Except: "EXCEPT"}


class CorrelatedCte(Operator):
    """A CTE that reads outer columns: computed per run of its query level (``level``)."""

    def __init__(self, child: Operator, level: Level) -> None:
        self.child, self.level, self.width = child, level, child.width

    def rows(self, env: Env) -> list[tuple]:
        return self.child.rows(env)


class QueryContext:
    """Planning state of one statement: catalog snapshot, parameters, CTEs in
    scope, and the scans the plan will fetch."""

    def __init__(self, catalog: dict[str, TableDef], params: Params) -> None:
        self.catalog = catalog
        self.params = params
        self.scans: list[TableScan] = []
        self._ctes: list[dict[str, tuple[Operator, Columns]]] = []
        self.uses_catalog = False
        """Set when the plan reads pg_catalog/information_schema or a catalog function."""
        self.views: list[TableDef] = []
        """Views planned into this statement (their TableDefs re-validate a cached plan)."""
        self._view_stack: list[str] = []
        self.recursive = False
        """Set when the plan has a WITH RECURSIVE loop (always run off the event loop)."""

    def table(self, node: exp.Table) -> TableDef:
        virtual = pg_catalog.lookup(node)
        if virtual is not None:
            self.uses_catalog = True
            return virtual
        t = self.catalog.get(node.name)
        if t is None:
            raise SqlError(UNDEFINED_TABLE, f'relation "{node.name}" does not exist')
        return t

    def view(self, table: TableDef) -> tuple[Operator, Columns]:
        """A view in FROM: its stored query planned here as a derived table (no
        outer scope, none of the referencing query's CTEs), under its column names."""
        if table.name in self._view_stack:
            raise SqlError("42P17", f'infinite recursion detected in rules for relation "{table.name}"')
        self._view_stack.append(table.name)
        saved, self._ctes = self._ctes, []
        try:
            op, cols = self.plan_query(views.parse_view(table), None)
        finally:
            self._ctes = saved
            self._view_stack.pop()
        if table not in self.views:
            self.views.append(table)
        stored = table.columns
        return op, [(stored[i].name, t if t.oid != oids.UNKNOWN else stored[i].type) if i < len(stored) else (n, t)
                    for i, (n, t) in enumerate(cols)]

    def table_function(self, node: exp.Table, scope: Scope) -> tuple[Operator, Columns]:
        """A function in FROM (generate_series); its arguments may read ``scope``'s parents."""
        return _pg_functions.plan_table_function(node, Compiler(scope, self.params, planner=self))

    def cte(self, name: str, level: Level | None = None) -> tuple[Operator, Columns] | None:
        for frame in reversed(self._ctes):
            if name in frame:
                op, cols = frame[name]
                if isinstance(op, CorrelatedCte) and op.level is not level:
                    raise SqlError(FEATURE_NOT_SUPPORTED, f'WITH query "{name}" reads columns of an '
                                   "outer query and can only be read at its own query level")
                return op, cols
        return None

    def subquery(self, node: exp.Expression, scope: Scope) -> tuple[Operator, Columns, bool]:
        level = Level()
        op, cols = self.plan_query(node, scope, level)
        return op, cols, level.correlated

    def plan_query(self, node: exp.Expression, outer: Scope | None, level: Level | None = None) -> tuple[Operator, Columns]:
        level = level or Level()
        with_ = node.args.get("with_")
        if with_ is None:
            return self._plan_body(node, outer, level)
        frame: dict[str, tuple[Operator, Columns]] = {}
        self._ctes.append(frame)
        try:
            for cte in with_.expressions:
                # a CTE may read the enclosing query's outer columns (asyncpg's type
                # introspection): then it runs per outer row, uncached
                cte_level = Level()
                if with_.args.get("recursive") and recursive.is_recursive(cte):
                    op, cols = recursive.plan_recursive(self, cte, frame, outer, cte_level)
                else:
                    op, cols = self.plan_query(cte.this, outer, cte_level)
                    renames = [c.name for c in cte.args["alias"].columns] if cte.args["alias"].columns else []
                    cols = [(renames[i] if i < len(renames) else n, t) for i, (n, t) in enumerate(cols)]
                if cte_level.correlated:
                    level.correlated = True
                    frame[cte.alias] = (CorrelatedCte(op, level), cols)
                else:
                    frame[cte.alias] = (Cached(op), cols)
            return self._plan_body(node, outer, level)
        finally:
            self._ctes.pop()

    def _plan_body(self, node: exp.Expression, outer: Scope | None, level: Level) -> tuple[Operator, Columns]:
        if isinstance(node, exp.Select):
            return plan_select(node, self, outer, level)
        if isinstance(node, exp.Subquery):
            op, cols = self.plan_query(node.this, outer, level)
            return self._modifiers(op, cols, node)
        kind = _SETOPS.get(type(node))
        if kind is None:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported query: {node.sql('postgres')[:60]}")
        locking.check_setop(node)
        lop, lcols = self.plan_query(node.this, outer, level)
        rop, rcols = self.plan_query(node.expression, outer, level)
        types = common_types(kind, [t for _, t in lcols], [t for _, t in rcols])
        convs = (converter([t for _, t in lcols], types), converter([t for _, t in rcols], types))
        distinct = node.args.get("distinct") is not False
        op: Operator = SetOp(kind, distinct, lop, rop, convs)
        cols = [(n, t) for (n, _), t in zip(lcols, types, strict=True)]
        return self._modifiers(op, cols, node)

    def _modifiers(self, op: Operator, cols: Columns, node: exp.Expression) -> tuple[Operator, Columns]:
        """ORDER BY / LIMIT / OFFSET on a set operation: output columns by position or name."""
        order = node.args.get("order")
        if order is not None:
            names = [n for n, _ in cols]
            keys = []
            for o in order.expressions:
                t = o.this
                if isinstance(t, exp.Literal) and not t.is_string and 1 <= int(t.this) <= len(cols):
                    pos = int(t.this) - 1
                elif isinstance(t, exp.Column) and not t.table and t.name in names:
                    pos = names.index(t.name)
                else:
                    raise SqlError(
                        UNDEFINED_COLUMN if isinstance(t, (exp.Column, exp.Literal)) else FEATURE_NOT_SUPPORTED,
                        "invalid UNION/INTERSECT/EXCEPT ORDER BY clause",
                    )
                keys.append((pos, bool(o.args.get("desc")), bool(o.args.get("nulls_first"))))
            op = Sort(op, keys)
        return apply_limit(op, node, self), cols


OFFLOAD_ROWS = 256
"""A query with joins or subqueries over at least this many fetched rows (or any
query over 20 times as many) runs its operators in a worker thread, so a long
join cannot stall the node's event loop (heartbeats, leases, other sessions)."""


class QueryPlan(Plan):
    def __init__(
        self, root: Operator, scans: list[TableScan], columns: Columns, params: Params, complex_: bool,
        uses_catalog: bool = False, views_: Sequence[TableDef] = (), recursive: bool = False,
    ) -> None:
        self.root = root
        self.scans = scans
        self.params = params
        self.columns = [result_column(n, t) for n, t in columns]
        used = [s.table for s in scans if s.table.table_id >= 0] + list(views_)
        self.tables = tuple({id(t): t for t in used}.values())
        self.recursive = recursive
        self.offload_at = OFFLOAD_ROWS if complex_ else OFFLOAD_ROWS * 20
        self.uses_catalog = uses_catalog
        self.virtual = [(s, pg_catalog.by_table_id(s.table.table_id)) for s in scans if s.table.table_id < 0]

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        env = Env.root(self.params.bind(params))
        if self.uses_catalog:
            snap = await pg_catalog.Snapshot.load(txn)
            env.state.cache[pg_catalog.SNAPSHOT_KEY] = snap
            for scan, rel in self.virtual:
                env.state.fetched[scan.key] = snap.rows(rel)
        for scan in self.scans:
            await scan.fetch(txn, env)
        if self.recursive:
            rows = await run_cancellable(self.root, env)
        elif sum(map(len, env.state.fetched.values())) < self.offload_at:
            rows = self.root.rows(env)
        else:
            rows = await trio.to_thread.run_sync(self.root.rows, env)
        return QueryResult(f"SELECT {len(rows)}", self.columns, rows)


async def run_cancellable(root: Operator, env: Env) -> list[tuple]:
    """Run the operators in a worker thread that a cancel (CancelRequest) stops:
    the waiting task returns at once and the thread stops at its next check of
    ``RunState.cancelled`` (a WITH RECURSIVE iteration)."""
    try:
        return await trio.to_thread.run_sync(root.rows, env, abandon_on_cancel=True)
    except trio.Cancelled:
        env.state.cancelled = True
        raise


async def load_catalog(node: exp.Expression, txn: TxnContext, catalog: dict[str, TableDef] | None = None
                       ) -> dict[str, TableDef]:
    """The TableDefs of every relation ``node`` names, and of those its views name."""
    catalog = {} if catalog is None else catalog
    for t in node.find_all(exp.Table):
        if t.name not in catalog and pg_catalog.lookup(t) is None:
            found = await txn.get_table(t.name)
            if found is not None:
                catalog[t.name] = found
                if found.is_view:
                    await load_catalog(views.parse_view(found), txn, catalog)
    return catalog


async def plan_query(node: exp.Expression, txn: TxnContext, params: Params) -> QueryPlan:
    ctx = QueryContext(await load_catalog(node, txn), params)
    root, cols = ctx.plan_query(node, None)
    complex_ = len(ctx.scans) > 1 or any(isinstance(n, (exp.Subquery, exp.Exists)) for n in node.walk())
    return QueryPlan(root, ctx.scans, cols, params, complex_, ctx.uses_catalog, ctx.views, ctx.recursive)


async def plan_columns(node: exp.Expression, txn: TxnContext, params: Params, view: str | None = None) -> Columns:
    """The output columns of a query (CREATE VIEW).  ``view``: the name being
    defined; a definition that reads it (through the old definition) is 42P17."""
    catalog = await load_catalog(node, txn)
    ctx = QueryContext(catalog, params)
    if view is not None:
        ctx._view_stack.append(view)
    _, cols = ctx.plan_query(node, None)
    return cols


__all__ = ["plan_query", "QueryPlan", "QueryContext", "Project"]
