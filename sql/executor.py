"""Statement dispatch and the plan cache.

``Executor.plan`` turns SQL text into a ``Plan`` (parse -> plan_select /
plan_insert / ... ) and keeps the last few hundred plans by (text, declared
parameter types).  A cached plan is reused only while every table it was
planned against is still the identical TableDef in the transaction's catalog
view, so DDL (or a table dropped and re-created) forces a re-plan.  Plans are
immutable once built, so one Executor may serve many sessions.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

from sqlglot import exp

from .api import TxnContext
from .ddl import plan_alter, plan_create, plan_drop, plan_maintenance, plan_truncate
from .dml import plan_delete, plan_insert, plan_update
from .errors import FEATURE_NOT_SUPPORTED, SqlError
from .expr import Params, fold_errors_after_analysis
from .parse import parse_statement
from .pgwire.api import QueryResult
from .plan import Plan
from .query import plan_query


async def build_plan(stmt: exp.Expression, txn: TxnContext, params: Params) -> Plan:
    if isinstance(stmt, (exp.Select, exp.SetOperation, exp.Subquery)):
        return await plan_query(stmt, txn, params)
    if isinstance(stmt, exp.Insert):
        return await plan_insert(stmt, txn, params)
    if isinstance(stmt, exp.Update):
        return await plan_update(stmt, txn, params)
    if isinstance(stmt, exp.Delete):
        return await plan_delete(stmt, txn, params)
    if isinstance(stmt, exp.Create):
        return plan_create(stmt, params)
    if isinstance(stmt, exp.Drop):
        return plan_drop(stmt, params)
    if isinstance(stmt, exp.TruncateTable):
        return plan_truncate(stmt, params)
    if isinstance(stmt, exp.Alter):
        return plan_alter(stmt, params)
    if isinstance(stmt, exp.Analyze):
        return plan_maintenance("ANALYZE", params)
    if isinstance(stmt, exp.Command) and str(stmt.this).upper() == "VACUUM":
        return plan_maintenance("VACUUM", params)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"statement not supported: {stmt.key.upper()}")


class Executor:
    def __init__(self, cache_size: int = 256) -> None:
        self._plans: OrderedDict[tuple, Plan] = OrderedDict()
        self._cache_size = cache_size

    async def plan(self, sql: str, txn: TxnContext, param_oids: Sequence[int] = ()) -> Plan:
        key = (sql, tuple(param_oids))
        plan = self._plans.get(key)
        if plan is not None and await _still_valid(plan, txn):
            self._plans.move_to_end(key)
            return plan
        with fold_errors_after_analysis():
            plan = await build_plan(parse_statement(sql), txn, Params(param_oids))
        self._plans[key] = plan
        if len(self._plans) > self._cache_size:
            self._plans.popitem(last=False)
        return plan

    async def execute(self, sql: str, txn: TxnContext, params: Sequence[Any] = ()) -> QueryResult:
        plan = await self.plan(sql, txn)
        return await plan.run(txn, params)


async def _still_valid(plan: Plan, txn: TxnContext) -> bool:
    for t in plan.tables:
        current = await txn.get_table(t.name)
        if current is not t and current != t:
            return False
    return True


shared_executor = Executor()
