"""Name and parameter scopes of a statement: the columns a row holds (``Scope``)
and the types and bound values of $1..$n (``Params``)."""

from __future__ import annotations

from typing import Any, Sequence

from . import oids
from . import types as T
from .api import SqlType
from .errors import (
    AMBIGUOUS_COLUMN,
    PROTOCOL_VIOLATION,
    UNDEFINED_COLUMN,
    UNDEFINED_TABLE,
    SqlError,
)
from .operators import UNKNOWN


class Level:
    """One query level (a SELECT and its FROM); ``correlated`` is set when an
    expression below it reads a column of an enclosing level."""

    def __init__(self) -> None:
        self.correlated = False


class Scope:
    """Columns of the current row: ``(name, type)`` per position, each under a
    qualifier (table name or alias).  ``parent`` is the scope of the enclosing
    query, for correlated subqueries: ``resolve`` returns how many levels up a
    column was found (0 = this row, 1 = the outer row, ...)."""

    def __init__(
        self,
        table: str | None,
        columns: Sequence[tuple[str, SqlType]],
        *,
        qualifiers: Sequence[str | None] | None = None,
        parent: "Scope | None" = None,
        level: Level | None = None,
        hidden: frozenset[int] = frozenset(),
        star: Sequence[int] | None = None,
    ) -> None:
        self.table = table
        self.hidden = hidden
        """Positions found only by a qualified name (columns merged by JOIN USING/NATURAL)."""
        self.star = list(star) if star is not None else None
        """Positions an unqualified ``*`` expands to (None: every column in order)."""
        self.columns = list(columns)
        self.qualifiers = list(qualifiers) if qualifiers is not None else [table] * len(self.columns)
        self.parent = parent
        self.level = level or Level()
        self._by_name: dict[str, list[int]] = {}
        for i, (name, _) in enumerate(self.columns):
            self._by_name.setdefault(name, []).append(i)

    def lookup(self, name: str, qualifier: str | None) -> tuple[int, SqlType]:
        depth, i, t = self.resolve(name, qualifier)
        if depth:
            raise SqlError(UNDEFINED_COLUMN, f'column "{name}" does not exist')
        return i, t

    def _find(self, name: str, qualifier: str | None) -> list[int]:
        found = self._by_name.get(name, [])
        if qualifier is not None:
            found = [i for i in found if self.qualifiers[i] == qualifier]
        elif self.hidden:
            found = [i for i in found if i not in self.hidden]
        return found

    def has_qualifier(self, qualifier: str) -> bool:
        return qualifier in self.qualifiers

    def resolve(self, name: str, qualifier: str | None) -> tuple[int, int, SqlType]:
        """(levels up, position, type) of a column reference; 42703/42702/42P01."""
        scope: Scope | None = self
        depth = 0
        walked: list[Scope] = []
        while scope is not None:
            found = scope._find(name, qualifier)
            if len(found) > 1:
                raise SqlError(AMBIGUOUS_COLUMN, f'column reference "{name}" is ambiguous')
            if found:
                for s in walked:
                    s.level.correlated = True
                return depth, found[0], scope.columns[found[0]][1]
            if qualifier is not None and scope.has_qualifier(qualifier):
                break
            walked.append(scope)
            scope, depth = scope.parent, depth + 1
        if qualifier is not None and not any(s.has_qualifier(qualifier) for s in self.chain()):
            raise SqlError(UNDEFINED_TABLE, f'missing FROM-clause entry for table "{qualifier}"')
        shown = f"{qualifier}.{name}" if qualifier else name
        raise SqlError(UNDEFINED_COLUMN, f'column "{shown}" does not exist')

    def chain(self) -> list["Scope"]:
        out, s = [], self
        while s is not None:
            out.append(s)
            s = s.parent
        return out


class Params:
    """Types of $1..$n (0 = not known yet) and binding of values to them."""

    def __init__(self, declared: Sequence[int] = ()) -> None:
        self.oids = list(declared)

    def ref(self, n: int, hint: SqlType | None) -> SqlType:
        while len(self.oids) < n:
            self.oids.append(0)
        if self.oids[n - 1] == 0 and hint is not None and hint.oid != oids.UNKNOWN:
            self.oids[n - 1] = hint.oid
        oid = self.oids[n - 1]
        return T.simple(oid) if oid else UNKNOWN

    def final_oids(self) -> list[int]:
        return [oid or oids.TEXT for oid in self.oids]

    def bind(self, values: Sequence[Any]) -> tuple:
        if len(values) < len(self.oids):
            raise SqlError(
                PROTOCOL_VIOLATION,
                f"bind message supplies {len(values)} parameters, but prepared statement "
                f'"" requires {len(self.oids)}',
            )
        out = list(values)
        for i, oid in enumerate(self.oids):
            v = out[i]
            if isinstance(v, str) and oid and oid not in T.STRING_TYPES:
                out[i] = T.coerce(v, T.simple(oid))
        return tuple(out)
