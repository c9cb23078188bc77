"""The COPY sub-protocol of a session (a mixin of ``sql.pgwire.session.Session``).

COPY TO STDOUT runs the query and streams CopyData rows (text, CSV or binary);
COPY FROM STDIN reads CopyData and inserts the rows as batched parameterised
INSERTs in one transaction (the client's block, or one opened here: committed
at CopyDone, rolled back on any error, CopyFail or cancel), so COPY rows take
the ordinary write path (sql/rowwrite.py: constraints, indexes)."""

from __future__ import annotations

import logging

import trio

from sql.errors import PROTOCOL_VIOLATION, QUERY_CANCELED, SqlError

from . import codec, values
from . import copy as pgcopy

log = logging.getLogger("strata.pgwire")

COPY_BATCH_PARAMS = 4000
"""Parameters per INSERT of a COPY FROM (rows per batch = this // columns)."""


class CopyFlow:
    async def _copy(self, sql: str) -> str:
        """Run one COPY FROM STDIN / TO STDOUT; returns the command tag."""
        stmt = pgcopy.parse_copy(sql)
        if stmt.direction == "out":
            return await self._copy_out(stmt)
        return await self._copy_in(stmt)

    async def _copy_out(self, stmt: pgcopy.CopyStatement) -> str:
        result = await self._execute_sql(stmt.select_sql(), ())
        columns = result.columns or []
        if stmt.binary:
            encoders = [values.binary_encoder(c.type_oid) for c in columns]
            if any(e is None for e in encoders):
                raise SqlError("0A000", "binary COPY of this column type is not supported")
        else:
            encoders = [values.text_encoder(c.type_oid) for c in columns]
        self.emit(codec.copy_response(b"H", stmt.binary, len(columns)))
        prefix = pgcopy.binary_header() if stmt.binary else b""  # sent with the first row
        if stmt.header and stmt.format == "csv":
            self.emit(codec.copy_data(pgcopy.csv_row([c.name for c in columns], stmt)))
        for row in result.rows:
            fields = [None if v is None else enc(v) for v, enc in zip(row, encoders, strict=True)]
            if stmt.binary:
                data, prefix = prefix + pgcopy.binary_row(fields), b""
            else:
                strs = [None if f is None else f.decode("utf-8") for f in fields]
                fmt = pgcopy.csv_row if stmt.format == "csv" else pgcopy.text_row
                data = fmt(strs, stmt)
            self.emit(codec.copy_data(data))
            await self._maybe_flush()
        if stmt.binary:
            self.emit(codec.copy_data(prefix + pgcopy.binary_trailer()))
        self.emit(codec.COPY_DONE)
        return f"COPY {len(result.rows)}"

    async def _copy_in(self, stmt: pgcopy.CopyStatement) -> str:
        """Rows go in as batched INSERTs in one transaction: the caller's
        block, or one opened here (committed at CopyDone, rolled back on any
        error, CopyFail or cancel)."""
        with self._cancellable():
            desc = await self._backend.describe(stmt.select_sql(), [])
        columns = desc.columns or []
        names = list(stmt.columns) if stmt.columns else [
            '"' + c.name.replace('"', '""') + '"' for c in columns]
        type_oids = [c.type_oid for c in columns]
        self.emit(codec.copy_response(b"G", stmt.binary, len(columns)))
        await self.flush()
        from .session import transaction_status  # session.py imports this module

        own_txn = transaction_status(self._backend) == "I"
        if own_txn:
            await self._backend.execute("BEGIN")
        try:
            with self._cancellable():
                count = await self._copy_rows(stmt, names, type_oids)
        except BaseException:
            if own_txn:
                with trio.CancelScope(shield=True):
                    try:
                        await self._backend.execute("ROLLBACK")
                    except Exception:
                        log.exception("pgwire: ROLLBACK after a failed COPY failed")
            raise
        if own_txn:
            await self._backend.execute("COMMIT")
        return f"COPY {count}"

    async def _copy_rows(self, stmt: pgcopy.CopyStatement, names: list[str],
                         type_oids: list[int]) -> int:
        parser = pgcopy.parser_for(stmt)
        width = len(names)
        per_batch = max(1, COPY_BATCH_PARAMS // max(1, width))
        batch: list[object] = []
        count = 0
        line = 0

        async def insert(n_rows: int) -> None:
            await self._backend.execute(stmt.insert_sql(names, n_rows), batch)
            batch.clear()

        done = False
        while not done:
            msg_type, body = await self._reader.read_message()
            if msg_type == b"d":
                rows = parser.feed(body)
            elif msg_type == b"c":
                rows, done = parser.finish(), True
            elif msg_type == b"f":
                message, _ = codec.read_cstring(body, 0) if body else ("", 0)
                raise SqlError(QUERY_CANCELED, f"COPY from stdin failed: {message}")
            elif msg_type in (b"H", b"S"):
                continue
            else:
                raise SqlError(PROTOCOL_VIOLATION,
                               f"unexpected message type 0x{msg_type[0]:02X} during COPY from stdin")
            for row in rows:
                line += 1
                batch.extend(_copy_values(stmt, row, names, type_oids, line))
                count += 1
                if len(batch) >= per_batch * width:
                    await insert(per_batch)
        if batch:
            await insert(len(batch) // width)
        return count


def _copy_values(stmt: pgcopy.CopyStatement, row: list, names: list[str],
                 type_oids: list[int], line: int) -> list[object]:
    """One COPY row -> typed parameter values; errors name the line and column."""
    where = f"COPY {stmt.table}, line {line}"
    if len(row) > len(names):
        raise SqlError(pgcopy.BAD_COPY_FILE_FORMAT, "extra data after last expected column",
                       detail=where)
    if len(row) < len(names):
        raise SqlError(pgcopy.BAD_COPY_FILE_FORMAT,
                       f"missing data for column {names[len(row)]}", detail=where)
    out: list[object] = []
    fmt = 1 if stmt.binary else 0
    for value, name, oid in zip(row, names, type_oids, strict=True):
        try:
            if value is None:
                out.append(None)
            elif fmt:
                out.append(values.decode_param(value, 1, oid))
            else:
                out.append(values.decode_text_param(value, oid))
        except SqlError as e:
            raise SqlError(e.sqlstate, e.message, detail=f"{where}, column {name}") from None
    return out
