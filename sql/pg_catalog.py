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
  catalog relation  PostgreSQL's own oid (pg_class 1259, ...); types: sql.oids
  the one role ``strata`` 10; the one database ``strata`` 5.

What exists: tables with columns, types, NOT NULL, DEFAULT, a primary key (shown
as the unique btree index ``<table>_pkey`` and its constraint).  Empty because
Strata has none yet: secondary indexes, views, sequences, inheritance,
partitions, policies, triggers, comments, publications, extended statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlglot import exp

from . import oids
from . import settings as gucs
from . import types as T
from .api import ColumnDef, SqlType, TableDef, TxnContext
from .pgvalues import PgArray, PgVector

PG_CATALOG, PUBLIC, INFORMATION_SCHEMA, PG_TOAST = 11, 2200, 13000, 99
NAMESPACES = {PG_CATALOG: "pg_catalog", PUBLIC: "public", INFORMATION_SCHEMA: "information_schema",
              PG_TOAST: "pg_toast"}
ROLE_OID, DATABASE_OID, HEAP_AM, BTREE_AM = 10, 5, 2, 403
INDEX_BASE, CONSTRAINT_BASE, ATTRDEF_BASE = 0x40000000, 0x50000000, 0x60000000
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
        if t.oid in (oids.VARCHAR, oids.BPCHAR) and t.length is not None:
            return t.length + 4
        if t.oid == oids.NUMERIC and t.precision is not None:
            return ((t.precision << 16) | (t.scale or 0)) + 4
        return -1


class Snapshot:
    """The catalog as one execution sees it: user tables plus derived maps."""

    def __init__(self, tables: list[TableDef], settings: dict[str, str]) -> None:
        self.tables = sorted(tables, key=lambda t: t.table_id)
        self.settings = settings
        self.by_oid = {t.table_id: t for t in self.tables}
        self._rows: dict[int, list[tuple]] = {}

    @staticmethod
    async def load(txn: TxnContext) -> "Snapshot":
        from .sequences import is_hidden

        return Snapshot([t for t in await txn.list_tables() if not is_hidden(t)], gucs.current())

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
        """(namespace, name) of a relation oid: table, pk index, or catalog relation."""
        t = self.by_oid.get(oid)
        if t is not None:
            return PUBLIC, t.name
        t = self.by_oid.get(oid - INDEX_BASE)
        if t is not None and t.primary_key:
            return PUBLIC, index_name(t)
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
            if t.primary_key and index_name(t) == rel:
                return INDEX_BASE + t.table_id
        return None


def _unquote(s: str) -> str:
    return s[1:-1].replace('""', '"') if s.startswith('"') and s.endswith('"') else s.lower()


def index_name(t: TableDef) -> str:
    return f"{t.name}_pkey"[:63]


def key_columns(t: TableDef) -> list[str]:
    return [t.columns[i].name for i in t.primary_key]


def quote_ident(name: str) -> str:
    import re

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


def indexdef(t: TableDef) -> str:
    cols = ", ".join(quote_ident(c) for c in key_columns(t))
    return f"CREATE UNIQUE INDEX {quote_ident(index_name(t))} ON public.{quote_ident(t.name)} USING btree ({cols})"


def constraintdef(t: TableDef) -> str:
    return f"PRIMARY KEY ({', '.join(quote_ident(c) for c in key_columns(t))})"


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
    for t in snap.tables:
        out.append({**base, "oid": t.table_id, "relname": t.name, "relnamespace": PUBLIC,
                    "relam": HEAP_AM, "relfilenode": t.table_id, "relkind": "r",
                    "relnatts": len(t.columns), "relhasindex": bool(t.primary_key)})
        if t.primary_key:
            oid = INDEX_BASE + t.table_id
            out.append({**base, "oid": oid, "relname": index_name(t), "relnamespace": PUBLIC,
                        "relam": BTREE_AM, "relfilenode": oid, "relkind": "i", "relreplident": "n",
                        "relnatts": len(t.primary_key), "reltuples": 0.0})
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


