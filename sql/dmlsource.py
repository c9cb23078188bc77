"""What INSERT, UPDATE and DELETE read: the planning context for their
expressions (subqueries, WITH, FROM/USING) and the target table's rows.

``DmlContext`` is a ``sql.query.QueryContext`` over every table the statement
names (looked up once, like ``plan_query``), plus the CTEs of the statement's
own WITH and, for UPDATE/DELETE, the target table as a source with a hidden
last column holding each row's key (a table without a primary key has an
implicit row id that is not part of the row; the statement needs it to lock
and write the row).

``DmlContext.start`` binds the parameters into an ``Env``, loads the catalog
snapshot if the statement reads pg_catalog, and awaits every scan's fetch, so
the compiled expressions (which take the Env as their parameters) can then run
synchronously: subqueries see the rows as of the start of the statement.
"""

from __future__ import annotations

from typing import Any, Sequence

import trio
from sqlglot import exp

from . import pg_catalog, recursive
from .access import AccessPath
from .api import SqlType, TableDef, TxnContext
from .errors import FEATURE_NOT_SUPPORTED, SqlError
from .expr import Params
from .physical import Cached, Operator
from .query import OFFLOAD_ROWS, QueryContext, load_catalog, run_cancellable
from .runtime import Env

Columns = list[tuple[str, SqlType]]

TARGET = "strata dml target"
"""The CTE name the target table's keyed rows are planned under (not writable
as an unquoted identifier)."""
KEY_COLUMN = "\x00key"
_TARGET_KEY = ("dml target",)


class TargetRows(Operator):
    """The target table's candidate rows, each followed by its key."""

    def __init__(self, table: TableDef, path: AccessPath) -> None:
        self.table, self.path = table, path
        self.width = len(table.columns) + 1

    async def fetch(self, txn: TxnContext, env: Env) -> None:
        fetched = await self.path.fetch(txn, self.table, env)
        env.state.fetched[_TARGET_KEY] = [row + (key,) for key, row in fetched]

    def rows(self, env: Env) -> list[tuple]:
        return env.state.fetched[_TARGET_KEY]


class DmlContext(QueryContext):
    def __init__(self, catalog: dict[str, TableDef], params: Params) -> None:
        super().__init__(catalog, params)
        self.own_ctes: dict[str, tuple[Operator, Columns]] = {}
        self.target: TargetRows | None = None

    def cte(self, name: str, level=None) -> tuple[Operator, Columns] | None:
        found = super().cte(name, level)
        return found if found is not None else self.own_ctes.get(name)

    def plan_with(self, node: exp.Expression) -> None:
        """The statement's own WITH (``WITH x AS (...) INSERT/UPDATE/DELETE``)."""
        with_ = node.args.get("with_")
        if with_ is None:
            return
        for cte in with_.expressions:
            if not isinstance(cte.this, exp.Query):
                raise SqlError(FEATURE_NOT_SUPPORTED, "data-modifying statements in WITH are not supported")
            if with_.args.get("recursive") and recursive.is_recursive(cte):
                self.own_ctes[cte.alias] = recursive.plan_recursive(self, cte, self.own_ctes)
                continue
            op, cols = self.plan_query(cte.this, None)
            alias = cte.args["alias"]
            renames = [c.name for c in alias.columns] if alias.columns else []
            cols = [(renames[i] if i < len(renames) else n, t) for i, (n, t) in enumerate(cols)]
            self.own_ctes[cte.alias] = (Cached(op), cols)

    def add_target(self, table: TableDef, path: AccessPath) -> None:
        self.target = TargetRows(table, path)
        cols = [(c.name, c.type) for c in table.columns] + [(KEY_COLUMN, table.columns[0].type)]
        self.own_ctes[TARGET] = (self.target, cols)

    def real_tables(self) -> tuple[TableDef, ...]:
        """The TableDefs a cached plan re-validates: tables read, views planned."""
        used = [s.table for s in self.scans if s.table.table_id >= 0] + list(self.views)
        return tuple({id(t): t for t in used}.values())

    async def start(self, txn: TxnContext, params: Sequence[Any]) -> Env:
        env = Env.root(self.params.bind(params))
        if self.uses_catalog:
            snap = await pg_catalog.Snapshot.load(txn)
            env.state.cache[pg_catalog.SNAPSHOT_KEY] = snap
            for scan in self.scans:
                if scan.table.table_id < 0:
                    env.state.fetched[scan.key] = snap.rows(pg_catalog.by_table_id(scan.table.table_id))
        for scan in self.scans:
            await scan.fetch(txn, env)
        if self.target is not None:
            await self.target.fetch(txn, env)
        return env


    async def rows(self, op: Operator, env: Env) -> list[tuple]:
        """``op.rows(env)``, in a worker thread when it reads many fetched rows or
        loops (WITH RECURSIVE), as ``QueryPlan.run``: a long join must not stall
        the event loop."""
        if self.recursive:
            return await run_cancellable(op, env)
        if sum(map(len, env.state.fetched.values())) < OFFLOAD_ROWS * 20:
            return op.rows(env)
        return await trio.to_thread.run_sync(op.rows, env)


async def dml_context(node: exp.Expression, txn: TxnContext, params: Params) -> DmlContext:
    """A context over every relation ``node`` names (and those its views name)."""
    return DmlContext(await load_catalog(node, txn), params)


def target_alias(node: exp.Table, table: TableDef) -> str:
    alias = node.args.get("alias")
    return alias.name if alias is not None and alias.name else table.name


def target_source(alias: str) -> exp.Table:
    """The FROM item that reads the target's keyed rows under ``alias``."""
    return exp.Table(this=exp.to_identifier(TARGET), alias=exp.TableAlias(this=exp.to_identifier(alias)))
