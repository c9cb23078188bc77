"""A tiny dict-backed ``Backend`` for pgwire tests (no sqlglot, no engine).

Understands exactly:
  BEGIN / COMMIT / ROLLBACK            transaction status I/T/E
  SELECT <int>                         one int4 column "?column?"
  SELECT $1[, $2 ...]                  echoes parameters, typed by Python type
  SELECT * FROM items                  a canned table of every supported type
  SELECT generate_series(1, <n>)       n int4 rows
  INSERT INTO kv VALUES ($1, $2)       kv[$1] = $2 (a shared dict)
  SELECT v FROM kv WHERE k = $1        lookup
  FAIL <sqlstate>                      raises SqlError(sqlstate) with detail/hint
  SELECT pg_sleep(<s>)                 sleeps (a statement to cancel)
  SET <name> = <value>                 settings[name] = value (ParameterStatus)
  NOTICE <text>                        appends a notice, tag "DO"
  CRASH                                raises RuntimeError (a backend bug)
``executed`` records every execute, so tests can check Describe never executes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Sequence

import trio

from sql import oids
from sql.errors import IN_FAILED_SQL_TRANSACTION, SYNTAX_ERROR, SqlError
from sql.pgwire.api import QueryResult, ResultColumn, StatementDescription

ITEMS_COLUMNS = [
    ResultColumn("id", oids.INT4), ResultColumn("name", oids.TEXT),
    ResultColumn("price", oids.NUMERIC), ResultColumn("ok", oids.BOOL),
    ResultColumn("score", oids.FLOAT8), ResultColumn("day", oids.DATE),
    ResultColumn("at", oids.TIMESTAMP), ResultColumn("big", oids.INT8),
]
ITEMS_ROWS = [
    (1, "apple", Decimal("1.50"), True, 0.1, dt.date(2024, 1, 2),
     dt.datetime(2024, 1, 2, 3, 4, 5, 120000), 2**40),
    (2, "pear", Decimal("-20"), False, 1e20, dt.date(1999, 12, 31),
     dt.datetime(2000, 1, 1), -7),
    (3, None, None, None, None, None, None, None),
]

_PY_OID = [(bool, oids.BOOL), (int, oids.INT8), (float, oids.FLOAT8),
           (Decimal, oids.NUMERIC), (str, oids.TEXT), (dt.datetime, oids.TIMESTAMP),
           (dt.date, oids.DATE), (bytes, oids.BYTEA)]


def _oid_of(value: object) -> int:
    for py, oid in _PY_OID:
        if isinstance(value, py):
            return oid
    return oids.TEXT


class FakeBackend:
    def __init__(self, kv: dict) -> None:
        self.kv = kv
        self.status = "I"
        self.closed = False
        self.executed: list[str] = []
        self.described: list[str] = []
        self.settings = {"application_name": "", "timezone": "UTC", "datestyle": "ISO, MDY"}
        self.notices: list = []
        self.cancelled = 0

    @property
    def transaction_status(self) -> str:
        return self.status

    def split(self, sql: str) -> list[str]:
        return sql.split(";")

    async def close(self) -> None:
        self.closed = True

    async def describe(self, sql: str, param_oids: Sequence[int]) -> StatementDescription:
        self.described.append(sql)
        s = sql.strip()
        n = len(set(re.findall(r"\$(\d+)", s)))
        ptypes = [param_oids[i] if i < len(param_oids) and param_oids[i] else oids.TEXT
                  for i in range(n)]
        if re.fullmatch(r"SELECT \$\d+(, \$\d+)*", s):
            cols = [ResultColumn("?column?", t) for t in ptypes]
        elif s.upper().startswith("SELECT"):
            cols = self._plan(s, ())[0]
        else:
            cols = None
        return StatementDescription(ptypes, cols)

    async def execute(self, sql: str, params: Sequence[object] = ()) -> QueryResult:
        await trio.sleep(0)
        s = sql.strip()
        self.executed.append(s)
        up = s.upper()
        if up in ("BEGIN", "COMMIT", "ROLLBACK"):
            tag = "ROLLBACK" if up == "COMMIT" and self.status == "E" else up
            self.status = "T" if up == "BEGIN" else "I"
            return QueryResult(tag)
        if self.status == "E":
            raise SqlError(IN_FAILED_SQL_TRANSACTION, "current transaction is aborted, "
                           "commands ignored until end of transaction block")
        try:
            if m := re.fullmatch(r"SELECT pg_sleep\((\d+(?:\.\d+)?)\)", s):
                try:
                    await trio.sleep(float(m[1]))
                except trio.Cancelled:
                    self.cancelled += 1
                    raise
                return QueryResult("SELECT 1", [ResultColumn("pg_sleep", oids.TEXT)], [("",)])
            if m := re.fullmatch(r"(?i)SET (\w+) (?:=|TO) '?(.*?)'?", s):
                self.settings[m[1].lower()] = m[2]
                return QueryResult("SET")
            if m := re.fullmatch(r"NOTICE (.*)", s):
                self.notices.append(m[1])
                return QueryResult("DO")
            return self._run(s, params)
        except BaseException:
            if self.status == "T":
                self.status = "E"
            raise

    def _run(self, s: str, params: Sequence[object]) -> QueryResult:
        if m := re.fullmatch(r"FAIL (\w{5})", s):
            raise SqlError(m[1], "fake failure", detail="some detail", hint="some hint")
        if s == "CRASH":
            raise RuntimeError("boom")
        if m := re.fullmatch(r"INSERT INTO kv VALUES \(\$1, \$2\)", s):
            self.kv[params[0]] = params[1]
            return QueryResult("INSERT 0 1")
        columns, rows = self._plan(s, params)
        return QueryResult(f"SELECT {len(rows)}", columns, rows)

    def _plan(self, s: str, params: Sequence[object]) -> tuple[list[ResultColumn], list]:
        if m := re.fullmatch(r"SELECT (-?\d+)", s):
            return [ResultColumn("?column?", oids.INT4)], [(int(m[1]),)]
        if re.fullmatch(r"SELECT \$\d+(, \$\d+)*", s):
            idx = [int(i) - 1 for i in re.findall(r"\$(\d+)", s)]
            vals = tuple(params[i] for i in idx) if params else ()
            cols = [ResultColumn("?column?", _oid_of(v)) for v in vals]
            return cols, [vals] if params else []
        if s == "SELECT * FROM items":
            return ITEMS_COLUMNS, list(ITEMS_ROWS)
        if m := re.fullmatch(r"SELECT generate_series\(1, (\d+)\)", s):
            return [ResultColumn("generate_series", oids.INT4)], [
                (i,) for i in range(1, int(m[1]) + 1)]
        if s == "SELECT v FROM kv WHERE k = $1":
            rows = [(self.kv[params[0]],)] if params and params[0] in self.kv else []
            return [ResultColumn("v", oids.TEXT)], rows
        raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{s.split(" ")[0]}"')
