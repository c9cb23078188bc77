"""CHECK and FOREIGN KEY enforcement (CheckDef, ForeignKeyDef in sql.api).

The write path (sql.rowwrite) calls three hooks:

* ``check_row`` before a row is stored: the table's CHECK constraints (23514;
  NULL passes), then each foreign key whose columns are all non-NULL (MATCH
  SIMPLE) must find its parent row (23503).  The parent row is taken with
  ``txn.lock_row``, so it cannot be deleted before this transaction ends.  An
  UPDATE that leaves the FK columns unchanged does not look again.
* ``before_delete`` before a row leaves its table: rows of other tables that
  reference it are refused (NO ACTION / RESTRICT: 23503), deleted (CASCADE) or
  set to NULL / their defaults (SET NULL / SET DEFAULT) through sql.rowwrite.
* ``after_update`` after a row changed: the same for references to the
  referenced values it no longer has (ON UPDATE).

As in PostgreSQL, the child-side check and NO ACTION run at the end of the
statement (``run_statement``, which the executor wraps around every plan):
one statement may insert a child before its parent or delete rows that
reference each other.  CHECK and RESTRICT are immediate; CASCADE / SET NULL /
SET DEFAULT act at once, row by row.  A write outside ``run_statement`` is
checked at once.  Not deferrable to COMMIT (DEFERRABLE is refused).

Cost: a table without checks or FKs costs one attribute test in
``check_row``; the tables that reference a table come from a reverse map built
once per catalog snapshot (the list of TableDef objects, compared by identity).
"""

from __future__ import annotations

import contextvars
from typing import Any

from . import indexes, oids, rowwrite
from . import types as T
from .api import Bound, ColumnDef, ForeignKeyDef, Key, Row, TableDef, TxnContext
from .errors import DATATYPE_MISMATCH, SqlError
from .expr import Compiler, Params, Scope
from .parse import parse_expression
from .pgwire.values import text_encoder

CHECK_VIOLATION = "23514"
FOREIGN_KEY_VIOLATION = "23503"

_NO_PARAMS = Params().bind(())


# ------------------------------------------------------------------ formatting

def value_text(value: Any, col: ColumnDef) -> str:
    if value is None:
        return "null"
    return text_encoder(col.type.oid)(value).decode()


def failing_row(table: TableDef, row: Row) -> str:
    return "Failing row contains (" + ", ".join(
        value_text(v, c) for v, c in zip(row, table.columns, strict=False)) + ")."


def _key_text(columns: list[ColumnDef], values: tuple) -> str:
    names = ", ".join(c.name for c in columns)
    vals = ", ".join(value_text(v, c) for v, c in zip(values, columns, strict=False))
    return f"Key ({names})=({vals})"


# ------------------------------------------------------------------ CHECK

_compiled: dict[int, tuple[TableDef, list]] = {}


def compile_check(table: TableDef, sql: str):
    """The CHECK expression ``sql`` as fn(row, params) over ``table``'s columns."""
    scope = Scope(table.name, [(c.name, c.type) for c in table.columns])
    c = Compiler(scope, Params(), clause="check constraints").with_hint(parse_expression(sql), T.simple(oids.BOOL))
    if c.oid not in (oids.BOOL, oids.UNKNOWN):
        raise SqlError(DATATYPE_MISMATCH,
                       f"argument of CHECK must be type boolean, not type {oids.TYPE_NAME.get(c.oid, c.oid)}")
    return c.fn


def _checks(table: TableDef) -> list:
    hit = _compiled.get(id(table))
    if hit is not None and hit[0] is table:
        return hit[1]
    fns = [(c.name, compile_check(table, c.sql)) for c in sorted(table.checks, key=lambda c: c.name)]
    if len(_compiled) > 512:
        _compiled.clear()
    _compiled[id(table)] = (table, fns)
    return fns


def check_error(table: TableDef, name: str, row: Row) -> SqlError:
    return SqlError(CHECK_VIOLATION,
                    f'new row for relation "{table.name}" violates check constraint "{name}"',
                    detail=failing_row(table, row))


