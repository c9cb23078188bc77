"""WITH RECURSIVE: ``name AS (non-recursive term UNION [ALL] recursive term)``.

The non-recursive term is planned first and gives the CTE's columns and
types; the recursive term is then planned with ``name`` bound to a
``WorkTable`` (the rows the previous iteration produced).  ``RecursiveUnion``
evaluates the first term, then re-runs the recursive term over the working
table until it yields no (new) rows; with UNION (not ALL) rows already produced
are discarded, as in PostgreSQL.  There is no iteration cap (PostgreSQL has
none): a statement that never ends is stopped by a cancel, which sets
``RunState.cancelled`` (the plan runs in a worker thread, sql.query).

As PostgreSQL: the recursive reference may appear once, only in the recursive
term and not inside a subquery (42P19), and the recursive term's column types
must match the non-recursive term's (42804).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import DATATYPE_MISMATCH, FEATURE_NOT_SUPPORTED, QUERY_CANCELED, SYNTAX_ERROR, SqlError
from .physical import Cached, Operator
from .runtime import Env
from .setops import common_types, converter

INVALID_RECURSION = "42P19"
Columns = list[tuple[str, SqlType]]


def is_recursive(cte: exp.CTE) -> bool:
    return any(_refs(cte.this, cte.alias))


def _refs(node: exp.Expression, name: str):
    return (t for t in node.find_all(exp.Table) if t.name == name and not t.db)


class WorkTable(Operator):
    """The rows of the previous iteration (set by ``RecursiveUnion``)."""

    def __init__(self, width: int) -> None:
        self.width = width

    def rows(self, env: Env) -> list[tuple]:
        return env.state.cache[id(self)]


class RecursiveUnion(Operator):
    def __init__(self, first: Operator, step: Operator, work: WorkTable, distinct: bool, conv: Any) -> None:
        self.first, self.step, self.work, self.distinct, self.conv = first, step, work, distinct, conv
        self.width = first.width

    def rows(self, env: Env) -> list[tuple]:
        state = env.state
        rows = list(self.first.rows(env))
        seen: set[tuple] = set()
        if self.distinct:
            rows = list(dict.fromkeys(rows))
            seen.update(rows)
        result = list(rows)
        work = rows
        conv = self.conv
        while work:
            if state.cancelled:
                raise SqlError(QUERY_CANCELED, "canceling statement due to user request")
            state.cache[id(self.work)] = work
            new = self.step.rows(env)
            if conv is not None:
                new = [conv(r) for r in new]
            if self.distinct:
                new = [r for r in dict.fromkeys(new) if r not in seen]
                seen.update(new)
            result.extend(new)
            work = new
        state.cache.pop(id(self.work), None)
        return result


def plan_recursive(ctx: Any, cte: exp.CTE, frame: dict, outer: Any = None, level: Any = None) -> tuple[Operator, Columns]:
    """Plan a self-referencing CTE; ``frame`` is the WITH's CTE frame (on the
    planner's stack), where the working table is bound while the recursive term
    is planned."""
    name = cte.alias
    body = cte.this
    if not isinstance(body, exp.Union):
        raise SqlError(INVALID_RECURSION, f'recursive query "{name}" does not have the form '
                       "non-recursive-term UNION [ALL] recursive-term")
    if body.args.get("order") is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, "ORDER BY in a recursive query is not implemented")
    if body.args.get("limit") is not None or body.args.get("offset") is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, "OFFSET/LIMIT in a recursive query is not implemented")
    left, right = body.this, body.expression
    if any(_refs(left, name)):
        raise SqlError(INVALID_RECURSION,
                       f'recursive reference to query "{name}" must not appear within its non-recursive term')
    refs = list(_refs(right, name))
    if len(refs) > 1:
        raise SqlError(INVALID_RECURSION, f'recursive reference to query "{name}" must not appear more than once')
    for ref in refs:
        p = ref.parent
        while p is not None and p is not right:
            if isinstance(p, (exp.Subquery, exp.Exists)) or (isinstance(p, exp.Query) and p is not right):
                raise SqlError(INVALID_RECURSION,
                               f'recursive reference to query "{name}" must not appear within a subquery')
            p = p.parent
    first, cols = ctx.plan_query(left, outer, level)
    renames = [c.name for c in cte.args["alias"].columns] if cte.args["alias"].columns else []
    if len(renames) > len(cols):
        raise SqlError("42P10", f'WITH query "{name}" has {len(cols)} columns available but '
                       f"{len(renames)} columns specified")
    cols = [(renames[i] if i < len(renames) else n, T.simple(oids.TEXT) if t.oid == oids.UNKNOWN else t)
            for i, (n, t) in enumerate(cols)]
    work = WorkTable(len(cols))
    frame[name] = (work, cols)
    step, step_cols = ctx.plan_query(right, outer, level)
    if len(step_cols) != len(cols):
        raise SqlError(SYNTAX_ERROR, "each UNION query must have the same number of columns")
    types = [t for _, t in cols]
    step_types = [t for _, t in step_cols]
    overall = common_types("UNION", types, step_types)
    for i, (a, b) in enumerate(zip(types, overall, strict=True)):
        if a.oid != b.oid:
            raise SqlError(
                DATATYPE_MISMATCH,
                f'recursive query "{name}" column {i + 1} has type {T.format_type(a)} in non-recursive term '
                f"but type {T.format_type(b)} overall",
                hint="Cast the output of the non-recursive term to the correct type.")
    distinct = body.args.get("distinct") is not False
    op = RecursiveUnion(first, step, work, distinct, converter(step_types, types))
    ctx.recursive = True
    return (op if level is not None else Cached(op)), cols  # the caller caches
