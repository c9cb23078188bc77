"""CREATE TABLE and DROP TABLE plans.

CREATE TABLE turns column definitions into ``ColumnDef``s (types via
``sql.types``; SERIAL and identity columns via ``sql.sequences.serial_column``),
takes the primary key from a column or table constraint (composite allowed; pk
columns are NOT NULL), and checks each DEFAULT by compiling it against its
column's type before the catalog is touched.  UNIQUE, CHECK and FOREIGN KEY
clauses become ``sql.constraint_ddl`` specs, resolved and installed after the
table is created.  DROP TABLE refuses a table other tables reference (2BP01)
unless CASCADE.  ALTER TABLE is ``sql.alter``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from sqlglot import exp

from . import constraint_ddl, ddl_index, indexes, sequences, views
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
        if indexes.find_index(await txn.list_tables(), self.name) is not None:  # one relation namespace
            if self.if_not_exists:
                return QueryResult("CREATE TABLE")
            raise SqlError(DUPLICATE_TABLE, f'relation "{self.name}" already exists')
        try:
            table = await txn.create_table(self.name, self.columns_def, self.primary_key)
        except SqlError as e:
            if not (self.if_not_exists and e.sqlstate == DUPLICATE_TABLE):
                raise
            return QueryResult("CREATE TABLE")
        for column, start, increment in self.serials:
            await sequences.create(txn, sequences.serial_name(self.name, column), start, increment,
                                   owned_by=self.name)
        if self.specs:  # UNIQUE, CHECK, FOREIGN KEY (sql.constraint_ddl)
            resolved = await constraint_ddl.resolve(txn, table, self.specs)
            await constraint_ddl.install(txn, table, resolved, validate=False)
        return QueryResult("CREATE TABLE")


class DropTablePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            if await txn.get_table(name) is None:
                if self.if_exists:
                    continue
                raise SqlError(UNDEFINED_TABLE, f'table "{name}" does not exist')
            await views.check_drop_table(txn, await txn.get_table(name), getattr(self, "cascade", False))
            await constraint_ddl.check_drop_table(txn, name, self.names, self.cascade)
            await txn.drop_table(name)
            await sequences.drop_owned(txn, name)
        return QueryResult("DROP TABLE")


def plan_create(node: exp.Create, params: Params) -> Plan:
    if str(node.args.get("kind", "")).upper() == "VIEW":
        return views.plan_create_view(node, params)
    if str(node.args.get("kind", "")).upper() == "INDEX" and isinstance(node.this, exp.Index):
        return ddl_index.plan_create_index(node, params)
    if str(node.args.get("kind", "")).upper() == "SEQUENCE":
        return _plan_create_sequence(node, params)
    if str(node.args.get("kind", "")).upper() != "TABLE" or not isinstance(node.this, exp.Schema):
        raise SqlError(FEATURE_NOT_SUPPORTED, "only CREATE TABLE (...) is supported")
    if node.expression is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, "CREATE TABLE AS is not supported")
    constraint_ddl.no_parameters(node)
    schema = node.this
    columns: list[ColumnDef] = []
    pk_names: list[str] = []
    serials: list[tuple[str, int, int]] = []
    specs: list[constraint_ddl.Spec] = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            col, is_pk = _column(item, specs)
            col, serial = sequences.serial_column(item, col, schema.this.name)
            if serial is not None:
                serials.append(serial)
            if any(c.name == col.name for c in columns):
                raise SqlError(DUPLICATE_COLUMN, f'column "{col.name}" specified more than once')
            columns.append(col)
            if is_pk:
                if pk_names:
                    raise _multiple_pk(schema.this.name)
                pk_names.append(col.name)
        else:
            spec = constraint_ddl.table_constraint(item)
            if spec.kind != "pk":
                specs.append(spec)
                continue
            if pk_names:
                raise _multiple_pk(schema.this.name)
            pk_names = spec.columns
    pk: list[int] = []
    names = [c.name for c in columns]
    for name in pk_names:
        if name not in names:
            raise SqlError(UNDEFINED_COLUMN, f'column "{name}" named in key does not exist')
        i = names.index(name)
        pk.append(i)
        c = columns[i]
        columns[i] = dataclasses.replace(c, not_null=True)
    for c in columns:
        if c.default_sql is not None:
            node_default = parse_expression(c.default_sql)
            if sequences.nextval_target(node_default) is not None:
                continue  # evaluated by INSERT (sql.sequences)
            c_default = Compiler(Scope(None, []), Params(), clause="DEFAULT expressions").with_hint(node_default, c.type)
            T.check_assignable(c_default.oid, c.type, c.name)
    plan = CreateTablePlan()
    plan.params = params
    plan.name = schema.this.name
    plan.if_not_exists = bool(node.args.get("exists"))
    plan.columns_def = columns
    plan.primary_key = pk
    plan.serials = serials
    plan.specs = specs
    return plan


class CreateSequencePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        await sequences.create(txn, self.name, self.start, self.increment, if_not_exists=self.if_not_exists)
        return QueryResult("CREATE SEQUENCE")


def _plan_create_sequence(node: exp.Create, params: Params) -> CreateSequencePlan:
    plan = CreateSequencePlan()
    plan.params = params
    plan.name = node.this.name
    plan.if_not_exists = bool(node.args.get("exists"))
    plan.start, plan.increment = None, 1
    props = node.args.get("properties")
    for p in props.expressions if props is not None else []:
        if not isinstance(p, exp.SequenceProperties):
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported sequence option: {p.sql('postgres')}")
        for arg, value in p.args.items():
            if value is None or value is False or value == []:
                continue
            if arg not in ("start", "increment"):
                raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported sequence option: {arg}")
            setattr(plan, arg, _int_literal(value))
    if plan.increment == 0:
        raise SqlError("22023", "INCREMENT must not be zero")
    if plan.start is None:
        plan.start = 1 if plan.increment > 0 else -1
    return plan


def _int_literal(node: exp.Expression) -> int:
    text = node.sql("postgres")
    try:
        return int(text)
    except ValueError:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"expected an integer, got {text}") from None


class DropSequencePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            await sequences.drop(txn, name, self.if_exists)
        return QueryResult("DROP SEQUENCE")


class TruncatePlan(Plan):
    """TRUNCATE: each table gets a fresh table id (no rows) behind the same name,
    through the catalog like CREATE TABLE, so it is transactional and durable; the
    old pages stay behind unreferenced (as after DROP TABLE)."""

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            table = await txn.get_table(name)
            if table is None or sequences.is_hidden(table):
                raise SqlError(UNDEFINED_TABLE, f'relation "{name}" does not exist')
            await constraint_ddl.check_truncate(txn, name, self.names)
            new = await txn.replace_table(name, table.columns, table.primary_key)
            if table.indexes or table.checks or table.foreign_keys:  # kept; indexes empty, fresh ids
                await txn.put_table(dataclasses.replace(
                    new, indexes=await indexes.fresh_copies(txn, table.indexes),
                    checks=table.checks, foreign_keys=table.foreign_keys))
        return QueryResult("TRUNCATE TABLE")


def plan_truncate(node: exp.TruncateTable, params: Params) -> TruncatePlan:
    if node.args.get("is_database") or node.args.get("identity") or node.args.get("option"):
        raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported TRUNCATE option: {node.sql('postgres')}")
    plan = TruncatePlan()
    plan.params = params
    plan.names = list(dict.fromkeys(t.name for t in node.expressions))
    return plan


def plan_alter(node: exp.Alter, params: Params) -> Plan:
    from .alter import plan_alter as plan  # sql.alter imports this module

    return plan(node, params)


class MaintenancePlan(Plan):
    """VACUUM and ANALYZE are accepted and do nothing: pages are rewritten by
    deltas (nothing to vacuum) and the planner keeps no statistics."""

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        return QueryResult(self.tag)


def plan_maintenance(tag: str, params: Params) -> MaintenancePlan:
    plan = MaintenancePlan()
    plan.params = params
    plan.tag = tag
    return plan


def _multiple_pk(table: str) -> SqlError:
    return SqlError(
        INVALID_TABLE_DEFINITION,
        f'multiple primary keys for table "{table}" are not allowed',
    )


def _column(node: exp.ColumnDef, specs: list | None = None) -> tuple[ColumnDef, bool]:
    """The ColumnDef and whether it is the pk; UNIQUE / CHECK / REFERENCES become
    table constraints appended to ``specs``; identity is left to sequences.serial_column."""
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
        elif isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
            continue
        elif (spec := constraint_ddl.column_constraint(node.name, constraint)) is not None and specs is not None:
            specs.append(spec)
        else:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported column constraint: {constraint.sql('postgres')}")
    return ColumnDef(node.name, sql_type, not_null or is_pk, default), is_pk


def plan_drop(node: exp.Drop, params: Params) -> Plan:
    kind = str(node.args.get("kind", "")).upper()
    if kind == "SEQUENCE":
        seq = DropSequencePlan()
        seq.params = params
        seq.if_exists = bool(node.args.get("exists"))
        seq.names = [t.name for t in node.args.get("tables") or [node.this]]
        return seq
    if kind == "INDEX":
        return ddl_index.plan_drop_index(node, params)
    if kind == "VIEW":
        return views.plan_drop_view(node, params)
    if kind != "TABLE":
        raise SqlError(FEATURE_NOT_SUPPORTED, "only DROP TABLE and DROP SEQUENCE are supported")
    plan = DropTablePlan()
    plan.params = params
    plan.if_exists = bool(node.args.get("exists"))
    plan.cascade = bool(node.args.get("cascade"))
    tables = node.args.get("tables") or [node.this]
    plan.names = [t.name for t in tables]
    return plan
