"""The boundary between the SQL engine and the node that owns the pages.

    pgwire session --Backend--> sql.session.SqlSession --TxnContext--> compute node
                                  (parse, bind, execute)               (pages, locks, log)

The engine never touches pages, Redis or storage: it asks a ``TxnContext`` for
rows by primary key, and the compute node behind it acquires the pages those
keys live on, takes row locks and logs the commit.  ``sql.memory_txn`` is an
in-memory twin of TxnSource for unit tests.

Keys and rows
-------------
* A row is a tuple of Python values in column order (see ``sql.oids``).
* A table's key is ``tuple(row[i] for i in table.primary_key)``; a table with no
  primary key gets an implicit row id: key ``(rowid,)`` from ``next_rowid``,
  and the rowid is *not* part of the row.
* ``scan`` bounds apply to the first primary-key column (or the rowid); rows
  come back sorted by key.  Reads see committed rows plus the transaction's
  own writes (Read Committed).
* ``lock_row`` takes the row's exclusive lock (held to commit or rollback),
  then returns the newest committed row (or the tx's own version, or None if
  deleted).  UPDATE and DELETE call it for each candidate row and re-check
  their WHERE clause on what it returns.
* ``insert`` raises ``SqlError(UNIQUE_VIOLATION)`` if the key exists.
* All data and catalog methods may raise ``SqlError`` (for example
  ``DEADLOCK_DETECTED`` when a page cannot be acquired in time); the session
  then treats the transaction as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

Key = tuple
Row = tuple


@dataclass(frozen=True)
class SqlType:
    """A column type: ``name`` as PostgreSQL prints it (format_type), its OID, and
    modifiers: ``length`` for varchar(n)/char(n), ``precision``/``scale`` for
    numeric(p,s)."""

    name: str
    oid: int
    length: int | None = None
    precision: int | None = None
    scale: int | None = None


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: SqlType
    not_null: bool = False
    default_sql: str | None = None
    """DEFAULT expression as SQL text (postgres dialect); evaluated by the engine."""


@dataclass(frozen=True)
class TableDef:
    name: str
    table_id: int
    columns: tuple[ColumnDef, ...]
    primary_key: tuple[int, ...]
    """Column positions of the primary key; () means an implicit row id."""

    def column_index(self, name: str) -> int | None:
        for i, col in enumerate(self.columns):
            if col.name == name:
                return i
        return None

    def key_of(self, row: Row) -> Key:
        return tuple(row[i] for i in self.primary_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table_id": self.table_id,
            "primary_key": list(self.primary_key),
            "columns": [
                {
                    "name": c.name,
                    "type": [c.type.name, c.type.oid, c.type.length, c.type.precision, c.type.scale],
                    "not_null": c.not_null,
                    "default_sql": c.default_sql,
                }
                for c in self.columns
            ],
        }

    @staticmethod
    def from_json(d: dict[str, Any]) -> "TableDef":
        return TableDef(
            name=d["name"],
            table_id=d["table_id"],
            primary_key=tuple(d["primary_key"]),
            columns=tuple(
                ColumnDef(c["name"], SqlType(*c["type"]), c["not_null"], c["default_sql"])
                for c in d["columns"]
            ),
        )


@dataclass(frozen=True)
class Bound:
    value: Any
    inclusive: bool = True


class TxnContext(Protocol):
    """One transaction on one compute node."""

    # -- catalog
    async def get_table(self, name: str) -> TableDef | None: ...

    async def list_tables(self) -> list[TableDef]: ...

    async def create_table(
        self, name: str, columns: Sequence[ColumnDef], primary_key: Sequence[int]
    ) -> TableDef:
        """Raises SqlError(DUPLICATE_TABLE).  The table id is chosen by the node."""
        ...

    async def replace_table(
        self, name: str, columns: Sequence[ColumnDef], primary_key: Sequence[int]
    ) -> TableDef:
        """Put a fresh, empty table (new table id) behind ``name`` with these
        columns and key, in this transaction; the old table's rows stay readable
        through its old TableDef until the end of the transaction.  Used by
        TRUNCATE and ALTER TABLE ... ADD PRIMARY KEY.  Raises SqlError(UNDEFINED_TABLE)."""
        ...

    async def drop_table(self, name: str) -> None:
        """Raises SqlError(UNDEFINED_TABLE)."""
        ...

    # -- rows
    async def get(self, table: TableDef, key: Key) -> Row | None: ...

    async def scan(
        self, table: TableDef, lo: Bound | None = None, hi: Bound | None = None
    ) -> list[tuple[Key, Row]]: ...

    async def lock_row(self, table: TableDef, key: Key) -> Row | None: ...

    async def insert(self, table: TableDef, key: Key, row: Row) -> None: ...

    async def update(self, table: TableDef, key: Key, row: Row) -> None:
        """Replace the row at ``key`` (same key; the row must be locked)."""
        ...

    async def delete(self, table: TableDef, key: Key) -> None: ...

    def next_rowid(self, table: TableDef) -> int: ...

    # -- end
    async def commit(self) -> None:
        """Returns once the commit is durable (invariant 4)."""
        ...

    async def rollback(self) -> None: ...

    def savepoint(self) -> object:
        """A snapshot of this transaction's private changes (SAVEPOINT)."""
        ...

    def rollback_to(self, snapshot: object) -> None:
        """Restore a ``savepoint`` snapshot (ROLLBACK TO SAVEPOINT); locks stay held."""
        ...


class TxnSource(Protocol):
    async def begin(self) -> TxnContext: ...