def run_checks(table: TableDef, row: Row) -> None:
    for name, fn in _checks(table):
        if fn(row, _NO_PARAMS) is False:
            raise check_error(table, name, row)


# ------------------------------------------------------------------ parent lookup

def _coerced(values: tuple, columns: list[ColumnDef]) -> tuple | None:
    try:
        return tuple(T.coerce(v, c.type) for v, c in zip(values, columns, strict=True))
    except SqlError:
        return None


def ref_positions(parent: TableDef, fk: ForeignKeyDef) -> list[int]:
    return [parent.column_index(c) for c in fk.ref_columns]


async def find_parent(txn: TxnContext, parent: TableDef, positions: list[int], values: tuple) -> bool:
    """Whether ``parent`` has a row whose columns ``positions`` equal ``values``;
    the row found is locked.  The columns are the pk or a unique index's."""
    values = _coerced(values, [parent.columns[p] for p in positions])
    if values is None:
        return False  # not representable in the parent's type: no such row
    by_pos = dict(zip(positions, values, strict=True))
    if parent.primary_key and set(positions) == set(parent.primary_key):
        return await txn.lock_row(parent, tuple(by_pos[p] for p in parent.primary_key)) is not None
    for index in parent.indexes:
        if index.unique and set(index.columns) == set(positions):
            key = await indexes.lookup_unique(txn, parent, index, tuple(by_pos[p] for p in index.columns))
            if key is None:
                return False
            row = await txn.lock_row(parent, key)
            return row is not None and all(row[p] == v for p, v in by_pos.items())
    for _, row in await txn.scan(parent):  # no index covers them (not expected)
        if all(row[p] == v for p, v in by_pos.items()):
            return True
    return False


async def _check_fk(txn: TxnContext, table: TableDef, fk: ForeignKeyDef, row: Row) -> None:
    values = tuple(row[i] for i in fk.columns)
    if None in values:
        return
    parent = table if fk.ref_table == table.name else await txn.get_table(fk.ref_table)
    if parent is None:
        return
    positions = ref_positions(parent, fk)
    if parent is table and all(row[p] == v for p, v in zip(positions, values, strict=True)):
        return  # the row references itself
    if not await find_parent(txn, parent, positions, values):
        raise fk_missing(table, fk, values)


def fk_missing(table: TableDef, fk: ForeignKeyDef, values: tuple) -> SqlError:
    cols = [table.columns[i] for i in fk.columns]
    return SqlError(
        FOREIGN_KEY_VIOLATION,
        f'insert or update on table "{table.name}" violates foreign key constraint "{fk.name}"',
        detail=f'{_key_text(cols, values)} is not present in table "{fk.ref_table}".')


async def check_row(txn: TxnContext, table: TableDef, row: Row, old: Row | None) -> None:
    """Before ``row`` is stored (``old`` is the row it replaces on UPDATE):
    CHECK constraints (23514) now, the rows it references (23503) at the end of
    the statement (now when no statement is running)."""
    if not table.checks and not table.foreign_keys:
        return
    if table.checks:
        run_checks(table, row)
    pending = _pending.get()
    for fk in table.foreign_keys:
        if old is not None and all(old[i] == row[i] for i in fk.columns):
            continue
        if pending is None:
            await _check_fk(txn, table, fk, row)
        elif None not in (row[i] for i in fk.columns):
            pending.append((_deferred_fk, table, fk, row))


async def check_references(txn: TxnContext, table: TableDef, row: Row) -> None:
    """The rows ``row`` references must exist (23503), checked now."""
    for fk in table.foreign_keys:
        await _check_fk(txn, table, fk, row)


# ------------------------------------------------------------------ end of statement

_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("strata_fk_pending", default=None)


async def run_statement(plan: Any, txn: TxnContext, params: Any) -> Any:
    """``plan.run(txn, params)``, then the foreign-key checks PostgreSQL runs at the
    end of a statement (the child's reference, NO ACTION): so one statement may
    insert a child before its parent, or delete rows that reference each other."""
    token = _pending.set([])
    try:
        result = await plan.run(txn, params)
        pending = _pending.get()
        i = 0
        while i < len(pending):
            check, *args = pending[i]
            await check(txn, *args)
            i += 1
        return result
    finally:
        _pending.reset(token)


