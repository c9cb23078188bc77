"""The query phase of one pgwire connection: simple and extended query loops.

Owns the per-connection protocol state (prepared statements, portals, the
"skip until Sync" flag after an extended-protocol error) and the output
batch.  SQL is the backend's: this module only calls ``split``, ``execute``,
``describe`` and reads ``transaction_status``.

Output batching: replies are appended to ``self._out`` and sent with one
``send_all`` per round trip -- at ReadyForQuery (end of a simple query or a
Sync), at Flush, and early when the batch passes ``FLUSH_BYTES`` (big
results).  Nothing else sends.

Errors:
  * ``SqlError`` -> ErrorResponse with its fields; in extended mode every
    message up to the next Sync is then discarded;
  * any other backend exception -> logged, ErrorResponse XX000, the
    connection stays usable;
  * ``MessageTooLarge`` -> FATAL 54000 and the session ends;
  * ``ProtocolViolation`` / unknown message type -> FATAL 08P01, session ends.

Cancellation (``cancel``, called by the server for a matching CancelRequest):
every backend call runs inside ``_cancellable()``, a trio CancelScope that
``cancel`` cancels; the statement then fails with 57014 and the session goes
on.  A cancel that arrives while a message is being handled but between two
backend calls is remembered and hits the next one; a cancel while the session
waits for the client is ignored (PostgreSQL does the same).

COPY FROM STDIN / TO STDOUT is handled here (``copy_in`` / ``copy_out`` with
the pure half in ``copy.py``): the statement is parsed with sqlglot, its
target described through the backend, and rows flow in as batched
parameterised INSERTs inside one transaction, or out from one SELECT.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from typing import Mapping

import trio

from sql.errors import (
    INTERNAL_ERROR,
    INVALID_CURSOR_NAME,
    INVALID_SQL_STATEMENT_NAME,
    PROGRAM_LIMIT_EXCEEDED,
    PROTOCOL_VIOLATION,
    QUERY_CANCELED,
    SqlError,
)

from . import codec, values
from . import copy as pgcopy
from .api import Backend, Notice, QueryResult, StatementDescription
from .copy_flow import CopyFlow
from .extended import (
    Portal,
    Prepared,
    encoders_for,
    parse_bind,
    parse_execute,
    parse_parse,
    parse_target,
    resolve_formats,
)

log = logging.getLogger("strata.pgwire")

FLUSH_BYTES = 256 * 1024
DUPLICATE_PREPARED_STATEMENT = "42P05"
DUPLICATE_CURSOR = "42P03"

REPORTED_SETTINGS = {
    "application_name": "application_name", "timezone": "TimeZone",
    "datestyle": "DateStyle", "intervalstyle": "IntervalStyle",
    "client_encoding": "client_encoding",
    "standard_conforming_strings": "standard_conforming_strings",
    "session_authorization": "session_authorization", "is_superuser": "is_superuser",
    "server_version": "server_version",
    "default_transaction_read_only": "default_transaction_read_only",
}
"""Backend setting (lower case) -> ParameterStatus name: PostgreSQL 15's GUC_REPORT set."""


def query_canceled() -> SqlError:
    return SqlError(QUERY_CANCELED, "canceling statement due to user request")


_DEALLOCATE = re.compile(r'(?is)\s*deallocate\s+(?:prepare\s+)?("[^"]+"|\w+)\s*;?\s*\Z')


class SessionEnd(Exception):
    """Stop the loop (Terminate, or a fatal error already queued)."""


def transaction_status(backend: Backend) -> str:
    """``Backend.transaction_status`` is a property; accept a method too."""
    status = backend.transaction_status
    return status() if callable(status) else status


