"""Drivers the sqllogictest runner executes SQL through.

* ``PsycopgDriver``: a real cluster over the PostgreSQL wire protocol (autocommit).
* ``SessionDriver``: the engine in-process (SqlSession over MemoryTxnSource), for
  the fast unit test and for quick local iteration on the engine.
"""

from __future__ import annotations

import psycopg
import trio

from sql.executor import Executor
from sql.memory_txn import MemoryTxnSource
from sql.session import SqlSession


class PsycopgDriver:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str) -> list[tuple] | None:
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description is not None else None

    def close(self) -> None:
        self.conn.close()


class SessionDriver:
    def __init__(self) -> None:
        self.session = SqlSession(MemoryTxnSource(), Executor())

    def execute(self, sql: str) -> list[tuple] | None:
        result = trio.run(self.session.execute, sql)
        return result.rows if result.columns is not None else None

    def close(self) -> None:
        pass
