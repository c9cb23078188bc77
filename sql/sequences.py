"""Sequences: CREATE/DROP SEQUENCE, SERIAL columns, nextval in INSERT.

A sequence is one row of a hidden table, ``strata_sequences`` (created on first
use through the ordinary catalog, so it is logged and recovered like any
table): ``(name) -> (name, last_value, is_called, increment, owned_by)``.

Semantics (chosen; they differ from PostgreSQL where noted):

* ``nextval`` locks the sequence row (``lock_row``) and updates it inside the
  calling transaction, so values are unique cluster-wide.  Unlike PostgreSQL it
  is *transactional*: a rolled-back transaction gives its values back, and a
  second transaction calling ``nextval`` on the same sequence waits until the
  first ends.  Bulk loads (one transaction) are unaffected; concurrent
  inserters into one SERIAL table serialise.
* ``nextval`` is evaluated where an INSERT computes a row: as a column DEFAULT
  (``SERIAL``/``BIGSERIAL``/``SMALLSERIAL`` columns get
  ``DEFAULT nextval('<table>_<column>_seq'::regclass)``) or as a VALUES item.
  Elsewhere (e.g. ``SELECT nextval(...)``) it is FEATURE_NOT_SUPPORTED.
* A SERIAL column's sequence is owned by its table: DROP TABLE drops it;
  TRUNCATE leaves it (as PostgreSQL without RESTART IDENTITY).
* The hidden table is not listed in pg_catalog / information_schema.
"""

from __future__ import annotations

import dataclasses

from sqlglot import exp

from . import oids
from .api import ColumnDef, SqlType, TableDef, TxnContext
from .errors import (
    DUPLICATE_TABLE,
    INVALID_PARAMETER_VALUE,
    NUMERIC_VALUE_OUT_OF_RANGE,
    SYNTAX_ERROR,
    UNDEFINED_TABLE,
    SqlError,
)

SEQ_TABLE = "strata_sequences"
_TEXT = SqlType("text", oids.TEXT)
_INT8 = SqlType("bigint", oids.INT8)
_BOOL = SqlType("boolean", oids.BOOL)
_COLUMNS = (
    ColumnDef("name", _TEXT, True),
    ColumnDef("last_value", _INT8, True),
    ColumnDef("is_called", _BOOL, True),
    ColumnDef("increment", _INT8, True),
    ColumnDef("owned_by", _TEXT, False),
)
_MAX = 2**63 - 1


def is_hidden(table: TableDef) -> bool:
    return table.name == SEQ_TABLE


def serial_name(table: str, column: str) -> str:
    return f"{table}_{column}_seq"


def serial_default(table: str, column: str) -> str:
    return f"nextval('{serial_name(table, column)}'::regclass)"


_SERIAL_TYPES = (exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL)
GENERATED_ALWAYS = "428C9"


def serial_column(node: exp.ColumnDef, col: ColumnDef, table: str) -> tuple[ColumnDef, tuple | None]:
    """A SERIAL or GENERATED ... AS IDENTITY column: its ColumnDef (NOT NULL,
    DEFAULT nextval of its owned sequence ``<table>_<column>_seq``, ``identity``)
    and (column, start, increment) for the sequence to create; else (col, None)."""
    ident = None
    for c in node.args.get("constraints") or []:
        if isinstance(c.args.get("kind"), exp.GeneratedAsIdentityColumnConstraint):
            ident = c.args["kind"]
    serial = node.args["kind"].this in _SERIAL_TYPES
    if ident is None and not serial:
        return col, None
    if col.default_sql is not None or (serial and ident is not None):
        what = "both default and identity" if ident is not None else "multiple default values"
        raise SqlError(SYNTAX_ERROR, f'{what} specified for column "{col.name}" of table "{table}"')
    start, increment, kind = None, 1, None
    if ident is not None:
        if col.type.oid not in (oids.INT2, oids.INT4, oids.INT8):
            raise SqlError(INVALID_PARAMETER_VALUE, "identity column type must be smallint, integer, or bigint")
        kind = "a" if ident.this else "d"
        for arg, value in ident.args.items():
            if arg in ("this", "on_null") or value is None or value is False:
                continue
            if arg not in ("start", "increment"):
                raise SqlError("0A000", f"unsupported identity option: {arg}")
            try:
                v = int(value.sql("postgres"))
            except ValueError:
                raise SqlError("0A000", f"expected an integer, got {value.sql('postgres')}") from None
            if arg == "start":
                start = v
            else:
                increment = v
        if increment == 0:
            raise SqlError(INVALID_PARAMETER_VALUE, "INCREMENT must not be zero")
    if start is None:
        start = 1 if increment > 0 else -1
    new = dataclasses.replace(col, not_null=True, default_sql=serial_default(table, col.name), identity=kind)
    return new, (col.name, start, increment)


