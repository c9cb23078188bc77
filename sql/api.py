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
    identity: str | None = None
    """GENERATED ... AS IDENTITY: "a" (ALWAYS) or "d" (BY DEFAULT), as pg_attribute.attidentity;
    the column's default_sql is then its sequence's nextval."""


@dataclass(frozen=True)
class IndexDef:
    """A secondary index: its own hidden table (``table_id``) whose key is the
    indexed values followed by the base table's key (for a unique index: the
    indexed values only).  Rows with a NULL in an indexed column are not indexed."""

    name: str
    table_id: int
    columns: tuple[int, ...]
    """Column positions in the base table, in index order."""
    unique: bool = False
    constraint: bool = False
    """True when it backs a UNIQUE constraint (pg_constraint row, dropped with it)."""


@dataclass(frozen=True)
class CheckDef:
    name: str
    sql: str
    """The CHECK expression as SQL text (postgres dialect) over the table's columns."""


@dataclass(frozen=True)
class ForeignKeyDef:
    name: str
    columns: tuple[int, ...]
    """Referencing column positions in this table."""
    ref_table: str
    ref_columns: tuple[str, ...]
    """Referenced column names (the referenced table's primary key or a unique index)."""
    on_delete: str = "a"
    """pg_constraint.confdeltype: a = NO ACTION, r = RESTRICT, c = CASCADE, n = SET NULL, d = SET DEFAULT."""
    on_update: str = "a"


@dataclass(frozen=True)
class TableDef:
    name: str
    table_id: int
    columns: tuple[ColumnDef, ...]
    primary_key: tuple[int, ...]
    """Column positions of the primary key; () means an implicit row id."""
    indexes: tuple[IndexDef, ...] = ()
    checks: tuple[CheckDef, ...] = ()
    foreign_keys: tuple[ForeignKeyDef, ...] = ()
    view_sql: str | None = None
    """A view: its defining SELECT (columns are its output columns; no rows of its own)."""

    @property
    def is_view(self) -> bool:
        return self.view_sql is not None

    def column_index(self, name: str) -> int | None:
        for i, col in enumerate(self.columns):
            if col.name == name:
                return i
        return None

    def key_of(self, row: Row) -> Key:
        return tuple(row[i] for i in self.primary_key)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "table_id": self.table_id,
            "primary_key": list(self.primary_key),
            "columns": [
                {
                    "name": c.name,
                    "type": [c.type.name, c.type.oid, c.type.length, c.type.precision, c.type.scale],
                    "not_null": c.not_null,
                    "default_sql": c.default_sql,
                    **({"identity": c.identity} if c.identity else {}),
                }
                for c in self.columns
            ],
        }
        if self.indexes:
            d["indexes"] = [
                [i.name, i.table_id, list(i.columns), i.unique, i.constraint] for i in self.indexes
            ]
        if self.checks:
            d["checks"] = [[c.name, c.sql] for c in self.checks]
        if self.foreign_keys:
            d["foreign_keys"] = [
                [f.name, list(f.columns), f.ref_table, list(f.ref_columns), f.on_delete, f.on_update]
                for f in self.foreign_keys
            ]
        if self.view_sql is not None:
            d["view_sql"] = self.view_sql
        return d

    @staticmethod
    def from_json(d: dict[str, Any]) -> "TableDef":
        return TableDef(
            name=d["name"],
            table_id=d["table_id"],
            primary_key=tuple(d["primary_key"]),
            columns=tuple(
                ColumnDef(
                    c["name"], SqlType(*c["type"]), c["not_null"], c["default_sql"], c.get("identity")
                )
                for c in d["columns"]
            ),
            indexes=tuple(
                IndexDef(n, tid, tuple(cols), u, con) for n, tid, cols, u, con in d.get("indexes", ())
            ),
            checks=tuple(CheckDef(n, s) for n, s in d.get("checks", ())),
            foreign_keys=tuple(
                ForeignKeyDef(n, tuple(cols), rt, tuple(rc), od, ou)
                for n, cols, rt, rc, od, ou in d.get("foreign_keys", ())
            ),
            view_sql=d.get("view_sql"),
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

    async def allocate_table_id(self) -> int:
        """A fresh table id (never reused), for a secondary index or a view; a
        catalog write of this transaction."""
        ...

    async def put_table(self, table: TableDef) -> None:
        """Write ``table`` into the catalog under ``table.name`` (creating or
        overwriting that entry) in this transaction: CREATE VIEW, CREATE/DROP INDEX,
        ALTER TABLE (constraints, renamed or added columns).  The caller checks what
        exists (``get_table``) and keeps ``table_id`` for an altered table whose rows
        keep their layout."""
        ...

    async def page_owners(self, table: TableDef, lo: Bound | None = None, hi: Bound | None = None
                          ) -> list[tuple[int, int | None]]:
        """For EXPLAIN: the pages a scan of ``table`` between these bounds reads,
        as (bucket, id of the compute node that owns it, or None when no node does)."""
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
