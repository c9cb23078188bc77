"""Access paths: how a statement asks the TxnContext for candidate rows.

From the WHERE clause (its top-level AND terms) this module extracts

* ``get``   - every primary-key column equals a row-independent expression
              -> ``txn.get(table, key)``;
* ``range`` - bounds (=, <, <=, >, >=, BETWEEN) on the first primary-key column
              -> ``txn.scan(table, lo, hi)``;
* ``scan``  - anything else -> ``txn.scan(table)``.

The caller always re-checks the whole WHERE on the rows returned; a path only
narrows the candidates.  Bound values are computed per execution (they may be
parameters) and a NULL bound selects nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from sqlglot import exp

from . import types as T
from .api import Bound, Key, Row, TableDef, TxnContext
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
    kind: str  # "get" | "range" | "scan"
    key_fns: list[Fn] = field(default_factory=list)
    lower: list[tuple[Fn, bool]] = field(default_factory=list)
    upper: list[tuple[Fn, bool]] = field(default_factory=list)
    key_types: list[Any] = field(default_factory=list)

    async def fetch(
        self, txn: TxnContext, table: TableDef, params: Sequence[Any]
    ) -> list[tuple[Key, Row]]:
        if self.kind == "get":
            key = []
            for f, t in zip(self.key_fns, self.key_types, strict=False):
                v = _key_value(f((), params), t)
                if v is None:
                    return []
                key.append(v)
            row = await txn.get(table, tuple(key))
            return [] if row is None else [(tuple(key), row)]
        if self.kind == "range":
            lo = _tightest(self.lower, params, lower=True)
            hi = _tightest(self.upper, params, lower=False)
            if lo is False or hi is False:
                return []
            return await txn.scan(table, lo, hi)
        return await txn.scan(table)


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


def choose(
    where: exp.Expression | None, table: TableDef, params: Params, alias: str | None = None
) -> AccessPath:
    if not table.primary_key or where is None:
        return AccessPath("scan")
    pk_names = [table.columns[i].name for i in table.primary_key]
    compiler = Compiler(Scope(None, []), params)
    eq: dict[str, Fn] = {}
    lower: list[tuple[Fn, bool]] = []
    upper: list[tuple[Fn, bool]] = []
    first = pk_names[0]
    first_type = table.columns[table.primary_key[0]].type

    def bound_fn(node: exp.Expression, name: str) -> Fn:
        col_type = table.columns[table.column_index(name)].type
        return compiler.with_hint(node, col_type).fn

    for term in conjuncts(where):
        if isinstance(term, exp.Between) and _is_pk_col(term.this, first, alias or table.name):
            lo, hi = term.args["low"], term.args["high"]
            if _row_independent(lo) and _row_independent(hi):
                lower.append((bound_fn(lo, first), True))
                upper.append((bound_fn(hi, first), True))
            continue
        op = type(term)
        if op not in _FLIP:
            continue
        left, right = term.this, term.expression
        if not isinstance(left, exp.Column):
            left, right, op = right, left, _FLIP[op]
        if not isinstance(left, exp.Column) or not _row_independent(right):
            continue
        name = left.name
        if name not in pk_names or (left.table and left.table != (alias or table.name)):
            continue
        if op is exp.EQ:
            eq.setdefault(name, bound_fn(right, name))
        if name != first:
            continue
        if op in (exp.GT, exp.GTE, exp.EQ):
            lower.append((bound_fn(right, name), op is not exp.GT))
        if op in (exp.LT, exp.LTE, exp.EQ):
            upper.append((bound_fn(right, name), op is not exp.LT))
    if all(n in eq for n in pk_names):
        types = [table.columns[i].type for i in table.primary_key]
        return AccessPath("get", key_fns=[eq[n] for n in pk_names], key_types=types)
    if lower or upper:
        return AccessPath("range", lower=lower, upper=upper, key_types=[first_type])
    return AccessPath("scan")


def _is_pk_col(node: exp.Expression, name: str, table_name: str) -> bool:
    return isinstance(node, exp.Column) and node.name == name and node.table in ("", table_name)