def check_identity_insert(table: TableDef, positions, overriding_system: bool = False) -> None:
    """INSERT naming a GENERATED ALWAYS column with a non-DEFAULT value: 428C9."""
    for pos in positions:
        col = table.columns[pos]
        if col.identity == "a" and not overriding_system:
            raise SqlError(GENERATED_ALWAYS, f'cannot insert a non-DEFAULT value into column "{col.name}"',
                           detail=f'Column "{col.name}" is an identity column defined as GENERATED ALWAYS.',
                           hint="Use OVERRIDING SYSTEM VALUE to override.")


def check_identity_update(col: ColumnDef) -> None:
    if col.identity == "a":
        raise SqlError(GENERATED_ALWAYS, f'column "{col.name}" can only be updated to DEFAULT',
                       detail=f'Column "{col.name}" is an identity column defined as GENERATED ALWAYS.')


async def rename_owner(txn: TxnContext, old: str, new: str) -> None:
    """ALTER TABLE old RENAME TO new: its owned sequences follow it (their names stay)."""
    table = await _table(txn, create=False)
    if table is None:
        return
    for key, row in await txn.scan(table):
        if row[4] == old:
            await txn.lock_row(table, key)
            await txn.update(table, key, row[:4] + (new,))


def nextval_target(node: exp.Expression) -> str | None:
    """The sequence name if ``node`` is ``nextval('<name>'[::regclass])``."""
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "nextval"):
        return None
    args = node.expressions
    if len(args) != 1:
        return None
    arg = args[0]
    while isinstance(arg, exp.Cast):
        arg = arg.this
    if isinstance(arg, exp.Literal) and arg.is_string:
        return arg.this
    return None


async def _table(txn: TxnContext, create: bool) -> TableDef | None:
    table = await txn.get_table(SEQ_TABLE)
    if table is None and create:
        table = await txn.create_table(SEQ_TABLE, _COLUMNS, (0,))
    return table


async def create(txn: TxnContext, name: str, start: int = 1, increment: int = 1,
                 owned_by: str | None = None, if_not_exists: bool = False) -> None:
    if await txn.get_table(name) is not None:
        raise SqlError(DUPLICATE_TABLE, f'relation "{name}" already exists')
    table = await _table(txn, create=True)
    if await txn.get(table, (name,)) is not None:
        if if_not_exists:
            return
        raise SqlError(DUPLICATE_TABLE, f'relation "{name}" already exists')
    await txn.insert(table, (name,), (name, start, False, increment, owned_by))


async def exists(txn: TxnContext, name: str) -> bool:
    table = await _table(txn, create=False)
    return table is not None and await txn.get(table, (name,)) is not None


async def drop(txn: TxnContext, name: str, if_exists: bool = False) -> None:
    table = await _table(txn, create=False)
    if table is None or await txn.lock_row(table, (name,)) is None:
        if if_exists:
            return
        raise SqlError(UNDEFINED_TABLE, f'sequence "{name}" does not exist')
    await txn.delete(table, (name,))


async def drop_owned(txn: TxnContext, owner: str) -> None:
    table = await _table(txn, create=False)
    if table is None:
        return
    for key, row in await txn.scan(table):
        if row[4] == owner:
            await txn.delete(table, key)


async def nextval(txn: TxnContext, name: str) -> int:
    table = await _table(txn, create=False)
    row = await txn.lock_row(table, (name,)) if table is not None else None
    if row is None:
        raise SqlError(UNDEFINED_TABLE, f'relation "{name}" does not exist')
    _, last, called, inc, owner = row
    value = last + inc if called else last
    if not -_MAX <= value <= _MAX:
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, f'nextval: reached maximum value of sequence "{name}"')
    await txn.update(table, (name,), (name, value, True, inc, owner))
    return value


async def setval(txn: TxnContext, name: str, value: int, is_called: bool = True) -> int:
    table = await _table(txn, create=False)
    row = await txn.lock_row(table, (name,)) if table is not None else None
    if row is None:
        raise SqlError(UNDEFINED_TABLE, f'relation "{name}" does not exist')
    await txn.update(table, (name,), (name, int(value), bool(is_called), row[3], row[4]))
    return int(value)
