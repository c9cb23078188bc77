"""CREATE TABLE and DROP TABLE plans.

CREATE TABLE turns column definitions into ``ColumnDef``s (types via
``sql.types``), takes the primary key from a column or table constraint
(composite allowed; pk columns are NOT NULL), and checks each DEFAULT by
compiling it against its column's type before the catalog is touched.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import types as T
from .api import ColumnDef, TxnContext
from .errors import (
    DUPLICATE_COLUMN,
    DUPLICATE_TABLE,
    FEATURE_NOT_SUPPORTED,
    INVALID_TABLE_DEFINITION,
    UNDEFINED_COLUMN,
    UNDEFINED_TABLE,
    SqlError,
)
from .expr import Compiler, Params, Scope
from .parse import parse_expression
from .pgwire.api import QueryResult
from .plan import Plan


class CreateTablePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        if self.if_not_exists and await txn.get_table(self.name) is not None:
            return QueryResult("CREATE TABLE")
        try:
            await txn.create_table(self.name, self.columns_def, self.primary_key)
        except SqlError as e:
            if not (self.if_not_exists and e.sqlstate == DUPLICATE_TABLE):
                raise
        return QueryResult("CREATE TABLE")


class DropTablePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            if await txn.get_table(name) is None:
                if self.if_exists:
                    continue
                raise SqlError(UNDEFINED_TABLE, f'table "{name}" does not exist')
            await txn.drop_table(name)
        return QueryResult("DROP TABLE")


class CreateIndexPlan(Plan):
    """CREATE INDEX is accepted and checked (table and columns exist) but builds
    nothing: there are no secondary indexes yet, and queries scan or use the pk."""

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        table = await txn.get_table(self.table_name)
        if table is None:
            raise SqlError(UNDEFINED_TABLE, f'relation "{self.table_name}" does not exist')
        for name in self.column_names:
            if table.column_index(name) is None:
                raise SqlError(UNDEFINED_COLUMN, f'column "{name}" does not exist')
        return QueryResult("CREATE INDEX")


def _plan_create_index(node: exp.Create, params: Params) -> CreateIndexPlan:
    index = node.this
    if node.args.get("unique"):
        raise SqlError(FEATURE_NOT_SUPPORTED, "CREATE UNIQUE INDEX is not supported")
    index_params = index.args.get("params")
    columns = index_params.args.get("columns") if index_params is not None else None
    if not columns or not all(isinstance(c.this, exp.Column) for c in columns):
        raise SqlError(FEATURE_NOT_SUPPORTED, "only indexes on plain columns are supported")
    plan = CreateIndexPlan()
    plan.params = params
    plan.table_name = index.args["table"].name
    plan.column_names = [c.this.name for c in columns]
    return plan


def plan_create(node: exp.Create, params: Params) -> Plan:
    if str(node.args.get("kind", "")).upper() == "INDEX" and isinstance(node.this, exp.Index):
        return _plan_create_index(node, params)
    if str(node.args.get("kind", "")).upper() != "TABLE" or not isinstance(node.this, exp.Schema):
        raise SqlError(FEATURE_NOT_SUPPORTED, "only CREATE TABLE (...) is supported")
    if node.expression is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, "CREATE TABLE AS is not supported")
    schema = node.this
    columns: list[ColumnDef] = []
    pk_names: list[str] = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            col, is_pk = _column(item)
            if any(c.name == col.name for c in columns):
                raise SqlError(DUPLICATE_COLUMN, f'column "{col.name}" specified more than once')
            columns.append(col)
            if is_pk:
                if pk_names:
                    raise _multiple_pk(schema.this.name)
                pk_names.append(col.name)
        elif isinstance(item, exp.PrimaryKey):
            if pk_names:
                raise _multiple_pk(schema.this.name)
            pk_names = [e.name for e in item.expressions]
        else:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported table element: {item.sql('postgres')}")
    pk: list[int] = []
    names = [c.name for c in columns]
    for name in pk_names:
        if name not in names:
            raise SqlError(UNDEFINED_COLUMN, f'column "{name}" named in key does not exist')
        i = names.index(name)
        pk.append(i)
        c = columns[i]
        columns[i] = ColumnDef(c.name, c.type, True, c.default_sql)
    for c in columns:
        if c.default_sql is not None:
            node_default = parse_expression(c.default_sql)
            c_default = Compiler(Scope(None, []), Params(), clause="DEFAULT expressions").with_hint(node_default, c.type)
            T.check_assignable(c_default.oid, c.type, c.name)
    plan = CreateTablePlan()
    plan.params = params
    plan.name = schema.this.name
    plan.if_not_exists = bool(node.args.get("exists"))
    plan.columns_def = columns
    plan.primary_key = pk
    return plan


def _multiple_pk(table: str) -> SqlError:
    return SqlError(
        INVALID_TABLE_DEFINITION,
        f'multiple primary keys for table "{table}" are not allowed',
    )


def _column(node: exp.ColumnDef) -> tuple[ColumnDef, bool]:
    kind = node.args.get("kind")
    if kind is None:
        raise SqlError(FEATURE_NOT_SUPPORTED, f'column "{node.name}" needs a type')
    sql_type = T.from_datatype(kind)
    not_null, is_pk, default = False, False, None
    for constraint in node.args.get("constraints") or []:
        k = constraint.args.get("kind")
        if isinstance(k, exp.NotNullColumnConstraint):
            not_null = not k.args.get("allow_null")
        elif isinstance(k, exp.PrimaryKeyColumnConstraint):
            is_pk = True
        elif isinstance(k, exp.DefaultColumnConstraint):
            default = k.this.sql("postgres")
        else:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported column constraint: {constraint.sql('postgres')}")
    return ColumnDef(node.name, sql_type, not_null or is_pk, default), is_pk


def plan_drop(node: exp.Drop, params: Params) -> DropTablePlan:
    if str(node.args.get("kind", "")).upper() != "TABLE":
        raise SqlError(FEATURE_NOT_SUPPORTED, "only DROP TABLE is supported")
    plan = DropTablePlan()
    plan.params = params
    plan.if_exists = bool(node.args.get("exists"))
    tables = node.args.get("tables") or [node.this]
    plan.names = [t.name for t in tables]
    return plan
