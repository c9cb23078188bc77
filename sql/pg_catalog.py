"""pg_catalog: PostgreSQL's system catalogs as virtual relations over Strata's catalog.

    SELECT ... FROM pg_catalog.pg_class c JOIN pg_namespace n ON ...
      query.py: lookup(table node) -> a virtual TableDef (table_id = -relation oid)
      planner:  an ordinary TableScan (no primary key: always a full scan)
      QueryPlan.run: Snapshot.load(txn) once (txn.list_tables()), then every virtual
                     scan's rows are generated from it before the operators run

Nothing is stored: each execution derives the rows from ``TxnContext.list_tables``
(the same TableDefs the planner uses), so the catalog a client reads is the one
its transaction sees.  A relation name resolves here when it is qualified
``pg_catalog.x`` / ``information_schema.x``, or unqualified and a pg_catalog name
(PostgreSQL's search_path puts pg_catalog first).

OIDs are stable and derived, never stored:
  namespaces   pg_catalog 11, public 2200, information_schema 13000, pg_toast 99
  user table   its table_id;  its primary-key index  INDEX_BASE + table_id;
  its pk constraint CONSTRAINT_BASE + table_id;  a column default ATTRDEF_BASE + ...
  a sequence   SEQUENCE_BASE + a hash of its name (sequence_oid)
  catalog relation  PostgreSQL's own oid (pg_class 1259, ...); types: sql.oids
  the one role ``strata`` 10; the one database ``strata`` 5.

What exists: tables with columns, types, NOT NULL, DEFAULT, identity, a primary
key (the unique btree index ``<table>_pkey`` and its constraint), secondary
indexes, UNIQUE / CHECK / FOREIGN KEY constraints (sql.pg_constraints derives
their rows, oids and definitions), views, sequences (the rows of sql.sequences'
hidden table, read once per snapshot: pg_class relkind 'S', pg_sequence, and
``pg_get_serial_sequence`` for the SERIAL / identity column that owns one).
Empty because Strata has none yet: inheritance, partitions, policies, triggers,
comments, publications, extended statistics.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Callable

from sqlglot import exp

from . import oids
from . import pg_constraints as K
from . import settings as gucs
from . import types as T
from .api import ColumnDef, SqlType, TableDef, TxnContext
from .errors import UNDEFINED_COLUMN, UNDEFINED_TABLE, SqlError
from .pgvalues import PgArray, PgVector

PG_CATALOG, PUBLIC, INFORMATION_SCHEMA, PG_TOAST = 11, 2200, 13000, 99
NAMESPACES = {PG_CATALOG: "pg_catalog", PUBLIC: "public", INFORMATION_SCHEMA: "information_schema",
              PG_TOAST: "pg_toast"}
ROLE_OID, DATABASE_OID, HEAP_AM, BTREE_AM = 10, 5, 2, 403
INDEX_BASE, CONSTRAINT_BASE, ATTRDEF_BASE = K.INDEX_BASE, K.CONSTRAINT_BASE, 0x60000000
SEQUENCE_BASE = 0x20000000
DEFAULT_COLLATION = 100
SNAPSHOT_KEY = "pg_catalog.snapshot"

_TYPES = {
    "oid": oids.OID, "name": oids.NAME, "char": oids.CHAR, "int2": oids.INT2, "int4": oids.INT4,
    "int8": oids.INT8, "bool": oids.BOOL, "text": oids.TEXT, "float4": oids.FLOAT4,
    "float8": oids.FLOAT8, "regproc": oids.REGPROC, "int2vector": oids.INT2VECTOR,
    "oidvector": oids.OIDVECTOR, "node": oids.PG_NODE_TREE, "varchar": oids.VARCHAR,
    "timestamptz": oids.TIMESTAMPTZ, "regclass": oids.REGCLASS,
    "acl[]": oids.ARRAY_OF[oids.ACLITEM], "text[]": oids.ARRAY_OF[oids.TEXT],
    "int2[]": oids.ARRAY_OF[oids.INT2], "oid[]": oids.ARRAY_OF[oids.OID],
    "char[]": oids.ARRAY_OF[oids.CHAR], "name[]": oids.ARRAY_OF[oids.NAME],
}
_ZERO = {oids.OID: 0, oids.INT2: 0, oids.INT4: 0, oids.INT8: 0, oids.BOOL: False, oids.FLOAT4: 0.0,
         oids.REGPROC: 0}


@dataclass
class Relation:
    """One virtual relation: its schema and how to derive its rows."""

    namespace: int
    name: str
    oid: int
    kind: str  # 'r' catalog table, 'v' view
    columns: list[tuple[str, int]]
    rows: Callable[["Snapshot"], list[dict]] = lambda snap: []
    table: TableDef = field(init=False)

    def __post_init__(self) -> None:
        cols = tuple(ColumnDef(n, T.simple(t), t in _ZERO) for n, t in self.columns)
        self.table = TableDef(self.name, -self.oid, cols, ())

    def tuples(self, snap: "Snapshot") -> list[tuple]:
        # catalog columns are NOT NULL (0/false when not set); information_schema's are nullable
        zero = self.namespace != INFORMATION_SCHEMA
        names = [(n, _ZERO.get(t) if zero else None) for n, t in self.columns]
        return [tuple(d.get(n, z) for n, z in names) for d in self.rows(snap)]


RELATIONS: dict[tuple[str, str], Relation] = {}


def relation(namespace: int, name: str, oid: int, spec: str, kind: str = "r"):
    """Declare a relation; ``spec`` is ``"col type, col type, ..."``. Decorates its row builder."""
    cols = [(c.split()[0], _TYPES[c.split()[1]]) for c in spec.split(",") if c.strip()]

    def wrap(fn: Callable[["Snapshot"], list[dict]] | None = None):
        rel = Relation(namespace, name, oid, kind, cols, fn or (lambda snap: []))
        RELATIONS[(NAMESPACES[namespace], name)] = rel
        return fn

    return wrap


def lookup(node: exp.Table) -> TableDef | None:
    """The virtual TableDef a FROM item names, or None (a user table)."""
    name = node.name
    schema = node.db.lower() if node.db else "pg_catalog"
    rel = RELATIONS.get((schema, name))
    return rel.table if rel is not None else None


def by_table_id(table_id: int) -> Relation | None:
    return _BY_OID.get(-table_id)


# -- the snapshot one execution reads


@dataclass
class Column:
    table: TableDef
    num: int  # attnum, 1-based
    col: ColumnDef

    @property
    def typmod(self) -> int:
        t = self.col.type
        oid = oids.ELEMENT_OF.get(t.oid, t.oid)  # an array column: its element's modifier
        if oid in (oids.VARCHAR, oids.BPCHAR) and t.length is not None:
            return t.length + 4
        if oid == oids.NUMERIC and t.precision is not None:
            return ((t.precision << 16) | (t.scale or 0)) + 4
        return -1


_TYPE_RANGE = {oids.INT2: 2**15 - 1, oids.INT4: 2**31 - 1, oids.INT8: 2**63 - 1}
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')*)'(?:::regclass)?\)")


def sequence_oid(name: str) -> int:
    """A sequence's oid: stable (its name is its key in sql.sequences), in a range of
    its own (below pg_constraints' NAMED_BASE, above any allocated table id)."""
    return SEQUENCE_BASE + zlib.crc32(name.encode()) % 0x10000000


@dataclass(frozen=True)
class Sequence:
    """A sequence as pg_class / pg_sequence show it, from its row in sql.sequences'
    hidden table ``(name, last_value, is_called, increment, owned_by)``.

    The row keeps no start value: before the first nextval it is ``last_value``;
    after, the default start (PostgreSQL's MINVALUE ascending, MAXVALUE descending)
    is shown, since Strata accepts no MINVALUE / MAXVALUE options."""

    oid: int
    name: str
    typid: int
    """int8, or the type of the SERIAL / identity column that owns it."""
    start: int
    increment: int
    min: int
    max: int
    table: TableDef | None = None
    """The owning table (``owned_by``), when one of its columns takes its nextval."""
    column: int = 0
    """That column's attnum (1-based); 0 without an owner."""

    @staticmethod
    def from_row(row: tuple, tables: dict[str, TableDef]) -> "Sequence":
        name, last, called, increment, owned_by = row[:5]
        table, column, typid = None, 0, oids.INT8
        owner = tables.get(owned_by) if owned_by is not None else None
        if owner is not None:
            for i, c in enumerate(owner.columns):
                m = _NEXTVAL.fullmatch(c.default_sql.strip()) if c.default_sql else None
                if m is not None and m.group(1).replace("''", "'") == name:
                    table, column = owner, i + 1
                    typid = c.type.oid if c.type.oid in _TYPE_RANGE else oids.INT8
                    break
        top = _TYPE_RANGE[typid]
        lo, hi = (1, top) if increment > 0 else (-top - 1, -1)
        start = last if not called else (lo if increment > 0 else hi)
        return Sequence(sequence_oid(name), name, typid, start, increment, lo, hi, table, column)


class Snapshot:
    """The catalog as one execution sees it: user tables plus derived maps."""

    def __init__(self, tables: list[TableDef], settings: dict[str, str],
                 sequence_rows: list[tuple] = ()) -> None:
        self.tables = sorted(tables, key=lambda t: t.table_id)
        self.settings = settings
        self.by_oid = {t.table_id: t for t in self.tables}
        by_name = {t.name: t for t in self.tables}
        self.sequences = sorted((Sequence.from_row(r, by_name) for r in sequence_rows), key=lambda q: q.name)
        self.sequence_by_oid = {q.oid: q for q in self.sequences}
        self._rows: dict[int, list[tuple]] = {}
        self._objects: K.Catalog | None = None

    @property
    def objects(self) -> K.Catalog:
        """Indexes and constraints (sql.pg_constraints), derived on first use."""
        if self._objects is None:
            self._objects = K.Catalog(self.tables)
        return self._objects

    @staticmethod
    async def load(txn: TxnContext) -> "Snapshot":
        from .sequences import is_hidden

        tables = await txn.list_tables()
        hidden = next((t for t in tables if is_hidden(t)), None)
        rows = [row for _, row in await txn.scan(hidden)] if hidden is not None else []
        return Snapshot([t for t in tables if not is_hidden(t)], gucs.current(), rows)

    def column_names(self, oid: int) -> list[str]:
        """The attribute names (attnum order) of a relation oid; [] if none."""
        t = self.by_oid.get(oid)
        if t is not None:
            return [c.name for c in t.columns]
        if oid in self.sequence_by_oid:
            return [n for n, _ in _SEQ_COLUMNS]
        ix = self.objects.index_by_oid.get(oid)
        if ix is not None:
            return [ix.table.columns[i].name for i in ix.columns]
        rel = _BY_OID.get(oid)
        return [n for n, _ in rel.columns] if rel is not None else []

    def serial_sequence(self, table: TableDef, column: int) -> Sequence | None:
        """The sequence a SERIAL / identity column (attnum) owns (pg_get_serial_sequence)."""
        return next((q for q in self.sequences if q.table is table and q.column == column), None)

    def serial_sequence_name(self, table: str, column: str) -> str | None:
        """pg_get_serial_sequence: the sequence a SERIAL or identity column owns,
        schema-qualified, else NULL.  ``table`` is regclass input; ``column`` literal."""
        oid = self.relation_oid(table)
        if oid is None:
            shown = ".".join(_unquote(part.strip()) for part in table.split("."))
            raise SqlError(UNDEFINED_TABLE, f'relation "{shown}" does not exist')
        names = self.column_names(oid)
        if column not in names:
            found = self.relname(oid)
            raise SqlError(UNDEFINED_COLUMN, f'column "{column}" of relation '
                           f'"{found[1] if found else table}" does not exist')
        t = self.by_oid.get(oid)
        q = self.serial_sequence(t, names.index(column) + 1) if t is not None else None
        return None if q is None else f"public.{quote_ident(q.name)}"

    def rows(self, rel: Relation) -> list[tuple]:
        if rel.oid not in self._rows:
            self._rows[rel.oid] = rel.tuples(self)
        return self._rows[rel.oid]

    def columns(self):
        for t in self.tables:
            for i, c in enumerate(t.columns):
                yield Column(t, i + 1, c)

    # -- names of objects (regclass output, pg_get_* functions)
    def relname(self, oid: int) -> tuple[int, str] | None:
        """(namespace, name) of a relation oid: table, index, sequence or catalog relation."""
        t = self.by_oid.get(oid)
        if t is not None:
            return PUBLIC, t.name
        ix = self.objects.index_by_oid.get(oid)
        if ix is not None:
            return PUBLIC, ix.name
        q = self.sequence_by_oid.get(oid)
        if q is not None:
            return PUBLIC, q.name
        rel = _BY_OID.get(oid)
        return (rel.namespace, rel.name) if rel is not None else None

    def relation_oid(self, name: str) -> int | None:
        """Resolve a (possibly qualified) relation name as regclass input does."""
        schema, _, rel = name.rpartition(".")
        rel = _unquote(rel)
        schema = _unquote(schema) if schema else ""
        if schema in ("", "pg_catalog") and ("pg_catalog", rel) in RELATIONS:
            return RELATIONS[("pg_catalog", rel)].oid
        if schema and schema != "public":
            found = RELATIONS.get((schema, rel))
            return found.oid if found else None
        for t in self.tables:
            if t.name == rel:
                return t.table_id
        found = next((q.oid for q in self.sequences if q.name == rel), None)
        if found is not None:
            return found
        return next((ix.oid for ix in self.objects.indexes if ix.name == rel), None)


def _unquote(s: str) -> str:
    return s[1:-1].replace('""', '"') if s.startswith('"') and s.endswith('"') else s.lower()


def quote_ident(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = frozenset(
    "all analyse analyze and any array as asc asymmetric both case cast check collate column "
    "constraint create current_catalog current_date current_role current_time current_timestamp "
    "current_user default deferrable desc distinct do else end except false fetch for foreign from "
    "grant group having in initially intersect into lateral leading limit localtime localtimestamp "
    "not null offset on only or order placing primary references returning select session_user some "
    "symmetric table then to trailing true union unique user using variadic when where window with".split()
)


def get_indexdef(snap: Snapshot, oid: int, column: int = 0) -> str | None:
    """pg_get_indexdef(oid [, column])."""
    ix = snap.objects.index_by_oid.get(oid)
    if ix is None:
        return None
    return K.index_column(ix, column) if column else K.indexdef(ix)


def get_constraintdef(snap: Snapshot, oid: int, pretty: bool = False) -> str | None:
    """pg_get_constraintdef(oid [, pretty])."""
    c = snap.objects.constraint_by_oid.get(oid)
    return K.constraintdef(c, bool(pretty)) if c is not None else None


def default_expr(c: ColumnDef) -> str | None:
    """The DEFAULT as pg_get_expr prints it: a string literal gets its column's type
    cast (``'x'::text``), as PostgreSQL's deparser writes it."""
    sql = c.default_sql
    if sql is None:
        return None
    if sql.startswith("'") and sql.endswith("'") and "'" not in sql[1:-1].replace("''", ""):
        base = oids.TYPE_NAME.get(c.type.oid, c.type.name)
        return f"{sql}::{base}"
    return sql


# -- the relations (pg_catalog; information_schema is sql.information_schema)


def view_definition(t: TableDef) -> str:
    """pg_views.definition / pg_get_viewdef of a view (sql.views): its stored SELECT."""
    return f" {t.view_sql};"


@relation(PG_CATALOG, "pg_namespace", 2615, "oid oid, nspname name, nspowner oid, nspacl acl[]")
def _pg_namespace(snap: Snapshot) -> list[dict]:
    return [{"oid": o, "nspname": n, "nspowner": ROLE_OID} for o, n in sorted(NAMESPACES.items())]


_CLASS = (
    "oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid, "
    "relfilenode oid, reltablespace oid, relpages int4, reltuples float4, relallvisible int4, "
    "reltoastrelid oid, relhasindex bool, relisshared bool, relpersistence char, relkind char, "
    "relnatts int2, relchecks int2, relhasrules bool, relhastriggers bool, relhassubclass bool, "
    "relrowsecurity bool, relforcerowsecurity bool, relispopulated bool, relreplident char, "
    "relispartition bool, relrewrite oid, relfrozenxid int8, relminmxid int8, relacl acl[], "
    "reloptions text[], relpartbound node"
)


@relation(PG_CATALOG, "pg_class", 1259, _CLASS)
def _pg_class(snap: Snapshot) -> list[dict]:
    base = {"relowner": ROLE_OID, "relpersistence": "p", "relreplident": "d", "relispopulated": True,
            "reltuples": -1.0}
    out = []
    objects = snap.objects
    for t in snap.tables:
        out.append({**base, "oid": t.table_id, "relname": t.name, "relnamespace": PUBLIC,
                    "relam": 0 if t.is_view else HEAP_AM, "relfilenode": 0 if t.is_view else t.table_id,
                    "relkind": "v" if t.is_view else "r",
                    "relnatts": len(t.columns), "relhasindex": bool(t.primary_key or t.indexes),
                    "relchecks": len(t.checks),
                    "relhastriggers": bool(t.foreign_keys) or t.table_id in objects.referenced})
    for ix in objects.indexes:
        out.append({**base, "oid": ix.oid, "relname": ix.name, "relnamespace": PUBLIC,
                    "relam": BTREE_AM, "relfilenode": ix.oid, "relkind": "i", "relreplident": "n",
                    "relnatts": len(ix.columns), "reltuples": 0.0})
    for q in snap.sequences:  # as PostgreSQL 15 shows a sequence relation
        out.append({**base, "oid": q.oid, "relname": q.name, "relnamespace": PUBLIC, "relfilenode": q.oid,
                    "relkind": "S", "relreplident": "n", "relnatts": len(_SEQ_COLUMNS), "relpages": 1,
                    "reltuples": 1.0})
    for rel in _BY_OID.values():
        out.append({**base, "oid": rel.oid, "relname": rel.name, "relnamespace": rel.namespace,
                    "relam": HEAP_AM if rel.kind == "r" else 0, "relkind": rel.kind,
                    "relnatts": len(rel.columns), "relreplident": "n" if rel.kind == "r" else "d"})
    return out


_ATTR = (
    "attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2, "
    "attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, attalign char, attstorage char, "
    "attcompression char, attnotnull bool, atthasdef bool, atthasmissing bool, attidentity char, "
    "attgenerated char, attisdropped bool, attislocal bool, attinhcount int4, attcollation oid, "
    "attacl acl[], attoptions text[], attfdwoptions text[], attmissingval text[]"
)


_SEQ_COLUMNS = (("last_value", oids.INT8), ("log_cnt", oids.INT8), ("is_called", oids.BOOL))
"""The columns of a sequence relation (pg_attribute)."""


def _attr(relid: int, num: int, name: str, t: SqlType, typmod: int, notnull: bool, hasdef: bool,
          identity: str = "") -> dict:
    size = oids.type_size(t.oid)
    return {"attrelid": relid, "attname": name, "atttypid": t.oid, "attstattarget": -1,
            "attlen": size, "attnum": num, "attcacheoff": -1, "atttypmod": typmod,
            "attbyval": 0 < size <= 8, "attalign": "i", "attstorage": "p" if size > 0 else "x",
            "attcompression": "", "attnotnull": notnull, "atthasdef": hasdef, "attidentity": identity,
            "attgenerated": "", "attislocal": True,
            "attcollation": DEFAULT_COLLATION if t.oid in T.STRING_TYPES - {oids.NAME, oids.CHAR} else 0}


@relation(PG_CATALOG, "pg_attribute", 1249, _ATTR)
def _pg_attribute(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.columns():
        t = c.table
        out.append(_attr(t.table_id, c.num, c.col.name, c.col.type, c.typmod,
                         c.col.not_null or c.num - 1 in t.primary_key,
                         c.col.default_sql is not None and not c.col.identity, c.col.identity or ""))
    for ix in snap.objects.indexes:
        for k, i in enumerate(ix.columns):
            col = ix.table.columns[i]
            out.append(_attr(ix.oid, k + 1, col.name, col.type, Column(ix.table, i + 1, col).typmod, False, False))
    for q in snap.sequences:
        for k, (n, oid) in enumerate(_SEQ_COLUMNS):
            out.append(_attr(q.oid, k + 1, n, T.simple(oid), -1, True, False))
    for rel in _BY_OID.values():
        for k, (n, oid) in enumerate(rel.columns):
            out.append(_attr(rel.oid, k + 1, n, T.simple(oid), -1, oid in _ZERO, False))
    return out


@relation(PG_CATALOG, "pg_attrdef", 2604, "oid oid, adrelid oid, adnum int2, adbin node")
def _pg_attrdef(snap: Snapshot) -> list[dict]:
    return [{"oid": attrdef_oid(c.table.table_id, c.num), "adrelid": c.table.table_id, "adnum": c.num,
             "adbin": default_expr(c.col)} for c in snap.columns()
            if c.col.default_sql is not None and not c.col.identity]


def attrdef_oid(table_id: int, num: int) -> int:
    return ATTRDEF_BASE + (table_id * 1601 + num) % 0x10000000


_INDEX = (
    "indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, "
    "indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, indimmediate bool, "
    "indisclustered bool, indisvalid bool, indcheckxmin bool, indisready bool, indislive bool, "
    "indisreplident bool, indkey int2vector, indcollation oidvector, indclass oidvector, "
    "indoption int2vector, indexprs node, indpred node"
)


@relation(PG_CATALOG, "pg_index", 2610, _INDEX)
def _pg_index(snap: Snapshot) -> list[dict]:
    out = []
    for ix in snap.objects.indexes:
        t, n = ix.table, len(ix.columns)
        out.append({"indexrelid": ix.oid, "indrelid": t.table_id, "indnatts": n,
                    "indnkeyatts": n, "indisunique": ix.unique, "indisprimary": ix.primary,
                    "indimmediate": True, "indisvalid": True, "indisready": True, "indislive": True,
                    "indkey": PgVector(i + 1 for i in ix.columns),
                    "indcollation": PgVector(
                        DEFAULT_COLLATION if t.columns[i].type.oid in T.STRING_TYPES else 0
                        for i in ix.columns),
                    "indclass": PgVector(0 for _ in ix.columns),
                    "indoption": PgVector(0 for _ in ix.columns)})
    return out


_CONSTRAINT = (
    "oid oid, conname name, connamespace oid, contype char, condeferrable bool, condeferred bool, "
    "convalidated bool, conrelid oid, contypid oid, conindid oid, conparentid oid, confrelid oid, "
    "confupdtype char, confdeltype char, confmatchtype char, conislocal bool, coninhcount int4, "
    "connoinherit bool, conkey int2[], confkey int2[], conpfeqop oid[], conppeqop oid[], "
    "conffeqop oid[], confdelsetcols int2[], conexclop oid[], conbin node"
)


@relation(PG_CATALOG, "pg_constraint", 2606, _CONSTRAINT)
def _pg_constraint(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.objects.constraints:
        d = {"oid": c.oid, "conname": c.name, "connamespace": PUBLIC, "contype": c.contype,
             "convalidated": True, "conrelid": c.table.table_id,
             "conindid": c.index.oid if c.index is not None else 0, "confupdtype": " ",
             "confdeltype": " ", "confmatchtype": " ", "conislocal": True,
             "connoinherit": c.contype != "c", "conkey": PgArray(i + 1 for i in c.columns)}
        if c.contype == "c":
            d["conbin"] = K.pg_deparse.deparse(c.check_sql, c.table)
        elif c.contype == "f" and c.fk is not None:
            d.update(confrelid=c.ref_table.table_id if c.ref_table is not None else 0,
                     confupdtype=c.fk.on_update, confdeltype=c.fk.on_delete, confmatchtype="s",
                     connoinherit=True, confkey=PgArray(i + 1 for i in c.ref_columns))
        out.append(d)
    return out


_TYPE = (
    "oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, "
    "typtype char, typcategory char, typispreferred bool, typisdefined bool, typdelim char, "
    "typrelid oid, typsubscript regproc, typelem oid, typarray oid, typinput regproc, "
    "typoutput regproc, typreceive regproc, typsend regproc, typmodin regproc, typmodout regproc, "
    "typanalyze regproc, typalign char, typstorage char, typnotnull bool, typbasetype oid, "
    "typtypmod int4, typndims int4, typcollation oid, typdefaultbin node, typdefault text, typacl acl[]"
)
_INTERNAL = {
    oids.BOOL: "bool", oids.BYTEA: "bytea", oids.CHAR: "char", oids.NAME: "name", oids.INT8: "int8",
    oids.INT2: "int2", oids.INT2VECTOR: "int2vector", oids.INT4: "int4", oids.REGPROC: "regproc",
    oids.TEXT: "text", oids.OID: "oid", oids.OIDVECTOR: "oidvector", oids.PG_NODE_TREE: "pg_node_tree",
    oids.FLOAT4: "float4", oids.FLOAT8: "float8", oids.UNKNOWN: "unknown", oids.ACLITEM: "aclitem",
    oids.BPCHAR: "bpchar", oids.VARCHAR: "varchar", oids.DATE: "date", oids.TIME: "time",
    oids.TIMESTAMP: "timestamp", oids.TIMESTAMPTZ: "timestamptz", oids.INTERVAL: "interval",
    oids.NUMERIC: "numeric", oids.REGCLASS: "regclass", oids.REGTYPE: "regtype", oids.UUID: "uuid",
    oids.JSONB: "jsonb", oids.REGNAMESPACE: "regnamespace", oids.JSON: "json",
}
"""pg_type.typname of each type (format_type prints oids.TYPE_NAME)."""
TYPE_BY_NAME = {**{v: k for k, v in _INTERNAL.items()}, **{v: k for k, v in oids.TYPE_NAME.items()},
                **{"_" + _INTERNAL[e]: a for e, a in oids.ARRAY_OF.items()},
                "int": oids.INT4, "integer": oids.INT4, "smallint": oids.INT2, "bigint": oids.INT8,
                "real": oids.FLOAT4, "float": oids.FLOAT8, "double precision": oids.FLOAT8,
                "decimal": oids.NUMERIC, "boolean": oids.BOOL, "varchar": oids.VARCHAR,
                "char": oids.BPCHAR, "character": oids.BPCHAR, "timestamp": oids.TIMESTAMP,
                "timestamptz": oids.TIMESTAMPTZ, '"char"': oids.CHAR}


def _category(oid: int) -> str:
    if oid in oids.ELEMENT_OF:
        return "A"
    c = T.category(oid)
    return {"N": "N", "S": "S", "B": "B", "T": "D", "U": "X", "I": "T"}.get(c, "U")


@relation(PG_CATALOG, "pg_type", 1247, _TYPE)
def _pg_type(snap: Snapshot) -> list[dict]:
    out = []
    for oid, name in _INTERNAL.items():
        size = oids.type_size(oid)
        out.append({"oid": oid, "typname": name, "typlen": size, "typbyval": 0 < size <= 8,
                    "typarray": oids.ARRAY_OF.get(oid, 0), "typcategory": _category(oid)})
    for elem, arr in oids.ARRAY_OF.items():
        out.append({"oid": arr, "typname": "_" + _INTERNAL[elem], "typlen": -1, "typelem": elem,
                    "typcategory": "A"})
    for d in out:  # int2vector / oidvector are arrays of int2 / oid (asyncpg decodes them so)
        if d["oid"] in (oids.INT2VECTOR, oids.OIDVECTOR):
            d["typelem"] = oids.INT2 if d["oid"] == oids.INT2VECTOR else oids.OID
    for d in out:
        d.update({"typnamespace": PG_CATALOG, "typowner": ROLE_OID, "typtype": "b", "typisdefined": True,
                  "typdelim": ",", "typalign": "i", "typstorage": "p" if d["typlen"] > 0 else "x",
                  "typtypmod": -1,
                  "typcollation": DEFAULT_COLLATION if d["oid"] in (oids.TEXT, oids.VARCHAR, oids.BPCHAR) else 0})
    return out


relation(PG_CATALOG, "pg_views", 12004, "schemaname name, viewname name, viewowner name, "
         "definition text", "v")(
    lambda snap: [{"schemaname": "public", "viewname": t.name, "viewowner": gucs.USER,
                   "definition": view_definition(t)} for t in snap.tables if t.is_view])
relation(PG_CATALOG, "pg_tables", 12006, "schemaname name, tablename name, tableowner name, "
         "tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool", "v")(
    lambda snap: [{"schemaname": "public", "tablename": t.name, "tableowner": gucs.USER,
                   "hasindexes": bool(t.primary_key or t.indexes),
                   "hastriggers": bool(t.foreign_keys) or t.table_id in snap.objects.referenced}
                  for t in snap.tables if not t.is_view])
relation(PG_CATALOG, "pg_indexes", 12007, "schemaname name, tablename name, indexname name, "
         "tablespace name, indexdef text", "v")(
    lambda snap: [{"schemaname": "public", "tablename": ix.table.name, "indexname": ix.name,
                   "indexdef": K.indexdef(ix)} for ix in snap.objects.indexes])

PROC_BASE = 0x70000000
"""pg_proc oids: PROC_BASE + the function's position by name (sql.pg_static)."""


_BY_OID: dict[int, Relation] = {}


def _index_relations() -> None:
    from . import information_schema, pg_static  # noqa: F401  (declare their relations)

    _BY_OID.clear()
    _BY_OID.update({r.oid: r for r in RELATIONS.values()})


_index_relations()
