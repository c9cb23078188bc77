"""Physical operators over materialised rows: scan, filter, project, sort,
distinct, limit, and the per-execution cache of a CTE.

Every operator has ``rows(env) -> list[tuple]``; it runs synchronously over
rows its ``TableScan`` leaves fetched before execution (``sql.runtime``).  Joins
are in ``sql.joins``, grouping in ``sql.aggregate``, set operations in
``sql.setops``.  Operators are built once per plan and never mutated after.
"""

from __future__ import annotations

from typing import Any, Sequence

from .access import AccessPath
from .api import TableDef, TxnContext
from .errors import INVALID_PARAMETER_VALUE, SqlError
from .expr import Fn
from .pgvalues import array_sort_key
from .runtime import Env


class Operator:
    width: int = 0

    def rows(self, env: Env) -> list[tuple]:
        raise NotImplementedError


class TableScan(Operator):
    """Rows of one table from its access path; a full scan is shared by every
    scan of the same table in a statement."""

    def __init__(self, table: TableDef, path: AccessPath, lock: bool = False, lock_filter: Fn | None = None) -> None:
        self.table = table
        self.path = path
        self.width = len(table.columns)
        self.key: Any = ("table", table.table_id) if path.kind == "scan" and not lock else ("path", id(self))
        self.lock, self.lock_filter = lock, lock_filter
        """SELECT ... FOR UPDATE (sql.locking): lock every row passing ``lock_filter``
        (the scan's pushed-down WHERE) and keep the locked version if it still passes."""

    async def fetch(self, txn: TxnContext, env: Env) -> None:
        fetched = env.state.fetched
        if self.key in fetched:
            return
        pairs = await self.path.fetch(txn, self.table, env)
        if not self.lock:
            fetched[self.key] = [r for _, r in pairs]
            return
        keep, out = self.lock_filter, []
        for key, row in pairs:
            if keep is not None and keep(row, env) is not True:
                continue
            row = await txn.lock_row(self.table, key)
            if row is not None and (keep is None or keep(row, env) is True):
                out.append(row)
        fetched[self.key] = out

    def rows(self, env: Env) -> list[tuple]:
        return env.state.fetched[self.key]


class OneRow(Operator):
    """FROM-less SELECT: one empty row."""

    def rows(self, env: Env) -> list[tuple]:
        return [()]


class Filter(Operator):
    def __init__(self, child: Operator, pred: Fn) -> None:
        self.child, self.pred, self.width = child, pred, child.width

    def rows(self, env: Env) -> list[tuple]:
        pred = self.pred
        return [r for r in self.child.rows(env) if pred(r, env) is True]


class Project(Operator):
    """One output column per function, or with ``flat`` one function that
    returns the whole output row."""

    def __init__(self, child: Operator, fns: Sequence[Fn], flat: bool = False, width: int | None = None) -> None:
        self.child, self.fns, self.flat = child, list(fns), flat
        self.width = width if width is not None else (child.width if flat else len(fns))

    def rows(self, env: Env) -> list[tuple]:
        rows = self.child.rows(env)
        if self.flat:
            f = self.fns[0]
            return [f(r, env) for r in rows]
        fns = self.fns
        if len(fns) == 1:
            f = fns[0]
            return [(f(r, env),) for r in rows]
        return [tuple([f(r, env) for f in fns]) for r in rows]


class Slice(Operator):
    """The first ``width`` columns (drops sort keys carried past projection)."""

    def __init__(self, child: Operator, width: int) -> None:
        self.child, self.width = child, width

    def rows(self, env: Env) -> list[tuple]:
        n = self.width
        return [r[:n] for r in self.child.rows(env)]


class Distinct(Operator):
    def __init__(self, child: Operator) -> None:
        self.child, self.width = child, child.width

    def rows(self, env: Env) -> list[tuple]:
        return list(dict.fromkeys(self.child.rows(env)))


class DistinctOn(Operator):
    """The first row of each run of equal ``keys`` (positions) in sorted input."""

    def __init__(self, child: Operator, keys: Sequence[int]) -> None:
        self.child, self.keys, self.width = child, list(keys), child.width

    def rows(self, env: Env) -> list[tuple]:
        seen: set[tuple] = set()
        out = []
        for r in self.child.rows(env):
            k = tuple([r[i] for i in self.keys])
            if k not in seen:
                seen.add(k)
                out.append(r)
        return out


class Sort(Operator):
    """Sort by row positions: ``keys`` is [(position, desc, nulls_first)].
    PostgreSQL's default puts NULLs last ascending and first descending."""

    def __init__(self, child: Operator, keys: Sequence[tuple[int, bool, bool]]) -> None:
        self.child, self.keys, self.width = child, list(keys), child.width

    def rows(self, env: Env) -> list[tuple]:
        rows = list(self.child.rows(env))
        for pos, desc, nulls_first in reversed(self.keys):
            flag = nulls_first == desc  # True sorts NULLs after values (before reversing)

            def key(r: tuple, i: int = pos, flag: bool = flag) -> tuple:
                v = r[i]
                if isinstance(v, tuple):  # an array (NULL elements sort last: sql.arrays)
                    v = array_sort_key(v)
                return (flag, 0) if v is None else (not flag, v)

            rows.sort(key=key, reverse=desc)
        return rows


class Limit(Operator):
    def __init__(self, child: Operator, limit: Fn | None, offset: Fn | None) -> None:
        self.child, self.limit, self.offset, self.width = child, limit, offset, child.width

    def rows(self, env: Env) -> list[tuple]:
        limit = self.limit((), env) if self.limit else None
        offset = self.offset((), env) if self.offset else 0
        for v, what in ((limit, "LIMIT"), (offset, "OFFSET")):
            if v is not None and v < 0:
                raise SqlError(INVALID_PARAMETER_VALUE, f"{what} must not be negative")
        offset = offset or 0
        if limit == 0:
            return []  # PostgreSQL never pulls a row from the child: its errors do not happen
        rows = self.child.rows(env)
        return rows[offset : None if limit is None else offset + limit]


class Cached(Operator):
    """Rows computed once per execution (a CTE or an uncorrelated subquery)."""

    def __init__(self, child: Operator) -> None:
        self.child, self.width = child, child.width

    def rows(self, env: Env) -> list[tuple]:
        cache = env.state.cache
        key = id(self)
        if key not in cache:
            cache[key] = self.child.rows(env)
        return cache[key]
