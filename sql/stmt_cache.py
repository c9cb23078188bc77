"""Statement normalisation for the plan cache: the same statement with other
literals reuses one plan.

Clients that send literal SQL (pgbench and sysbench in simple mode, ORMs without
server-side prepares) send a different text for every execution.  For such a text,
``literal_spans`` finds its string and number constants with one regular
expression (comments and quoted identifiers are skipped; texts with escape,
bit or dollar-quoted strings, or with ``$n`` parameters, are not normalised), and
``shape`` is the text with each constant replaced by ``?``.

The first time a shape is planned, ``analyse`` parses the original text and
decides, constant by constant, whether it may become a parameter: only where a
parameter of the constant's own type means exactly what the constant means
(a comparison with a column, IN / BETWEEN over a column, arithmetic with a
column, an INSERT ... VALUES item, an UPDATE SET value).  Every other constant
(ORDER BY 1, LIMIT, type modifiers, casts, select-list constants, ...) stays in
the text and must be equal for a later statement to share the plan.  The plan is
built from the text with the chosen constants replaced by ``$k`` and declared
types (int4/int8/numeric as the constant's value gives, unknown for strings, so
the column's type decides as it does for a literal).

This is only a cache key: a miss parses and plans the statement as before, and
a statement whose constants do not line up one to one with the parser's literals
is cached by its exact text instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlglot import exp

from . import oids

_TOKEN = re.compile(
    r"""
      (?P<skip>--[^\n]*|/\*.*?\*/|"(?:[^"]|"")*")
    | (?P<bad>(?<![\w$])[EeBbXxUu]&?'|\$)
    | (?P<str>'(?:[^']|'')*')
    | (?P<num>(?<![\w.])(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
    """,
    re.S | re.X,
)

_COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_INT4 = range(-(2**31), 2**31)
_INT8 = range(-(2**63), 2**63)


@dataclass(frozen=True)
class Literal:
    start: int
    end: int
    text: str
    is_string: bool

    @property
    def value(self):
        if self.is_string:
            return self.text[1:-1].replace("''", "'")
        if re.fullmatch(r"\d+", self.text):
            return int(self.text)
        return Decimal(self.text)


def literal_spans(sql: str) -> list[Literal] | None:
    """The constants of ``sql`` in text order, or None when it is not normalised."""
    out = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup
        if kind == "bad":
            return None
        if kind in ("str", "num"):
            out.append(Literal(m.start(), m.end(), m.group(), kind == "str"))
    return out


def shape(sql: str, literals: list[Literal]) -> str:
    parts, pos = [], 0
    for lit in literals:
        parts.append(sql[pos:lit.start])
        parts.append("?")
        pos = lit.end
    parts.append(sql[pos:])
    return "".join(parts)


def literal_oid(lit: Literal) -> int | None:
    """The declared type of a constant turned parameter; None keeps it in the text."""
    if lit.is_string:
        return 0  # not known: typed by its context, as an untyped literal is
    v = lit.value
    if isinstance(v, int):
        if v == 2**31:
            return None  # -2147483648 is an int4 constant: keep PostgreSQL's folding
        return oids.INT4 if v in _INT4 else oids.INT8 if v in _INT8 else oids.NUMERIC
    return oids.NUMERIC


@dataclass(frozen=True)
class Analysis:
    params: tuple[int, ...]
    """Indexes (into the literal list) of the constants that become parameters."""
    fixed: tuple[tuple[int, str], ...]
    """(index, text) of the constants that stay in the text."""
    param_sql: str
    param_oids: tuple[int, ...]


def analyse(sql: str, literals: list[Literal], stmt: exp.Expression) -> Analysis | None:
    """Which constants may become parameters, given the parsed statement.  Only
    queries and DML: a DDL statement stores its text (CHECK, DEFAULT, views)."""
    if not isinstance(stmt, (exp.Query, exp.Insert, exp.Update, exp.Delete)):
        return None
    found = {}
    for n in stmt.walk(bfs=False):
        if isinstance(n, exp.Literal):
            start = n.meta.get("start")
            if start is None or start in found:
                return None
            found[start] = n
    if len(found) != len(literals):
        return None
    chosen: list[int] = []
    for i, lit in enumerate(literals):
        node = found.get(lit.start)
        if node is None or node.is_string != lit.is_string:
            return None
        if (lit.value if lit.is_string else lit.text) != node.this:
            return None
        if _parameterisable(node) and literal_oid(lit) is not None:
            chosen.append(i)
    if not chosen:
        return None
    parts, pos = [], 0
    for k, i in enumerate(chosen, start=1):
        lit = literals[i]
        parts.append(sql[pos:lit.start])
        parts.append(f" ${k} ")
        pos = lit.end
    parts.append(sql[pos:])
    fixed = tuple((i, literals[i].text) for i in range(len(literals)) if i not in set(chosen))
    return Analysis(
        tuple(chosen), fixed, "".join(parts), tuple(literal_oid(literals[i]) for i in chosen)
    )


def _parameterisable(node: exp.Literal) -> bool:
    child: exp.Expression = node
    if isinstance(node.parent, exp.Neg):
        if node.is_string:
            return False
        child = node.parent
    parent = child.parent
    if isinstance(parent, _COMPARE) or (
        isinstance(parent, (exp.Add, exp.Sub)) and not node.is_string
    ):
        other = parent.expression if parent.this is child else parent.this
        return isinstance(other, exp.Column)
    if isinstance(parent, exp.In):
        return isinstance(parent.this, exp.Column) and child in parent.expressions
    if isinstance(parent, exp.Between):
        return isinstance(parent.this, exp.Column) and child is not parent.this
    if isinstance(parent, exp.Tuple) and isinstance(parent.parent, exp.Values):
        return isinstance(parent.parent.parent, exp.Insert)
    return False


def matches(analysis: Analysis, literals: list[Literal]) -> bool:
    return all(literals[i].text == text for i, text in analysis.fixed)


def bind_values(analysis: Analysis, literals: list[Literal]) -> tuple:
    return tuple(literals[i].value for i in analysis.params)
