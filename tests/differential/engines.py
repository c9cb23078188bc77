"""The two sides of the differential test, each answering ``run(sql) -> Outcome``.

* ``PsycopgEngine``: any server over the wire protocol (PostgreSQL 15, or a
  Strata cluster), autocommit.
* ``SessionEngine``: Strata's engine in-process (SqlSession over
  MemoryTxnSource), for quick local iteration: ``run --in-process``.
"""

from __future__ import annotations

import psycopg

from tests.differential.compare import Outcome


class PsycopgEngine:
    def __init__(self, dsn: str, timeout_ms: int = 10000) -> None:
        self.dsn = dsn
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.timeout_ms = timeout_ms
        self._settings(self.conn)

    def _settings(self, conn: psycopg.Connection) -> None:
        try:
            conn.execute(f"SET statement_timeout = {self.timeout_ms}")
        except psycopg.Error:
            pass

    def run(self, sql: str) -> Outcome:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql)
                return Outcome(rows=tuple(cur.fetchall()) if cur.description is not None else ())
        except psycopg.Error as e:
            if self.conn.closed or e.sqlstate is None:
                self.conn = psycopg.connect(self.dsn, autocommit=True)
                self._settings(self.conn)
            return Outcome(sqlstate=e.sqlstate or "?????", message=str(e).splitlines()[0] if str(e) else "")

    def close(self) -> None:
        self.conn.close()


class SessionEngine:
    def __init__(self) -> None:
        import trio

        from sql.executor import Executor
        from sql.memory_txn import MemoryTxnSource
        from sql.session import SqlSession

        self._trio = trio
        self.session = SqlSession(MemoryTxnSource(), Executor())

    def run(self, sql: str) -> Outcome:
        from sql.errors import SqlError

        try:
            result = self._trio.run(self.session.execute, sql)
        except SqlError as e:
            return Outcome(sqlstate=e.sqlstate, message=e.message)
        except Exception as e:  # an engine bug: report it as a difference, not a crash
            return Outcome(sqlstate="XX000", message=f"{type(e).__name__}: {e}")
        return Outcome(rows=tuple(result.rows) if result.columns is not None else ())

    def close(self) -> None:
        pass
