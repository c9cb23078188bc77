"""information_schema: the SQL-standard views over Strata's catalog (see sql.pg_catalog).

Reachable only qualified (``information_schema.tables``), as in PostgreSQL
where the schema is not on the default search_path.  Rows cover the user
tables in ``public`` (and, for ``tables``/``columns``, the virtual pg_catalog
and information_schema relations themselves).  The standard's domains
(sql_identifier, cardinal_number, character_data, yes_or_no) are reported as
their base types name, int4 and varchar.
"""

from __future__ import annotations

from . import oids
from . import settings as gucs
from . import types as T
from .pg_catalog import (
    INFORMATION_SCHEMA,
    NAMESPACES,
    RELATIONS,
    Snapshot,
    default_expr,
    relation,
    view_definition,
)
from .pg_constraints import action_rule, constraintdef
from .pg_deparse import columns_used


def _table_type(kind: str) -> str:
    return "VIEW" if kind == "v" else "BASE TABLE"


@relation(INFORMATION_SCHEMA, "tables", 13001,
          "table_catalog name, table_schema name, table_name name, table_type varchar, "
          "self_referencing_column_name name, reference_generation varchar, "
          "user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, "
          "is_insertable_into varchar, is_typed varchar, commit_action varchar", "v")
def _tables(snap: Snapshot) -> list[dict]:
    out = [{"table_schema": "public", "table_name": t.name, "table_type": "VIEW" if t.is_view else "BASE TABLE",
            "is_insertable_into": "NO" if t.is_view else "YES"} for t in snap.tables]
    for (schema, name), rel in sorted(RELATIONS.items()):
        out.append({"table_schema": schema, "table_name": name, "table_type": _table_type(rel.kind),
                    "is_insertable_into": "NO"})
    for d in out:
        d.update({"table_catalog": gucs.DATABASE, "is_typed": "NO"})
    return out


_COLUMNS = (
    "table_catalog name, table_schema name, table_name name, column_name name, "
    "ordinal_position int4, column_default varchar, is_nullable varchar, data_type varchar, "
    "character_maximum_length int4, character_octet_length int4, numeric_precision int4, "
    "numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, "
    "interval_type varchar, interval_precision int4, character_set_catalog name, "
    "character_set_schema name, character_set_name name, collation_catalog name, "
    "collation_schema name, collation_name name, domain_catalog name, domain_schema name, "
    "domain_name name, udt_catalog name, udt_schema name, udt_name name, scope_catalog name, "
    "scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name, "
    "is_self_referencing varchar, is_identity varchar, identity_generation varchar, "
    "identity_start varchar, identity_increment varchar, identity_maximum varchar, "
    "identity_minimum varchar, identity_cycle varchar, is_generated varchar, "
    "generation_expression varchar, is_updatable varchar"
)
_PRECISION = {oids.INT2: 16, oids.INT4: 32, oids.INT8: 64, oids.FLOAT4: 24, oids.FLOAT8: 53}


def _column(schema: str, table: str, num: int, name: str, t, nullable: bool, default: str | None,
            updatable: bool) -> dict:
    from .pg_catalog import _INTERNAL

    d = {"table_catalog": gucs.DATABASE, "table_schema": schema, "table_name": table, "column_name": name,
         "ordinal_position": num, "column_default": default, "is_nullable": "YES" if nullable else "NO",
         "data_type": "ARRAY" if t.oid in oids.ELEMENT_OF else oids.TYPE_NAME.get(t.oid, t.name),
         "udt_catalog": gucs.DATABASE, "udt_schema": "pg_catalog",
         "udt_name": _INTERNAL.get(t.oid) or ("_" + _INTERNAL[oids.ELEMENT_OF[t.oid]]),
         "dtd_identifier": str(num), "is_self_referencing": "NO", "is_identity": "NO",
         "identity_cycle": "NO", "is_generated": "NEVER", "is_updatable": "YES" if updatable else "NO"}
    if t.oid in (oids.VARCHAR, oids.BPCHAR):
        d["character_maximum_length"] = t.length
        d["character_octet_length"] = t.length * 4 if t.length else 1073741824
    elif t.oid == oids.TEXT:
        d["character_octet_length"] = 1073741824
    if t.oid in _PRECISION:
        d.update(numeric_precision=_PRECISION[t.oid], numeric_precision_radix=2,
                 numeric_scale=0 if t.oid in T.INT_TYPES else None)
    elif t.oid == oids.NUMERIC:
        d.update(numeric_precision=t.precision, numeric_precision_radix=10, numeric_scale=t.scale)
    elif t.oid in (oids.DATE, oids.TIMESTAMP, oids.TIMESTAMPTZ):
        d["datetime_precision"] = 0 if t.oid == oids.DATE else 6
    return d