async def _deferred_fk(txn: TxnContext, table: TableDef, fk: ForeignKeyDef, row: Row) -> None:
    if table.primary_key and await txn.get(table, table.key_of(row)) != row:
        return  # deleted or changed again later in the statement (that version was checked)
    await _check_fk(txn, table, fk, row)


async def _deferred_no_action(txn: TxnContext, parent: TableDef, child: TableDef, fk: ForeignKeyDef,
                              positions: list[int], values: tuple) -> None:
    current = await txn.get_table(parent.name)
    if current is not None and await find_parent(txn, current, positions, values):
        return  # another row has the key now (PostgreSQL's ri_Check_Pk_Match)
    child = await txn.get_table(child.name) or child
    if await child_rows(txn, child, fk, values):
        raise _still_referenced(parent, child, fk, positions, values)


# ------------------------------------------------------------------ referencing rows

_reverse: list = [None, {}]  # [the list_tables() it was built from, {name: [(child, fk)]}]


def _same(a: list, b: list | None) -> bool:
    return b is not None and len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


async def referencing(txn: TxnContext, name: str) -> list[tuple[TableDef, ForeignKeyDef]]:
    """(child table, fk) for every foreign key that references table ``name``."""
    tables = await txn.list_tables()
    if not _same(tables, _reverse[0]):
        rev: dict[str, list] = {}
        for t in tables:
            for fk in t.foreign_keys:
                rev.setdefault(fk.ref_table, []).append((t, fk))
        _reverse[0], _reverse[1] = tables, rev
    return _reverse[1].get(name, [])


async def child_rows(txn: TxnContext, child: TableDef, fk: ForeignKeyDef, values: tuple) -> list[tuple[Key, Row]]:
    """Rows of ``child`` whose FK columns equal ``values`` (the parent's values)."""
    values = _coerced(values, [child.columns[i] for i in fk.columns])
    if values is None:
        return []
    by_pos = dict(zip(fk.columns, values, strict=True))
    pk = child.primary_key
    if pk and set(pk) == set(fk.columns):
        key = tuple(by_pos[p] for p in pk)
        row = await txn.get(child, key)
        return [(key, row)] if row is not None else []
    for index in child.indexes:
        if index.unique and set(index.columns) == set(fk.columns):
            key = await indexes.lookup_unique(txn, child, index, tuple(by_pos[p] for p in index.columns))
            row = await txn.get(child, key) if key is not None else None
            return [(key, row)] if row is not None and all(row[p] == v for p, v in by_pos.items()) else []
    if pk and pk[0] in by_pos:
        b = Bound(by_pos[pk[0]])
        rows = await txn.scan(child, b, b)
    else:
        rows = await _index_candidates(txn, child, by_pos)
        if rows is None:
            rows = await txn.scan(child)
    return [(k, r) for k, r in rows if all(r[p] == v for p, v in by_pos.items())]


async def _index_candidates(txn: TxnContext, child: TableDef, by_pos: dict) -> list | None:
    """Rows found through an index whose first column is an FK column (None: no such index)."""
    for index in child.indexes:
        if index.columns and index.columns[0] in by_pos:
            n = len(index.columns)
            b = Bound(by_pos[index.columns[0]])
            out = []
            for _, entry in await txn.scan(indexes.index_table(child, index), b, b):
                if all(entry[j] == by_pos[p] for j, p in enumerate(index.columns) if p in by_pos):
                    key = tuple(entry[n:])
                    row = await txn.get(child, key)
                    if row is not None:
                        out.append((key, row))
            return out
    return None


_deleting: contextvars.ContextVar[set | None] = contextvars.ContextVar("strata_fk_deleting", default=None)


