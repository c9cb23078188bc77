"""CHECK and FOREIGN KEY constraints (CheckDef, ForeignKeyDef in sql.api).

NOT BUILT YET: the functions below are the interface the write path
(sql.rowwrite) calls; today they check nothing.
"""

from __future__ import annotations

from .api import Key, Row, TableDef, TxnContext


async def check_row(txn: TxnContext, table: TableDef, row: Row, old: Row | None) -> None:
    """Before ``row`` is stored (``old`` is the row it replaces on UPDATE):
    CHECK constraints (23514) and the rows it references (23503)."""
    return None


async def before_delete(
    txn: TxnContext, table: TableDef, key: Key, row: Row, replacement: Row | None
) -> None:
    """Before ``row`` leaves ``table`` (DELETE, or an UPDATE that changes its key
    to ``replacement``): rows of other tables that reference it."""
    return None
