"""The one write path for table rows: every INSERT, UPDATE, DELETE, COPY and
ON CONFLICT goes through these three functions, so constraints (sql.constraints)
and secondary indexes (sql.indexes) are kept with the row in the same
transaction.

Order of a write: the constraints that look at the new row (NOT NULL is already
done by ``types.coerce_column``; CHECK, FOREIGN KEY references), the row itself
(``txn.insert`` raises 23505 on a duplicate primary key), then its index entries
(a unique index raises 23505 with the index's name).  A DELETE asks
``constraints.before_delete`` first (rows that reference this one: NO ACTION,
RESTRICT, CASCADE, SET NULL).
"""

from __future__ import annotations

from . import constraints, indexes
from .api import Key, Row, TableDef, TxnContext


def key_for(txn: TxnContext, table: TableDef, row: Row) -> Key:
    return table.key_of(row) if table.primary_key else (txn.next_rowid(table),)


async def insert_row(txn: TxnContext, table: TableDef, row: Row) -> Key:
    await constraints.check_row(txn, table, row, None)
    key = key_for(txn, table, row)
    await txn.insert(table, key, row)
    await indexes.on_insert(txn, table, key, row)
    return key


async def update_row(txn: TxnContext, table: TableDef, key: Key, old: Row, new: Row) -> Key:
    """``old`` is the row ``txn.lock_row`` returned for ``key``."""
    await constraints.check_row(txn, table, new, old)
    new_key = table.key_of(new) if table.primary_key else key
    if new_key != key:
        await constraints.before_delete(txn, table, key, old, replacement=new)
    if new_key == key:
        await txn.update(table, key, new)
    else:
        await txn.delete(table, key)
        await txn.insert(table, new_key, new)
    await indexes.on_update(txn, table, key, old, new_key, new)
    await constraints.after_update(txn, table, key, old, new_key, new)
    return new_key


async def delete_row(txn: TxnContext, table: TableDef, key: Key, row: Row) -> None:
    """``row`` is the row ``txn.lock_row`` returned for ``key``."""
    await constraints.before_delete(txn, table, key, row, replacement=None)
    await txn.delete(table, key)
    await indexes.on_delete(txn, table, key, row)
