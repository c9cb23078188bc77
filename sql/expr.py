"""Expression compiler: sqlglot expression -> Python closure ``fn(row, params)``.

Owns scalar semantics: literals, column references, parameters ($n), arithmetic
(integer division truncates, 22012, 22003 on int overflow), comparisons and
AND/OR/NOT with SQL three-valued logic (None is NULL), IS [NOT] NULL/TRUE/FALSE,
BETWEEN, IN (list), [I]LIKE, CASE, COALESCE, NULLIF, CAST/::, || and a few
functions.  Each compiled node carries its result ``SqlType``.  Compiling once per
statement keeps the per-row cost to closure calls; type checks (42804, 42883, 42703)
happen at compile time, before any row is read.

``Scope`` (sql.scope) names the columns a row holds; ``slots`` maps whole expressions
(group keys, aggregates) to row positions for the grouped stage of a SELECT.
``Params`` (sql.scope) collects the types of $n inferred from context (the column a
parameter is compared with or assigned to) and coerces text values on bind.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterator, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import (
    DATATYPE_MISMATCH,
    FEATURE_NOT_SUPPORTED,
    GROUPING_ERROR,
    NUMERIC_VALUE_OUT_OF_RANGE,
    UNDEFINED_FUNCTION,
    SqlError,
)
from .operators import (  # noqa: F401  (re-exported: numeric_div and the type constants)
    _ARITH,
    _CMP,
    BOOL,
    FLOAT8,
    INT4,
    INT8,
    NUMERIC,
    TEXT,
    UNKNOWN,
    _check,
    _check_comparable,
    _convert_fn,
    _div_zero,
    _dscale,
    _int_div,
    _int_mod,
    _int_rank,
    _no_operator,
    _num_div,
    _num_mod,
    _text,
    _tname,
    _weight_first,
    bpchar_trimmed,
    like_regex,
    numeric_div,
    numeric_result,
    out_text,
    unsigned_zero,
)
from .scope import Params, Scope  # noqa: F401  (re-exported)

Fn = Callable[[tuple, Sequence[Any]], Any]


class InQuery:
    """Handler key for ``x IN (subquery)`` (an exp.In with a query)."""


@dataclass(frozen=True)
class Compiled:
    fn: Fn
    type: SqlType
    const: bool = False

    @property
    def oid(self) -> int:
        return self.type.oid


def const(value: Any, t: SqlType) -> Compiled:
    return Compiled(lambda row, p: value, t, True)


_FOLD_ERRORS: ContextVar[list | None] = ContextVar("strata_fold_errors", default=None)


@contextmanager
def fold_errors_after_analysis() -> Iterator[None]:
    """While one statement is planned: a data error (22xxx: overflow, bad cast)
    met while folding a constant is raised only once the whole statement is
    analysed.  PostgreSQL folds constants after parse analysis, so a name error
    anywhere in the statement (another UNION branch, say) wins over it."""
    token = _FOLD_ERRORS.set([])
    try:
        yield
        errors = _FOLD_ERRORS.get()
        if errors:
            raise errors[0]
    finally:
        _FOLD_ERRORS.reset(token)


def fold(thunk: Callable[[], Any], t: SqlType) -> Compiled:
    """A constant computed at plan time (see ``fold_errors_after_analysis``)."""
    try:
        return const(thunk(), t)
    except SqlError as e:
        errors = _FOLD_ERRORS.get()
        if errors is None or not e.sqlstate.startswith("22"):
            raise
        errors.append(e)

        def fail(row, p, e=e):
            raise e
        return Compiled(fail, t)


class Compiler:
    """Compiles expressions against one scope; see the module docstring."""

    def __init__(
        self,
        scope: Scope,
        params: Params,
        *,
        slots: dict[exp.Expression, tuple[int, SqlType]] | None = None,
        grouped: bool = False,
        clause: str = "WHERE",
        planner: Any = None,
    ) -> None:
        self.planner = planner
        """Plans subqueries (sql.subquery.SubqueryPlanner); None where they are not allowed."""
        self.scope = scope
        self.params = params
        self.slots = slots or {}
        self.grouped = grouped
        self.clause = clause

    # -- entry point
    def compile(self, node: exp.Expression, hint: SqlType | None = None) -> Compiled:
        if self.slots:
            slot = self.slots.get(node)
            if slot is not None:
                i, t = slot
                return Compiled(lambda row, p: row[i], t)
        handler = _HANDLERS.get(type(node))
        if handler is None:
            if isinstance(node, exp.AggFunc) or (
                    isinstance(node, exp.Anonymous) and node.name.lower() in ("every", "bool_and", "bool_or")):
                raise SqlError(GROUPING_ERROR, f"aggregate functions are not allowed in {self.clause}")
            if isinstance(node, (exp.Func, exp.Anonymous)):
                return self._unknown_function(node)
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported expression: {node.sql('postgres')}")
        return handler(self, node, hint)

    def with_hint(self, node: exp.Expression, hint: SqlType | None) -> Compiled:
        """Compile ``node``; an untyped literal or NULL becomes a constant of ``hint``."""
        c = self.compile(node, hint)
        if c.const and c.oid == oids.UNKNOWN and hint is not None and hint.oid != oids.UNKNOWN:
            return fold(lambda: T.coerce(c.fn((), ()), T.simple(hint.oid)), T.simple(hint.oid))
        return c

    def pair(self, left: exp.Expression, right: exp.Expression) -> tuple[Compiled, Compiled]:
        """Compile two operands so each side types the other's literals and parameters."""
        if isinstance(left, exp.Parameter) and not isinstance(right, exp.Parameter):
            b = self.compile(right)
            a = self.with_hint(left, b.type)
        else:
            a = self.compile(left)
            b = self.with_hint(right, a.type)
        if a.oid == oids.UNKNOWN and a.const and b.oid != oids.UNKNOWN:
            a = self.with_hint(left, b.type)
        return a, b

    # -- leaves
    def _literal(self, node: exp.Literal, hint: SqlType | None) -> Compiled:
        text = node.this
        if node.is_string:
            return const(text, UNKNOWN)
        if re.fullmatch(r"-?\d+", text):
            n = int(text)
            if -(2**31) <= n <= 2**31 - 1:
                return const(n, INT4)
            if -(2**63) <= n <= 2**63 - 1:
                return const(n, INT8)
        return const(Decimal(text), NUMERIC)

    def _null(self, node: exp.Null, hint: SqlType | None) -> Compiled:
        return const(None, UNKNOWN)

    def _boolean(self, node: exp.Boolean, hint: SqlType | None) -> Compiled:
        return const(bool(node.this), BOOL)

    def _column(self, node: exp.Column, hint: SqlType | None) -> Compiled:
        if isinstance(node.this, exp.Star):
            raise SqlError(FEATURE_NOT_SUPPORTED, "* is only allowed in the select list")
        depth, i, t = self.scope.resolve(node.name, node.table or None)
        if depth == 1:
            return Compiled(lambda row, p: p.outer[i], t)
        if depth:
            return Compiled(lambda row, p: p.outer_row(depth)[i], t)
        if self.grouped:
            raise SqlError(
                GROUPING_ERROR,
                f'column "{node.sql("postgres")}" must appear in the GROUP BY clause '
                "or be used in an aggregate function",
            )
        return Compiled(lambda row, p: row[i], t)

    def _parameter(self, node: exp.Parameter, hint: SqlType | None) -> Compiled:
        n = int(node.this.this if isinstance(node.this, exp.Literal) else node.name)
        t = self.params.ref(n, hint)
        i = n - 1
        return Compiled(lambda row, p: p[i], t)

    def _paren(self, node: exp.Paren, hint: SqlType | None) -> Compiled:
        return self.compile(node.this, hint)

    # -- operators
    def _neg(self, node: exp.Neg, hint: SqlType | None) -> Compiled:
        a = self.with_hint(node.this, hint)
        if a.oid == oids.UNKNOWN and a.const:
            a = self.with_hint(node.this, NUMERIC)
        if a.oid not in T.NUMBER_TYPES:
            raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: - {_tname(a.type)}")
        f, t = a.fn, a.type
        if isinstance(node.this, exp.Literal) and not node.this.is_string:
            # PostgreSQL's grammar folds the sign into the constant: -2147483648 is an integer
            return self._literal(exp.Literal(this="-" + node.this.this, is_string=False), hint)
        if t.oid == oids.NUMERIC:
            return Compiled(lambda row, p: None if (v := f(row, p)) is None else unsigned_zero(-v), t, a.const)
        if a.const:
            v = f((), ())
            return fold(lambda: None if v is None else _check(-v, t), t)
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else _check(-v, t), t)

    def _arith(self, node: exp.Binary, hint: SqlType | None) -> Compiled:
        op, int_op, num_op = _ARITH[type(node)]
        a, b = self.pair(node.this, node.expression)
        t = numeric_result(a.type, b.type)
        if t is None:
            raise _no_operator(op, a.type, b.type)
        fa, fb = a.fn, b.fn
        if t.oid in T.INT_TYPES:
            lo, hi = T.INT_RANGE[t.oid]
            name = oids.TYPE_NAME[t.oid]

            def int_fn(row: tuple, p: Sequence[Any]) -> Any:
                x = fa(row, p)
                if x is None:
                    return None
                y = fb(row, p)
                if y is None:
                    return None
                r = int_op(x, y)
                if r < lo or r > hi:
                    raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, f"{name} out of range")
                return r

            return Compiled(int_fn, t)
        conv = _convert_fn(t)

        def num_fn(row: tuple, p: Sequence[Any]) -> Any:
            x = fa(row, p)
            if x is None:
                return None
            y = fb(row, p)
            if y is None:
                return None
            return num_op(conv(x), conv(y))

        return Compiled(num_fn, t)

    def _concat(self, node: exp.DPipe, hint: SqlType | None) -> Compiled:
        a, b = self.compile(node.this), self.compile(node.expression)
        fa, fb = a.fn, b.fn

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x, y = fa(row, p), fb(row, p)
            if x is None or y is None:
                return None
            return _text(x) + _text(y)

        return Compiled(fn, TEXT)

    def _compare(self, node: exp.Binary, hint: SqlType | None) -> Compiled:
        op, cmp = _CMP[type(node)]
        a, b = self.pair(node.this, node.expression)
        _check_comparable(op, a.type, b.type)
        fa, fb = bpchar_trimmed(a.fn, a.oid), bpchar_trimmed(b.fn, b.oid)

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x = fa(row, p)
            if x is None:
                return None
            y = fb(row, p)
            if y is None:
                return None
            return cmp(x, y)

        return Compiled(fn, BOOL)

    def _bool_operand(self, node: exp.Expression) -> Fn:
        c = self.with_hint(node, BOOL)
        if c.oid != oids.BOOL:
            raise SqlError(
                DATATYPE_MISMATCH,
                f"argument of {self.clause if self.clause in ('WHERE', 'HAVING') else 'AND'} "
                f"must be type boolean, not type {_tname(c.type)}",
            )
        return c.fn

    def _and(self, node: exp.And, hint: SqlType | None) -> Compiled:
        fa, fb = self._bool_operand(node.this), self._bool_operand(node.expression)

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x = fa(row, p)
            if x is False:
                return False
            y = fb(row, p)
            if y is False:
                return False
            return None if x is None or y is None else True

        return Compiled(fn, BOOL)

    def _or(self, node: exp.Or, hint: SqlType | None) -> Compiled:
        fa, fb = self._bool_operand(node.this), self._bool_operand(node.expression)

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x = fa(row, p)
            if x is True:
                return True
            y = fb(row, p)
            if y is True:
                return True
            return None if x is None or y is None else False

        return Compiled(fn, BOOL)

    def _not(self, node: exp.Not, hint: SqlType | None) -> Compiled:
        f = self._bool_operand(node.this)
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else not v, BOOL)

    def _is(self, node: exp.Is, hint: SqlType | None) -> Compiled:
        f = self.compile(node.this).fn
        target = node.expression
        negate = bool(node.args.get("negate"))
        if isinstance(target, exp.Null):
            return Compiled(lambda row, p: (f(row, p) is None) != negate, BOOL)
        if isinstance(target, exp.Boolean):
            want = bool(target.this)
            return Compiled(lambda row, p: (f(row, p) is want) != negate, BOOL)
        raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported IS: {node.sql('postgres')}")

    def _distinct_from(self, node: exp.Binary, hint: SqlType | None) -> Compiled:
        a, b = self.pair(node.this, node.expression)
        _check_comparable("=", a.type, b.type)
        fa, fb = a.fn, b.fn
        negate = isinstance(node, exp.NullSafeNEQ)

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x, y = fa(row, p), fb(row, p)
            same = x is None and y is None if x is None or y is None else x == y
            return same != negate

        return Compiled(fn, BOOL)

    def _between(self, node: exp.Between, hint: SqlType | None) -> Compiled:
        ge = exp.GTE(this=node.this, expression=node.args["low"])
        le = exp.LTE(this=node.this, expression=node.args["high"])
        return self._and(exp.And(this=ge, expression=le), hint)

    def _in(self, node: exp.In, hint: SqlType | None) -> Compiled:
        if node.args.get("query") is not None:
            return _HANDLERS[InQuery](self, node, hint)
        if not node.expressions:
            raise SqlError(FEATURE_NOT_SUPPORTED, "IN () is not supported")
        a = self.compile(node.this)
        items = []
        for item in node.expressions:
            c = self.with_hint(item, a.type)
            _check_comparable("=", a.type, c.type)
            items.append(c)
        fa = a.fn
        if all(c.const for c in items):
            values = [c.fn((), ()) for c in items]
            has_null = any(v is None for v in values)
            try:
                vset = frozenset(v for v in values if v is not None)
            except TypeError:
                vset = None
            if vset is not None:
                def in_set(row: tuple, p: Sequence[Any]) -> Any:
                    x = fa(row, p)
                    if x is None:
                        return None
                    return True if x in vset else (None if has_null else False)

                return Compiled(in_set, BOOL)
        fns = [c.fn for c in items]

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x = fa(row, p)
            if x is None:
                return None
            saw_null = False
            for g in fns:
                y = g(row, p)
                if y is None:
                    saw_null = True
                elif x == y:
                    return True
            return None if saw_null else False

        return Compiled(fn, BOOL)

    def _like(self, node: exp.Binary, hint: SqlType | None) -> Compiled:
        ignore_case = isinstance(node, exp.ILike)
        a = self.with_hint(node.this, TEXT)
        b = self.with_hint(node.expression, TEXT)
        for c in (a, b):
            if T.category(c.oid) not in "SU":
                op = "~~*" if ignore_case else "~~"
                raise _no_operator(op, a.type, b.type)
        negate = bool(node.args.get("negate"))
        fa, fb = a.fn, b.fn
        if b.const:
            pattern = fb((), ())
            if pattern is None:
                return const(None, BOOL)
            rx = like_regex(pattern, ignore_case)
            return Compiled(
                lambda row, p: None if (x := fa(row, p)) is None else (rx.fullmatch(x) is not None) != negate,
                BOOL,
            )

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x, y = fa(row, p), fb(row, p)
            if x is None or y is None:
                return None
            return (like_regex(y, ignore_case).fullmatch(x) is not None) != negate

        return Compiled(fn, BOOL)

    def _common_type(self, nodes: list[exp.Expression], hint: SqlType | None) -> list[Compiled]:
        first = [self.compile(n, hint) for n in nodes]
        known = [c.type for c in first if c.oid != oids.UNKNOWN]
        t = known[0] if known else (hint or TEXT)
        for k in known[1:]:
            if k.oid != t.oid:
                r = numeric_result(t, k)
                if r is None:
                    if not T.comparable(t.oid, k.oid):
                        raise SqlError(
                            DATATYPE_MISMATCH, f"types {_tname(t)} and {_tname(k)} cannot be matched"
                        )
                else:
                    t = r
        out = []
        for n, c in zip(nodes, first, strict=False):
            if c.const and c.oid == oids.UNKNOWN:
                c = self.with_hint(n, t if t.oid != oids.UNKNOWN else TEXT)
            elif c.oid != t.oid and t.oid in T.NUMBER_TYPES:
                conv, f = _convert_fn(t), c.fn
                c = Compiled(lambda row, p, f=f, conv=conv: None if (v := f(row, p)) is None else conv(v), t)
            out.append(Compiled(c.fn, t, c.const))
        return out

    def _case(self, node: exp.Case, hint: SqlType | None) -> Compiled:
        ifs = node.args.get("ifs") or []
        default = node.args.get("default")
        results = self._common_type([i.args["true"] for i in ifs] + ([default] if default else []), hint)
        t = results[0].type
        subject = node.this
        conds = []
        for i in ifs:
            cond = exp.EQ(this=subject, expression=i.this) if subject is not None else i.this
            conds.append(self._bool_operand(cond))
        branches = list(zip(conds, [r.fn for r in results], strict=False))
        fdefault = results[-1].fn if default else None

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            for cond, val in branches:
                if cond(row, p) is True:
                    return val(row, p)
            return fdefault(row, p) if fdefault else None

        return Compiled(fn, t)

    def _coalesce(self, node: exp.Coalesce, hint: SqlType | None) -> Compiled:
        args = self._common_type([node.this, *node.expressions], hint)
        fns = [a.fn for a in args]

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            for f in fns:
                v = f(row, p)
                if v is not None:
                    return v
            return None

        return Compiled(fn, args[0].type)

    def _nullif(self, node: exp.Nullif, hint: SqlType | None) -> Compiled:
        a, b = self._common_type([node.this, node.expression], hint)
        fa, fb = a.fn, b.fn

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            x = fa(row, p)
            return None if x is not None and x == fb(row, p) else x

        return Compiled(fn, a.type)

    def _cast(self, node: exp.Cast, hint: SqlType | None) -> Compiled:
        target = T.from_datatype(node.args["to"])
        a = self.compile(node.this, target)
        f, src = a.fn, a.oid
        if src == oids.BOOL and target.oid in T.INT_TYPES:
            return Compiled(lambda row, p: None if (v := f(row, p)) is None else int(v), target)
        if src in T.INT_TYPES and target.oid == oids.BOOL:
            return Compiled(lambda row, p: None if (v := f(row, p)) is None else v != 0, target)
        if T.category(target.oid) == "S":
            return Compiled(lambda row, p: None if (v := f(row, p)) is None else T.coerce(_text(v), target), target)
        if not (T.comparable(src, target.oid) or T.category(src) == "S"):
            raise SqlError(
                FEATURE_NOT_SUPPORTED if src == target.oid else DATATYPE_MISMATCH,
                f"cannot cast type {_tname(a.type)} to {T.format_type(target)}",
            )
        if a.const:
            return fold(lambda: T.coerce(f((), ()), target), target)
        return Compiled(lambda row, p: T.coerce(f(row, p), target), target)

    # -- functions (string and math functions: sql.functions)
    def _now(self, node: exp.Expression, hint: SqlType | None) -> Compiled:
        return Compiled(lambda row, p: dt.datetime.now(dt.timezone.utc), T.simple(oids.TIMESTAMPTZ))

    def _current_date(self, node: exp.Expression, hint: SqlType | None) -> Compiled:
        return Compiled(lambda row, p: dt.date.today(), T.simple(oids.DATE))

    def _unknown_function(self, node: exp.Expression) -> Compiled:
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        arg_types = []
        for arg in getattr(node, "expressions", []) or []:
            try:
                arg_types.append(_tname(self.compile(arg).type))
            except SqlError:
                arg_types.append("unknown")
        raise SqlError(
            UNDEFINED_FUNCTION,
            f"function {name.lower()}({', '.join(arg_types)}) does not exist",
            hint="No function matches the given name and argument types.",
        )