class Session(CopyFlow):
    def __init__(self, stream: trio.abc.Stream, reader: codec.MessageReader,
                 backend: Backend) -> None:
        self._stream = stream
        self._reader = reader
        self._backend = backend
        self._out: list[bytes] = []
        self._out_bytes = 0
        self._statements: dict[str, Prepared] = {}
        self._portals: dict[str, Portal] = {}
        self._skip_until_sync = False
        self._scope: trio.CancelScope | None = None
        self._busy = False
        self._cancel_pending = False
        self._settings_seen = self._reported_settings()
        self._handlers = {
            b"Q": self._simple_query, b"P": self._parse, b"B": self._bind,
            b"D": self._describe, b"E": self._execute, b"C": self._close,
            b"S": self._sync, b"H": self._flush_msg, b"X": self._terminate,
            # CopyData/CopyDone/CopyFail left over after a COPY FROM failed:
            # PostgreSQL accepts and ignores them.
            b"d": self._ignore, b"c": self._ignore, b"f": self._ignore,
        }

    # ------------------------------------------------------------ cancel, notices

    def cancel(self) -> None:
        """A CancelRequest with this session's key arrived."""
        if self._scope is not None:
            self._scope.cancel()
        elif self._busy:
            self._cancel_pending = True

    @contextmanager
    def _cancellable(self):
        """Run a backend call (or a whole COPY) so that ``cancel`` stops it
        with 57014; also sends the notices and ParameterStatus it caused."""
        if self._scope is not None:  # nested (a COPY's inserts): the outer scope covers it
            yield
            return
        if self._cancel_pending:
            self._cancel_pending = False
            raise query_canceled()
        try:
            with trio.CancelScope() as scope:
                self._scope = scope
                try:
                    yield
                finally:
                    self._scope = None
        finally:
            self._after_backend()
        if scope.cancelled_caught:
            raise query_canceled()

    def _reported_settings(self) -> dict[str, str]:
        settings = getattr(self._backend, "settings", None)
        if not isinstance(settings, Mapping):
            return {}
        return {k: str(settings[k]) for k in REPORTED_SETTINGS if k in settings}

    def sync_reported_settings(self) -> None:
        """The startup reply reported the settings as they are now."""
        self._settings_seen = self._reported_settings()

    def _after_backend(self) -> None:
        notices = getattr(self._backend, "notices", None)
        if notices:
            for n in list(notices):
                if not isinstance(n, Notice):
                    n = Notice(str(n))
                self.emit(codec.notice_response(n.severity, n.sqlstate, n.message,
                                                n.detail, n.hint))
            notices.clear()
        if self._settings_seen or getattr(self._backend, "settings", None) is not None:
            now = self._reported_settings()
            for key, value in now.items():
                if self._settings_seen.get(key) != value:
                    self.emit(codec.parameter_status(REPORTED_SETTINGS[key], value))
            self._settings_seen = now

    # ------------------------------------------------------------ output

    def emit(self, msg: bytes) -> None:
        self._out.append(msg)
        self._out_bytes += len(msg)

    def emit_many(self, msgs: list[bytes]) -> None:
        for m in msgs:
            self._out_bytes += len(m)
        self._out.extend(msgs)

    async def flush(self) -> None:
        if self._out:
            data = b"".join(self._out)
            self._out.clear()
            self._out_bytes = 0
            await self._stream.send_all(data)

    async def _maybe_flush(self) -> None:
        if self._out_bytes >= FLUSH_BYTES:
            await self.flush()

    def _ready(self) -> None:
        self.emit(codec.ready_for_query(transaction_status(self._backend)))

    # ------------------------------------------------------------ loop

    async def run(self) -> None:
        """Serve messages until Terminate, EOF (``ClientClosed``) or a fatal error."""
        self._ready()
        await self.flush()
        try:
            while True:
                try:
                    msg_type, body = await self._reader.read_message()
                except codec.MessageTooLarge as e:
                    self.emit(codec.error_response("FATAL", PROGRAM_LIMIT_EXCEEDED, str(e)))
                    return
                except codec.ProtocolViolation as e:
                    self.emit(codec.error_response("FATAL", PROTOCOL_VIOLATION, str(e)))
                    return
                if self._skip_until_sync and msg_type not in (b"S", b"X"):
                    continue
                handler = self._handlers.get(msg_type)
                if handler is None:
                    self.emit(codec.error_response(
                        "FATAL", PROTOCOL_VIOLATION,
                        f"invalid frontend message type {msg_type[0]}"))
                    return
                self._busy = True
                try:
                    await self._dispatch(msg_type, handler, body)
                finally:
                    self._busy = False
                    self._cancel_pending = False
        except SessionEnd:
            return
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(5):
                try:
                    await self.flush()
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass

    async def _dispatch(self, msg_type: bytes, handler, body: bytes) -> None:
        """Run one message's handler; an error ends the message (and in
        extended mode everything up to Sync)."""
        try:
            await handler(body)
            return
        except SqlError as e:
            error = e
        except (SessionEnd, codec.ProtocolViolation, trio.Cancelled, trio.BrokenResourceError,
                trio.ClosedResourceError, codec.ClientClosed):
            raise
        except Exception as e:  # a backend bug: report it, keep the connection
            log.exception("pgwire: unexpected error handling message %r", msg_type)
            error = SqlError(INTERNAL_ERROR, str(e) or type(e).__name__)
        self.emit(codec.error_response(error.severity, error.sqlstate, error.message,
                                       error.detail, error.hint))
        if msg_type == b"Q":
            self._ready()
        else:  # sent now, as PostgreSQL does: a client may wait on Flush (asyncpg)
            self._skip_until_sync = True
        await self.flush()

    # ------------------------------------------------------------ simple query

    async def _simple_query(self, body: bytes) -> None:
        sql, _ = codec.read_cstring(body, 0)
        self._statements.pop("", None)
        self._portals.pop("", None)
        statements = [s for s in self._backend.split(sql) if s.strip()]
        if not statements:
            self.emit(codec.EMPTY_QUERY_RESPONSE)
        for stmt in statements:  # an error skips the rest (see _dispatch)
            if pgcopy.is_copy(stmt):
                self.emit(codec.command_complete(await self._copy(stmt)))
            else:
                self._emit_result(await self._execute_sql(stmt, ()))
            await self._maybe_flush()
        self._ready()
        await self.flush()

    async def _execute_sql(self, sql: str, params) -> QueryResult:
        """DEALLOCATE acts on this connection's prepared statements, which live
        here; everything else goes to the backend."""
        m = _DEALLOCATE.match(sql)
        if m is None:
            with self._cancellable():
                return await self._backend.execute(sql, params)
        name = m.group(1)
        if name.lower() == "all":
            self._statements.clear()
            return QueryResult("DEALLOCATE ALL", None)
        name = name.strip('"')
        if name not in self._statements:
            raise SqlError(INVALID_SQL_STATEMENT_NAME, f'prepared statement "{name}" does not exist')
        del self._statements[name]
        return QueryResult("DEALLOCATE", None)

    def _emit_result(self, result: QueryResult) -> None:
        columns = result.columns
        if columns is not None:
            if getattr(result, "binary", False):  # FETCH from a BINARY cursor
                formats = resolve_formats(columns, [1])
                self.emit(codec.row_description(columns, formats))
                encoders = encoders_for(columns, formats)
            else:
                self.emit(codec.row_description(columns))
                encoders = [values.text_encoder(c.type_oid) for c in columns]
            self.emit_many(codec.data_rows(result.rows, encoders))
        self.emit(codec.command_complete(result.command_tag))

    # ------------------------------------------------------------ extended query

    async def _parse(self, body: bytes) -> None:
        name, query, type_oids = parse_parse(body)
        if name and name in self._statements:
            raise SqlError(DUPLICATE_PREPARED_STATEMENT,
                           f'prepared statement "{name}" already exists')
        self._statements[name] = Prepared(query, type_oids)
        self.emit(codec.PARSE_COMPLETE)

    def _statement(self, name: str) -> Prepared:
        try:
            return self._statements[name]
        except KeyError:
            raise SqlError(INVALID_SQL_STATEMENT_NAME,
                           f'prepared statement "{name}" does not exist') from None

    def _portal(self, name: str) -> Portal:
        try:
            return self._portals[name]
        except KeyError:
            raise SqlError(INVALID_CURSOR_NAME, f'portal "{name}" does not exist') from None

    async def _description(self, stmt: Prepared) -> StatementDescription:
        if stmt.description is None:
            if stmt.is_empty or pgcopy.is_copy(stmt.sql):
                stmt.description = StatementDescription(list(stmt.param_oids), None)
            else:
                with self._cancellable():
                    stmt.description = await self._backend.describe(stmt.sql, stmt.param_oids)
        return stmt.description

    async def _bind(self, body: bytes) -> None:
        msg = parse_bind(body)
        stmt = self._statement(msg.statement)
        if msg.portal and msg.portal in self._portals:
            raise SqlError(DUPLICATE_CURSOR, f'cursor "{msg.portal}" already exists')
        type_oids = stmt.param_oids
        params: list[object] = []
        for i, raw in enumerate(msg.raw_params):
            fmt = msg.param_format(i)
            oid = type_oids[i] if i < len(type_oids) else 0
            if oid == 0 and fmt == 1 and raw is not None:
                inferred = (await self._description(stmt)).param_oids
                oid = inferred[i] if i < len(inferred) else 0
            params.append(values.decode_param(raw, fmt, oid))
        self._portals[msg.portal] = Portal(stmt, params, msg.result_formats)
        self.emit(codec.BIND_COMPLETE)

    async def _describe(self, body: bytes) -> None:
        kind, name = parse_target(body, "Describe")
        if kind == "S":
            desc = await self._description(self._statement(name))
            self.emit(codec.parameter_description(desc.param_oids))
            self._emit_row_description(desc.columns, [])
            return
        if name not in self._portals:  # a cursor DECLAREd in SQL is a portal too
            columns = getattr(self._backend, "cursor_columns", lambda _n: None)(name)
            if columns is not None:
                self._emit_row_description(columns, [])
                return
        portal = self._portal(name)
        if (portal.result is None and not pgcopy.is_copy(portal.statement.sql)
                and self._next_is_execute_of(name)):
            # The client executes this portal next anyway: run it now and
            # describe the real result instead of planning twice.
            await self._run_portal(portal)
        if portal.result is not None:
            columns = portal.result.columns
        else:
            columns = (await self._description(portal.statement)).columns
        self._emit_row_description(columns, portal.result_formats)

    def _next_is_execute_of(self, name: str) -> bool:
        nxt = self._reader.peek_message()
        if nxt is None or nxt[0] != b"E":
            return False
        try:
            return parse_execute(nxt[1])[0] == name
        except SqlError:
            return False

    def _emit_row_description(self, columns, requested_formats: list[int]) -> None:
        if columns is None:
            self.emit(codec.NO_DATA)
        else:
            self.emit(codec.row_description(columns,
                                            resolve_formats(columns, requested_formats)))

    async def _run_portal(self, portal: Portal) -> None:
        stmt = portal.statement
        if stmt.is_empty:
            portal.result = QueryResult("", None)
            return
        if pgcopy.is_copy(stmt.sql):
            portal.result = QueryResult(await self._copy(stmt.sql), None)
            return
        portal.result = await self._execute_sql(stmt.sql, portal.params)
        columns = portal.result.columns
        if columns is not None:
            portal.formats = resolve_formats(columns, portal.result_formats)
            portal.encoders = encoders_for(columns, portal.formats)

    async def _execute(self, body: bytes) -> None:
        name, max_rows = parse_execute(body)
        portal = self._portal(name)
        if portal.result is None:
            await self._run_portal(portal)
        result = portal.result
        assert result is not None
        if portal.statement.is_empty:
            self.emit(codec.EMPTY_QUERY_RESPONSE)
            return
        if result.columns is None:
            self.emit(codec.command_complete(result.command_tag))
            return
        start = portal.pos
        end = len(result.rows) if max_rows == 0 else min(len(result.rows), start + max_rows)
        self.emit_many(codec.data_rows(result.rows[start:end], portal.encoders))
        portal.pos = end
        if end < len(result.rows):
            self.emit(codec.PORTAL_SUSPENDED)
        else:
            tag = result.command_tag
            if start > 0 or max_rows:  # a fetch reports the rows it sent
                verb = tag.split(" ", 1)[0]
                tag = f"{verb} {end - start}" if verb in ("SELECT", "FETCH") else tag
            self.emit(codec.command_complete(tag))
        await self._maybe_flush()

    async def _close(self, body: bytes) -> None:
        kind, name = parse_target(body, "Close")
        if kind == "S":
            self._statements.pop(name, None)
        else:
            self._portals.pop(name, None)
        self.emit(codec.CLOSE_COMPLETE)

    async def _sync(self, body: bytes) -> None:
        self._skip_until_sync = False
        status = transaction_status(self._backend)
        if status == "I":  # portals live until the end of their transaction
            self._portals.clear()
        self.emit(codec.ready_for_query(status))
        await self.flush()

    async def _flush_msg(self, body: bytes) -> None:
        await self.flush()

    async def _ignore(self, body: bytes) -> None:
        pass

    async def _terminate(self, body: bytes) -> None:
        raise SessionEnd()

