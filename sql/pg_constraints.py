"""Indexes and constraints as the PostgreSQL catalogs present them.

One place derives, from the TableDefs of a catalog snapshot, every index
(the primary key's ``<table>_pkey`` and each IndexDef) and every pg_constraint
row (PRIMARY KEY, UNIQUE from an IndexDef with ``constraint``, CHECK from a
CheckDef, FOREIGN KEY from a ForeignKeyDef), with their stable oids and the
text pg_get_indexdef / pg_get_constraintdef print.  sql.pg_catalog and
sql.information_schema build their rows from these.

OIDs: a primary-key index INDEX_BASE + table id, a secondary index its own
table id (allocated, never reused); a pk constraint CONSTRAINT_BASE + table id,
a unique constraint CONSTRAINT_BASE + its index's table id, a CHECK or FOREIGN KEY
NAMED_BASE + a hash of (table id, name).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from . import pg_deparse
from .api import ForeignKeyDef, TableDef

INDEX_BASE, CONSTRAINT_BASE, NAMED_BASE = 0x40000000, 0x50000000, 0x30000000
_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@dataclass(frozen=True)
class Index:
    oid: int
    name: str
    table: TableDef
    columns: tuple[int, ...]
    """Column positions (0-based) in ``table``."""
    unique: bool
    primary: bool
    constraint: bool


@dataclass(frozen=True)
class Constraint:
    oid: int
    name: str
    table: TableDef
    contype: str  # p u c f
    columns: tuple[int, ...]
    index: Index | None = None
    """p/u: the index behind it; f: the referenced table's unique index."""
    ref_table: TableDef | None = None
    ref_columns: tuple[int, ...] = ()
    fk: ForeignKeyDef | None = None
    check_sql: str = ""


def pk_index_name(t: TableDef) -> str:
    return f"{t.name}_pkey"[:63]


def indexes_of(t: TableDef) -> list[Index]:
    out = []
    if t.primary_key:
        out.append(Index(INDEX_BASE + t.table_id, pk_index_name(t), t, t.primary_key, True, True, True))
    out.extend(Index(i.table_id, i.name, t, i.columns, i.unique, False, i.constraint) for i in t.indexes)
    return out


def named_oid(t: TableDef, name: str) -> int:
    return NAMED_BASE + zlib.crc32(f"{t.table_id}/{name}".encode()) % 0x0FFFFFFF


@dataclass
class Catalog:
    """Indexes and constraints of a set of tables, by oid."""

    tables: list[TableDef]
    indexes: list[Index] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_name = {t.name: t for t in self.tables}
        for t in self.tables:
            idx = indexes_of(t)
            self.indexes.extend(idx)
            for ix in idx:
                if ix.primary:
                    self.constraints.append(Constraint(CONSTRAINT_BASE + t.table_id, ix.name, t, "p", ix.columns, ix))
                elif ix.constraint:
                    self.constraints.append(Constraint(CONSTRAINT_BASE + ix.oid, ix.name, t, "u", ix.columns, ix))
            for c in t.checks:
                cols = tuple(pg_deparse.columns_used(c.sql, t))
                self.constraints.append(Constraint(named_oid(t, c.name), c.name, t, "c", cols, check_sql=c.sql))
            for fk in t.foreign_keys:
                ref = by_name.get(fk.ref_table)
                ref_cols = tuple(ref.column_index(n) for n in fk.ref_columns) if ref is not None else ()
                target = None
                if ref is not None and None not in ref_cols:
                    target = next((ix for ix in indexes_of(ref) if ix.unique and set(ix.columns) == set(ref_cols)),
                                  None)
                self.constraints.append(Constraint(named_oid(t, fk.name), fk.name, t, "f", fk.columns, target, ref,
                                                   ref_cols if None not in ref_cols else (), fk))
        self.index_by_oid = {ix.oid: ix for ix in self.indexes}
        self.constraint_by_oid = {c.oid: c for c in self.constraints}
        self.referenced = {c.ref_table.table_id for c in self.constraints if c.ref_table is not None}


def quote_ident(name: str) -> str:
    from .pg_catalog import quote_ident as q

    return q(name)


def indexdef(ix: Index) -> str:
    cols = ", ".join(quote_ident(ix.table.columns[i].name) for i in ix.columns)
    unique = "UNIQUE " if ix.unique else ""
    return f"CREATE {unique}INDEX {quote_ident(ix.name)} ON public.{quote_ident(ix.table.name)} USING btree ({cols})"


def index_column(ix: Index, n: int) -> str:
    """pg_get_indexdef(oid, n, ...): the n-th (1-based) key column, '' past the end."""
    return quote_ident(ix.table.columns[ix.columns[n - 1]].name) if 0 < n <= len(ix.columns) else ""


def constraintdef(c: Constraint, pretty: bool = False) -> str:
    t = c.table
    cols = ", ".join(quote_ident(t.columns[i].name) for i in c.columns)
    if c.contype == "p":
        return f"PRIMARY KEY ({cols})"
    if c.contype == "u":
        return f"UNIQUE ({cols})"
    if c.contype == "c":
        return f"CHECK ({pg_deparse.deparse(c.check_sql, t, pretty)})"
    fk = c.fk
    assert fk is not None
    refs = ", ".join(quote_ident(n) for n in fk.ref_columns)
    out = f"FOREIGN KEY ({cols}) REFERENCES {quote_ident(fk.ref_table)}({refs})"
    if fk.on_update != "a":
        out += f" ON UPDATE {_FK_ACTIONS.get(fk.on_update, 'NO ACTION')}"
    if fk.on_delete != "a":
        out += f" ON DELETE {_FK_ACTIONS.get(fk.on_delete, 'NO ACTION')}"
    return out


def action_rule(code: str) -> str:
    return _FK_ACTIONS.get(code, "NO ACTION")
