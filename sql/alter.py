"""ALTER TABLE: each action, in the order written, inside the statement's transaction.

Catalog-only actions write the altered TableDef under the same table id
(``txn.put_table``): RENAME TO, RENAME COLUMN (CHECK texts and the foreign keys
of referencing tables follow), SET/DROP DEFAULT, SET/DROP NOT NULL (existing
rows checked: 23502), ADD CONSTRAINT UNIQUE/CHECK/FOREIGN KEY (existing rows
validated: 23505/23514/23503), DROP CONSTRAINT.  Layout-changing actions
rewrite the table (sql.alter_rewrite): ADD COLUMN, DROP COLUMN, ALTER COLUMN
TYPE, ADD PRIMARY KEY, dropping the primary key.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Awaitable, Callable, Sequence

from sqlglot import exp

from . import alter_rewrite as R
from . import constraint_ddl as C
from . import constraints, sequences, views
from . import types as T
from .api import ColumnDef, TableDef, TxnContext
from .errors import (
    DUPLICATE_COLUMN,
    DUPLICATE_TABLE,
    FEATURE_NOT_SUPPORTED,
    INVALID_TABLE_DEFINITION,
    NOT_NULL_VIOLATION,
    UNDEFINED_COLUMN,
    UNDEFINED_OBJECT,
    UNDEFINED_TABLE,
    SqlError,
)
from .expr import Compiler, Params, Scope
from .parse import parse_expression
from .pgwire.api import QueryResult
from .plan import Plan

Action = Callable[[TxnContext, TableDef], Awaitable[TableDef]]
"""One action: the table as it is now -> the table after the action."""


class AlterTablePlan(Plan):
    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        table = await txn.get_table(self.name)
        if table is None or sequences.is_hidden(table) or table.is_view:
            if self.if_exists:
                return QueryResult("ALTER TABLE")
            raise SqlError(UNDEFINED_TABLE, f'relation "{self.name}" does not exist')
        for action in self.actions:
            table = await action(txn, table)
        return QueryResult("ALTER TABLE")


def plan_alter(node: exp.Alter, params: Params) -> Plan:
    if str(node.args.get("kind", "")).upper() != "TABLE":
        raise SqlError(FEATURE_NOT_SUPPORTED, f"ALTER {node.args.get('kind')} is not supported")
    C.no_parameters(node)
    plan = AlterTablePlan()
    plan.params = params
    plan.name = node.this.name
    plan.if_exists = bool(node.args.get("exists"))
    actions = node.args.get("actions") or []
    options = node.args.get("options") or []
    if (len(actions) == 1 and isinstance(actions[0], exp.AlterRename) and len(options) == 1
            and isinstance(options[0], exp.ToTableProperty)):
        # sqlglot reads ``RENAME a TO b`` (COLUMN omitted) this way
        plan.actions = [_rename_column(actions[0].this.name, options[0].this.name)]
        return plan
    if options:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported ALTER TABLE: {node.sql('postgres')}")
    validate = not node.args.get("not_valid")  # NOT VALID: existing rows are not checked
    plan.actions = [_action(a, validate) for a in actions]
    return plan


def _action(node: exp.Expression, validate: bool = True) -> Action:
    if isinstance(node, exp.ColumnDef):
        return R.add_column(node)
    if isinstance(node, exp.Drop) and str(node.args.get("kind", "")).upper() == "COLUMN":
        names = [t.name for t in node.args.get("tables") or []]
        if len(names) != 1:
            raise SqlError(FEATURE_NOT_SUPPORTED, "DROP COLUMN takes one column")
        return R.drop_column(names[0], bool(node.args.get("exists")), bool(node.args.get("cascade")))
    if isinstance(node, exp.Drop) and str(node.args.get("kind", "")).upper() == "CONSTRAINT":
        names = [t.name for t in node.args.get("tables") or []]
        return _drop_constraint(names[0], bool(node.args.get("exists")), bool(node.args.get("cascade")))
    if isinstance(node, exp.RenameColumn):
        return _rename_column(node.this.name, node.args["to"].name)
    if isinstance(node, exp.AlterRename):
        return _rename_table(node.this.name)
    if isinstance(node, exp.AddConstraint):
        specs = [C.table_constraint(e) for e in node.expressions]
        return _add_constraints(specs, validate)
    if isinstance(node, exp.AlterColumn):
        return _alter_column(node)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported ALTER TABLE action: {node.sql('postgres')}")


def no_column(table: TableDef, name: str) -> SqlError:
    return SqlError(UNDEFINED_COLUMN, f'column "{name}" of relation "{table.name}" does not exist')


# ------------------------------------------------------------------ constraints


def _add_constraints(specs: list[C.Spec], validate: bool) -> Action:
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        for spec in specs:
            if spec.kind == "pk":
                table = await R.add_primary_key(txn, table, spec.columns)
            else:
                resolved = await C.resolve(txn, table, [spec])
                table = await C.install(txn, table, resolved, validate=validate)
        return table
    return run


def _drop_constraint(name: str, if_exists: bool, cascade: bool) -> Action:
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        if any(c.name == name for c in table.checks):
            new = dataclasses.replace(table, checks=tuple(c for c in table.checks if c.name != name))
        elif any(f.name == name for f in table.foreign_keys):
            new = dataclasses.replace(table, foreign_keys=tuple(f for f in table.foreign_keys if f.name != name))
        elif table.primary_key and name == f"{table.name}_pkey":
            await R.release_key(txn, table, table.primary_key, f"constraint {name} on table {table.name}", cascade)
            return await R.rewrite(txn, table, table.columns, (), lambda row: row)
        else:
            index = next((i for i in table.indexes if i.constraint and i.name == name), None)
            if index is None:
                if if_exists:
                    return table
                raise SqlError(UNDEFINED_OBJECT, f'constraint "{name}" of relation "{table.name}" does not exist')
            await R.release_key(txn, table, index.columns, f"constraint {name} on table {table.name}", cascade,
                                dropping=index)
            table = await txn.get_table(table.name)
            new = dataclasses.replace(table, indexes=tuple(i for i in table.indexes if i.name != name))
        await txn.put_table(new)
        return new
    return run


# ------------------------------------------------------------------ renames


def rename_in_sql(sql: str, old: str, new: str) -> str:
    node = parse_expression(sql).copy()
    for col in node.find_all(exp.Column):
        if col.name == old:
            col.set("this", exp.to_identifier(new))
    return node.sql("postgres")


def _rename_column(old: str, new: str) -> Action:
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        i = table.column_index(old)
        if i is None:
            raise SqlError(UNDEFINED_COLUMN, f'column "{old}" does not exist')
        if table.column_index(new) is not None:
            raise SqlError(DUPLICATE_COLUMN, f'column "{new}" of relation "{table.name}" already exists')
        await R.refuse_if_viewed(txn, table, old, "rename")
        columns = list(table.columns)
        columns[i] = dataclasses.replace(columns[i], name=new)
        checks = tuple(dataclasses.replace(c, sql=rename_in_sql(c.sql, old, new)) for c in table.checks)
        altered = dataclasses.replace(table, columns=tuple(columns), checks=checks)
        altered = _rename_refs(altered, table.name, table.name, old, new)
        await txn.put_table(altered)
        for child, _ in await constraints.referencing(txn, table.name):
            if child.name != table.name:
                child = await txn.get_table(child.name)
                await txn.put_table(_rename_refs(child, table.name, table.name, old, new))
        return altered
    return run


def _rename_refs(child: TableDef, old_table: str, new_table: str, old_col: str | None = None,
                 new_col: str | None = None) -> TableDef:
    """``child`` with its foreign keys to ``old_table`` pointing at ``new_table``
    (and the referenced column ``old_col`` renamed ``new_col``)."""
    fks = []
    for fk in child.foreign_keys:
        if fk.ref_table == old_table:
            cols = tuple(new_col if c == old_col else c for c in fk.ref_columns)
            fk = dataclasses.replace(fk, ref_table=new_table, ref_columns=cols)
        fks.append(fk)
    return dataclasses.replace(child, foreign_keys=tuple(fks))


def _rename_table(new: str) -> Action:
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        if await txn.get_table(new) is not None:
            raise SqlError(DUPLICATE_TABLE, f'relation "{new}" already exists')
        children = [c for c, _ in await constraints.referencing(txn, table.name) if c.name != table.name]
        altered = _rename_refs(dataclasses.replace(table, name=new), table.name, new)
        await txn.put_table(altered)
        await txn.drop_table(table.name)
        for child in {c.name for c in children}:
            await txn.put_table(_rename_refs(await txn.get_table(child), table.name, new))
        await sequences.rename_owner(txn, table.name, new)
        await rename_in_views(txn, table.name, new)
        return altered
    return run


# ------------------------------------------------------------------ ALTER COLUMN


def _alter_column(node: exp.AlterColumn) -> Action:
    name = node.name
    args = {k: v for k, v in node.args.items() if v is not None and v is not False and k != "this"}
    if "dtype" in args:
        using = args.get("using")
        return R.alter_type(name, T.from_datatype(args["dtype"]), using)
    if "default" in args:
        return _set_default(name, args["default"].sql("postgres"))
    if set(args) == {"drop"}:
        return _set_default(name, None)
    if not args and node.args.get("allow_null") is False:
        return _set_not_null(name, True)
    if set(args) == {"drop", "allow_null"}:
        return _set_not_null(name, False)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported ALTER COLUMN: {node.sql('postgres')}")


def _column_of(table: TableDef, name: str) -> int:
    i = table.column_index(name)
    if i is None:
        raise no_column(table, name)
    return i


async def _put_column(txn: TxnContext, table: TableDef, i: int, col: ColumnDef) -> TableDef:
    columns = list(table.columns)
    columns[i] = col
    altered = dataclasses.replace(table, columns=tuple(columns))
    await txn.put_table(altered)
    return altered


def _set_default(name: str, sql: str | None) -> Action:
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        i = _column_of(table, name)
        col = table.columns[i]
        if sql is not None and sequences.nextval_target(parse_expression(sql)) is None:
            c = Compiler(Scope(None, []), Params(), clause="DEFAULT expressions").with_hint(
                parse_expression(sql), col.type)
            T.check_assignable(c.oid, col.type, col.name)
        return await _put_column(txn, table, i, dataclasses.replace(col, default_sql=sql))
    return run


def _set_not_null(name: str, not_null: bool) -> Action:
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        i = _column_of(table, name)
        col = table.columns[i]
        if col.not_null == not_null:
            return table
        if not not_null and i in table.primary_key:
            raise SqlError(INVALID_TABLE_DEFINITION, f'column "{name}" is in a primary key')
        altered = await _put_column(txn, table, i, dataclasses.replace(col, not_null=not_null))
        if not_null:  # checked after the catalog write, which fences off concurrent writers
            for _, row in await txn.scan(table):
                if row[i] is None:
                    raise SqlError(NOT_NULL_VIOLATION,
                                   f'column "{name}" of relation "{table.name}" contains null values')
        return altered
    return run


# ------------------------------------------------------------------ views that read the table


async def rename_in_views(txn: TxnContext, old: str, new: str) -> None:
    """RENAME TO: the views that read ``old`` read ``new`` (their SQL is rewritten)."""
    for v in await views.dependents(txn, old):
        node = views.parse_view(v).copy()
        changed = False
        for t in node.find_all(exp.Table):
            if t.name == old and not t.db:
                t.set("this", exp.to_identifier(new))
                changed = True
        if changed:
            await txn.put_table(dataclasses.replace(v, view_sql=node.sql("postgres")))
