"""SqlSession: one client connection's SQL state, implementing pgwire's Backend.

States (``transaction_status``):

    'I' idle --BEGIN--> 'T' in block --error--> 'E' failed block
     ^  each statement       |  COMMIT/ROLLBACK         | ROLLBACK, or COMMIT
     |  runs in its own txn  v                          v  (which rolls back)
     +-----------------------+--------------------------+

In 'E' every statement but COMMIT/ROLLBACK fails with 25P02.  Outside a block
each statement runs in its own transaction: begin, run, commit; any error
rolls it back.  SET/RESET are accepted and remembered; SHOW answers from them.

Cursors (sql/cursors.py): DECLARE materialises its query's rows in the
current transaction; a cursor without HOLD ends with its transaction (and with
a ROLLBACK TO a savepoint older than it), a WITH HOLD one survives its COMMIT.
``statement_timeout`` (ms) bounds each statement's execution: 57014.
"""

from __future__ import annotations

from typing import Sequence

import trio

from . import cursors, oids
from . import settings as gucs
from .api import TxnContext, TxnSource
from .errors import (
    FEATURE_NOT_SUPPORTED,
    IN_FAILED_SQL_TRANSACTION,
    INVALID_SAVEPOINT_SPECIFICATION,
    NO_ACTIVE_SQL_TRANSACTION,
    QUERY_CANCELED,
    SqlError,
)
from .executor import Executor, shared_executor
from .parse import classify, split
from .pgwire.api import QueryResult, ResultColumn, StatementDescription


def _aborted() -> SqlError:
    return SqlError(
        IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )


