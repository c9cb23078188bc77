"""Subquery expressions: scalar ``(SELECT ...)``, ``EXISTS (...)`` and
``x IN (SELECT ...)``.

The compiler hands the subquery to its planner (``sql.query.QueryContext``)
with the scope of the row the expression is evaluated on; the subquery's
scopes have that scope as parent.  A subquery that reads no column of an
enclosing query runs once per execution (its rows are cached in the
``RunState``); a correlated one runs again for every outer row, in
``env.child(row)``.

Semantics as PostgreSQL: a scalar subquery with no row is NULL and with more
than one row fails with 21000; IN is NULL when there is no match and the
subquery returned a NULL (or the probe is NULL and the subquery is not empty).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlglot import exp

from .api import SqlType
from .errors import CARDINALITY_VIOLATION, FEATURE_NOT_SUPPORTED, SYNTAX_ERROR, SqlError
from .expr import BOOL, Compiled, Compiler, InQuery, _check_comparable, register
from .physical import Cached, Operator
from .runtime import Env

Runner = Callable[[tuple, Env], list[tuple]]


def _plan(compiler: Compiler, node: exp.Expression) -> tuple[Runner, list[tuple[str, SqlType]], bool]:
    if compiler.planner is None:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"subqueries are not supported in {compiler.clause}")
    query = node.this if isinstance(node, (exp.Subquery, exp.Exists)) else node
    op, columns, correlated = compiler.planner.subquery(query, compiler.scope)
    if correlated and compiler.slots:
        raise SqlError(FEATURE_NOT_SUPPORTED, "correlated subqueries over grouped rows are not supported")
    if correlated:
        inner: Operator = op
        return (lambda row, p: inner.rows(p.child(row))), columns, True
    cached = Cached(op)
    return (lambda row, p: cached.rows(p)), columns, False


def _one_column(columns: list) -> None:
    if len(columns) != 1:
        raise SqlError(SYNTAX_ERROR, "subquery must return only one column")


def compile_scalar(compiler: Compiler, node: exp.Subquery, hint: SqlType | None) -> Compiled:
    run, columns, _ = _plan(compiler, node)
    _one_column(columns)

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        rows = run(row, p)  # type: ignore[arg-type]
        if not rows:
            return None
        if len(rows) > 1:
            raise SqlError(CARDINALITY_VIOLATION, "more than one row returned by a subquery used as an expression")
        return rows[0][0]

    return Compiled(fn, columns[0][1])


def compile_exists(compiler: Compiler, node: exp.Exists, hint: SqlType | None) -> Compiled:
    run, _, _ = _plan(compiler, node)
    return Compiled(lambda row, p: bool(run(row, p)), BOOL)  # type: ignore[arg-type]


def compile_in(compiler: Compiler, node: exp.In, hint: SqlType | None) -> Compiled:
    if isinstance(node.this, exp.Tuple):
        raise SqlError(FEATURE_NOT_SUPPORTED, "row IN (subquery) is not supported")
    a = compiler.compile(node.this)
    run, columns, correlated = _plan(compiler, node.args["query"])
    _one_column(columns)
    _check_comparable("=", a.type, columns[0][1])
    fa = a.fn
    cache: dict = {}

    def values(row: tuple, p: Any) -> tuple[frozenset, bool, bool]:
        if not correlated:
            hit = p.state.cache.get(id(cache))
            if hit is not None:
                return hit
        rows = run(row, p)
        vals = frozenset(r[0] for r in rows if r[0] is not None)
        result = (vals, any(r[0] is None for r in rows), not rows)
        if not correlated:
            p.state.cache[id(cache)] = result
        return result

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x = fa(row, p)
        vals, has_null, empty = values(row, p)
        if empty:
            return False
        if x is None:
            return None
        if x in vals:
            return True
        return None if has_null else False

    return Compiled(fn, BOOL)


register(exp.Subquery, compile_scalar)
register(exp.Exists, compile_exists)
register(InQuery, compile_in)
