"""SQL cursors: DECLARE / FETCH / MOVE / CLOSE (what psycopg's server-side
cursors send), parsed here and run by ``SqlSession``.

    DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [NO SCROLL | SCROLL]
            CURSOR [WITH HOLD | WITHOUT HOLD] FOR query
    FETCH | MOVE [direction] [FROM | IN] name
        direction: NEXT | PRIOR | FIRST | LAST | ABSOLUTE n | RELATIVE n | n | ALL
                   | FORWARD [n | ALL] | BACKWARD [n | ALL]
    CLOSE name | ALL

The query's rows are materialised at DECLARE (run once in the declaring
transaction, as a SELECT would be), so every direction works on any cursor but
a NO SCROLL one (55000 when it would move backward), and a WITH HOLD cursor
needs nothing from the transaction after it commits.  A cursor's position is
PostgreSQL's: 0 before the first row, k on row k, n + 1 after the last.
Lifetime (kept by ``SqlSession``): a cursor without HOLD ends with its
transaction; a WITH HOLD one survives its COMMIT (not its ROLLBACK) and lives
until CLOSE or the end of the session.  A BINARY cursor's FETCH results carry
``binary = True``: the simple-query protocol then sends them in binary format
(columns without a binary encoder stay text), as PostgreSQL does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import (
    INVALID_CURSOR_NAME,
    SYNTAX_ERROR,
    SqlError,
)
from .pgwire.api import QueryResult, ResultColumn

DUPLICATE_CURSOR = "42P03"
OBJECT_NOT_IN_PREREQUISITE_STATE = "55000"
_NAME = r'"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*'

_DECLARE = re.compile(
    rf"(?is)\s*declare\s+(?P<name>{_NAME})\s+(?P<opts>(?:[a-z]+\s+)*?)cursor\s+"
    r"(?:(?P<hold>with|without)\s+hold\s+)?for\s+(?P<query>.*\S)\s*\Z")
_FETCH = re.compile(r"(?is)\s*(?P<verb>fetch|move)\b(?P<rest>.*?)\s*;?\s*\Z")
_CLOSE = re.compile(rf"(?is)\s*close\s+(?P<name>{_NAME})\s*;?\s*\Z")
_TOKENS = re.compile(rf'\s*({_NAME}|[+-]?\d+)', re.S)
_QUERY_WORDS = ("select", "values", "with", "table", "(")


def _ident(text: str) -> str:
    if text.startswith('"'):
        return text[1:-1].replace('""', '"')
    return text.lower()


@dataclass(frozen=True)
class Declare:
    name: str
    query: str
    hold: bool
    scroll: bool | None  # None: neither SCROLL nor NO SCROLL
    binary: bool = False


@dataclass(frozen=True)
class Fetch:
    name: str
    move: bool
    kind: str  # "forward", "backward", "absolute", "relative"
    count: int | None  # None: ALL


@dataclass(frozen=True)
class Close:
    name: str | None  # None: ALL


def parse(sql: str) -> Declare | Fetch | Close | None:
    """The cursor statement ``sql`` is, or None for any other statement.
    Raises SqlError for a malformed cursor statement."""
    head = sql.lstrip()[:8].lower()
    if head.startswith("declare"):
        return _parse_declare(sql)
    if head.startswith(("fetch", "move")):
        m = _FETCH.match(sql)
        if m is not None and (m.group("rest") == "" or m.group("rest")[0].isspace()):
            return _parse_fetch(m.group("verb").lower() == "move", m.group("rest"))
        return None
    if head.startswith("close"):
        m = _CLOSE.match(sql)
        if m is None:
            raise SqlError(SYNTAX_ERROR, "syntax error at end of input")
        name = m.group("name")
        return Close(None if name.lower() == "all" else _ident(name))
    return None


def _parse_declare(sql: str) -> Declare:
    m = _DECLARE.match(sql)
    if m is None:
        raise SqlError(SYNTAX_ERROR, "syntax error at or near \"DECLARE\"")
    opts = m.group("opts").lower().split()
    scroll: bool | None = None
    binary = False
    i = 0
    while i < len(opts):
        word = opts[i]
        if word == "binary":
            binary = True
        elif word == "no" and i + 1 < len(opts) and opts[i + 1] == "scroll":
            scroll, i = False, i + 2
            continue
        elif word == "scroll":
            scroll = True
        elif word not in ("insensitive", "asensitive"):
            raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{word}"')
        i += 1
    query = m.group("query").rstrip(";").strip()
    if not query.lower().startswith(_QUERY_WORDS):
        raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{query.split()[0]}"')
    return Declare(_ident(m.group("name")), query, (m.group("hold") or "").lower() == "with", scroll,
                   binary)


def _parse_fetch(move: bool, rest: str) -> Fetch:
    tokens, pos = [], 0
    rest = rest.strip()
    while pos < len(rest):
        m = _TOKENS.match(rest, pos)
        if m is None:
            raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{rest[pos:].split()[0]}"')
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise SqlError(SYNTAX_ERROR, "syntax error at end of input")
    name = _ident(tokens.pop())
    if tokens and tokens[-1].lower() in ("from", "in"):
        tokens.pop()
    words = [t.lower() for t in tokens]

    def number(t: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", t):
            raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{t}"')
        return int(t)

    kind, count = "forward", 1
    if not words or words == ["next"]:
        pass
    elif words == ["prior"]:
        kind = "backward"
    elif words == ["first"]:
        kind = "absolute"
    elif words == ["last"]:
        kind, count = "absolute", -1
    elif len(words) == 2 and words[0] in ("absolute", "relative"):
        kind, count = words[0], number(words[1])
    elif words == ["all"]:
        count = None
    elif len(words) == 1 and words[0] not in ("forward", "backward"):
        count = number(words[0])
    elif words[0] in ("forward", "backward") and len(words) <= 2:
        kind = words[0]
        if len(words) == 2:
            count = None if words[1] == "all" else number(words[1])
    else:
        raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{tokens[0]}"')
    if count is not None and count < 0 and kind in ("forward", "backward"):
        kind, count = ("backward" if kind == "forward" else "forward"), -count
    if count == 0 and kind in ("forward", "backward"):
        kind = "relative"
    return Fetch(name, move, kind, count)


@dataclass
class Cursor:
    name: str
    columns: list[ResultColumn]
    rows: list[tuple]
    hold: bool
    scroll: bool | None
    binary: bool = False
    pos: int = 0
    seq: int = 0
    """Declaration order in the session (ROLLBACK TO closes the newer ones)."""
    committed: bool = False
    """A WITH HOLD cursor whose declaring transaction committed."""

    def run(self, f: Fetch) -> QueryResult:
        """FETCH / MOVE on this cursor."""
        n = len(self.rows)
        start = self.pos
        if f.kind == "forward":
            end = n if f.count is None else min(n, start + f.count)
            out = self.rows[start:end] if start < n else []
            self.pos = end if f.count is not None and start + f.count <= n else n + 1
        elif f.kind == "backward":
            self._forward_only()
            lo = 1 if f.count is None else max(1, start - f.count)
            top = min(start - 1, n)
            out = [self.rows[i - 1] for i in range(top, lo - 1, -1)] if top >= 1 else []
            self.pos = start - f.count if f.count is not None and start - f.count >= 1 else 0
        else:
            count = f.count or 0
            if f.kind == "absolute":
                target = count if count >= 0 else n + 1 + count
            else:
                target = start + count
            if target < start:
                self._forward_only()
            if f.kind == "relative" and count == 0:
                target = start
            self.pos = max(0, min(n + 1, target))
            out = [self.rows[self.pos - 1]] if 1 <= self.pos <= n else []
        if f.move:
            return QueryResult(f"MOVE {len(out)}")
        result = QueryResult(f"FETCH {len(out)}", list(self.columns), out)
        result.binary = self.binary  # type: ignore[attr-defined]  # read by the pgwire session
        return result

    def _forward_only(self) -> None:
        if self.scroll is False:
            raise SqlError(OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward",
                           hint="Declare it with SCROLL option to enable backward scan.")


def no_cursor(name: str) -> SqlError:
    return SqlError(INVALID_CURSOR_NAME, f'cursor "{name}" does not exist')


def duplicate(name: str) -> SqlError:
    return SqlError(DUPLICATE_CURSOR, f'cursor "{name}" already exists')
