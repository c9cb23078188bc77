"""CHECK expressions printed the way PostgreSQL's ruleutils deparses them.

A CheckDef keeps its expression as SQL text; pg_get_constraintdef prints the
expression PostgreSQL stored after analysis, with its implicit casts and
operator names: ``a > 0`` -> ``(a > 0)``, ``v = 'q'`` on a varchar ->
``((v)::text = 'q'::text)``, ``b IN ('x')`` -> ``(b = ANY (ARRAY['x'::text]))``,
``BETWEEN`` -> two comparisons, ``LIKE`` -> ``~~``.  Non-pretty output puts
every operator in parentheses; pretty output (psql ``\\d``) only where
precedence needs them.  Covered: columns, number/string/boolean/NULL
constants, comparisons, arithmetic, AND/OR/NOT, IS [NOT] NULL, IN (list),
BETWEEN, [I]LIKE, casts and function calls; anything else falls back to
sqlglot's own rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from . import oids
from .api import TableDef
from .parse import parse_expression

_CMP = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_ARITH = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}
_INT = {oids.INT2: 1, oids.INT4: 2, oids.INT8: 3}
_TYPE_TEXT = {oids.INT2: "smallint", oids.INT4: "integer", oids.INT8: "bigint", oids.NUMERIC: "numeric",
              oids.FLOAT4: "real", oids.FLOAT8: "double precision", oids.TEXT: "text",
              oids.VARCHAR: "character varying", oids.BPCHAR: "bpchar", oids.BOOL: "boolean",
              oids.DATE: "date", oids.TIMESTAMP: "timestamp without time zone",
              oids.TIMESTAMPTZ: "timestamp with time zone"}
_FUNC_TYPES = {"length": oids.INT4, "char_length": oids.INT4, "lower": oids.TEXT, "upper": oids.TEXT,
               "btrim": oids.TEXT, "trim": oids.TEXT, "abs": None, "substr": oids.TEXT}
UNKNOWN = oids.UNKNOWN


@dataclass
class _Node:
    """A deparsed operand: its text, type, and whether it is an operator expression
    (``kind`` 'op' arithmetic, 'cmp' comparison, 'and', 'or', 'not', 'atom')."""

    text: str
    type: int
    kind: str = "atom"
    const: bool = False
    literal: str | None = None  # the raw text of an untyped string / number constant


def columns_used(sql: str, table: TableDef) -> list[int]:
    """Column positions the expression reads, in order of first appearance (conkey)."""
    out: list[int] = []
    for col in parse_expression(sql).find_all(exp.Column):
        i = table.column_index(col.name)
        if i is not None and i not in out:
            out.append(i)
    return out


def deparse(sql: str, table: TableDef, pretty: bool = False) -> str:
    try:
        node = _Deparser(table, pretty).node(parse_expression(sql))
    except _Unsupported:
        return f"({sql})" if not pretty else sql
    return node.text


class _Unsupported(Exception):
    pass


class _Deparser:
    def __init__(self, table: TableDef, pretty: bool) -> None:
        self.table, self.pretty = table, pretty

    # -- helpers
    def wrap(self, text: str) -> str:
        return f"({text})"

    def operand(self, n: _Node, parent: str) -> str:
        """``n`` as the operand of an operator of kind ``parent`` (pretty mode)."""
        if not self.pretty or n.kind == "atom":
            return n.text
        if parent == "cmp" and n.kind in ("op", "cmp"):
            return self.wrap(n.text)
        if parent == "op" and n.kind in ("op", "cmp", "and", "or", "not"):
            return self.wrap(n.text)
        if parent == "and" and n.kind == "or":
            return self.wrap(n.text)
        if parent == "not" and n.kind in ("and", "or"):
            return self.wrap(n.text)
        return n.text

    def op(self, text: str, kind: str, type_: int) -> _Node:
        return _Node(text if self.pretty else self.wrap(text), type_, kind)

    def cast(self, n: _Node, target: int) -> _Node:
        """``n`` coerced to ``target`` as PostgreSQL shows the implicit cast."""
        if n.type == target or target == UNKNOWN:
            return n
        name = _TYPE_TEXT.get(target)
        if name is None:
            raise _Unsupported
        if n.literal is not None and n.type == UNKNOWN:
            return _Node(f"{_quote(n.literal)}::{name}", target, "atom", True)
        if self.pretty:
            text = n.text if n.kind == "atom" else self.wrap(n.text)
        else:
            text = self.wrap(n.text)
        return _Node(f"{text}::{name}", target, "atom")

    def unify(self, a: _Node, b: _Node) -> tuple[_Node, _Node]:
        if a.type == b.type:
            if a.type == UNKNOWN:
                return self.cast(a, oids.TEXT), self.cast(b, oids.TEXT)
            return a, b
        if a.type == UNKNOWN:
            return self.cast(a, _string_target(b.type)), b if b.type != oids.VARCHAR else self.cast(b, oids.TEXT)
        if b.type == UNKNOWN:
            return (a if a.type != oids.VARCHAR else self.cast(a, oids.TEXT)), self.cast(b, _string_target(a.type))
        t = _common(a.type, b.type)
        return self.cast(a, t), self.cast(b, t)

    # -- nodes
    def node(self, e: exp.Expression) -> _Node:
        if isinstance(e, exp.Paren):
            return self.node(e.this)
        if isinstance(e, exp.Column):
            i = self.table.column_index(e.name)
            if i is None:
                raise _Unsupported
            return _Node(_ident(e.name), self.table.columns[i].type.oid)
        if isinstance(e, exp.Literal):
            return self.literal(e)
        if isinstance(e, exp.Boolean):
            return _Node("true" if e.this else "false", oids.BOOL, const=True)
        if isinstance(e, exp.Null):
            return _Node("NULL", UNKNOWN, const=True)
        if isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal) and not e.this.is_string:
            n = self.literal(e.this)
            return _Node(f"'-{e.this.this}'::{_TYPE_TEXT[n.type]}", n.type, const=True)
        if type(e) in _CMP:
            a, b = self.unify(self.node(e.this), self.node(e.expression))
            return self.op(f"{self.operand(a, 'cmp')} {_CMP[type(e)]} {self.operand(b, 'cmp')}", "cmp", oids.BOOL)
        if type(e) in _ARITH:
            a, b = self.unify(self.node(e.this), self.node(e.expression))
            return self.op(f"{self.operand(a, 'op')} {_ARITH[type(e)]} {self.operand(b, 'op')}", "op", a.type)
        if isinstance(e, (exp.And, exp.Or)):
            kind = "and" if isinstance(e, exp.And) else "or"
            parts = [self.operand(self.node(p), kind) for p in _flatten(e, type(e))]
            return self.op(f" {kind.upper()} ".join(parts), kind, oids.BOOL)
        if isinstance(e, exp.Not):
            inner = e.this.this if isinstance(e.this, exp.Paren) else e.this
            if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
                return self.op(f"{self.operand(self.node(inner.this), 'cmp')} IS NOT NULL", "cmp", oids.BOOL)
            return self.op(f"NOT {self.operand(self.node(e.this), 'not')}", "not", oids.BOOL)
        if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null):
            word = "IS NOT NULL" if e.args.get("negate") else "IS NULL"
            return self.op(f"{self.operand(self.node(e.this), 'cmp')} {word}", "cmp", oids.BOOL)
        if isinstance(e, exp.Between):
            lo = exp.GTE(this=e.this, expression=e.args["low"])
            hi = exp.LTE(this=e.this, expression=e.args["high"])
            return self.node(exp.And(this=lo, expression=hi))
        if isinstance(e, exp.In) and e.expressions and not e.args.get("query"):
            left = self.node(e.this)
            items = [self.node(x) for x in e.expressions]
            t = left.type
            for it in items:
                if it.type != UNKNOWN and it.type != t:
                    t = _common(t, it.type)
            t = t if t != oids.VARCHAR else oids.TEXT
            left = self.cast(left, t)
            arr = ", ".join(self.cast(it, t).text for it in items)
            return self.op(f"{self.operand(left, 'cmp')} = ANY (ARRAY[{arr}])", "cmp", oids.BOOL)
        if isinstance(e, (exp.Like, exp.ILike)):
            a, b = self.unify(self.node(e.this), self.node(e.expression))
            name = "~~" if isinstance(e, exp.Like) else "~~*"
            return self.op(f"{self.operand(a, 'cmp')} {name} {self.operand(b, 'cmp')}", "cmp", oids.BOOL)
        if isinstance(e, exp.Cast):
            from .types import from_datatype

            target = from_datatype(e.to).oid
            return self.cast(self.node(e.this), target)
        if isinstance(e, exp.Func):
            name = (e.name if isinstance(e, exp.Anonymous) else e.sql_name()).lower()
            if name not in _FUNC_TYPES:
                raise _Unsupported
            args = [self.node(a) for a in e.args.values() if isinstance(a, exp.Expression)]
            args = [self.cast(a, oids.TEXT) if a.type in (UNKNOWN, oids.VARCHAR) and name != "abs" else a
                    for a in args]
            rtype = _FUNC_TYPES[name] or (args[0].type if args else UNKNOWN)
            return _Node(f"{name}({', '.join(a.text for a in args)})", rtype)
        raise _Unsupported

    def literal(self, e: exp.Literal) -> _Node:
        if e.is_string:
            return _Node(_quote(e.this), UNKNOWN, const=True, literal=e.this)
        text = e.this
        if text.isdigit():
            v = int(text)
            t = oids.INT4 if v < 2**31 else oids.INT8 if v < 2**63 else oids.NUMERIC
            return _Node(text, t, const=True, literal=text)
        return _Node(text, oids.NUMERIC, const=True, literal=text)


def _flatten(e: exp.Expression, kind: type) -> list[exp.Expression]:
    while isinstance(e, exp.Paren) and isinstance(e.this, kind):
        e = e.this
    if isinstance(e, kind):
        return _flatten(e.this, kind) + _flatten(e.expression, kind)
    return [e]


def _common(a: int, b: int) -> int:
    if a in _INT and b in _INT:
        return a if _INT[a] >= _INT[b] else b
    for t in (oids.FLOAT8, oids.FLOAT4, oids.NUMERIC):
        if t in (a, b) and (a in _INT or b in _INT or {a, b} <= {oids.NUMERIC, oids.FLOAT4, oids.FLOAT8}):
            return oids.FLOAT8 if oids.FLOAT8 in (a, b) or {a, b} == {oids.FLOAT4, oids.NUMERIC} else t
    if {a, b} <= {oids.TEXT, oids.VARCHAR}:
        return oids.TEXT
    if {a, b} == {oids.DATE, oids.TIMESTAMP}:
        return oids.TIMESTAMP
    raise _Unsupported


def _string_target(t: int) -> int:
    return oids.TEXT if t == oids.VARCHAR else t


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(name: str) -> str:
    from .pg_catalog import quote_ident

    return quote_ident(name)
