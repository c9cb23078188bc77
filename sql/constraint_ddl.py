"""Constraint definitions for CREATE TABLE and ALTER TABLE: AST -> specs -> defs.

Planning turns each constraint clause into a ``Spec`` (no catalog access);
``resolve`` checks the specs against a table and the catalog (columns exist,
CHECK is a boolean expression, the referenced table and its pk / unique
constraint exist, key types are comparable) and names the unnamed ones the way
PostgreSQL does (``t_pkey``, ``t_a_key``, ``t_a_check``, ``t_check`` for a check
over several columns, ``t_a_b_fkey``); ``install`` writes them (catalog + the
unique indexes through sql.indexes).  Enforcement is sql.constraints.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from sqlglot import exp

from . import constraints, indexes
from . import types as T
from .api import CheckDef, ForeignKeyDef, TableDef, TxnContext
from .errors import (
    DATATYPE_MISMATCH,
    FEATURE_NOT_SUPPORTED,
    UNDEFINED_COLUMN,
    UNDEFINED_TABLE,
    SqlError,
)

DUPLICATE_OBJECT = "42710"
INVALID_FOREIGN_KEY = "42830"

_ACTIONS = {"NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}


@dataclass
class Spec:
    kind: str  # "check" | "unique" | "fk" | "pk"
    name: str | None
    columns: list[str]
    expr: exp.Expression | None = None
    ref_table: str | None = None
    ref_columns: list[str] | None = None
    on_delete: str = "a"
    on_update: str = "a"


def _reference(name: str | None, columns: list[str], ref: exp.Reference) -> Spec:
    target = ref.this
    if isinstance(target, exp.Schema):
        ref_table, ref_cols = target.this.name, [e.name for e in target.expressions]
    else:
        ref_table, ref_cols = target.name, None
    spec = Spec("fk", name, columns, ref_table=ref_table, ref_columns=ref_cols)
    for opt in ref.args.get("options") or []:
        text = " ".join(str(opt).upper().split())
        if text.startswith("ON DELETE ") or text.startswith("ON UPDATE "):
            action = _ACTIONS.get(text[10:])
            if action is None:
                raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported foreign key action: {opt}")
            if text.startswith("ON DELETE "):
                spec.on_delete = action
            else:
                spec.on_update = action
        elif text not in ("MATCH SIMPLE", "NOT DEFERRABLE", "INITIALLY IMMEDIATE"):
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported foreign key option: {opt}")
    return spec


def table_constraint(node: exp.Expression) -> Spec:
    """A table constraint clause (CREATE TABLE element or ALTER TABLE ADD)."""
    name = None
    if isinstance(node, exp.Constraint):
        if len(node.expressions) != 1:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported constraint: {node.sql('postgres')}")
        name, node = node.name, node.expressions[0]
        if name == UNNAMED:
            name = None
    if isinstance(node, exp.PrimaryKey):
        return Spec("pk", name, [e.name for e in node.expressions])
    if isinstance(node, exp.ForeignKey):
        ref = node.args.get("reference")
        return _reference(name, [e.name for e in node.expressions], ref)
    if isinstance(node, exp.UniqueColumnConstraint) and isinstance(node.this, exp.Schema):
        _unique_options(node)
        return Spec("unique", name, [e.name for e in node.this.expressions])
    if isinstance(node, exp.CheckColumnConstraint):
        return Spec("check", name, [], expr=node.this)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported table constraint: {node.sql('postgres')}")


def _unique_options(node: exp.UniqueColumnConstraint) -> None:
    include = node.args.get("include")
    if node.args.get("nulls") or (include is not None and any(
            v not in (None, False, []) for k, v in include.args.items() if k != "with_storage")):
        raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported UNIQUE option: {node.sql('postgres')}")


def column_constraint(column: str, node: exp.ColumnConstraint) -> Spec | None:
    """A column constraint that becomes a table constraint (None for the others)."""
    kind = node.args.get("kind")
    name = node.name or None
    if isinstance(kind, exp.UniqueColumnConstraint):
        _unique_options(kind)
        return Spec("unique", name, [column])
    if isinstance(kind, exp.CheckColumnConstraint):
        return Spec("check", name, [], expr=kind.this)
    if isinstance(kind, exp.Reference):
        return _reference(name, [column], kind)
    return None


# ------------------------------------------------------------------ resolve


@dataclass
class Resolved:
    checks: list[CheckDef]
    fks: list[ForeignKeyDef]
    uniques: list[tuple[str, tuple[int, ...]]]


def constraint_names(table: TableDef) -> set[str]:
    out = {c.name for c in table.checks} | {f.name for f in table.foreign_keys}
    out |= {i.name for i in table.indexes if i.constraint}
    if table.primary_key:
        out.add(f"{table.name}_pkey")
    return out


def _positions(table: TableDef, names: list[str], what: str = "key") -> tuple[int, ...]:
    out = []
    for n in names:
        i = table.column_index(n)
        if i is None:
            msg = (f'column "{n}" named in key does not exist' if what == "key"
                   else f'column "{n}" referenced in foreign key constraint does not exist')
            raise SqlError(UNDEFINED_COLUMN, msg)
        out.append(i)
    return tuple(out)


async def resolve(txn: TxnContext, table: TableDef, specs: list[Spec]) -> Resolved:
    """Validate ``specs`` against ``table`` (its columns as they will be) and name them."""
    taken = constraint_names(table)
    relations = indexes.relation_names(await txn.list_tables())
    out = Resolved([], [], [])

    def claim(name: str) -> None:
        if name in taken:
            raise SqlError(DUPLICATE_OBJECT, f'constraint "{name}" for relation "{table.name}" already exists')
        taken.add(name)

    for s in specs:  # indexes are named first, as PostgreSQL does
        if s.kind == "unique":
            cols = _positions(table, s.columns)
            name = s.name or indexes.default_name(table.name, s.columns, "key", taken | relations)
            claim(name)
            relations.add(name)
            out.uniques.append((name, cols))
    for s in specs:
        if s.kind == "check":
            used = list(dict.fromkeys(c.name for c in s.expr.find_all(exp.Column)))
            sql = s.expr.sql("postgres")
            constraints.compile_check(table, sql)
            name = s.name or indexes.default_name(table.name, used if len(used) == 1 else [], "check", taken)
            claim(name)
            out.checks.append(CheckDef(name, sql))
    for s in specs:
        if s.kind == "fk":
            out.fks.append(await _foreign_key(txn, table, s, out.uniques, taken, claim))
    return out


async def _foreign_key(txn, table: TableDef, s: Spec, new_uniques, taken, claim) -> ForeignKeyDef:
    cols = _positions(table, s.columns, "fk")
    if s.ref_table == table.name:
        parent, uniques = table, list(new_uniques)
    else:
        parent = await txn.get_table(s.ref_table)
        if parent is None or parent.is_view:
            raise SqlError(UNDEFINED_TABLE, f'relation "{s.ref_table}" does not exist')
        uniques = []
    uniques += [(i.name, i.columns) for i in parent.indexes if i.unique]
    if s.ref_columns is None:
        if not parent.primary_key:
            raise SqlError(INVALID_FOREIGN_KEY, f'there is no primary key for referenced table "{parent.name}"')
        ref = tuple(parent.primary_key)
    else:
        ref = _positions(parent, s.ref_columns, "fk")
    if len(ref) != len(cols):
        raise SqlError(INVALID_FOREIGN_KEY, "number of referencing and referenced columns for foreign key disagree")
    if set(ref) != set(parent.primary_key) and not any(set(ref) == set(u) for _, u in uniques):
        raise SqlError(INVALID_FOREIGN_KEY,
                       f'there is no unique constraint matching given keys for referenced table "{parent.name}"')
    name = s.name or indexes.default_name(table.name, s.columns, "fkey", taken)
    for i, r in zip(cols, ref, strict=True):
        a, b = table.columns[i], parent.columns[r]
        if not T.comparable(a.type.oid, b.type.oid):
            raise SqlError(
                DATATYPE_MISMATCH, f'foreign key constraint "{name}" cannot be implemented',
                detail=f'Key columns "{a.name}" and "{b.name}" are of incompatible types: '
                       f'{T.format_type(a.type)} and {T.format_type(b.type)}.')
    claim(name)
    return ForeignKeyDef(name, cols, parent.name, tuple(parent.columns[r].name for r in ref),
                         s.on_delete, s.on_update)


# ------------------------------------------------------------------ install


async def install(txn: TxnContext, table: TableDef, r: Resolved, validate: bool) -> TableDef:
    """Write resolved constraints into ``table``'s catalog entry (and build their
    unique indexes).  ``validate``: existing rows must satisfy the new CHECKs (23514)
    and FKs (23503) first (ALTER TABLE ADD CONSTRAINT)."""
    new = dataclasses.replace(table, checks=table.checks + tuple(r.checks),
                              foreign_keys=table.foreign_keys + tuple(r.fks))
    if r.checks or r.fks:
        # Written before the rows are checked: the catalog write fences off
        # concurrent writers (compute.ddl_fence); a violation rolls it back.
        await txn.put_table(new)
    if validate and (r.checks or r.fks):
        rows = await txn.scan(table)
        for c in r.checks:
            fn = constraints.compile_check(new, c.sql)
            for _, row in rows:
                if fn(row, constraints._NO_PARAMS) is False:
                    raise SqlError(constraints.CHECK_VIOLATION,
                                   f'check constraint "{c.name}" of relation "{table.name}" is violated by some row')
        probe = dataclasses.replace(new, checks=(), foreign_keys=tuple(r.fks))
        for _, row in rows:
            await constraints.check_references(txn, probe, row)
    for name, cols in r.uniques:
        new = await indexes.create_index(txn, new, name, cols, True, constraint=True)
    return new


DEPENDENT_OBJECTS_STILL_EXIST = "2BP01"


async def drop_foreign_keys(txn: TxnContext, refs: list[tuple[TableDef, ForeignKeyDef]]) -> None:
    """Remove these foreign keys from their tables (DROP ... CASCADE)."""
    gone: dict[str, set[str]] = {}
    for child, fk in refs:
        gone.setdefault(child.name, set()).add(fk.name)
    for name, fks in gone.items():
        child = await txn.get_table(name)
        if child is not None:
            await txn.put_table(dataclasses.replace(
                child, foreign_keys=tuple(f for f in child.foreign_keys if f.name not in fks)))


def dependents_error(what: str, refs: list[tuple[TableDef, ForeignKeyDef]], on: str) -> SqlError:
    return SqlError(
        DEPENDENT_OBJECTS_STILL_EXIST, f"cannot drop {what} because other objects depend on it",
        detail="\n".join(f"constraint {fk.name} on table {child.name} depends on {on}" for child, fk in refs),
        hint="Use DROP ... CASCADE to drop the dependent objects too.")


async def check_drop_table(txn: TxnContext, name: str, dropping: list[str], cascade: bool) -> None:
    """DROP TABLE ``name``: foreign keys of other tables that reference it (2BP01
    unless CASCADE, which drops those constraints).  Tables in ``dropping`` go too."""
    refs = [(c, fk) for c, fk in await constraints.referencing(txn, name) if c.name not in dropping]
    if not refs:
        return
    if not cascade:
        raise dependents_error(f"table {name}", refs, f"table {name}")
    await drop_foreign_keys(txn, refs)


def no_parameters(node: exp.Expression) -> None:
    """DDL stores expressions as text: a $n in it (a client's, or the plan cache's
    sql.stmt_cache trying a constant as a parameter) is refused, so the
    statement is planned from its own text."""
    param = node.find(exp.Parameter, exp.Placeholder)
    if param is not None:
        raise SqlError("42P02", f"there is no parameter {param.sql('postgres')}")


UNNAMED = "strata$unnamed"
_ADD_CHECK = re.compile(r"\bADD\s+CHECK\s*\(", re.IGNORECASE)


_UNSUPPORTED_ALTER = re.compile(
    r"\b(OWNER\s+TO|SET\s+SCHEMA|SET\s+STATISTICS|SET\s+STORAGE|SET\s+TABLESPACE|SET\s+COMPRESSION|"
    r"(ADD|SET|DROP)\s+GENERATED|DROP\s+IDENTITY|SET\s+(LOGGED|UNLOGGED|WITHOUT|ACCESS)|RESET\s*\(|"
    r"ENABLE|DISABLE|CLUSTER\s+ON|NO\s+INHERIT|INHERIT|REPLICA\s+IDENTITY|ATTACH|DETACH|"
    r"VALIDATE\s+CONSTRAINT|ALTER\s+CONSTRAINT|FORCE)\b", re.IGNORECASE)


def name_unnamed_checks(sql: str) -> str | None:
    """``ALTER TABLE t ADD CHECK (...)`` as ``ADD CONSTRAINT "strata$unnamed" CHECK``
    (sqlglot parses only the named form); the placeholder name means unnamed.
    ALTER TABLE forms PostgreSQL has and Strata does not: 0A000."""
    if not _ADD_CHECK.search(sql):
        m = _UNSUPPORTED_ALTER.search(sql)
        if m is not None and sql.lstrip()[:5].upper() == "ALTER":
            raise SqlError(FEATURE_NOT_SUPPORTED, f"ALTER ... {' '.join(m.group(0).upper().split())} is not supported")
        return None
    return _ADD_CHECK.sub(f'ADD CONSTRAINT "{UNNAMED}" CHECK (', sql)


async def check_truncate(txn: TxnContext, name: str, truncating: list[str]) -> None:
    """TRUNCATE ``name``: a table that references it must be truncated with it (0A000)."""
    for child, _ in await constraints.referencing(txn, name):
        if child.name not in truncating:
            raise SqlError(FEATURE_NOT_SUPPORTED, "cannot truncate a table referenced in a foreign key constraint",
                           detail=f'Table "{child.name}" references "{name}".',
                           hint=f'Truncate table "{child.name}" at the same time, or use TRUNCATE ... CASCADE.')