def _still_referenced(parent: TableDef, child: TableDef, fk: ForeignKeyDef, positions, values) -> SqlError:
    return SqlError(
        FOREIGN_KEY_VIOLATION,
        f'update or delete on table "{parent.name}" violates foreign key constraint "{fk.name}" '
        f'on table "{child.name}"',
        detail=f'{_key_text([parent.columns[p] for p in positions], values)} '
               f'is still referenced from table "{child.name}".')


async def _act(txn: TxnContext, parent: TableDef, key: Key, old: Row, new: Row | None) -> None:
    refs = await referencing(txn, parent.name)
    if not refs:
        return
    active = _deleting.get()
    token = _deleting.set(set()) if active is None else None
    active = _deleting.get()
    active.add((parent.table_id, key))
    try:
        for child, fk in refs:
            positions = ref_positions(parent, fk)
            if None in positions:
                continue
            values = tuple(old[p] for p in positions)
            if None in values:
                continue
            new_values = None if new is None else tuple(new[p] for p in positions)
            if new_values == values:
                continue
            if child.name == parent.name:
                child = parent
            matches = [(k, r) for k, r in await child_rows(txn, child, fk, values)
                       if (child.table_id, k) not in active]
            if not matches:
                continue
            action = fk.on_delete if new is None else fk.on_update
            pending = _pending.get()
            if action == "a" and pending is not None:
                pending.append((_deferred_no_action, parent, child, fk, positions, values))
                continue
            if action in ("a", "r"):
                raise _still_referenced(parent, child, fk, positions, values)
            for k, _ in matches:
                row = await txn.lock_row(child, k)
                if row is None or any(row[i] != r for i, r in zip(fk.columns, values, strict=True)):
                    continue
                if action == "c" and new is None:
                    await rowwrite.delete_row(txn, child, k, row)
                    continue
                changed = list(row)
                for n, i in enumerate(fk.columns):
                    col = child.columns[i]
                    if action == "c":
                        v = new_values[n]
                    elif action == "n":
                        v = None
                    else:
                        v = await column_default(txn, col)
                    changed[i] = T.coerce_column(v, col, child.name)
                if action == "d" and all(changed[i] == row[i] for i in fk.columns):
                    raise _still_referenced(parent, child, fk, positions, values)  # as PostgreSQL's ri_set
                await rowwrite.update_row(txn, child, k, row, tuple(changed))
    finally:
        active.discard((parent.table_id, key))
        if token is not None:
            _deleting.reset(token)


async def column_default(txn: TxnContext, col: ColumnDef) -> Any:
    """The value of ``col``'s DEFAULT (None without one); nextval() included."""
    from . import sequences

    if col.default_sql is None:
        return None
    node = parse_expression(col.default_sql)
    seq = sequences.nextval_target(node)
    if seq is not None:
        return await sequences.nextval(txn, seq)
    fn = Compiler(Scope(None, []), Params(), clause="DEFAULT expressions").with_hint(node, col.type).fn
    return fn((), _NO_PARAMS)


def _may_be_referenced(table: TableDef) -> bool:
    return bool(table.primary_key) or any(i.unique for i in table.indexes)


async def before_delete(
    txn: TxnContext, table: TableDef, key: Key, row: Row, replacement: Row | None
) -> None:
    """Before ``row`` leaves ``table`` (DELETE, or an UPDATE that changes its key
    to ``replacement``): rows of other tables that reference it.  A key change
    is handled by ``after_update`` once the new row is stored."""
    if replacement is not None or not _may_be_referenced(table):
        return
    if (table.table_id, key) in (_deleting.get() or ()):
        return
    await _act(txn, table, key, row, None)


async def after_update(txn: TxnContext, table: TableDef, key: Key, old: Row, new_key: Key, new: Row) -> None:
    """After ``old`` was replaced by ``new``: ON UPDATE actions of the rows that
    referenced values ``old`` had and ``new`` has not."""
    if not _may_be_referenced(table):
        return
    if new_key == key and all(
            old[p] == new[p] for i in table.indexes if i.unique for p in i.columns):
        return
    await _act(txn, table, new_key, old, new)
