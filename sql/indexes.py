"""Secondary indexes (IndexDef in sql.api): each is a hidden table of its own.

NOT BUILT YET: the functions below are the interface the write path
(sql.rowwrite), DDL and ON CONFLICT use; today they keep no index entries.
"""

from __future__ import annotations

from typing import Sequence

from .api import IndexDef, Key, Row, TableDef, TxnContext


def index_table(table: TableDef, index: IndexDef) -> TableDef:
    """The hidden TableDef that stores ``index``'s entries."""
    raise NotImplementedError


def unique_constraints(table: TableDef) -> list[tuple[str, tuple[int, ...], IndexDef | None]]:
    """Every uniqueness rule of ``table`` as (name, column positions, index):
    the primary key first (index None, name ``<table>_pkey``), then unique indexes."""
    out: list[tuple[str, tuple[int, ...], IndexDef | None]] = []
    if table.primary_key:
        out.append((f"{table.name}_pkey", table.primary_key, None))
    out.extend((i.name, i.columns, i) for i in table.indexes if i.unique)
    return out


async def lookup_unique(txn: TxnContext, table: TableDef, index: IndexDef, values: tuple) -> Key | None:
    """The base-table key of the row whose indexed columns equal ``values`` (unique index)."""
    return None


async def create_index(
    txn: TxnContext, table: TableDef, name: str, columns: Sequence[int], unique: bool,
    constraint: bool = False,
) -> TableDef:
    """Add an index to ``table`` (catalog write + build from existing rows); the new TableDef."""
    raise NotImplementedError


async def on_insert(txn: TxnContext, table: TableDef, key: Key, row: Row) -> None:
    return None


async def on_update(txn: TxnContext, table: TableDef, old_key: Key, old: Row, new_key: Key, new: Row) -> None:
    return None


async def on_delete(txn: TxnContext, table: TableDef, key: Key, row: Row) -> None:
    return None
