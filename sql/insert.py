"""INSERT INTO t [(cols)] VALUES ... | SELECT ... | DEFAULT VALUES
[ON CONFLICT ...] [RETURNING ...].

The rows to insert come from VALUES (expressions may hold subqueries) or from
any query (``sql.query``: WITH, set operations, ORDER BY/LIMIT; a WITH before
INSERT works too).  A query's column types must be assignable to the target
columns (42804, as PostgreSQL); an untyped literal or NULL in a plain SELECT's
list is coerced to the column's type, as PostgreSQL resolves it.  Columns not
listed get their DEFAULT (``nextval`` awaited per row).  Every row is built and
coerced (``types.coerce_column``) before the first is written, then each goes
through ``rowwrite.insert_row`` or ``sql.onconflict``; RETURNING sees each row
as stored.  The command tag counts rows inserted or updated.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import rowwrite, sequences
from . import types as T
from .api import TableDef, TxnContext
from .assign import assign, default_fn, is_default, target_columns, value
from .dmlsource import DmlContext, dml_context, target_alias
from .errors import FEATURE_NOT_SUPPORTED, SYNTAX_ERROR, SqlError
from .expr import Compiler, Params, Scope
from .onconflict import OnConflict, plan_conflict
from .pgwire.api import QueryResult
from .physical import Operator
from .plan import Plan, lookup_table
from .returning import Returning, plan_returning

_NO_ROW: tuple = ()


class InsertPlan(Plan):
    table: TableDef
    ctx: DmlContext
    rows: list[list]
    """VALUES: one list of per-column fns (or NextVal) per row, evaluated on ()."""
    query: Operator | None = None
    fns: list
    """INSERT ... SELECT: per-column fns over each row of ``query``."""
    conflict: OnConflict | None = None
    returning: Returning | None = None

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        env = await self.ctx.start(txn, params)
        table, cols = self.table, self.table.columns
        if self.query is not None:
            inputs = [(self.fns, r) for r in await self.ctx.rows(self.query, env)]
        else:
            inputs = [(fns, _NO_ROW) for fns in self.rows]
        rows = []
        for fns, src in inputs:
            values = []
            for f, c in zip(fns, cols, strict=True):
                values.append(T.coerce_column(await value(f, src, env, txn), c, table.name))
            rows.append(tuple(values))
        returning, conflict = self.returning, self.conflict
        out: list[tuple] = []
        count = 0
        touched: set = set()
        for row in rows:
            if conflict is not None:
                stored = await conflict.apply(txn, row, env, touched)
                if stored is None:
                    continue
            else:
                await rowwrite.insert_row(txn, table, row)
                stored = row
            count += 1
            if returning is not None:
                out.append(returning.row(stored, env))
        return QueryResult(f"INSERT 0 {count}", self.columns, out)


async def plan_insert(node: exp.Insert, txn: TxnContext, params: Params) -> InsertPlan:
    target = node.this
    names = None
    if isinstance(target, exp.Schema):
        names = [i.name for i in target.expressions]
        target = target.this
    table = await lookup_table(txn, target)
    if table.is_view:
        raise SqlError(FEATURE_NOT_SUPPORTED, f'cannot insert into view "{table.name}"')
    ctx = await dml_context(node, txn, params)
    ctx.plan_with(node)
    positions = target_columns(table, names) if names is not None else list(range(len(table.columns)))
    defaults = [default_fn(c, params) for c in table.columns]
    plan = InsertPlan()
    plan.params, plan.table, plan.ctx, plan.rows = params, table, ctx, []
    source = node.expression
    if node.args.get("default"):
        plan.rows.append(list(defaults))
    elif isinstance(source, exp.Values):
        _plan_values(plan, source, table, positions, names is not None, defaults, ctx)
    elif isinstance(source, (exp.Query, exp.Subquery)):
        _plan_select(plan, source, table, positions, names is not None, defaults, ctx)
    else:
        raise SqlError(FEATURE_NOT_SUPPORTED, "unsupported INSERT source")
    alias = target_alias(target, table)
    conflict = node.args.get("conflict")
    if conflict is not None:
        plan.conflict = plan_conflict(conflict, table, alias, ctx)
    plan.returning = plan_returning(node, Scope(alias, [(c.name, c.type) for c in table.columns]), ctx)
    plan.columns = plan.returning.columns if plan.returning is not None else None
    plan.tables = (table, *(t for t in ctx.real_tables() if t is not table))
    return plan


def _check_width(n: int, positions: list[int], listed: bool) -> None:
    if n > len(positions):
        raise SqlError(SYNTAX_ERROR, "INSERT has more expressions than target columns")
    if n < len(positions) and listed:
        raise SqlError(SYNTAX_ERROR, "INSERT has more target columns than expressions")


def _plan_values(plan: InsertPlan, values: exp.Values, table: TableDef, positions: list[int],
                 listed: bool, defaults: list, ctx: DmlContext) -> None:
    compiler = Compiler(Scope(None, []), ctx.params, clause="VALUES", planner=ctx)
    for tup in values.expressions:
        exprs = tup.expressions if isinstance(tup, exp.Tuple) else [tup]
        _check_width(len(exprs), positions, listed)
        fns = list(defaults)
        given = [pos for pos, e in zip(positions, exprs, strict=False) if not is_default(e)]
        sequences.check_identity_insert(table, given)
        for pos, e in zip(positions, exprs, strict=False):
            if not is_default(e):
                fns[pos] = assign(compiler, e, table.columns[pos])
        plan.rows.append(fns)


def _plan_select(plan: InsertPlan, query: exp.Expression, table: TableDef, positions: list[int],
                 listed: bool, defaults: list, ctx: DmlContext) -> None:
    op, cols = ctx.plan_query(query, None)
    _check_width(len(cols), positions, listed)
    sequences.check_identity_insert(table, positions[:len(cols)])
    untyped = _untyped_outputs(query, len(cols))
    fns = list(defaults)
    for i, (pos, (_, t)) in enumerate(zip(positions, cols, strict=False)):
        col = table.columns[pos]
        param = untyped[i]
        if isinstance(param, exp.Parameter):
            t = ctx.params.ref(int(param.this.this), col.type)  # an untyped $n takes the column's type
            T.check_assignable(t.oid, col.type, col.name)
        elif not param:
            T.check_assignable(t.oid, col.type, col.name)
        fns[pos] = lambda row, p, i=i: row[i]
    plan.query, plan.fns = op, fns


def _untyped_outputs(query: exp.Expression, width: int) -> list[bool | exp.Parameter]:
    """Which output columns of a plain SELECT are a string literal, NULL or a
    parameter of no type yet (unknown in PostgreSQL, so resolved to the target
    column's type); a parameter is returned itself."""
    while isinstance(query, exp.Subquery):
        query = query.this
    items = query.expressions if isinstance(query, exp.Select) else []
    if len(items) != width or any(
        isinstance(i, exp.Star) or (isinstance(i, exp.Column) and isinstance(i.this, exp.Star)) for i in items
    ):
        return [False] * width
    out = []
    for item in items:
        node = item.this if isinstance(item, exp.Alias) else item
        if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Literal):
            out.append(node)
        else:
            out.append(isinstance(node, exp.Null) or (isinstance(node, exp.Literal) and node.is_string))
    return out