_HANDLERS: dict[type, Callable[[Compiler, Any, SqlType | None], Compiled]] = {
    exp.Literal: Compiler._literal,
    exp.Null: Compiler._null,
    exp.Boolean: Compiler._boolean,
    exp.Column: Compiler._column,
    exp.Parameter: Compiler._parameter,
    exp.Paren: Compiler._paren,
    exp.Neg: Compiler._neg,
    exp.DPipe: Compiler._concat,
    exp.And: Compiler._and,
    exp.Or: Compiler._or,
    exp.Not: Compiler._not,
    exp.Is: Compiler._is,
    exp.Between: Compiler._between,
    exp.NullSafeEQ: Compiler._distinct_from,
    exp.NullSafeNEQ: Compiler._distinct_from,
    exp.In: Compiler._in,
    exp.Like: Compiler._like,
    exp.ILike: Compiler._like,
    exp.Case: Compiler._case,
    exp.Coalesce: Compiler._coalesce,
    exp.Nullif: Compiler._nullif,
    exp.Cast: Compiler._cast,
    exp.CurrentTimestamp: Compiler._now,
    exp.CurrentDate: Compiler._current_date,
    **{cls: Compiler._arith for cls in _ARITH},
    **{cls: Compiler._compare for cls in _CMP},
}


def register(node_type: type, handler: Callable[[Compiler, Any, SqlType | None], Compiled]) -> None:
    """Add a handler for an expression type (sql.subquery registers subqueries)."""
    _HANDLERS[node_type] = handler


from . import functions as _functions  # noqa: E402,F401  (registers string and math functions)
