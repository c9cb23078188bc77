"""UPDATE [FROM ...] and DELETE [USING ...] plans (INSERT: sql.insert).

The target table is planned as the first FROM item of a join with the FROM /
USING items (``sql.fromclause.FromPlanner``, so pushdown, hash joins and join
order are a SELECT's), reading the target's rows with their keys
(``sql.dmlsource``).  The target's access path (pk get or range) comes from
the WHERE conjuncts that read only the target.  WHERE, SET and RETURNING may
hold subqueries, correlated to the target row or not.

Invariants:
* every stored value went through ``types.coerce_column`` (type, length,
  precision, NOT NULL);
* every candidate row is locked (``txn.lock_row``) before it is written, and
  when the locked row differs from the one read, the whole WHERE (join
  conditions included, with the same rows of the other sources) is re-checked
  on it (Read Committed, as PostgreSQL's EvalPlanQual);
* each target row is updated or deleted at most once: the first join match
  that passes wins, as in PostgreSQL;
* every write goes through ``sql.rowwrite`` (constraints and indexes); an
  UPDATE that changes the primary key is a delete plus an insert there.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import rowwrite
from . import types as T
from .access import AccessPath, choose, conjuncts
from .api import TableDef, TxnContext
from .assign import NextVal, plan_set, value
from .dmlsource import DmlContext, dml_context, target_alias, target_source
from .errors import FEATURE_NOT_SUPPORTED, SqlError
from .expr import Compiler, Fn, Params
from .fromclause import FromPlanner, _and, require_bool
from .insert import InsertPlan, plan_insert
from .pgwire.api import QueryResult
from .physical import Filter, Operator
from .plan import Plan, lookup_table
from .returning import Returning, plan_returning
from .scope import Level, Scope

__all__ = ["plan_insert", "plan_update", "plan_delete", "InsertPlan", "UpdatePlan", "DeletePlan"]


class _TargetPlan(Plan):
    table: TableDef
    ctx: DmlContext
    op: Operator
    """Joined, filtered rows: target columns, the target key, other sources' columns."""
    width: int
    recheck: Fn | None
    """The whole WHERE over a joined row, for a locked row that changed."""
    returning: Returning | None

    async def matches(self, txn: TxnContext, params: Sequence[Any]) -> tuple[Any, list[tuple]]:
        env = await self.ctx.start(txn, params)
        return env, await self.ctx.rows(self.op, env)

    async def locked(self, txn: TxnContext, joined: tuple, env: Any) -> tuple | None:
        """``joined`` with the target's current row after locking it; None if that
        row is gone or no longer passes the WHERE."""
        n = self.width
        row = await txn.lock_row(self.table, joined[n])
        if row is None:
            return None
        if row == joined[:n]:
            return joined
        current = row + joined[n:]
        if self.recheck is not None and self.recheck(current, env) is not True:
            return None
        return current


class UpdatePlan(_TargetPlan):
    sets: list[tuple[int, Fn | NextVal]]

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        env, rows = await self.matches(txn, params)
        table, n, returning = self.table, self.width, self.returning
        done: set = set()
        out: list[tuple] = []
        for joined in rows:
            key = joined[n]
            if key in done:
                continue
            current = await self.locked(txn, joined, env)
            if current is None:
                continue
            new = list(current[:n])
            for pos, f in self.sets:
                new[pos] = T.coerce_column(await value(f, current, env, txn), table.columns[pos], table.name)
            new_row = tuple(new)
            new_key = await rowwrite.update_row(txn, table, key, current[:n], new_row)
            done.add(key)
            if returning is not None:
                out.append(returning.row(new_row + (new_key,) + current[n + 1:], env))
        return QueryResult(f"UPDATE {len(done)}", self.columns, out)


class DeletePlan(_TargetPlan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        env, rows = await self.matches(txn, params)
        n, returning = self.width, self.returning
        done: set = set()
        out: list[tuple] = []
        for joined in rows:
            key = joined[n]
            if key in done:
                continue
            current = await self.locked(txn, joined, env)
            if current is None:
                continue
            await rowwrite.delete_row(txn, self.table, key, current[:n])
            done.add(key)
            if returning is not None:
                out.append(returning.row(current, env))
        return QueryResult(f"DELETE {len(done)}", self.columns, out)


async def _plan_target(plan: _TargetPlan, node: exp.Expression, others: list[exp.Expression],
                       txn: TxnContext, params: Params) -> Scope:
    """Plan the joined rows of the target and ``others`` (FROM / USING items)."""
    target = node.this
    table = await lookup_table(txn, target)
    if table.is_view:
        verb = "update" if isinstance(node, exp.Update) else "delete from"
        raise SqlError(FEATURE_NOT_SUPPORTED, f'cannot {verb} view "{table.name}"')
    ctx = await dml_context(node, txn, params)
    ctx.plan_with(node)
    alias = target_alias(target, table)
    ctx.add_target(table, AccessPath("scan"))
    joins: list[exp.Expression] = []
    for item in others:  # copies: the cached AST is never re-parented
        first = item.copy()
        rest_joins = first.args.get("joins") or []
        first.set("joins", None)
        joins.append(exp.Join(this=first))
        joins.extend(rest_joins)
    select = exp.Select(from_=exp.From(this=target_source(alias)), joins=joins or None)
    where = node.args.get("where")
    terms = conjuncts(where.this) if where is not None else []
    op, scope, rest = FromPlanner(ctx, None, Level()).plan(select, terms)
    if rest:
        op = Filter(op, require_bool(Compiler(scope, params, planner=ctx), _and(rest)))
    n = len(table.columns)
    assert ctx.target is not None
    ctx.target.path = choose(_and([t for t in terms if _reads_only_target(t, scope, n)]), table, params, alias)
    plan.params, plan.table, plan.ctx, plan.op, plan.width = params, table, ctx, op, n
    plan.recheck = require_bool(Compiler(scope, params, planner=ctx), where.this) if where is not None else None
    return scope


def _finish(plan: _TargetPlan, node: exp.Expression, scope: Scope) -> None:
    plan.returning = plan_returning(node, scope, plan.ctx)
    plan.columns = plan.returning.columns if plan.returning is not None else None
    plan.tables = (plan.table, *(t for t in plan.ctx.real_tables() if t is not plan.table))


def _reads_only_target(term: exp.Expression, scope: Scope, n: int) -> bool:
    if any(isinstance(x, (exp.Subquery, exp.Exists, exp.Query)) for x in term.walk()):
        return False
    for col in term.find_all(exp.Column):
        try:
            depth, i, _ = scope.resolve(col.name, col.table or None)
        except SqlError:
            return False
        if depth != 0 or i >= n:
            return False
    return True


async def plan_update(node: exp.Update, txn: TxnContext, params: Params) -> UpdatePlan:
    plan = UpdatePlan()
    from_ = node.args.get("from_")
    scope = await _plan_target(plan, node, [from_.this] if from_ is not None else [], txn, params)
    plan.sets = plan_set(node.expressions, plan.table, Compiler(scope, params, clause="UPDATE", planner=plan.ctx))
    _finish(plan, node, scope)
    return plan


async def plan_delete(node: exp.Delete, txn: TxnContext, params: Params) -> DeletePlan:
    plan = DeletePlan()
    scope = await _plan_target(plan, node, list(node.args.get("using") or []), txn, params)
    _finish(plan, node, scope)
    return plan