class SqlSession:
    def __init__(self, source: TxnSource, executor: Executor | None = None) -> None:
        self._source = source
        self._executor = executor or shared_executor
        self._txn: TxnContext | None = None
        self._failed = False
        self._savepoints: list[tuple[str, object, int]] = []  # (name, txn snapshot, cursor seq)
        self._cursors: dict[str, cursors.Cursor] = {}
        self._cursor_seq = 0  # cursors declared so far (a savepoint remembers the count)
        self.settings = gucs.defaults()
        self.notices: list[str] = []

    # -- Backend
    def split(self, sql: str) -> list[str]:
        return split(sql)

    @property
    def transaction_status(self) -> str:
        if self._txn is None:
            return "I"
        return "E" if self._failed else "T"

    async def execute(self, sql: str, params: Sequence[object] = ()) -> QueryResult:
        gucs.CURRENT.set(self.settings)
        try:
            cursor_stmt = cursors.parse(sql)
        except SqlError:
            if self._failed:
                raise _aborted() from None
            self._failed = self._txn is not None
            raise
        control = classify(sql) if cursor_stmt is None else None
        if control is not None:
            if control[0] == "set" and sql.lstrip()[:5].lower() == "reset":
                control = ("reset", control[1])
            return await self._control(*control)
        if self._failed:
            raise _aborted()
        if cursor_stmt is not None and not isinstance(cursor_stmt, cursors.Declare):
            return self._cursor_command(cursor_stmt)
        query = cursor_stmt.query if cursor_stmt is not None else sql
        if cursor_stmt is not None:
            self._check_declare(cursor_stmt)
        if self._txn is not None:
            try:
                result = await self._run(query, self._txn, params)
            except BaseException:
                self._failed = True
                raise
        else:
            txn = await self._source.begin()
            try:
                result = await self._run(query, txn, params)
            except BaseException:
                await _quiet_rollback(txn)
                raise
            await txn.commit()
        if cursor_stmt is None:
            return result
        return self._declared(cursor_stmt, result)

    async def _run(self, sql: str, txn: TxnContext, params: Sequence[object]) -> QueryResult:
        timeout_ms = gucs.milliseconds(self.settings, "statement_timeout")
        if not timeout_ms:
            return await self._executor.execute(sql, txn, params)
        # Cancelled at the next checkpoint (a page fetch, a lock wait); operators
        # run synchronously, so a statement that finished late fails too.
        with trio.move_on_after(timeout_ms / 1000) as scope:
            result = await self._executor.execute(sql, txn, params)
            if trio.current_time() < scope.deadline:
                return result
        raise SqlError(QUERY_CANCELED, "canceling statement due to statement timeout")

    # -- cursors
    def _check_declare(self, d: cursors.Declare) -> None:
        if self._txn is None and not d.hold:
            raise SqlError(NO_ACTIVE_SQL_TRANSACTION,
                           "DECLARE CURSOR can only be used in transaction blocks")
        if d.name in self._cursors:
            if self._txn is not None:
                self._failed = True
            raise cursors.duplicate(d.name)

    def _declared(self, d: cursors.Declare, result: QueryResult) -> QueryResult:
        if result.columns is None:
            raise SqlError(FEATURE_NOT_SUPPORTED, "DECLARE CURSOR must be a query returning rows")
        self._cursor_seq += 1
        self._cursors[d.name] = cursors.Cursor(
            d.name, list(result.columns), list(result.rows), d.hold, d.scroll, d.binary,
            committed=self._txn is None, seq=self._cursor_seq)
        return QueryResult("DECLARE CURSOR")

    def _cursor_command(self, stmt: cursors.Fetch | cursors.Close) -> QueryResult:
        try:
            if isinstance(stmt, cursors.Close):
                if stmt.name is None:
                    self._cursors.clear()
                    return QueryResult("CLOSE CURSOR ALL")
                if self._cursors.pop(stmt.name, None) is None:
                    raise cursors.no_cursor(stmt.name)
                return QueryResult("CLOSE CURSOR")
            cur = self._cursors.get(stmt.name)
            if cur is None:
                raise cursors.no_cursor(stmt.name)
            return cur.run(stmt)
        except SqlError:
            if self._txn is not None:
                self._failed = True
            raise

    def cursor_columns(self, name: str) -> list[ResultColumn] | None:
        """The row shape of cursor ``name`` (pgwire Describe of that portal), or None."""
        cur = self._cursors.get(name)
        return None if cur is None else list(cur.columns)

    def _end_cursors(self, committed: bool) -> None:
        """The transaction ended: keep only WITH HOLD cursors it committed (or older ones)."""
        for name, cur in list(self._cursors.items()):
            if cur.committed or (committed and cur.hold):
                cur.committed = True
            else:
                del self._cursors[name]

    async def describe(self, sql: str, param_oids: Sequence[int]) -> StatementDescription:
        gucs.CURRENT.set(self.settings)
        cursor_stmt = cursors.parse(sql)
        if isinstance(cursor_stmt, cursors.Fetch):
            cols = None if cursor_stmt.move else self.cursor_columns(cursor_stmt.name)
            return StatementDescription(list(param_oids), cols)
        if isinstance(cursor_stmt, cursors.Close):
            return StatementDescription(list(param_oids), None)
        if isinstance(cursor_stmt, cursors.Declare):
            sql = cursor_stmt.query
        control = classify(sql) if cursor_stmt is None else None
        if control is not None:
            kind, rest = control
            cols = self._show_columns(rest) if kind == "show" else None
            return StatementDescription(list(param_oids), cols)
        if self._failed:
            raise _aborted()
        if self._txn is not None:
            plan = await self._executor.plan(sql, self._txn, param_oids)
        else:
            txn = await self._source.begin()
            try:
                plan = await self._executor.plan(sql, txn, param_oids)
            finally:
                await _quiet_rollback(txn)
        found = plan.params.final_oids()
        found += [o or oids.TEXT for o in list(param_oids)[len(found):]]
        return StatementDescription(found, None if cursor_stmt is not None else plan.columns)

    async def close(self) -> None:
        self._cursors.clear()
        txn, self._txn, self._failed = self._txn, None, False
        if txn is not None:
            await _quiet_rollback(txn)

    # -- transaction control, SET, SHOW
    async def _control(self, kind: str, rest: str) -> QueryResult:
        if kind in ("savepoint", "release", "rollback_to"):
            return await self._savepoint_control(kind, rest)
        if kind in ("commit", "rollback"):
            self._savepoints.clear()
        if kind == "begin":
            if self._failed:
                raise _aborted()
            if self._txn is not None:
                self.notices.append("there is already a transaction in progress")
            else:
                self._txn = await self._source.begin()
            return QueryResult("BEGIN")
        if kind == "commit":
            txn, failed = self._txn, self._failed
            self._txn, self._failed = None, False
            if txn is None:
                self.notices.append("there is no transaction in progress")
                return QueryResult("COMMIT")
            if failed:
                self._end_cursors(False)
                await _quiet_rollback(txn)
                return QueryResult("ROLLBACK")
            try:
                await txn.commit()
            except BaseException:
                self._end_cursors(False)
                raise
            self._end_cursors(True)
            return QueryResult("COMMIT")
        if kind == "rollback":
            txn, self._txn, self._failed = self._txn, None, False
            if txn is None:
                self.notices.append("there is no transaction in progress")
            else:
                self._end_cursors(False)
                await _quiet_rollback(txn)
            return QueryResult("ROLLBACK")
        if self._failed:
            raise _aborted()
        if kind in ("set", "reset"):
            gucs.set_statement(self.settings, kind, rest)
            return QueryResult(kind.upper())
        return self._show(rest)

    async def _savepoint_control(self, kind: str, name: str) -> QueryResult:
        """SAVEPOINT / RELEASE / ROLLBACK TO: the transaction's private writes
        are snapshotted and restored (``TxnContext.savepoint``/``rollback_to``);
        locks and pages taken after a savepoint stay held until the end."""
        word = {"savepoint": "SAVEPOINT", "release": "RELEASE", "rollback_to": "ROLLBACK"}[kind]
        if self._txn is None:
            raise SqlError(NO_ACTIVE_SQL_TRANSACTION,
                           f"{word} can only be used in transaction blocks")
        if not hasattr(self._txn, "savepoint"):
            raise SqlError(FEATURE_NOT_SUPPORTED, "savepoints are not supported here")
        if kind == "savepoint":
            if self._failed:
                raise _aborted()
            self._savepoints.append((name, self._txn.savepoint(), self._cursor_seq))
            return QueryResult("SAVEPOINT")
        at = next((i for i in range(len(self._savepoints) - 1, -1, -1)
                   if self._savepoints[i][0] == name), None)
        if at is None:
            if kind == "rollback_to":
                self._failed = True
            raise SqlError(INVALID_SAVEPOINT_SPECIFICATION, f'savepoint "{name}" does not exist')
        if kind == "release":
            if self._failed:
                raise _aborted()
            del self._savepoints[at:]
            return QueryResult("RELEASE")
        self._txn.rollback_to(self._savepoints[at][1])
        for cname, cur in list(self._cursors.items()):  # declared after the savepoint
            if cur.seq > self._savepoints[at][2]:
                del self._cursors[cname]
        del self._savepoints[at + 1:]
        self._failed = False
        return QueryResult("ROLLBACK")

    @staticmethod
    def _show_columns(rest: str) -> list[ResultColumn]:
        name = rest.strip().strip('"')
        if name.lower() == "all":
            return [ResultColumn(n, oids.TEXT) for n in ("name", "setting", "description")]
        if name.lower().replace(" ", "") == "timezone":
            name = "timezone"
        return [ResultColumn(gucs.display_name(name) if name else "?", oids.TEXT)]

    def _show(self, rest: str) -> QueryResult:
        """SHOW name | SHOW ALL (sql.settings)."""
        cols = self._show_columns(rest)
        name = rest.strip().strip('"')
        if name.lower() == "all":
            rows = [(gucs.display_name(k), v, gucs.SETTINGS[k].short_desc if k in gucs.SETTINGS else "")
                    for k, v in sorted(self.settings.items())]
            return QueryResult("SHOW", cols, rows)
        key = "timezone" if name.lower().replace(" ", "") == "timezone" else name
        return QueryResult("SHOW", cols, [(gucs.get(self.settings, key),)])


async def _quiet_rollback(txn: TxnContext) -> None:
    """Shielded: also after a cancel (57014, statement_timeout) the rollback runs."""
    with trio.CancelScope(shield=True), trio.move_on_after(30):
        try:
            await txn.rollback()
        except Exception:  # noqa: BLE001 - the original error matters more
            pass
