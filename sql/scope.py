"""Name and parameter scopes of a statement: the columns a row holds (``Scope``)
and the types and bound values of $1..$n (``Params``)."""

from __future__ import annotations

from typing import Any, Sequence

from . import oids
from . import types as T
from .api import SqlType
from .errors import AMBIGUOUS_COLUMN, PROTOCOL_VIOLATION, UNDEFINED_COLUMN, SqlError
from .operators import UNKNOWN


class Scope:
    """Columns of the current row: ``(name, type)`` per position, under a table name."""

    def __init__(self, table: str | None, columns: Sequence[tuple[str, SqlType]]) -> None:
        self.table = table
        self.columns = list(columns)
        self._index: dict[str, int] = {}
        self._dups: set[str] = set()
        for i, (name, _) in enumerate(columns):
            if name in self._index:
                self._dups.add(name)
            self._index.setdefault(name, i)

    def lookup(self, name: str, qualifier: str | None) -> tuple[int, SqlType]:
        i = self._index.get(name)
        if qualifier is not None and qualifier != self.table:
            raise SqlError(UNDEFINED_COLUMN, f'missing FROM-clause entry for table "{qualifier}"')
        if i is None:
            shown = f"{qualifier}.{name}" if qualifier else name
            raise SqlError(UNDEFINED_COLUMN, f'column "{shown}" does not exist')
        if name in self._dups:
            raise SqlError(AMBIGUOUS_COLUMN, f'column reference "{name}" is ambiguous')
        return i, self.columns[i][1]


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
