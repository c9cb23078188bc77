"""UNION, INTERSECT and EXCEPT [ALL].

Both inputs must have the same number of columns; each output column takes
the common type of its two inputs (integers widen, any number with a numeric
becomes numeric, with a float becomes double precision; untyped literals take
the other side's type) and values are converted to it.  Without ALL the result
has no duplicate rows; with ALL, INTERSECT keeps min(m, n) copies of a row
and EXCEPT max(m - n, 0).  NULLs compare equal here, as in PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from . import types as T
from .api import SqlType
from .errors import DATATYPE_MISMATCH, SYNTAX_ERROR, SqlError
from .expr import TEXT, UNKNOWN, _convert_fn, _tname, numeric_result
from .physical import Operator
from .runtime import Env


def common_types(kind: str, left: list[SqlType], right: list[SqlType]) -> list[SqlType]:
    if len(left) != len(right):
        raise SqlError(SYNTAX_ERROR, f"each {kind} query must have the same number of columns")
    out = []
    for a, b in zip(left, right, strict=True):
        if a.oid == UNKNOWN.oid and b.oid == UNKNOWN.oid:
            out.append(TEXT)
        elif a.oid == UNKNOWN.oid or a.oid == b.oid:
            out.append(b if a.oid == UNKNOWN.oid else a)
        elif b.oid == UNKNOWN.oid:
            out.append(a)
        elif (n := numeric_result(a, b)) is not None:
            out.append(n)
        elif T.category(a.oid) == T.category(b.oid) == "S":
            out.append(TEXT)
        else:
            raise SqlError(DATATYPE_MISMATCH, f"{kind} types {_tname(a)} and {_tname(b)} cannot be matched")
    return out


def converter(have: list[SqlType], want: list[SqlType]) -> Callable[[tuple], tuple] | None:
    fns = []
    for h, w in zip(have, want, strict=True):
        fns.append(_convert_fn(w) if h.oid != w.oid and w.oid in T.NUMBER_TYPES else None)
    if not any(fns):
        return None
    return lambda r: tuple(v if f is None or v is None else f(v) for f, v in zip(fns, r, strict=True))


class SetOp(Operator):
    def __init__(self, kind: str, distinct: bool, left: Operator, right: Operator, convs: tuple) -> None:
        self.kind, self.distinct, self.left, self.right = kind, distinct, left, right
        self.convs = convs
        self.width = left.width

    def _side(self, op: Operator, conv, env: Env) -> list[tuple]:
        rows = op.rows(env)
        return [conv(r) for r in rows] if conv else rows

    def rows(self, env: Env) -> list[tuple]:
        left = self._side(self.left, self.convs[0], env)
        right = self._side(self.right, self.convs[1], env)
        if self.kind == "UNION":
            both = left + right
            return list(dict.fromkeys(both)) if self.distinct else both
        if self.distinct:
            rset = set(right)
            keep = (lambda r: r in rset) if self.kind == "INTERSECT" else (lambda r: r not in rset)
            return [r for r in dict.fromkeys(left) if keep(r)]
        counts = Counter(right)
        out = []
        for r in left:
            if self.kind == "INTERSECT":
                if counts[r] > 0:
                    counts[r] -= 1
                    out.append(r)
            elif counts[r] > 0:
                counts[r] -= 1
            else:
                out.append(r)
        return out
