"""``x [NOT] [I]LIKE pattern ESCAPE 'c'`` (SQLAlchemy's get_schema_names sends
``nspname NOT LIKE $1 || '%' ESCAPE '/'``).  The pattern is rewritten to the
default backslash convention that sql.operators.like_regex reads: ``c`` escapes
the next character, a backslash becomes an ordinary character; ``ESCAPE ''``
means no escape character at all.  An escape string longer than one character
is 22025, as in PostgreSQL."""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import SqlType
from .errors import SqlError
from .expr import Compiled, Compiler
from .operators import _no_operator, like_regex
from .pg_functions import Handler, _chain, _fallback

INVALID_ESCAPE_SEQUENCE = "22025"


def translate(pattern: str, escape: str) -> str:
    if escape == "\\":
        return pattern
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            i += 1
            out.append("\\" + pattern[i])
        elif ch == "\\":
            out.append("\\\\")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _like_escape(c: Compiler, node: exp.Escape, hint: SqlType | None, prev: Handler | None) -> Compiled:
    like = node.this
    if not isinstance(like, (exp.Like, exp.ILike)):
        return _fallback(c, node, hint, prev)
    ignore_case, negate = isinstance(like, exp.ILike), bool(like.args.get("negate"))
    text = T.simple(oids.TEXT)
    a, b, e = (c.with_hint(n, text) for n in (like.this, like.expression, node.expression))
    for x in (a, b):
        if T.category(x.oid) not in "SU":
            raise _no_operator("~~*" if ignore_case else "~~", a.type, b.type)
    fa, fb, fe = a.fn, b.fn, e.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x, y, esc = fa(row, p), fb(row, p), fe(row, p)
        if x is None or y is None or esc is None:
            return None
        if len(esc) > 1:
            raise SqlError(INVALID_ESCAPE_SEQUENCE, "invalid escape string",
                           hint="Escape string must be empty or one character.")
        return (like_regex(translate(y, esc), ignore_case).fullmatch(x) is not None) != negate

    return Compiled(fn, T.simple(oids.BOOL))


_chain(exp.Escape, _like_escape)
