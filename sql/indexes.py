"""Secondary indexes (IndexDef in sql.api): each is a hidden table of its own.

An index's entries live in a table with its own ``table_id`` (allocated with
``txn.allocate_table_id``, stored inside the base TableDef, so it vanishes with
it).  Its TableDef (``index_table``) has the indexed columns followed by the
base table's key columns (or a ``rowid`` column for a table without a primary
key), and an entry row is exactly those values:

    non-unique index: key = (indexed values..., base key...)   row = key
    unique index:     key = (indexed values...)                row = key + base key

So a unique index is enforced by ``txn.insert``'s duplicate-key check (which
takes the entry's row lock: two transactions inserting the same value queue on
it, the second sees the first's committed entry), re-raised as PostgreSQL's 23505
naming the index.  A row with a NULL in any indexed column has no entry (several
NULLs are allowed, and IS NULL never uses an index).  Pages: the hidden table's
first key column chooses range or hash pages (compute.buckets) like any table.

The write path (sql.rowwrite) calls ``on_insert``/``on_update``/``on_delete``
after the base row is written; an UPDATE that keeps the indexed values and the
base key does not touch the index.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

from . import oids
from .api import ColumnDef, IndexDef, Key, Row, SqlType, TableDef, TxnContext
from .errors import DUPLICATE_TABLE, UNIQUE_VIOLATION, SqlError
from .pgwire.values import text_encoder

_ROWID = ColumnDef("rowid", SqlType("bigint", oids.INT8), True)
NAME_MAX = 63
"""PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated."""

_TABLES: dict[tuple[TableDef, IndexDef], TableDef] = {}


def base_key_columns(table: TableDef) -> tuple[ColumnDef, ...]:
    if not table.primary_key:
        return (_ROWID,)
    return tuple(table.columns[i] for i in table.primary_key)


def index_table(table: TableDef, index: IndexDef) -> TableDef:
    """The hidden TableDef that stores ``index``'s entries."""
    found = _TABLES.get((table, index))
    if found is not None:
        return found
    cols = tuple(dataclasses.replace(table.columns[i], default_sql=None, identity=None) for i in index.columns)
    cols += base_key_columns(table)
    n = len(index.columns) if index.unique else len(cols)
    found = TableDef(index.name, index.table_id, cols, tuple(range(n)))
    if len(_TABLES) > 4096:
        _TABLES.clear()
    _TABLES[(table, index)] = found
    return found


def entry(index: IndexDef, key: Key, row: Row) -> tuple[Key, Row] | None:
    """(entry key, entry row) of a base row, or None when an indexed value is NULL."""
    values = tuple(row[i] for i in index.columns)
    if any(v is None for v in values):
        return None
    full = values + tuple(key)
    return (values if index.unique else full), full


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
    if not index.unique:
        raise ValueError(f"index {index.name} is not unique")
    if any(v is None for v in values):
        return None
    row = await txn.get(index_table(table, index), tuple(values))
    return None if row is None else tuple(row[len(index.columns):])


def key_text(table: TableDef, index: IndexDef, values: Sequence) -> str:
    """``(a, b)=(1, x)`` as PostgreSQL's unique-violation details print it."""
    names = ", ".join(table.columns[i].name for i in index.columns)
    texts = []
    for i, v in zip(index.columns, values, strict=False):
        texts.append("null" if v is None else text_encoder(table.columns[i].type.oid)(v).decode())
    return f"({names})=({', '.join(texts)})"


def _violation(table: TableDef, index: IndexDef, values: Sequence) -> SqlError:
    return SqlError(UNIQUE_VIOLATION, f'duplicate key value violates unique constraint "{index.name}"',
                    detail=f"Key {key_text(table, index, values)} already exists.")


async def _add(txn: TxnContext, table: TableDef, index: IndexDef, key: Key, row: Row) -> None:
    e = entry(index, key, row)
    if e is None:
        return
    try:
        await txn.insert(index_table(table, index), e[0], e[1])
    except SqlError as err:
        if err.sqlstate != UNIQUE_VIOLATION:
            raise
        raise _violation(table, index, e[0][:len(index.columns)]) from None


async def _remove(txn: TxnContext, table: TableDef, index: IndexDef, key: Key, row: Row) -> None:
    e = entry(index, key, row)
    if e is not None:
        await txn.delete(index_table(table, index), e[0])


# -- catalog: names, creation, copies