_IDENTITY_MAX = {oids.INT2: 2**15 - 1, oids.INT4: 2**31 - 1, oids.INT8: 2**63 - 1}


@relation(INFORMATION_SCHEMA, "columns", 13002, _COLUMNS, "v")
def _columns(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.columns():
        t = c.table
        ident = c.col.identity
        d = _column("public", t.name, c.num, c.col.name, c.col.type,
                    not (c.col.not_null or c.num - 1 in t.primary_key),
                    None if ident else default_expr(c.col), True)
        if ident:  # GENERATED ... AS IDENTITY, with its sequence's (default) options
            d.update(is_identity="YES", identity_generation="ALWAYS" if ident == "a" else "BY DEFAULT",
                     identity_start="1", identity_increment="1", identity_minimum="1",
                     identity_maximum=str(_IDENTITY_MAX.get(c.col.type.oid, 2**63 - 1)))
        out.append(d)
    for (schema, name), rel in sorted(RELATIONS.items()):
        for k, col in enumerate(rel.table.columns):
            out.append(_column(schema, name, k + 1, col.name, col.type, not col.not_null, None, False))
    return out


def _constraint_base(t, name: str) -> dict:
    return {"constraint_catalog": gucs.DATABASE, "constraint_schema": "public", "constraint_name": name,
            "table_catalog": gucs.DATABASE, "table_schema": "public", "table_name": t.name}


@relation(INFORMATION_SCHEMA, "table_constraints", 13003,
          "constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, "
          "table_schema name, table_name name, constraint_type varchar, is_deferrable varchar, "
          "initially_deferred varchar, enforced varchar, nulls_distinct varchar", "v")
def _table_constraints(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.objects.constraints:
        d = {**_constraint_base(c.table, c.name), "constraint_type": _CONSTRAINT_TYPE[c.contype]}
        if c.contype == "u":
            d["nulls_distinct"] = "YES"
        out.append(d)
    for t in snap.tables:
        for i, col in enumerate(t.columns):
            if col.not_null or i in t.primary_key:
                # PostgreSQL 15 lists each NOT NULL as a CHECK named <nsp oid>_<rel oid>_<attnum>_not_null
                name = f"{2200}_{t.table_id}_{i + 1}_not_null"
                out.append({**_constraint_base(t, name), "constraint_type": "CHECK"})
    for d in out:
        d.update(is_deferrable="NO", initially_deferred="NO", enforced="YES")
    return out


@relation(INFORMATION_SCHEMA, "key_column_usage", 13004,
          "constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, "
          "table_schema name, table_name name, column_name name, ordinal_position int4, "
          "position_in_unique_constraint int4", "v")
def _key_column_usage(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.objects.constraints:
        if c.contype == "c":
            continue
        for k, i in enumerate(c.columns):
            d = {**_constraint_base(c.table, c.name), "column_name": c.table.columns[i].name,
                 "ordinal_position": k + 1}
            if c.contype == "f" and c.index is not None and k < len(c.ref_columns):
                d["position_in_unique_constraint"] = c.index.columns.index(c.ref_columns[k]) + 1
            out.append(d)
    return out


_CONSTRAINT_TYPE = {"p": "PRIMARY KEY", "u": "UNIQUE", "c": "CHECK", "f": "FOREIGN KEY"}


@relation(INFORMATION_SCHEMA, "check_constraints", 13008,
          "constraint_catalog name, constraint_schema name, constraint_name name, check_clause varchar", "v")
def _check_constraints(snap: Snapshot) -> list[dict]:
    base = {"constraint_catalog": gucs.DATABASE, "constraint_schema": "public"}
    out = [{**base, "constraint_name": c.name, "check_clause": constraintdef(c)[len("CHECK "):]}
           for c in snap.objects.constraints if c.contype == "c"]
    for t in snap.tables:
        for i, col in enumerate(t.columns):
            if col.not_null or i in t.primary_key:
                out.append({**base, "constraint_name": f"{2200}_{t.table_id}_{i + 1}_not_null",
                            "check_clause": f"{col.name} IS NOT NULL"})
    return out


@relation(INFORMATION_SCHEMA, "constraint_column_usage", 13009,
          "table_catalog name, table_schema name, table_name name, column_name name, "
          "constraint_catalog name, constraint_schema name, constraint_name name", "v")
def _constraint_column_usage(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.objects.constraints:
        if c.contype == "f":
            if c.ref_table is None:
                continue
            table, cols = c.ref_table, c.ref_columns
        elif c.contype == "c":
            table, cols = c.table, tuple(columns_used(c.check_sql, c.table))
        else:
            table, cols = c.table, c.columns
        for i in cols:
            out.append({"table_catalog": gucs.DATABASE, "table_schema": "public", "table_name": table.name,
                        "column_name": table.columns[i].name, "constraint_catalog": gucs.DATABASE,
                        "constraint_schema": "public", "constraint_name": c.name})
    return out


@relation(INFORMATION_SCHEMA, "referential_constraints", 13007,
          "constraint_catalog name, constraint_schema name, constraint_name name, "
          "unique_constraint_catalog name, unique_constraint_schema name, unique_constraint_name name, "
          "match_option varchar, update_rule varchar, delete_rule varchar", "v")
def _referential_constraints(snap: Snapshot) -> list[dict]:
    out = []
    for c in snap.objects.constraints:
        if c.contype != "f" or c.fk is None:
            continue
        d = {"constraint_catalog": gucs.DATABASE, "constraint_schema": "public", "constraint_name": c.name,
             "match_option": "NONE", "update_rule": action_rule(c.fk.on_update),
             "delete_rule": action_rule(c.fk.on_delete)}
        if c.index is not None and c.index.constraint:  # a plain unique index has no constraint name
            d.update(unique_constraint_catalog=gucs.DATABASE, unique_constraint_schema="public",
                     unique_constraint_name=c.index.name)
        out.append(d)
    return out


relation(INFORMATION_SCHEMA, "schemata", 13005,
         "catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name, "
         "default_character_set_schema name, default_character_set_name name, sql_path varchar", "v")(
    lambda snap: [{"catalog_name": gucs.DATABASE, "schema_name": n, "schema_owner": gucs.USER}
                  for _, n in sorted(NAMESPACES.items())])
relation(INFORMATION_SCHEMA, "views", 13006,
         "table_catalog name, table_schema name, table_name name, view_definition varchar, "
         "check_option varchar, is_updatable varchar, is_insertable_into varchar, "
         "is_trigger_updatable varchar, is_trigger_deletable varchar, "
         "is_trigger_insertable_into varchar", "v")(
    lambda snap: [{"table_catalog": gucs.DATABASE, "table_schema": "public", "table_name": t.name,
                   "view_definition": view_definition(t), "check_option": "NONE",
                   **dict.fromkeys(("is_updatable", "is_insertable_into", "is_trigger_updatable",
                                    "is_trigger_deletable", "is_trigger_insertable_into"), "NO")}
                  for t in snap.tables if t.is_view])
