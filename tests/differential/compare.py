"""Running one query on both engines and comparing the outcomes.

An ``Outcome`` is either rows or an error's SQLSTATE.  Values are normalised
before comparing: numerics keep their scale (PostgreSQL's scale rules are part
of what is tested), floats are rounded to 12 significant digits.  Results are
compared as multisets unless the query's ORDER BY makes the order
deterministic.  Two errors match when their SQLSTATE classes (first two
characters) match; an error never matches rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class Outcome:
    rows: tuple | None = None
    sqlstate: str | None = None
    message: str = ""

    def show(self, limit: int = 12) -> str:
        if self.sqlstate is not None:
            return f"ERROR {self.sqlstate}: {self.message}"
        rows = list(self.rows or ())
        more = f" ... ({len(rows)} rows)" if len(rows) > limit else ""
        return repr(rows[:limit]) + more


class Engine(Protocol):
    def run(self, sql: str) -> Outcome: ...


def norm_value(v: Any) -> Any:
    if isinstance(v, float):
        return ("f", float(f"{v:.12g}"))
    if isinstance(v, Decimal):
        return ("n", format(v, "f"))
    if isinstance(v, bool):
        return ("b", v)
    return v


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, type(v).__name__, str(v)) for v in row)


def normalise(rows: list[tuple], ordered: bool) -> tuple:
    out = [tuple(norm_value(v) for v in r) for r in rows]
    return tuple(out if ordered else sorted(out, key=_sort_key))


def same(a: Outcome, b: Outcome) -> bool:
    if a.sqlstate is not None or b.sqlstate is not None:
        return a.sqlstate is not None and b.sqlstate is not None and a.sqlstate[:2] == b.sqlstate[:2]
    return a.rows == b.rows


@dataclass(frozen=True)
class Intended:
    pattern: re.Pattern[str]
    reason: str
    scale_only: bool = False  # applies only when the results agree up to numeric scale


def _unscaled(rows: tuple | None, ordered: bool) -> tuple | None:
    if rows is None:
        return None
    out = [tuple(("n", format(Decimal(v[1]).normalize(), "f")) if isinstance(v, tuple) and v[0] == "n" else v
                 for v in r) for r in rows]
    return tuple(out if ordered else sorted(out, key=_sort_key))


def load_intended(text: str) -> list[Intended]:
    """Entries of INTENDED.md: lines ``- [scale-only] `REGEX` reason`` (see that file)."""
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*-\s+(scale-only\s+)?`([^`]+)`\s*(.*)", line)
        if m:
            out.append(Intended(re.compile(m.group(2)), m.group(3).strip(), bool(m.group(1))))
    return out


def intended(sql: str, strata: Outcome, postgres: Outcome, entries: list[Intended],
             ordered: bool = False) -> Intended | None:
    text = f"{sql}\nstrata: {strata.show(limit=10**9)}\npostgres: {postgres.show(limit=10**9)}"
    for e in entries:
        if e.scale_only:
            a, b = _unscaled(strata.rows, ordered), _unscaled(postgres.rows, ordered)
            if a is None or a != b or not e.pattern.search(sql):
                continue
            return e
        if e.pattern.search(text):
            return e
    return None
