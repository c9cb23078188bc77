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

from sqlglot import exp

from . import oids
from .api import ColumnDef, SqlType, TableDef, TxnContext
from .errors import DUPLICATE_TABLE, NUMERIC_VALUE_OUT_OF_RANGE, UNDEFINED_TABLE, SqlError

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