def relation_names(tables: Iterable[TableDef]) -> set[str]:
    """Every name in the relation namespace: tables, their pk indexes, secondary indexes."""
    out: set[str] = set()
    for t in tables:
        out.add(t.name)
        if t.primary_key:
            out.add(f"{t.name}_pkey"[:NAME_MAX])
        out.update(i.name for i in t.indexes)
    return out


def find_index(tables: Iterable[TableDef], name: str) -> tuple[TableDef, IndexDef] | None:
    for t in tables:
        for i in t.indexes:
            if i.name == name:
                return t, i
    return None


def default_name(table: str, columns: Sequence[str], suffix: str, taken: set[str]) -> str:
    """PostgreSQL's ChooseRelationName: ``<table>_<col>_<col>_<suffix>``, truncated to
    63 bytes (the longer of table and column part first), then ``...<suffix>1``, 2, ..."""
    label = "_".join(columns)
    n = 0
    while True:
        tail = suffix if n == 0 else f"{suffix}{n}"
        name1, name2 = table, label
        room = NAME_MAX - len(tail) - (2 if name2 else 1)
        while len(name1) + len(name2) > room:
            if len(name1) > len(name2):
                name1 = name1[:-1]
            else:
                name2 = name2[:-1]
        name = f"{name1}_{name2}_{tail}" if name2 else f"{name1}_{tail}"
        if name not in taken:
            return name
        n += 1


async def create_index(
    txn: TxnContext, table: TableDef, name: str, columns: Sequence[int], unique: bool,
    constraint: bool = False,
) -> TableDef:
    """Add an index to ``table`` (catalog write + build from existing rows); the new TableDef.
    Raises 42P07 when ``name`` is taken by a relation, 23505 when a unique index
    finds duplicate rows."""
    if name in relation_names(await txn.list_tables()):
        raise SqlError(DUPLICATE_TABLE, f'relation "{name}" already exists')
    index = IndexDef(name, await txn.allocate_table_id(), tuple(columns), unique, constraint)
    new = dataclasses.replace(table, indexes=table.indexes + (index,))
    await txn.put_table(new)
    await build(txn, new, index)
    return new


async def build(txn: TxnContext, table: TableDef, index: IndexDef) -> None:
    """Fill ``index`` from the rows ``table`` has now."""
    itable = index_table(table, index)
    for key, row in await txn.scan(table):
        e = entry(index, key, row)
        if e is None:
            continue
        try:
            await txn.insert(itable, e[0], e[1])
        except SqlError as err:
            if err.sqlstate != UNIQUE_VIOLATION:
                raise
            raise SqlError(UNIQUE_VIOLATION, f'could not create unique index "{index.name}"',
                           detail=f"Key {key_text(table, index, e[0])} is duplicated.") from None


async def fresh_copies(txn: TxnContext, indexes: Sequence[IndexDef]) -> tuple[IndexDef, ...]:
    """The same indexes under fresh table ids, empty (TRUNCATE, a rewritten table)."""
    return tuple([dataclasses.replace(i, table_id=await txn.allocate_table_id()) for i in indexes])


async def drop_index(txn: TxnContext, table: TableDef, index: IndexDef) -> TableDef:
    """Remove ``index`` from ``table`` (its entries stay behind unreferenced, as a
    dropped table's pages do); the new TableDef."""
    new = dataclasses.replace(table, indexes=tuple(i for i in table.indexes if i.name != index.name))
    await txn.put_table(new)
    return new


# -- the write path (sql.rowwrite)


async def on_insert(txn: TxnContext, table: TableDef, key: Key, row: Row) -> None:
    for index in table.indexes:
        await _add(txn, table, index, key, row)


async def on_update(txn: TxnContext, table: TableDef, old_key: Key, old: Row, new_key: Key, new: Row) -> None:
    same_key = tuple(old_key) == tuple(new_key)
    for index in table.indexes:
        cols = index.columns
        if same_key and all(_same(old[i], new[i]) for i in cols):
            continue
        old_e, new_e = entry(index, old_key, old), entry(index, new_key, new)
        if old_e is not None and new_e is not None and old_e[0] == new_e[0]:
            await txn.update(index_table(table, index), new_e[0], new_e[1])  # unique: new base key
            continue
        await _remove(txn, table, index, old_key, old)
        await _add(txn, table, index, new_key, new)


def _same(a: object, b: object) -> bool:
    """Equal as index values (and of one Python type, so 1 and True differ)."""
    return a == b and type(a) is type(b)


async def on_delete(txn: TxnContext, table: TableDef, key: Key, row: Row) -> None:
    for index in table.indexes:
        await _remove(txn, table, index, key, row)
