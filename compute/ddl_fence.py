"""DDL against concurrent writers: no row is committed under a table definition
that a DDL statement has replaced.

A DDL that reads a table to rebuild it (CREATE INDEX builds entries from a scan;
ALTER TABLE ... rewrites it under a fresh table id; TRUNCATE) must not miss a
row another transaction commits under the old definition, or that row would
have no index entry, or be left behind in the old table id: a lost commit.
PostgreSQL takes a table lock; Strata has no table locks, so three rules:

* **Writers check their definitions at commit.**  A transaction (without DDL of
  its own) compares every TableDef it wrote under with the current catalog just
  before it logs; a changed one aborts it with 40001 (retry).  Other nodes'
  catalog copies are invalidated by the DDL before it writes and are re-read
  from the DDL's node only after it ends, so that comparison sees the outcome;
  it waits at most ``CHECK_WAIT_S`` (a DDL may need a page this writer holds),
  then aborts with 40001.
* **On the DDL's own node**, a writer that reaches commit while a local DDL
  transaction is open waits for it first (same bounded wait), and
* **the DDL drains local commits in flight** (past that check, waiting for the
  log) before its first catalog write returns, so its scan sees their rows.

Other nodes' writers in flight are covered by page ownership: a page they
write is pinned until their commit is installed, so the DDL's scan, which must
acquire that page, sees the committed row.
"""

from __future__ import annotations

import trio

from sql.api import TableDef
from sql.errors import SERIALIZATION_FAILURE, SqlError

CHECK_WAIT_S = 2.0


class DdlFence:
    def __init__(self) -> None:
        self.ddl_open: trio.Event | None = None
        self._ddl_owner: object | None = None
        self._in_flight = 0
        self._drained = trio.Event()
        self._drained.set()

    # -- the DDL transaction
    async def begin_ddl(self, txn: object) -> None:
        """Called once, at a transaction's first catalog write (it holds the DDL lock)."""
        self.ddl_open, self._ddl_owner = trio.Event(), txn
        with trio.move_on_after(CHECK_WAIT_S * 2):
            await self._drained.wait()

    def end_ddl(self, txn: object) -> None:
        if self._ddl_owner is txn and self.ddl_open is not None:
            self.ddl_open.set()
            self.ddl_open, self._ddl_owner = None, None

    # -- every other writer
    async def check_writer(self, node, used: dict[str, TableDef]) -> None:
        """Raises SqlError(40001) when a definition in ``used`` changed."""
        with trio.move_on_after(CHECK_WAIT_S) as scope:
            if self.ddl_open is not None:
                await self.ddl_open.wait()
            current = await node.catalog.tables()
        if scope.cancelled_caught:
            raise SqlError(SERIALIZATION_FAILURE, "could not commit while a concurrent DDL "
                           "statement changes the catalog; retry the transaction")
        for name, table in used.items():
            now = current.get(name)
            if now is not None and now is not table and now != table:
                raise SqlError(
                    SERIALIZATION_FAILURE,
                    f'relation "{name}" was changed by a concurrent DDL statement; '
                    "retry the transaction",
                )

    def commit_started(self) -> None:
        self._in_flight += 1
        if self._in_flight == 1:
            self._drained = trio.Event()

    def commit_finished(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._drained.set()
