"""Access paths: how a statement asks the TxnContext for candidate rows.

From the WHERE clause (its top-level AND terms) this module extracts

* ``get``   - every primary-key column equals a row-independent expression
              -> ``txn.get(table, key)``;
* ``range`` - bounds (=, <, <=, >, >=, BETWEEN) on the first primary-key column
              -> ``txn.scan(table, lo, hi)``;
* ``index`` - a secondary index (sql.indexes): equality on its leading columns,
              or a range / equality on its first column -> scan the index's
              hidden table between those bounds on its first column (or ``get``
              one entry of a unique index on full equality), keep the entries
              matching the other equalities, then ``txn.get`` each base row;
* ``scan``  - anything else -> ``txn.scan(table)``.

A row with a NULL in an indexed column has no entry, so an index is used only
when each of its columns is NOT NULL or compared in the WHERE (any comparison
is false for NULL).  The primary key wins when it gives ``get`` or ``range``; among indexes, a unique
index fully matched by equalities, then the most leading equalities, then a
range bounded on both sides.  ``describe()`` names the path as EXPLAIN does
(``Seq Scan on t``, ``Index Scan using t_pkey on t``).

The caller always re-checks the whole WHERE on the rows returned; a path only
narrows the candidates.  Bound values are computed per execution (they may be
parameters) and a NULL bound selects nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from sqlglot import exp

from . import indexes, oids
from . import types as T
from .api import Bound, IndexDef, Key, Row, SqlType, TableDef, TxnContext
from .errors import SqlError
from .expr import Compiler, Fn, Params, Scope

_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    return [node]


def _row_independent(node: exp.Expression) -> bool:
    return not any(
        isinstance(n, (exp.Column, exp.AggFunc, exp.Star, exp.Subquery, exp.Select))
        for n in node.walk()
    )


@dataclass
class AccessPath:
    kind: str  # "get" | "range" | "index" | "scan"
    key_fns: list[Fn] = field(default_factory=list)
    lower: list[tuple[Fn, bool]] = field(default_factory=list)
    upper: list[tuple[Fn, bool]] = field(default_factory=list)
    key_types: list[Any] = field(default_factory=list)
    index: IndexDef | None = None
    """kind "index": the index; ``key_fns`` are equalities on its leading columns
    (``key_types`` their types), ``lower``/``upper`` bounds on its first column."""
    index_table: TableDef | None = None
    """kind "index": the index's hidden table (sql.indexes.index_table), for EXPLAIN's pages."""
    relation: str = ""
    alias: str | None = None

    def describe(self) -> str:
        on = self.relation if not self.alias or self.alias == self.relation else f"{self.relation} {self.alias}"
        if self.kind == "scan":
            return f"Seq Scan on {on}"
        name = self.index.name if self.index is not None else f"{self.relation}_pkey"[: indexes.NAME_MAX]
        return f"Index Scan using {name} on {on}"

    async def fetch(
        self, txn: TxnContext, table: TableDef, params: Sequence[Any]
    ) -> list[tuple[Key, Row]]:
        if self.kind == "get":
            key = _values(self.key_fns, self.key_types, params)
            if key is None:
                return []
            row = await txn.get(table, key)
            return [] if row is None else [(key, row)]
        if self.kind == "range":
            lo = _tightest(self.lower, params, lower=True)
            hi = _tightest(self.upper, params, lower=False)
            if lo is False or hi is False:
                return []
            return await txn.scan(table, lo, hi)
        if self.kind == "index":
            return await self._fetch_index(txn, table, params)
        return await txn.scan(table)

    async def _fetch_index(self, txn: TxnContext, table: TableDef, params: Sequence[Any]) -> list[tuple[Key, Row]]:
        index = self.index
        assert index is not None
        n = len(index.columns)
        itable = self.index_table if self.index_table is not None else indexes.index_table(table, index)
        eq = _values(self.key_fns, self.key_types, params)
        if eq is None:
            return []
        if index.unique and len(eq) == n:
            entry = await txn.get(itable, eq)
            entries = [] if entry is None else [entry]
        else:
            if eq:
                lo = hi = Bound(eq[0], True)
            else:
                lo = _tightest(self.lower, params, lower=True)
                hi = _tightest(self.upper, params, lower=False)
                if lo is False or hi is False:
                    return []
            entries = [r for _, r in await txn.scan(itable, lo, hi) if tuple(r[: len(eq)]) == eq]
        out = []
        for entry in entries:
            key = tuple(entry[n:])
            row = await txn.get(table, key)
            if row is not None:
                out.append((key, row))
        return out


def _values(fns: list[Fn], types: list[Any], params: Sequence[Any]) -> tuple | None:
    """Equality values as key values; None when one is NULL or cannot match a key."""
    out = []
    for f, t in zip(fns, types, strict=False):
        v = _key_value(f((), params), t)
        if v is None:
            return None
        out.append(v)
    return tuple(out)


def _key_value(v: Any, t: Any) -> Any:
    """A bound value as a key of column type ``t``; None if it cannot match any key."""
    if v is None:
        return None
    if t.oid in T.INT_TYPES and isinstance(v, (Decimal, float)):
        return int(v) if v == int(v) else None
    return v


def _tightest(bounds: list[tuple[Fn, bool]], params: Sequence[Any], lower: bool) -> Any:
    """The tightest Bound, None for no bound, False if a bound is NULL."""
    best: Bound | None = None
    for f, inclusive in bounds:
        v = f((), params)
        if v is None:
            return False
        if best is None:
            best = Bound(v, inclusive)
            continue
        tighter = v > best.value if lower else v < best.value
        if tighter or (v == best.value and not inclusive):
            best = Bound(v, inclusive)
    return best


@dataclass
class _Terms:
    """What the WHERE says about one column: an equality and bounds (row-independent)."""

    eq: Fn | None = None
    lower: list[tuple[Fn, bool]] = field(default_factory=list)
    upper: list[tuple[Fn, bool]] = field(default_factory=list)


def choose(
    where: exp.Expression | None, table: TableDef, params: Params, alias: str | None = None
) -> AccessPath:
    seq = AccessPath("scan", relation=table.name, alias=alias)
    if where is None or not (table.primary_key or table.indexes):
        return seq
    terms = _column_terms(where, table, params, alias or table.name)
    if table.primary_key:
        pk_names = [table.columns[i].name for i in table.primary_key]
        if all(n in terms and terms[n].eq is not None for n in pk_names):
            types = [table.columns[i].type for i in table.primary_key]
            return AccessPath("get", key_fns=[terms[n].eq for n in pk_names], key_types=types,
                              relation=table.name, alias=alias)
        first = terms.get(pk_names[0])
        if first is not None and (first.lower or first.upper):
            return AccessPath("range", lower=first.lower, upper=first.upper,
                              key_types=[table.columns[table.primary_key[0]].type],
                              relation=table.name, alias=alias)
    best: tuple | None = None
    for index in table.indexes:
        cols = [table.columns[i] for i in index.columns]
        eqs = []
        for c in cols:
            t = terms.get(c.name)
            if t is None or t.eq is None or not _indexable(c.type):
                break
            eqs.append(t.eq)
        if not all(c.not_null or c.name in terms for c in cols):
            continue  # rows with a NULL there have no entry, and the WHERE does not exclude them
        first = terms.get(cols[0].name)
        if not eqs and (first is None or not (first.lower or first.upper) or not _indexable(cols[0].type)):
            continue
        rank = (index.unique and len(eqs) == len(cols), len(eqs), bool(first and first.lower and first.upper))
        if best is None or rank > best[0]:
            path = AccessPath("index", key_fns=eqs, key_types=[c.type for c in cols[: len(eqs)]],
                              index=index, index_table=indexes.index_table(table, index),
                              relation=table.name, alias=alias)
            if not eqs:
                path.lower, path.upper = first.lower, first.upper
            best = (rank, path)
    return best[1] if best is not None else seq


def _indexable(t: SqlType) -> bool:
    """char(n) compares ignoring its padding, so its stored values are not its keys."""
    return t.oid != oids.BPCHAR


def _column_terms(where: exp.Expression, table: TableDef, params: Params, name: str) -> dict[str, _Terms]:
    compiler = Compiler(Scope(None, []), params)
    pk = {table.columns[i].name for i in table.primary_key}
    indexed = {table.columns[i].name for ix in table.indexes for i in ix.columns}
    out: dict[str, _Terms] = {}

    def bound_fn(node: exp.Expression, col: str) -> Fn | None:
        col_type = table.columns[table.column_index(col)].type
        if col in pk:
            return compiler.with_hint(node, col_type).fn
        try:
            c = compiler.with_hint(node, col_type)
        except SqlError:
            return None  # the WHERE itself reports it
        return c.fn if _same_domain(c.type, col_type) else None

    for term in conjuncts(where):
        if isinstance(term, exp.Between):
            col = term.this
            if not (isinstance(col, exp.Column) and col.table in ("", name) and col.name in (pk | indexed)):
                continue
            lo, hi = term.args["low"], term.args["high"]
            if _row_independent(lo) and _row_independent(hi) and not term.args.get("symmetric"):
                f_lo, f_hi = bound_fn(lo, col.name), bound_fn(hi, col.name)
                if f_lo is not None and f_hi is not None:
                    t = out.setdefault(col.name, _Terms())
                    t.lower.append((f_lo, True))
                    t.upper.append((f_hi, True))
            continue
        op = type(term)
        if op not in _FLIP:
            continue
        left, right = term.this, term.expression
        if not isinstance(left, exp.Column):
            left, right, op = right, left, _FLIP[op]
        if not isinstance(left, exp.Column) or not _row_independent(right):
            continue
        col_name = left.name
        if col_name not in pk and col_name not in indexed or left.table not in ("", name):
            continue
        f = bound_fn(right, col_name)
        if f is None:
            continue
        t = out.setdefault(col_name, _Terms())
        if op is exp.EQ and t.eq is None:
            t.eq = f
        if op in (exp.GT, exp.GTE, exp.EQ):
            t.lower.append((f, op is not exp.GT))
        if op in (exp.LT, exp.LTE, exp.EQ):
            t.upper.append((f, op is not exp.LT))
    return out


def _same_domain(value: SqlType, column: SqlType) -> bool:
    """Whether a bound of type ``value`` compares with the column's stored values
    exactly as PostgreSQL compares them (else the index is not used for it)."""
    a, b = value.oid, column.oid
    if a == b:
        return True
    if T.category(a) == T.category(b) == "S":
        return oids.BPCHAR not in (a, b)
    if a in T.INT_TYPES:
        return b in T.INT_TYPES or b == oids.NUMERIC or b in T.FLOAT_TYPES
    return a == oids.NUMERIC and b in T.INT_TYPES
