"""ALTER TABLE actions that change a table's row layout or key, by rewriting it.

``rewrite`` reads every row of the old table, puts a fresh table id behind the
name (``txn.replace_table``), re-inserts each transformed row through
sql.rowwrite (so NOT NULL, CHECK and the primary key are enforced on the new
rows), then writes the constraints and re-creates the indexes (fresh ids, built
from the new rows).  Sequences owned by the table (SERIAL, identity) are kept:
they belong to the table's name.  All of it is one transaction's writes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Awaitable, Callable

from sqlglot import exp

from . import constraint_ddl as C
from . import constraints, ddl, indexes, rowwrite, sequences, views
from . import types as T
from .api import ForeignKeyDef, IndexDef, Row, TableDef, TxnContext
from .errors import (
    DATATYPE_MISMATCH,
    DUPLICATE_COLUMN,
    FEATURE_NOT_SUPPORTED,
    INVALID_TABLE_DEFINITION,
    NOT_NULL_VIOLATION,
    UNDEFINED_COLUMN,
    SqlError,
)
from .expr import Compiler, Params, Scope
from .parse import parse_expression

_NO_PARAMS = Params().bind(())
DEPENDENT_OBJECTS_STILL_EXIST = "2BP01"


async def rewrite(
    txn: TxnContext, old: TableDef, columns, pk, transform: Callable[[Row], Any], *,
    checks=None, foreign_keys=None, index_defs: tuple[IndexDef, ...] | None = None,
) -> TableDef:
    """``old`` rewritten with ``columns`` and ``pk``; ``transform`` maps each old row
    to the new one (it may be a coroutine function)."""
    # The catalog write first: it fences off concurrent writers of ``old``
    # (compute.ddl_fence) before the scan reads the rows to copy.
    base = await txn.replace_table(old.name, tuple(columns), tuple(pk))
    rows = await txn.scan(old)
    checks = old.checks if checks is None else tuple(checks)
    foreign_keys = old.foreign_keys if foreign_keys is None else tuple(foreign_keys)
    index_defs = old.indexes if index_defs is None else index_defs
    staging = dataclasses.replace(base, checks=checks)
    for _, row in rows:
        new = transform(row)
        if isinstance(new, Awaitable):
            new = await new
        await rowwrite.insert_row(txn, staging, tuple(
            T.coerce_column(v, c, old.name) for v, c in zip(new, staging.columns, strict=True)))
    final = dataclasses.replace(base, checks=checks, foreign_keys=foreign_keys)
    await txn.put_table(final)
    for index in index_defs:
        final = await indexes.create_index(txn, final, index.name, index.columns, index.unique, index.constraint)
    return final


def _null_error(table: TableDef, name: str) -> SqlError:
    return SqlError(NOT_NULL_VIOLATION, f'column "{name}" of relation "{table.name}" contains null values')


# ------------------------------------------------------------------ keys


async def add_primary_key(txn: TxnContext, table: TableDef, names: list[str]) -> TableDef:
    if table.primary_key:
        raise SqlError(INVALID_TABLE_DEFINITION, f'multiple primary keys for table "{table.name}" are not allowed')
    pk = []
    for name in names:
        i = table.column_index(name)
        if i is None:
            raise SqlError(UNDEFINED_COLUMN, f'column "{name}" of relation "{table.name}" does not exist')
        pk.append(i)
    for _, row in await txn.scan(table):
        for i in pk:
            if row[i] is None:
                raise _null_error(table, table.columns[i].name)
    columns = tuple(dataclasses.replace(c, not_null=True) if i in pk else c for i, c in enumerate(table.columns))
    return await rewrite(txn, table, columns, pk, lambda row: row)


async def release_key(txn: TxnContext, table: TableDef, key: tuple[int, ...], what: str, cascade: bool,
                      dropping: IndexDef | None = None) -> TableDef:
    """Before the pk or unique constraint on columns ``key`` goes: foreign keys that
    rely on it (and on no other constraint over the same columns) are 2BP01, or
    dropped with CASCADE.  The table as it is afterwards."""
    names = {table.columns[i].name for i in key}
    others = [set(i.columns) for i in table.indexes if i.unique and i is not dropping]
    if dropping is not None and table.primary_key:
        others.append(set(table.primary_key))
    if set(key) in others:
        return table
    refs = [(c, fk) for c, fk in await constraints.referencing(txn, table.name) if set(fk.ref_columns) == names]
    if refs:
        index = dropping.name if dropping is not None else f"{table.name}_pkey"
        if not cascade:
            raise C.dependents_error(what, refs, f"index {index}")
        await C.drop_foreign_keys(txn, refs)
    return await txn.get_table(table.name)


# ------------------------------------------------------------------ ADD COLUMN


def add_column(node: exp.ColumnDef):
    specs: list[C.Spec] = []
    col, is_pk = ddl._column(node, specs)
    if_not_exists = bool(node.args.get("exists"))

    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        if table.column_index(col.name) is not None:
            if if_not_exists:
                return table
            raise SqlError(DUPLICATE_COLUMN, f'column "{col.name}" of relation "{table.name}" already exists')
        new_col, serial = sequences.serial_column(node, col, table.name)
        if new_col.default_sql is not None and serial is None:
            c = Compiler(Scope(None, []), Params(), clause="DEFAULT expressions").with_hint(
                parse_expression(new_col.default_sql), new_col.type)
            T.check_assignable(c.oid, new_col.type, new_col.name)
        if serial is not None:
            name, start, increment = serial
            await sequences.create(txn, sequences.serial_name(table.name, name), start, increment,
                                   owned_by=table.name)

        async def extend(row: Row) -> Row:
            value = await constraints.column_default(txn, new_col)
            if value is None and new_col.not_null:
                raise _null_error(table, new_col.name)
            return row + (value,)

        new = await rewrite(txn, table, table.columns + (new_col,), table.primary_key, extend)
        if is_pk:
            new = await add_primary_key(txn, new, [new_col.name])
        if specs:
            new = await C.install(txn, new, await C.resolve(txn, new, specs), validate=True)
        return new
    return run


# ------------------------------------------------------------------ DROP COLUMN


def drop_column(name: str, if_exists: bool, cascade: bool):
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        i = table.column_index(name)
        if i is None:
            if if_exists:
                return table
            raise SqlError(UNDEFINED_COLUMN, f'column "{name}" of relation "{table.name}" does not exist')
        used = await views_using(txn, table, name)
        if used and not cascade:
            raise SqlError(DEPENDENT_OBJECTS_STILL_EXIST,
                           f"cannot drop column {name} of table {table.name} because other objects depend on it",
                           detail="\n".join(f"view {v.name} depends on column {name} of table {table.name}"
                                            for v in used),
                           hint="Use DROP ... CASCADE to drop the dependent objects too.")
        for v in used:
            if await txn.get_table(v.name) is not None:
                await views.drop_dependents(txn, v, cascade=True)
                await txn.drop_table(v.name)
        refs = [(c, fk) for c, fk in await constraints.referencing(txn, table.name)
                if name in fk.ref_columns and c.name != table.name]
        if refs:
            if not cascade:
                raise C.dependents_error(f"column {name} of table {table.name}", refs,
                                         f"column {name} of table {table.name}")
            await C.drop_foreign_keys(txn, refs)
            table = await txn.get_table(table.name)

        def m(p: int) -> int:
            return p if p < i else p - 1

        pk = () if i in table.primary_key else tuple(m(p) for p in table.primary_key)
        idx = tuple(dataclasses.replace(x, columns=tuple(m(p) for p in x.columns))
                    for x in table.indexes if i not in x.columns)
        checks = [c for c in table.checks if name not in _columns_in(c.sql)]
        fks = [dataclasses.replace(f, columns=tuple(m(p) for p in f.columns)) for f in table.foreign_keys
               if i not in f.columns and not (f.ref_table == table.name and name in f.ref_columns)]
        col = table.columns[i]
        seq = sequences.nextval_target(parse_expression(col.default_sql)) if col.default_sql else None
        if seq == sequences.serial_name(table.name, name):
            await sequences.drop(txn, seq, if_exists=True)
        columns = table.columns[:i] + table.columns[i + 1:]
        return await rewrite(txn, table, columns, pk, lambda row: row[:i] + row[i + 1:],
                             checks=checks, foreign_keys=fks, index_defs=idx)
    return run


def _columns_in(sql: str) -> set[str]:
    return {c.name for c in parse_expression(sql).find_all(exp.Column)}


# ------------------------------------------------------------------ ALTER COLUMN TYPE


def alter_type(name: str, new_type, using: exp.Expression | None):
    async def run(txn: TxnContext, table: TableDef) -> TableDef:
        i = table.column_index(name)
        if i is None:
            raise SqlError(UNDEFINED_COLUMN, f'column "{name}" of relation "{table.name}" does not exist')
        col = table.columns[i]
        await refuse_if_viewed(txn, table, name, "alter type of")
        new_col = dataclasses.replace(col, type=new_type)
        fn = None
        if using is not None:
            scope = Scope(table.name, [(c.name, c.type) for c in table.columns])
            c = Compiler(scope, Params(), clause="transform expressions").with_hint(using, new_type)
            T.check_assignable(c.oid, new_type, name)
            fn = c.fn
        elif not (T.comparable(col.type.oid, new_type.oid) or T.category(new_type.oid) == "S"):
            typ = T.format_type(new_type)
            raise SqlError(DATATYPE_MISMATCH, f'column "{name}" cannot be cast automatically to type {typ}',
                           hint=f'You might need to specify "USING {name}::{typ}".')
        new = dataclasses.replace(table, columns=table.columns[:i] + (new_col,) + table.columns[i + 1:])
        for fk in table.foreign_keys:
            if i in fk.columns:
                parent = new if fk.ref_table == table.name else await txn.get_table(fk.ref_table)
                _fk_types(new, fk, parent)
        for child, fk in await constraints.referencing(txn, table.name):
            if name in fk.ref_columns:
                _fk_types(new if child.name == table.name else child, fk, new)

        def convert(row: Row) -> Row:
            value = fn(row, _NO_PARAMS) if fn is not None else row[i]
            return row[:i] + (T.coerce_column(value, new_col, table.name),) + row[i + 1:]

        return await rewrite(txn, table, new.columns, table.primary_key, convert)
    return run


def _fk_types(child: TableDef, fk: ForeignKeyDef, parent: TableDef | None) -> None:
    if parent is None:
        return
    for i, ref in zip(fk.columns, fk.ref_columns, strict=True):
        a, b = child.columns[i], parent.columns[parent.column_index(ref)]
        if not T.comparable(a.type.oid, b.type.oid):
            raise SqlError(
                DATATYPE_MISMATCH, f'foreign key constraint "{fk.name}" cannot be implemented',
                detail=f'Key columns "{a.name}" and "{b.name}" are of incompatible types: '
                       f'{T.format_type(a.type)} and {T.format_type(b.type)}.')



# ------------------------------------------------------------------ views that read the table


async def views_using(txn: TxnContext, table: TableDef, column: str) -> list[TableDef]:
    """Views that read ``table`` directly and use ``column`` (by name, or through ``*``)."""
    out = []
    for v in await views.dependents(txn, table.name):
        node = views.parse_view(v)
        if table.name in views.referenced_names(node) and (
                any(c.name == column for c in node.find_all(exp.Column)) or node.find(exp.Star) is not None):
            out.append(v)
    return out


async def refuse_if_viewed(txn: TxnContext, table: TableDef, column: str, what: str) -> None:
    used = await views_using(txn, table, column)
    if used:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"cannot {what} a column used by a view or rule",
                       detail=f'rule _RETURN on view {used[0].name} depends on column "{column}"')
