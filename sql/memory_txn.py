"""MemoryTxnSource: an in-memory twin of ``sql.api.TxnSource`` for unit tests.

Owns a committed catalog (name -> TableDef) and committed rows (table id ->
{key: row}).  A ``MemoryTxn`` keeps its writes private (catalog overlay and a
per-table write set where ``None`` marks a deletion) and applies them at
commit; rollback discards them.  Reads merge committed rows with the
transaction's own writes, so a transaction reads its own writes.

Not modelled: row-lock waits between concurrent transactions (tests run one
task per transaction), write-write conflicts at commit (last commit wins).
"""

from __future__ import annotations

from typing import Sequence

from .api import Bound, ColumnDef, Key, Row, TableDef
from .errors import (
    DUPLICATE_TABLE,
    NO_ACTIVE_SQL_TRANSACTION,
    UNDEFINED_TABLE,
    UNIQUE_VIOLATION,
    SqlError,
)

_DROPPED = None


class MemoryTxnSource:
    def __init__(self) -> None:
        self.tables: dict[str, TableDef] = {}
        self.rows: dict[int, dict[Key, Row]] = {}
        self._next_table_id = 1
        self._rowids: dict[int, int] = {}
        self.commits = 0
        self.rollbacks = 0

    async def begin(self) -> "MemoryTxn":
        return MemoryTxn(self)

    def allocate_table_id(self) -> int:
        tid = self._next_table_id
        self._next_table_id += 1
        return tid

    def next_rowid(self, table_id: int) -> int:
        n = self._rowids.get(table_id, 0) + 1
        self._rowids[table_id] = n
        return n


