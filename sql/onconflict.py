"""INSERT ... ON CONFLICT [(cols) | ON CONSTRAINT name] DO NOTHING | DO UPDATE.

Arbiters (``plan_conflict``): the primary key or unique indexes
(``indexes.unique_constraints``) whose column set equals the conflict target
(42P10 when none does); ``ON CONSTRAINT`` names the pk (``<table>_pkey``) or a
UNIQUE constraint (a plain unique index is 42704, as PostgreSQL); without a
target every unique rule is an arbiter (DO NOTHING only: DO UPDATE needs a
target, 42601).  The index predicate of ``(cols) WHERE ...`` is ignored: every
Strata index is non-partial, which PostgreSQL accepts for any predicate.

Per proposed row (``OnConflict.apply``), a loop:

1. For each arbiter, take the row lock that guards its value: the primary key
   itself (``txn.lock_row``; ``txn.get`` for DO NOTHING) or the unique index's
   entry key in its hidden table (so no one else can insert that value until
   this transaction ends), then the conflicting base row, locked for DO UPDATE.
2. No conflict: ``rowwrite.insert_row``.  Should a primary-key arbiter still
   raise 23505 (a concurrent insert on a TxnContext whose insert does not wait
   on the key's lock), go back to 1: the row is then found and updated.
3. Conflict: DO NOTHING skips the row.  DO UPDATE evaluates SET and WHERE over
   the existing row and ``EXCLUDED`` (the proposed row, defaults applied), and
   writes with ``rowwrite.update_row``; a row this statement already inserted
   or updated is 21000.

So two sessions upserting one key on different compute nodes serialise on the
key's lock: one inserts, the other then sees the committed row and updates it.
"""

from __future__ import annotations

from sqlglot import exp

from . import indexes, rowwrite
from . import types as T
from .api import IndexDef, Key, Row, TableDef, TxnContext
from .assign import plan_set, value
from .errors import (
    CARDINALITY_VIOLATION,
    SERIALIZATION_FAILURE,
    SYNTAX_ERROR,
    UNDEFINED_COLUMN,
    UNDEFINED_OBJECT,
    UNIQUE_VIOLATION,
    SqlError,
)
from .expr import Compiler
from .fromclause import require_bool
from .scope import Scope

Arbiter = tuple[str, tuple[int, ...], IndexDef | None]
MAX_ATTEMPTS = 20
EXCLUDED = "excluded"


class OnConflict:
    def __init__(self, table: TableDef, arbiters: list[Arbiter], update: bool) -> None:
        self.table = table
        self.arbiters = arbiters
        self.update = update
        self.sets: list = []
        self.where = None

    async def apply(self, txn: TxnContext, row: Row, env: tuple, touched: set[Key]) -> Row | None:
        """Insert ``row`` or resolve its conflict; the row stored (None if none was).
        ``touched`` holds the keys this statement has inserted or updated."""
        table = self.table
        for attempt in range(MAX_ATTEMPTS):
            found = await self._conflict(txn, row)
            if found is False:
                continue
            if found is None:
                try:
                    key = await rowwrite.insert_row(txn, table, row)
                except SqlError as e:
                    if attempt + 1 < MAX_ATTEMPTS and self._pk_conflict(e):
                        continue
                    raise
                touched.add(key)
                return row
            if not self.update:
                return None
            key, existing = found
            if key in touched:
                raise SqlError(
                    CARDINALITY_VIOLATION,
                    "ON CONFLICT DO UPDATE command cannot affect row a second time",
                    hint="Ensure that no rows proposed for insertion within the same command "
                    "have duplicate constrained values.",
                )
            both = existing + row
            if self.where is not None and self.where(both, env) is not True:
                return None
            new = list(existing)
            for pos, f in self.sets:
                new[pos] = T.coerce_column(await value(f, both, env, txn), table.columns[pos], table.name)
            new_row = tuple(new)
            touched.add(await rowwrite.update_row(txn, table, key, existing, new_row))
            return new_row
        raise SqlError(SERIALIZATION_FAILURE, "could not serialize access due to concurrent update")

    async def _conflict(self, txn: TxnContext, row: Row) -> tuple[Key, Row] | None | bool:
        """(key, row) of the first arbiter's conflicting row, None if there is none,
        False if what was found changed under us (look again)."""
        table = self.table
        for _, cols, index in self.arbiters:
            values = tuple(row[i] for i in cols)
            if index is None:
                key = table.key_of(row)
                existing = await (txn.lock_row if self.update else txn.get)(table, key)
                if existing is not None:
                    return key, existing
                continue
            if any(v is None for v in values):
                continue
            await txn.lock_row(indexes.index_table(table, index), values)
            key = await indexes.lookup_unique(txn, table, index, values)
            if key is None:
                continue
            existing = await (txn.lock_row if self.update else txn.get)(table, key)
            if existing is None or tuple(existing[i] for i in cols) != values:
                return False
            return key, existing
        return None

    def _pk_conflict(self, e: SqlError) -> bool:
        return (e.sqlstate == UNIQUE_VIOLATION and self.table.primary_key != ()
                and any(index is None for _, _, index in self.arbiters)
                and f'"{self.table.name}_pkey"' in e.message)


def plan_conflict(node: exp.OnConflict, table: TableDef, alias: str, ctx) -> OnConflict:
    action = node.args.get("action")
    update = action is not None and action.name.upper() == "DO UPDATE"
    if node.args.get("duplicate"):
        raise SqlError(SYNTAX_ERROR, "ON DUPLICATE KEY is not PostgreSQL syntax")
    rules = indexes.unique_constraints(table)
    keys = node.args.get("conflict_keys")
    constraint = node.args.get("constraint")
    if constraint is not None:
        name = constraint.name
        arbiters = [r for r in rules if r[0] == name and (r[2] is None or r[2].constraint)]
        if not arbiters:
            raise SqlError(UNDEFINED_OBJECT, f'constraint "{name}" for table "{table.name}" does not exist')
    elif keys:
        wanted = {_key_column(k, table) for k in keys}
        arbiters = [r for r in rules if set(r[1]) == wanted]
        if not arbiters:
            raise SqlError(
                "42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification"
            )
    elif update:
        raise SqlError(
            SYNTAX_ERROR,
            "ON CONFLICT DO UPDATE requires inference specification or constraint name",
            hint="For example, ON CONFLICT (column_name).",
        )
    else:
        arbiters = rules
    plan = OnConflict(table, arbiters, update)
    if update:
        cols = [(c.name, c.type) for c in table.columns]
        scope = Scope(None, cols + cols, qualifiers=[alias] * len(cols) + [EXCLUDED] * len(cols))
        plan.sets = plan_set(node.expressions, table, Compiler(scope, ctx.params, clause="UPDATE", planner=ctx))
        where = node.args.get("where")
        if where is not None:
            plan.where = require_bool(Compiler(scope, ctx.params, planner=ctx), where.this)
    return plan


def _key_column(node: exp.Expression, table: TableDef) -> int:
    if isinstance(node, exp.Ordered):
        node = node.this
    if not isinstance(node, exp.Column) or node.table:
        raise SqlError(
            "42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification"
        )
    pos = table.column_index(node.name)
    if pos is None:
        raise SqlError(UNDEFINED_COLUMN, f'column "{node.name}" does not exist')
    return pos
