"""CREATE [UNIQUE] INDEX and DROP INDEX plans (the index itself: sql.indexes).

    CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON t [USING btree] (col [ASC|DESC] ...)
    DROP INDEX [CONCURRENTLY] [IF EXISTS] name [, ...] [CASCADE | RESTRICT]

Indexes share the relation namespace with tables (42P07).  Without a name an
index is called ``<table>_<col>_<col>_idx`` (numbered when taken), as in
PostgreSQL.  ASC/DESC and NULLS FIRST/LAST are accepted and not kept (the
planner uses an index only to find rows, never for order).  Expression and
partial indexes, INCLUDE, operator classes and other access methods: 0A000.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import sqlglot
from sqlglot import exp

from . import indexes, sequences
from .api import TxnContext
from .errors import (
    DUPLICATE_TABLE,
    FEATURE_NOT_SUPPORTED,
    UNDEFINED_COLUMN,
    UNDEFINED_OBJECT,
    UNDEFINED_TABLE,
    SqlError,
)
from .expr import Params
from .pgwire.api import QueryResult
from .plan import Plan

WRONG_OBJECT_TYPE = "42809"
DEPENDENT_OBJECTS_STILL_EXIST = "2BP01"


class CreateIndexPlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        table = await txn.get_table(self.table_name)
        if table is None or sequences.is_hidden(table):
            raise SqlError(UNDEFINED_TABLE, f'relation "{self.table_name}" does not exist')
        if table.is_view:
            raise SqlError(WRONG_OBJECT_TYPE, f'cannot create index on relation "{table.name}"',
                           detail="This operation is not supported for views.")
        positions = []
        for name in self.column_names:
            i = table.column_index(name)
            if i is None:
                raise SqlError(UNDEFINED_COLUMN, f'column "{name}" does not exist')
            positions.append(i)
        taken = indexes.relation_names(await txn.list_tables())
        name = self.name or indexes.default_name(table.name, self.column_names, "idx", taken)
        if name in taken:
            if self.if_not_exists:
                return QueryResult("CREATE INDEX")  # PostgreSQL: NOTICE ... already exists, skipping
            raise SqlError(DUPLICATE_TABLE, f'relation "{name}" already exists')
        await indexes.create_index(txn, table, name, positions, self.unique)
        return QueryResult("CREATE INDEX")


def plan_create_index(node: exp.Create, params: Params) -> CreateIndexPlan:
    index = node.this
    p = index.args.get("params")
    columns = p.args.get("columns") if p is not None else None
    if p is None or not columns:
        raise SqlError(FEATURE_NOT_SUPPORTED, "CREATE INDEX needs a column list")
    using = p.args.get("using")
    if using is not None and using.name.lower() != "btree":
        raise SqlError(FEATURE_NOT_SUPPORTED, f'access method "{using.name}" is not supported')
    for arg in ("where", "include", "partition_by", "tablespace", "on"):
        if p.args.get(arg):
            raise SqlError(FEATURE_NOT_SUPPORTED, f"CREATE INDEX ... {arg.upper()} is not supported")
    names = []
    for c in columns:
        col = c.this if isinstance(c, exp.Ordered) else c
        if not isinstance(col, exp.Column) or col.table:
            raise SqlError(FEATURE_NOT_SUPPORTED, "only indexes on plain columns are supported "
                           f"(not {col.sql('postgres')})")
        names.append(col.name)
    target = index.args["table"]
    if target.db and target.db != "public":
        raise SqlError(UNDEFINED_TABLE, f'relation "{target.db}.{target.name}" does not exist')
    if node.args.get("exists") and index.this is None:
        raise SqlError("42601", "syntax error at or near \"ON\"")
    plan = CreateIndexPlan()
    plan.params = params
    plan.name = index.this.name if index.this is not None else None
    plan.table_name = target.name
    plan.column_names = names
    plan.unique = bool(node.args.get("unique"))
    plan.if_not_exists = bool(node.args.get("exists"))
    return plan


class DropIndexPlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            tables = await txn.list_tables()
            found = indexes.find_index(tables, name)
            if found is None:
                table = next((t for t in tables if t.name == name and not sequences.is_hidden(t)), None)
                if table is not None:
                    kind = "VIEW to remove a view" if table.is_view else "TABLE to remove a table"
                    raise SqlError(WRONG_OBJECT_TYPE, f'"{name}" is not an index', hint=f"Use DROP {kind}.")
                owner = next((t for t in tables if t.primary_key and f"{t.name}_pkey" == name), None)
                if owner is not None:
                    raise _required_by_constraint(name, owner.name)
                if self.if_exists:
                    continue
                raise SqlError(UNDEFINED_OBJECT, f'index "{name}" does not exist')
            table, index = found
            if index.constraint:
                raise _required_by_constraint(name, table.name)
            cols = {table.columns[i].name for i in index.columns}
            for t in tables:
                for fk in t.foreign_keys:
                    if fk.ref_table == table.name and set(fk.ref_columns) == cols and not _pk_covers(table, cols):
                        raise SqlError(DEPENDENT_OBJECTS_STILL_EXIST,
                                       f"cannot drop index {name} because other objects depend on it",
                                       detail=f"constraint {fk.name} on table {t.name} depends on index {name}",
                                       hint="Use DROP ... CASCADE to drop the dependent objects too.")
            await indexes.drop_index(txn, table, index)
        return QueryResult("DROP INDEX")


def _pk_covers(table, cols: set[str]) -> bool:
    return bool(table.primary_key) and {table.columns[i].name for i in table.primary_key} == cols


def _required_by_constraint(index: str, table: str) -> SqlError:
    return SqlError(DEPENDENT_OBJECTS_STILL_EXIST,
                    f"cannot drop index {index} because constraint {index} on table {table} requires it",
                    hint=f"You can drop constraint {index} on table {table} instead.")


def plan_drop_index(node: exp.Drop, params: Params) -> DropIndexPlan:
    plan = DropIndexPlan()
    plan.params = params
    plan.if_exists = bool(node.args.get("exists"))
    targets = node.args.get("tables") or [node.this]
    for t in targets:
        if t.db and t.db != "public":
            raise SqlError(UNDEFINED_OBJECT, f'index "{t.db}.{t.name}" does not exist')
    plan.names = list(dict.fromkeys(t.name for t in targets))
    return plan


_DROP_INDEX = re.compile(r"(?is)\A\s*drop\s+index\b(.*)\Z")


def parse_drop_index_list(sql: str) -> exp.Drop | None:
    """``DROP INDEX [IF EXISTS] a, b``: sqlglot parses one name only; this parses the
    list as DROP TABLE does and marks it an index drop.  None if it is not one."""
    m = _DROP_INDEX.match(sql)
    if m is None or "," not in m.group(1):
        return None
    try:
        node = sqlglot.parse_one(f"DROP TABLE {m.group(1)}", read="postgres")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    if not isinstance(node, exp.Drop):
        return None
    node.set("kind", "INDEX")
    return node
