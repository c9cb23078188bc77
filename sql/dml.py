"""INSERT, UPDATE and DELETE plans.

Invariants:
* every stored value went through ``types.coerce_column`` (type, length,
  precision, NOT NULL);
* UPDATE and DELETE pre-filter candidates from the access path, then for each
  one call ``txn.lock_row`` and re-check the WHERE on the row it returns
  before writing (Read Committed, as PostgreSQL's EvalPlanQual);
* an UPDATE that changes the primary key is a delete plus an insert.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import oids, rowwrite, sequences
from . import types as T
from .access import choose
from .api import ColumnDef, TableDef, TxnContext
from .errors import (
    DUPLICATE_COLUMN,
    FEATURE_NOT_SUPPORTED,
    SYNTAX_ERROR,
    UNDEFINED_COLUMN,
    SqlError,
)
from .expr import Compiler, Fn, Params, Scope
from .parse import parse_expression
from .pgwire.api import QueryResult
from .plan import Plan, lookup_table, table_scope_columns

_NO_ROW: tuple = ()


class NextVal:
    """A ``nextval('seq')`` the INSERT evaluates itself (it awaits the sequence
    row: sql.sequences); in place of a synchronous Fn."""

    def __init__(self, name: str) -> None:
        self.name = name


def _default_fn(col: ColumnDef, params: Params) -> Fn:
    if col.default_sql is None:
        return lambda row, p: None
    node = parse_expression(col.default_sql)
    seq = sequences.nextval_target(node)
    if seq is not None:
        return NextVal(seq)
    return Compiler(Scope(None, []), params, clause="DEFAULT expressions").with_hint(node, col.type).fn


def _is_default(node: exp.Expression) -> bool:
    return isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"


def _target_columns(table: TableDef, names: list[str]) -> list[int]:
    out: list[int] = []
    for name in names:
        i = table.column_index(name)
        if i is None:
            raise SqlError(
                UNDEFINED_COLUMN, f'column "{name}" of relation "{table.name}" does not exist'
            )
        if i in out:
            raise SqlError(DUPLICATE_COLUMN, f'column "{name}" specified more than once')
        out.append(i)
    return out


def _assign(compiler: Compiler, node: exp.Expression, col: ColumnDef) -> Fn:
    seq = sequences.nextval_target(node)
    if seq is not None:
        T.check_assignable(oids.INT8, col.type, col.name)
        return NextVal(seq)
    c = compiler.with_hint(node, col.type)
    T.check_assignable(c.oid, col.type, col.name)
    return c.fn


class InsertPlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        params = self.params.bind(params)
        table, cols = self.table, self.table.columns
        rows = []
        for fns in self.rows:
            values = []
            for f, c in zip(fns, cols, strict=False):
                v = await sequences.nextval(txn, f.name) if isinstance(f, NextVal) else f(_NO_ROW, params)
                values.append(T.coerce_column(v, c, table.name))
            rows.append(tuple(values))
        for row in rows:
            await rowwrite.insert_row(txn, table, row)
        return QueryResult(f"INSERT 0 {len(rows)}")


async def plan_insert(node: exp.Insert, txn: TxnContext, params: Params) -> InsertPlan:
    if node.args.get("returning") or node.args.get("conflict"):
        raise SqlError(FEATURE_NOT_SUPPORTED, "RETURNING and ON CONFLICT are not supported yet")
    target = node.this
    names = None
    if isinstance(target, exp.Schema):
        names = [i.name for i in target.expressions]
        target = target.this
    table = await lookup_table(txn, target)
    positions = _target_columns(table, names) if names is not None else list(range(len(table.columns)))
    values = node.expression
    if not isinstance(values, exp.Values):
        raise SqlError(FEATURE_NOT_SUPPORTED, "only INSERT ... VALUES is supported")
    compiler = Compiler(Scope(None, []), params, clause="VALUES")
    defaults = [_default_fn(c, params) for c in table.columns]
    plan = InsertPlan()
    plan.params, plan.table, plan.tables, plan.rows = params, table, (table,), []
    for tup in values.expressions:
        exprs = tup.expressions if isinstance(tup, exp.Tuple) else [tup]
        if len(exprs) > len(positions):
            raise SqlError(SYNTAX_ERROR, "INSERT has more expressions than target columns")
        if len(exprs) < len(positions) and names is not None:
            raise SqlError(SYNTAX_ERROR, "INSERT has more target columns than expressions")
        fns = list(defaults)
        for pos, e in zip(positions, exprs, strict=False):
            if not _is_default(e):
                fns[pos] = _assign(compiler, e, table.columns[pos])
        plan.rows.append(fns)
    return plan


class _WherePlan(Plan):
    async def candidates(self, txn: TxnContext, params: Sequence[Any]) -> list:
        where = self.where
        fetched = await self.path.fetch(txn, self.table, params)
        if where is None:
            return fetched
        return [(k, r) for k, r in fetched if where(r, params) is True]

    async def locked(self, txn: TxnContext, key: tuple, params: Sequence[Any]) -> tuple | None:
        row = await txn.lock_row(self.table, key)
        if row is None or (self.where is not None and self.where(row, params) is not True):
            return None
        return row


class UpdatePlan(_WherePlan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        params = self.params.bind(params)
        table = self.table
        count = 0
        for key, _ in await self.candidates(txn, params):
            row = await self.locked(txn, key, params)
            if row is None:
                continue
            new = list(row)
            for pos, f in self.sets:
                new[pos] = T.coerce_column(f(row, params), table.columns[pos], table.name)
            await rowwrite.update_row(txn, table, key, row, tuple(new))
            count += 1
        return QueryResult(f"UPDATE {count}")


class DeletePlan(_WherePlan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        params = self.params.bind(params)
        count = 0
        for key, _ in await self.candidates(txn, params):
            row = await self.locked(txn, key, params)
            if row is None:
                continue
            await rowwrite.delete_row(txn, self.table, key, row)
            count += 1
        return QueryResult(f"DELETE {count}")


async def _plan_where(plan: _WherePlan, node: exp.Expression, txn: TxnContext, params: Params) -> Scope:
    if node.args.get("returning") or node.args.get("from_") or node.args.get("using"):
        raise SqlError(FEATURE_NOT_SUPPORTED, "RETURNING, FROM and USING are not supported yet")
    target = node.this
    table = await lookup_table(txn, target)
    alias = target.alias or table.name
    scope = Scope(alias, table_scope_columns(table))
    where = node.args.get("where")
    plan.params, plan.table, plan.tables = params, table, (table,)
    plan.where = None
    if where is not None:
        c = Compiler(scope, params).with_hint(where.this, T.simple(oids.BOOL))
        if c.oid != oids.BOOL:
            raise SqlError(
                "42804", f"argument of WHERE must be type boolean, not type {oids.TYPE_NAME.get(c.oid)}"
            )
        plan.where = c.fn
    plan.path = choose(where.this if where else None, table, params, alias)
    return scope


async def plan_update(node: exp.Update, txn: TxnContext, params: Params) -> UpdatePlan:
    plan = UpdatePlan()
    scope = await _plan_where(plan, node, txn, params)
    table = plan.table
    compiler = Compiler(scope, params, clause="UPDATE")
    plan.sets = []
    seen: set[int] = set()
    for assignment in node.expressions:
        col_node, value = assignment.this, assignment.expression
        (pos,) = _target_columns(table, [col_node.name])
        if pos in seen:
            raise SqlError(SYNTAX_ERROR, f'multiple assignments to same column "{col_node.name}"')
        seen.add(pos)
        col = table.columns[pos]
        f = _default_fn(col, params) if _is_default(value) else _assign(compiler, value, col)
        if isinstance(f, NextVal):
            raise SqlError(FEATURE_NOT_SUPPORTED, "nextval() is supported only in INSERT")
        plan.sets.append((pos, f))
    return plan


async def plan_delete(node: exp.Delete, txn: TxnContext, params: Params) -> DeletePlan:
    plan = DeletePlan()
    await _plan_where(plan, node, txn, params)
    return plan
