"""pg_catalog relations whose rows do not come from the user's tables: the one
database and role, settings, access methods, collations, tablespaces, pg_sequence
(from the snapshot's sequences), and the catalogs Strata has nothing for (empty: comments, inheritance, partitions,
policies, triggers, rules, publications, extensions, ...).  Declared with
``sql.pg_catalog.relation`` (which registers them); imported by it once.
"""

from __future__ import annotations

from . import settings as gucs
from .pg_catalog import (
    BTREE_AM,
    DATABASE_OID,
    HEAP_AM,
    PG_CATALOG,
    PROC_BASE,
    ROLE_OID,
    Snapshot,
    relation,
)
from .pgvalues import PgVector

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
         "seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool")(
    lambda snap: [{"seqrelid": q.oid, "seqtypid": q.typid, "seqstart": q.start, "seqincrement": q.increment,
                   "seqmax": q.max, "seqmin": q.min, "seqcache": 1, "seqcycle": False}
                  for q in snap.sequences])
relation(PG_CATALOG, "pg_enum", 3501, "oid oid, enumtypid oid, enumsortorder float4, enumlabel name")()
relation(PG_CATALOG, "pg_range", 3541, "rngtypid oid, rngsubtype oid, rngmultitypid oid, "
         "rngcollation oid, rngsubopc oid, rngcanonical regproc, rngsubdiff regproc")()
relation(PG_CATALOG, "pg_opclass", 2616, "oid oid, opcmethod oid, opcname name, "
         "opcnamespace oid, opcowner oid, opcfamily oid, opcintype oid, opcdefault bool, "
         "opckeytype oid")()  # empty: every index uses its type's default operator class
relation(PG_CATALOG, "pg_extension", 3079, "oid oid, extname name, extowner oid, "
         "extnamespace oid, extrelocatable bool, extversion text")()
relation(PG_CATALOG, "pg_foreign_table", 3118, "ftrelid oid, ftserver oid, ftoptions text[]")()
relation(PG_CATALOG, "pg_depend", 2608, "classid oid, objid oid, objsubid int4, refclassid oid, "
         "refobjid oid, refobjsubid int4, deptype char")()
relation(PG_CATALOG, "pg_matviews", 12005, "schemaname name, matviewname name, "
         "matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text", "v")()

_PROC = (
    "oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, "
    "prorows float4, provariadic oid, prosupport regproc, prokind char, prosecdef bool, "
    "proleakproof bool, proisstrict bool, proretset bool, provolatile char, proparallel char, "
    "pronargs int2, pronargdefaults int2, prorettype oid, proargtypes oidvector, "
    "proallargtypes oid[], proargmodes char[], proargnames text[], prosrc text, proacl acl[]"
)


@relation(PG_CATALOG, "pg_proc", 1255, _PROC)
def _pg_proc(snap: Snapshot) -> list[dict]:
    from .pg_functions import FUNCTIONS

    return [{"oid": PROC_BASE + i, "proname": name, "pronamespace": PG_CATALOG, "proowner": ROLE_OID,
             "prolang": 12, "procost": 1.0, "prokind": "f", "proisstrict": True, "provolatile": "s",
             "proparallel": "s", "prorettype": f.rettype, "pronargs": len(f.argtypes),
             "proargtypes": PgVector(f.argtypes), "prosrc": name}
            for i, (name, f) in enumerate(sorted(FUNCTIONS.items()))]
