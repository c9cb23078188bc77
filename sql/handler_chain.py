"""Chaining expression handlers: ``chain(node_type, handler)`` puts ``handler``
in front of the compiler's current handler for that sqlglot node type (sql.expr
``_HANDLERS``); a handler that does not recognise its node's operand types passes
it on with ``fallback``.  ``peek`` compiles an operand once per compiler to look
at its type.  No top-level import of sql.expr: the modules that chain are
imported from the end of sql.expr (via sql.functions)."""

from __future__ import annotations

from typing import Any, Callable

from sqlglot import exp

from .errors import FEATURE_NOT_SUPPORTED, SqlError

Handler = Callable[[Any, Any, Any], Any]

OUTPUT_NAMES: dict[type, str] = {}
"""Node types whose PostgreSQL column name is not sqlglot's (operators: ?column?);
read by sql.plan.output_name, filled by the modules that compile them."""


def chain(node_type: type, handler: Callable[[Any, Any, Any, Handler | None], Any]) -> None:
    from .expr import _HANDLERS, register

    prev = _HANDLERS.get(node_type)

    def compile_node(c: Any, node: exp.Expression, hint: Any) -> Any:
        if hint is None:  # already compiled by a peek: a handler that fell back compiles it again
            memo = c.__dict__.get("_peeked")
            if memo is not None:
                got = memo.get(id(node))
                if got is not None and got[0] is node:
                    return got[1]
        return handler(c, node, hint, prev)

    register(node_type, compile_node)


def fallback(c: Any, node: exp.Expression, hint: Any, prev: Handler | None) -> Any:
    if prev is not None:
        return prev(c, node, hint)
    if isinstance(node, (exp.Func, exp.Anonymous)):
        return c._unknown_function(node)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported expression: {node.sql('postgres')}")


def peek(c: Any, node: exp.Expression) -> Any:
    """Compile an operand to look at its type before choosing an operator, or None
    when it holds a subquery (planning one twice would add its scans twice)."""
    # memoised per compiler: each chained handler peeks at the same operands, and
    # nested operators would otherwise compile their subtrees exponentially often
    memo = c.__dict__.setdefault("_peeked", {})
    got = memo.get(id(node))
    if got is not None and got[0] is node:
        return got[1]
    if isinstance(node, (exp.Column, exp.Literal)):
        return c.compile(node)
    if node.find(exp.Query, exp.Subquery, exp.Exists) is not None:
        return None
    compiled = c.compile(node)
    memo[id(node)] = (node, compiled)
    return compiled


def peek_pair(c: Any, left: exp.Expression, right: exp.Expression) -> tuple[Any, Any] | None:
    a = peek(c, left)
    if a is None:
        return None
    b = peek(c, right)
    return None if b is None else (a, b)


def strict2(fa: Callable, fb: Callable, op: Callable[[Any, Any], Any]) -> Callable:
    """``op(a, b)`` of two compiled operands, NULL if either is NULL (a strict
    binary operator); ``fb`` is not evaluated when ``fa`` gives NULL."""

    def fn(row: tuple, p: Any) -> Any:
        x = fa(row, p)
        if x is None:
            return None
        y = fb(row, p)
        if y is None:
            return None
        return op(x, y)

    return fn