def _attr(relid: int, num: int, name: str, t: SqlType, typmod: int, notnull: bool, hasdef: bool) -> dict:
    size = oids.type_size(t.oid)
    return {"attrelid": relid, "attname": name, "atttypid": t.oid, "attstattarget": -1,
            "attlen": size, "attnum": num, "attcacheoff": -1, "atttypmod": typmod,
            "attbyval": 0 < size <= 8, "attalign": "i", "attstorage": "p" if size > 0 else "x",
            "attcompression": "", "attnotnull": notnull, "atthasdef": hasdef, "attidentity": "",
            "attgenerated": "", "attislocal": True,
            "attcollation": DEFAULT_COLLATION if t.oid in T.STRING_TYPES - {oids.NAME, oids.CHAR} else 0}


@relation(PG_CATALOG, "pg_attribute", 1249, _ATTR)
def _pg_attribute(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.columns():
        t = c.table
        out.append(_attr(t.table_id, c.num, c.col.name, c.col.type, c.typmod,
                         c.col.not_null or c.num - 1 in t.primary_key, c.col.default_sql is not None))
    for t in snap.tables:
        for k, i in enumerate(t.primary_key):
            col = t.columns[i]
            out.append(_attr(INDEX_BASE + t.table_id, k + 1, col.name, col.type, -1, False, False))
    for rel in _BY_OID.values():
        for k, (n, oid) in enumerate(rel.columns):
            out.append(_attr(rel.oid, k + 1, n, T.simple(oid), -1, oid in _ZERO, False))
    return out


@relation(PG_CATALOG, "pg_attrdef", 2604, "oid oid, adrelid oid, adnum int2, adbin node")
def _pg_attrdef(snap: Snapshot) -> list[dict]:
    return [{"oid": attrdef_oid(c.table.table_id, c.num), "adrelid": c.table.table_id, "adnum": c.num,
             "adbin": default_expr(c.col)} for c in snap.columns() if c.col.default_sql is not None]


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
    for t in snap.tables:
        if not t.primary_key:
            continue
        n = len(t.primary_key)
        out.append({"indexrelid": INDEX_BASE + t.table_id, "indrelid": t.table_id, "indnatts": n,
                    "indnkeyatts": n, "indisunique": True, "indisprimary": True, "indimmediate": True,
                    "indisvalid": True, "indisready": True, "indislive": True,
                    "indkey": PgVector(i + 1 for i in t.primary_key),
                    "indcollation": PgVector(
                        DEFAULT_COLLATION if t.columns[i].type.oid in T.STRING_TYPES else 0
                        for i in t.primary_key),
                    "indclass": PgVector(0 for _ in t.primary_key),
                    "indoption": PgVector(0 for _ in t.primary_key)})
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
    return [{"oid": CONSTRAINT_BASE + t.table_id, "conname": index_name(t), "connamespace": PUBLIC,
             "contype": "p", "convalidated": True, "conrelid": t.table_id,
             "conindid": INDEX_BASE + t.table_id, "confupdtype": " ", "confdeltype": " ",
             "confmatchtype": " ", "conislocal": True, "connoinherit": True,
             "conkey": PgArray(i + 1 for i in t.primary_key)}
            for t in snap.tables if t.primary_key]


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
    oids.JSONB: "jsonb", oids.REGNAMESPACE: "regnamespace",
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
    return {"N": "N", "S": "S", "B": "B", "T": "D", "U": "X"}.get(c, "U")


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
    for d in out:
        d.update({"typnamespace": PG_CATALOG, "typowner": ROLE_OID, "typtype": "b", "typisdefined": True,
                  "typdelim": ",", "typalign": "i", "typstorage": "p" if d["typlen"] > 0 else "x",
                  "typtypmod": -1,
                  "typcollation": DEFAULT_COLLATION if d["oid"] in (oids.TEXT, oids.VARCHAR, oids.BPCHAR) else 0})
    return out


_DATABASE = (
    "oid oid, datname name, datdba oid, encoding int4, datlocprovider char, datistemplate bool, "
    "datallowconn bool, datconnlimit int4, datfrozenxid int8, datminmxid int8, dattablespace oid, "
    "datcollate text, datctype text, daticulocale text, datcollversion text, datacl acl[]"
)


@relation(PG_CATALOG, "pg_database", 1262, _DATABASE)
def _pg_database(snap: Snapshot) -> list[dict]:
    return [{"oid": DATABASE_OID, "datname": gucs.DATABASE, "datdba": ROLE_OID, "encoding": 6,
             "datlocprovider": "c", "datallowconn": True, "datconnlimit": -1, "dattablespace": 1663,
             "datcollate": "C", "datctype": "C"}]


_ROLES = (
    "rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, "
    "rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolpassword text, "
    "rolvaliduntil timestamptz, rolbypassrls bool, rolconfig text[], oid oid"
)


@relation(PG_CATALOG, "pg_roles", 12001, _ROLES, "v")
def _pg_roles(snap: Snapshot) -> list[dict]:
    return [{"rolname": gucs.USER, "rolsuper": True, "rolinherit": True, "rolcreaterole": True,
             "rolcreatedb": True, "rolcanlogin": True, "rolreplication": True, "rolconnlimit": -1,
             "rolpassword": "********", "rolbypassrls": True, "oid": ROLE_OID}]


relation(PG_CATALOG, "pg_user", 12002, "usename name, usesysid oid, usecreatedb bool, usesuper bool, "
         "userepl bool, usebypassrls bool, passwd text, valuntil timestamptz, useconfig text[]", "v")(
    lambda snap: [{"usename": gucs.USER, "usesysid": ROLE_OID, "usecreatedb": True, "usesuper": True,
                   "userepl": True, "usebypassrls": True, "passwd": "********"}])

_SETTINGS_SPEC = (
    "name text, setting text, unit text, category text, short_desc text, extra_desc text, "
    "context text, vartype text, source text, min_val text, max_val text, enumvals text[], "
    "boot_val text, reset_val text, sourcefile text, sourceline int4, pending_restart bool"
)
relation(PG_CATALOG, "pg_settings", 12003, _SETTINGS_SPEC, "v")(
    lambda snap: gucs.pg_settings_rows(snap.settings))

relation(PG_CATALOG, "pg_description", 2609, "objoid oid, classoid oid, objsubid int4, description text")()
relation(PG_CATALOG, "pg_shdescription", 2396, "objoid oid, classoid oid, description text")()
relation(PG_CATALOG, "pg_am", 2601, "oid oid, amname name, amhandler regproc, amtype char")(
    lambda snap: [{"oid": HEAP_AM, "amname": "heap", "amtype": "t"},
                  {"oid": BTREE_AM, "amname": "btree", "amtype": "i"},
                  {"oid": 405, "amname": "hash", "amtype": "i"}])
relation(PG_CATALOG, "pg_inherits", 2611,
         "inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool")()
relation(PG_CATALOG, "pg_partitioned_table", 3350,
         "partrelid oid, partstrat char, partnatts int2, partdefid oid, partattrs int2vector, "
         "partclass oidvector, partcollation oidvector, partexprs node")()
relation(PG_CATALOG, "pg_collation", 3456,
         "oid oid, collname name, collnamespace oid, collowner oid, collprovider char, "
         "collisdeterministic bool, collencoding int4, collcollate text, collctype text")(
    lambda snap: [{"oid": o, "collname": n, "collnamespace": PG_CATALOG, "collowner": ROLE_OID,
                   "collprovider": p, "collisdeterministic": True, "collencoding": -1,
                   "collcollate": c, "collctype": c}
                  for o, n, p, c in ((100, "default", "d", None), (950, "C", "c", "C"),
                                     (951, "POSIX", "c", "POSIX"))])
relation(PG_CATALOG, "pg_tablespace", 1213, "oid oid, spcname name, spcowner oid, spcacl acl[], "
         "spcoptions text[]")(
    lambda snap: [{"oid": 1663, "spcname": "pg_default", "spcowner": ROLE_OID},
                  {"oid": 1664, "spcname": "pg_global", "spcowner": ROLE_OID}])
relation(PG_CATALOG, "pg_policy", 3256, "oid oid, polname name, polrelid oid, polcmd char, "
         "polpermissive bool, polroles oid[], polqual node, polwithcheck node")()
relation(PG_CATALOG, "pg_statistic_ext", 3381, "oid oid, stxrelid oid, stxname name, "
         "stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2vector, stxkind char[], "
         "stxexprs node")()
relation(PG_CATALOG, "pg_publication", 6104, "oid oid, pubname name, pubowner oid, "
         "puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, "
         "pubviaroot bool")()
relation(PG_CATALOG, "pg_publication_rel", 6106, "oid oid, prpubid oid, prrelid oid, prqual node, "
         "prattrs int2vector")()
relation(PG_CATALOG, "pg_publication_namespace", 6237, "oid oid, pnpubid oid, pnnspid oid")()
relation(PG_CATALOG, "pg_trigger", 2620, "oid oid, tgrelid oid, tgparentid oid, tgname name, "
         "tgfoid oid, tgtype int2, tgenabled char, tgisinternal bool, tgconstrrelid oid, "
         "tgconstrindid oid, tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs int2, "
         "tgattr int2vector, tgqual node")()
relation(PG_CATALOG, "pg_rewrite", 2618, "oid oid, rulename name, ev_class oid, ev_type char, "
         "ev_enabled char, is_instead bool, ev_qual node, ev_action node")()
relation(PG_CATALOG, "pg_sequence", 2224, "seqrelid oid, seqtypid oid, seqstart int8, "
         "seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool")()
relation(PG_CATALOG, "pg_enum", 3501, "oid oid, enumtypid oid, enumsortorder float4, enumlabel name")()
relation(PG_CATALOG, "pg_range", 3541, "rngtypid oid, rngsubtype oid, rngmultitypid oid, "
         "rngcollation oid, rngsubopc oid, rngcanonical regproc, rngsubdiff regproc")()
relation(PG_CATALOG, "pg_extension", 3079, "oid oid, extname name, extowner oid, "
         "extnamespace oid, extrelocatable bool, extversion text")()
relation(PG_CATALOG, "pg_foreign_table", 3118, "ftrelid oid, ftserver oid, ftoptions text[]")()
relation(PG_CATALOG, "pg_depend", 2608, "classid oid, objid oid, objsubid int4, refclassid oid, "
         "refobjid oid, refobjsubid int4, deptype char")()
relation(PG_CATALOG, "pg_views", 12004, "schemaname name, viewname name, viewowner name, "
         "definition text", "v")()
relation(PG_CATALOG, "pg_matviews", 12005, "schemaname name, matviewname name, "
         "matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text", "v")()
relation(PG_CATALOG, "pg_tables", 12006, "schemaname name, tablename name, tableowner name, "
         "tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool", "v")(
    lambda snap: [{"schemaname": "public", "tablename": t.name, "tableowner": gucs.USER,
                   "hasindexes": bool(t.primary_key)} for t in snap.tables])
relation(PG_CATALOG, "pg_indexes", 12007, "schemaname name, tablename name, indexname name, "
         "tablespace name, indexdef text", "v")(
    lambda snap: [{"schemaname": "public", "tablename": t.name, "indexname": index_name(t),
                   "indexdef": indexdef(t)} for t in snap.tables if t.primary_key])

_PROC = (
    "oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, "
    "prorows float4, provariadic oid, prosupport regproc, prokind char, prosecdef bool, "
    "proleakproof bool, proisstrict bool, proretset bool, provolatile char, proparallel char, "
    "pronargs int2, pronargdefaults int2, prorettype oid, proargtypes oidvector, "
    "proallargtypes oid[], proargmodes char[], proargnames text[], prosrc text, proacl acl[]"
)
PROC_BASE = 0x70000000


@relation(PG_CATALOG, "pg_proc", 1255, _PROC)
def _pg_proc(snap: Snapshot) -> list[dict]:
    from .pg_functions import FUNCTIONS

    return [{"oid": PROC_BASE + i, "proname": name, "pronamespace": PG_CATALOG, "proowner": ROLE_OID,
             "prolang": 12, "procost": 1.0, "prokind": "f", "proisstrict": True, "provolatile": "s",
             "proparallel": "s", "prorettype": f.rettype, "pronargs": len(f.argtypes),
             "proargtypes": PgVector(f.argtypes), "prosrc": name}
            for i, (name, f) in enumerate(sorted(FUNCTIONS.items()))]


_BY_OID: dict[int, Relation] = {}


def _index_relations() -> None:
    from . import information_schema  # noqa: F401  (declares its relations)

    _BY_OID.clear()
    _BY_OID.update({r.oid: r for r in RELATIONS.values()})


_index_relations()