class MemoryTxn:
    def __init__(self, source: MemoryTxnSource) -> None:
        self._src = source
        self._catalog: dict[str, TableDef | None] = {}
        self._writes: dict[int, dict[Key, Row | None]] = {}
        self._done = False

    # -- catalog
    async def get_table(self, name: str) -> TableDef | None:
        if name in self._catalog:
            return self._catalog[name]
        return self._src.tables.get(name)

    async def list_tables(self) -> list[TableDef]:
        names = set(self._src.tables) | set(self._catalog)
        out = [await self.get_table(n) for n in sorted(names)]
        return [t for t in out if t is not None]

    async def create_table(
        self, name: str, columns: Sequence[ColumnDef], primary_key: Sequence[int]
    ) -> TableDef:
        if await self.get_table(name) is not None:
            raise SqlError(DUPLICATE_TABLE, f'relation "{name}" already exists')
        table = TableDef(name, self._src.allocate_table_id(), tuple(columns), tuple(primary_key))
        self._catalog[name] = table
        return table

    async def replace_table(
        self, name: str, columns: Sequence[ColumnDef], primary_key: Sequence[int]
    ) -> TableDef:
        old = await self.get_table(name)
        if old is None:
            raise SqlError(UNDEFINED_TABLE, f'relation "{name}" does not exist')
        table = TableDef(name, self._src.allocate_table_id(), tuple(columns), tuple(primary_key))
        self._catalog[name] = table
        return table

    async def drop_table(self, name: str) -> None:
        table = await self.get_table(name)
        if table is None:
            raise SqlError(UNDEFINED_TABLE, f'table "{name}" does not exist')
        self._catalog[name] = _DROPPED
        if not any(t is not None and t.table_id == table.table_id for t in self._catalog.values()):
            self._writes.pop(table.table_id, None)  # (kept when renamed: ALTER TABLE RENAME TO)

    async def allocate_table_id(self) -> int:
        return self._src.allocate_table_id()

    async def put_table(self, table: TableDef) -> None:
        self._catalog[table.name] = table

    async def page_owners(self, table: TableDef, lo: Bound | None = None, hi: Bound | None = None
                          ) -> list[tuple[int, int | None]]:
        return [(0, None)]  # one in-memory "page", owned by no compute node

    # -- rows
    def _merged(self, table: TableDef) -> dict[Key, Row]:
        rows = dict(self._src.rows.get(table.table_id, {}))
        for key, row in self._writes.get(table.table_id, {}).items():
            if row is None:
                rows.pop(key, None)
            else:
                rows[key] = row
        return rows

    async def get(self, table: TableDef, key: Key) -> Row | None:
        own = self._writes.get(table.table_id)
        if own is not None and key in own:
            return own[key]
        return self._src.rows.get(table.table_id, {}).get(key)

    async def scan(
        self, table: TableDef, lo: Bound | None = None, hi: Bound | None = None
    ) -> list[tuple[Key, Row]]:
        out = []
        for key, row in self._merged(table).items():
            first = key[0]
            if lo is not None and (first < lo.value or (first == lo.value and not lo.inclusive)):
                continue
            if hi is not None and (first > hi.value or (first == hi.value and not hi.inclusive)):
                continue
            out.append((key, row))
        out.sort(key=lambda kr: kr[0])
        return out

    async def lock_row(self, table: TableDef, key: Key) -> Row | None:
        return await self.get(table, key)

    async def insert(self, table: TableDef, key: Key, row: Row) -> None:
        if await self.get(table, key) is not None:
            raise SqlError(
                UNIQUE_VIOLATION,
                f'duplicate key value violates unique constraint "{table.name}_pkey"',
                detail=_key_detail(table, key),
            )
        self._writes.setdefault(table.table_id, {})[key] = tuple(row)

    async def update(self, table: TableDef, key: Key, row: Row) -> None:
        self._writes.setdefault(table.table_id, {})[key] = tuple(row)

    async def delete(self, table: TableDef, key: Key) -> None:
        self._writes.setdefault(table.table_id, {})[key] = None

    def next_rowid(self, table: TableDef) -> int:
        return self._src.next_rowid(table.table_id)

    # -- savepoints
    def savepoint(self) -> object:
        return ({n: t for n, t in self._catalog.items()},
                {tid: dict(w) for tid, w in self._writes.items()})

    def rollback_to(self, snapshot: object) -> None:
        catalog, writes = snapshot
        self._catalog = dict(catalog)
        self._writes = {tid: dict(w) for tid, w in writes.items()}

    # -- end
    async def commit(self) -> None:
        self._check_open()
        src = self._src
        renamed = set().union(*(_table_ids(t) for t in self._catalog.values() if t is not None))
        for name, table in self._catalog.items():
            old = src.tables.pop(name, None)
            keep = (_table_ids(table) if table is not None else set()) | renamed
            if old is not None:
                for tid in _table_ids(old) - keep:
                    src.rows.pop(tid, None)
            if table is not None:
                src.tables[name] = table
                for tid in keep:  # the table and its secondary indexes (sql.indexes)
                    src.rows.setdefault(tid, {})
        for table_id, writes in self._writes.items():
            rows = src.rows.get(table_id)
            if rows is None:
                continue  # table dropped meanwhile
            for key, row in writes.items():
                if row is None:
                    rows.pop(key, None)
                else:
                    rows[key] = row
        src.commits += 1
        self._done = True

    async def rollback(self) -> None:
        self._check_open()
        self._catalog.clear()
        self._writes.clear()
        self._src.rollbacks += 1
        self._done = True

    def _check_open(self) -> None:
        if self._done:
            raise SqlError(NO_ACTIVE_SQL_TRANSACTION, "transaction already ended")


def _table_ids(table: TableDef) -> set[int]:
    """The ids whose rows belong to ``table``: its own and its indexes' (put_table keeps them)."""
    return {table.table_id, *(i.table_id for i in table.indexes)}


def _key_detail(table: TableDef, key: Key) -> str:
    if not table.primary_key:
        return "Key already exists."
    names = ", ".join(table.columns[i].name for i in table.primary_key)
    values = ", ".join(str(v) for v in key)
    return f"Key ({names})=({values}) already exists."
