"""Statement dispatch and the plan cache.

``Executor.plan`` turns SQL text into a ``Plan`` (parse -> plan_select /
plan_insert / ... ) and keeps the last few hundred plans by (text, declared
parameter types): a prepared statement, or a text seen before, skips parsing
and planning.  ``Executor.execute`` of a text without parameters also looks up
its *shape* (sql.stmt_cache: the text with its constants replaced), so the same
statement with other constants reuses one plan with those constants bound as
parameters.  A cached plan is reused only while every table it was planned
against is still the identical TableDef in the transaction's catalog view, so
DDL (or a table dropped and re-created) forces a re-plan.  Plans are immutable
once built, so one Executor may serve many sessions.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Sequence

from sqlglot import exp

from . import constraints, stmt_cache
from .api import TxnContext
from .ddl import plan_alter, plan_create, plan_drop, plan_maintenance, plan_truncate
from .dml import plan_delete, plan_insert, plan_update
from .errors import FEATURE_NOT_SUPPORTED, SqlError
from .explain import plan_explain
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
    if isinstance(stmt, exp.Command) and str(stmt.this).upper() == "EXPLAIN":
        return await plan_explain(stmt, txn, params, build_plan)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"statement not supported: {stmt.key.upper()}")


@dataclass
class CacheStats:
    hits: int = 0
    """Plans reused for the identical text (and parameter types)."""
    shape_hits: int = 0
    """Plans reused for the same statement with other constants."""
    misses: int = 0
    """Statements parsed and planned."""


_NOT_NORMALISED: Any = object()  # a shape whose constants do not line up with the parse
_SHAPE_VARIANTS = 8


class Executor:
    def __init__(self, cache_size: int = 256, normalise: bool = True) -> None:
        self._plans: OrderedDict[tuple, Plan] = OrderedDict()
        self._shapes: OrderedDict[str, list] = OrderedDict()
        self._cache_size = cache_size
        self._normalise = normalise
        self.stats = CacheStats()

    async def plan(self, sql: str, txn: TxnContext, param_oids: Sequence[int] = ()) -> Plan:
        key = (sql, tuple(param_oids))
        plan = self._plans.get(key)
        if plan is not None and await _still_valid(plan, txn):
            self._plans.move_to_end(key)
            self.stats.hits += 1
            return plan
        self.stats.misses += 1
        with fold_errors_after_analysis():
            plan = await build_plan(parse_statement(sql), txn, Params(param_oids))
        _remember(self._plans, key, plan, self._cache_size)
        return plan

    async def execute(self, sql: str, txn: TxnContext, params: Sequence[Any] = ()) -> QueryResult:
        if not params and self._normalise and (sql, ()) not in self._plans:
            found = await self._by_shape(sql, txn)
            if found is not None:
                plan, values = found
                return await constraints.run_statement(plan, txn, values)
        plan = await self.plan(sql, txn)
        return await constraints.run_statement(plan, txn, params)  # plan.run + end-of-statement FK checks

    async def _by_shape(self, sql: str, txn: TxnContext) -> tuple[Plan, tuple] | None:
        """A plan for ``sql``'s shape and the constants to bind, or None (plan the text)."""
        literals = stmt_cache.literal_spans(sql)
        if not literals:
            return None
        shape = stmt_cache.shape(sql, literals)
        variants = self._shapes.get(shape)
        if variants is _NOT_NORMALISED:
            return None
        for analysis, plan in variants or ():
            if stmt_cache.matches(analysis, literals) and await _still_valid(plan, txn):
                self._shapes.move_to_end(shape)
                self.stats.shape_hits += 1
                return plan, stmt_cache.bind_values(analysis, literals)
        analysis = stmt_cache.analyse(sql, literals, parse_statement(sql))
        if analysis is None:
            _remember(self._shapes, shape, _NOT_NORMALISED, self._cache_size)
            return None
        try:
            with fold_errors_after_analysis():
                stmt = parse_statement(analysis.param_sql)
                plan = await build_plan(stmt, txn, Params(analysis.param_oids))
        except SqlError:
            return None  # planned from the original text, which reports the error
        self.stats.misses += 1
        kept = [v for v in variants or () if v[0].fixed != analysis.fixed][: _SHAPE_VARIANTS - 1]
        _remember(self._shapes, shape, [(analysis, plan), *kept], self._cache_size)
        return plan, stmt_cache.bind_values(analysis, literals)


def _remember(cache: OrderedDict, key, value, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > size:
        cache.popitem(last=False)


async def _still_valid(plan: Plan, txn: TxnContext) -> bool:
    for t in plan.tables:
        current = await txn.get_table(t.name)
        if current is not t and current != t:
            return False
    return True


shared_executor = Executor()
