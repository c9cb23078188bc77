"""CREATE TABLE and DROP TABLE plans.

CREATE TABLE turns column definitions into ``ColumnDef``s (types via
``sql.types``), takes the primary key from a column or table constraint
(composite allowed; pk columns are NOT NULL), and checks each DEFAULT by
compiling it against its column's type before the catalog is touched.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import sequences
from . import types as T
from .api import ColumnDef, TxnContext
from .errors import (
    DUPLICATE_COLUMN,
    DUPLICATE_TABLE,
    FEATURE_NOT_SUPPORTED,
    INVALID_TABLE_DEFINITION,
    NOT_NULL_VIOLATION,
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
        for column in self.serials:
            await sequences.create(txn, sequences.serial_name(self.name, column), owned_by=self.name)
        return QueryResult("CREATE TABLE")


class DropTablePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            if await txn.get_table(name) is None:
                if self.if_exists:
                    continue
                raise SqlError(UNDEFINED_TABLE, f'table "{name}" does not exist')
            await txn.drop_table(name)
            await sequences.drop_owned(txn, name)
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
    if str(node.args.get("kind", "")).upper() == "SEQUENCE":
        return _plan_create_sequence(node, params)
    if str(node.args.get("kind", "")).upper() != "TABLE" or not isinstance(node.this, exp.Schema):
        raise SqlError(FEATURE_NOT_SUPPORTED, "only CREATE TABLE (...) is supported")
    if node.expression is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, "CREATE TABLE AS is not supported")
    schema = node.this
    columns: list[ColumnDef] = []
    pk_names: list[str] = []
    serials: list[str] = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            col, is_pk = _column(item)
            if item.args["kind"].this in _SERIAL_TYPES:
                if col.default_sql is not None:
                    raise SqlError(
                        "42601", f'multiple default values specified for column "{col.name}" of table "{schema.this.name}"')
                col = ColumnDef(col.name, col.type, True, sequences.serial_default(schema.this.name, col.name))
                serials.append(col.name)
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
    return plan


_SERIAL_TYPES = (exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL)


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
            await txn.replace_table(name, table.columns, table.primary_key)
        return QueryResult("TRUNCATE TABLE")


def plan_truncate(node: exp.TruncateTable, params: Params) -> TruncatePlan:
    if node.args.get("is_database") or node.args.get("identity") or node.args.get("option"):
        raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported TRUNCATE option: {node.sql('postgres')}")
    plan = TruncatePlan()
    plan.params = params
    plan.names = list(dict.fromkeys(t.name for t in node.expressions))
    return plan


class AddPrimaryKeyPlan(Plan):
    """ALTER TABLE t ADD PRIMARY KEY (cols) on a table keyed by implicit row ids:
    the table is rewritten under the new key in this transaction (a fresh table
    id; every row re-inserted by its key), so a duplicate key fails with 23505
    and a NULL key column with 23502, and nothing changes."""

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        old = await txn.get_table(self.table_name)
        if old is None or sequences.is_hidden(old):
            raise SqlError(UNDEFINED_TABLE, f'relation "{self.table_name}" does not exist')
        if old.primary_key:
            raise _multiple_pk(old.name)
        pk = []
        for name in self.column_names:
            i = old.column_index(name)
            if i is None:
                raise SqlError(UNDEFINED_COLUMN, f'column "{name}" of relation "{old.name}" does not exist')
            pk.append(i)
        columns = tuple(
            ColumnDef(c.name, c.type, True, c.default_sql) if i in pk else c for i, c in enumerate(old.columns)
        )
        rows = await txn.scan(old)
        for _, row in rows:
            for i in pk:
                if row[i] is None:
                    raise SqlError(
                        NOT_NULL_VIOLATION,
                        f'column "{old.columns[i].name}" of relation "{old.name}" contains null values',
                    )
        new = await txn.replace_table(old.name, columns, pk)
        for _, row in rows:
            await txn.insert(new, new.key_of(row), row)
        return QueryResult("ALTER TABLE")


def plan_alter(node: exp.Alter, params: Params) -> Plan:
    actions = node.args.get("actions") or []
    if str(node.args.get("kind", "")).upper() != "TABLE" or len(actions) != 1:
        raise SqlError(FEATURE_NOT_SUPPORTED, "only ALTER TABLE ... ADD PRIMARY KEY is supported")
    action = actions[0]
    keys = action.expressions if isinstance(action, exp.AddConstraint) else []
    if len(keys) != 1 or not isinstance(keys[0], exp.PrimaryKey):
        raise SqlError(FEATURE_NOT_SUPPORTED, "only ALTER TABLE ... ADD PRIMARY KEY is supported")
    plan = AddPrimaryKeyPlan()
    plan.params = params
    plan.table_name = node.this.name
    plan.column_names = [e.name for e in keys[0].expressions]
    return plan


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


def plan_drop(node: exp.Drop, params: Params) -> Plan:
    kind = str(node.args.get("kind", "")).upper()
    if kind == "SEQUENCE":
        seq = DropSequencePlan()
        seq.params = params
        seq.if_exists = bool(node.args.get("exists"))
        seq.names = [t.name for t in node.args.get("tables") or [node.this]]
        return seq
    if kind != "TABLE":
        raise SqlError(FEATURE_NOT_SUPPORTED, "only DROP TABLE and DROP SEQUENCE are supported")
    plan = DropTablePlan()
    plan.params = params
    plan.if_exists = bool(node.args.get("exists"))
    tables = node.args.get("tables") or [node.this]
    plan.names = [t.name for t in tables]
    return plan
