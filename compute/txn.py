"""One transaction on a compute node: the engine's ``TxnContext``.

Read Committed with deferred update:
* writes stay in the transaction (``writes``) until commit; reads see the
  committed rows of the pages plus the transaction's own writes;
* a row write takes the row's exclusive lock (``compute.locks``) and pins the
  row's page until the end, so the page cannot be handed off while the
  transaction depends on it; plain reads pin a page only while they read it;
* commit turns the writes into one ``PageDelta`` per page (version + 1), packs
  them into ONE log record, hands it to the group-commit writer and returns
  once storage has fsynced it (invariant 4); only then are the deltas installed
  in the pages and the locks released.

DDL is a write to the catalog page (``compute.catalog``) in the same way, so
it is logged, durable and recovered like data.
"""

from __future__ import annotations

import json
from typing import Sequence

import trio

from compute import buckets, ddl_lock, gc_pause
from compute.catalog import (
    CATALOG_DEF,
    CATALOG_PID,
    FIRST_TABLE_ID,
    NEXT_ID_KEY,
    table_row,
    tables_of,
)
from compute.pages import ACQUIRE_WAIT_S, OwnedPage
from compute.waits import Waiter
from sql.api import Bound, ColumnDef, Key, Row, TableDef
from sql.errors import (
    ADMIN_SHUTDOWN,
    DUPLICATE_TABLE,
    UNDEFINED_TABLE,
    UNIQUE_VIOLATION,
    SqlError,
)
from storage.page_format import CATALOG_TABLE_ID, PageDelta, PageId, encode_record

_CATALOG_LOCK = ("catalog",)
BIG_COMMIT_ROWS = 20_000
"""Transactions writing at least this many rows are grouped, encoded and
compressed in a worker thread (the event loop keeps serving meanwhile)."""


class Transaction:
    def __init__(self, node) -> None:
        self.node = node
        self.waiter = Waiter(node.node_id)
        self.writes: dict[tuple[int, Key], tuple[PageId, Row | None]] = {}
        self.pinned: dict[PageId, OwnedPage] = {}
        self.locks: list = []
        self._locked: set = set()  # the names in ``locks``, for O(1) membership
        self.catalog_writes = False
        self._defs: dict[str, TableDef] = {}  # the definition each written table was written under
        self._catalog_keys: set[Key] = set()  # catalog keys written (a fast _catalog_view)
        self._gc_paused = False
        self.ddl_token: int | None = None
        self._ddl_renewed = 0.0
        self.finished = False

    # ------------------------------------------------------------ pages
    def _pid(self, table: TableDef, key: Key) -> PageId:
        if table.table_id == CATALOG_TABLE_ID:
            return CATALOG_PID
        return (table.table_id, buckets.bucket_of(table, key))

    async def _hold(self, pid: PageId) -> OwnedPage:
        """Pin ``pid`` until the end of the transaction."""
        op = self.pinned.get(pid)
        if op is None:
            op = await self.node.pages.pin(pid, self.waiter)
            self.pinned[pid] = op
        return op

    async def _read_page(self, pid: PageId) -> dict:
        """The committed rows of ``pid``, pinned only while it is fetched.  No
        copy: callers read the dict before their next await (trio runs one task
        at a time, so nothing installs into it meanwhile)."""
        op = self.pinned.get(pid)
        if op is not None:
            return op.page.rows
        op = await self.node.pages.pin(pid, self.waiter)
        self.node.pages.unpin(op, self.waiter)
        return op.page.rows

    async def _lock(self, name) -> None:
        if name in self._locked:
            return
        await self.node.locks.acquire(name, self.waiter)
        self.locks.append(name)
        self._locked.add(name)

    # ------------------------------------------------------------ catalog
    async def _catalog_view(self) -> dict[str, TableDef]:
        if not self.catalog_writes:
            return await self.node.catalog.tables()
        op = self.pinned[CATALOG_PID]
        tables = tables_of(op.page)
        for key in self._catalog_keys:
            w = self.writes.get((CATALOG_TABLE_ID, key))
            if w is not None and key != NEXT_ID_KEY:
                row = w[1]
                if row is None:
                    tables.pop(key[0], None)
                else:
                    tables[key[0]] = TableDef.from_json(json.loads(row[1]))
        return tables

    async def get_table(self, name: str) -> TableDef | None:
        return (await self._catalog_view()).get(name)

    async def list_tables(self) -> list[TableDef]:
        return sorted((await self._catalog_view()).values(), key=lambda t: t.name)

    async def _begin_catalog_write(self) -> None:
        first = not self.catalog_writes
        if self.ddl_token is None:
            self.ddl_token = await ddl_lock.acquire(self.node, self.waiter, ACQUIRE_WAIT_S)
            self._ddl_renewed = trio.current_time()
        await self._hold(CATALOG_PID)
        await self._lock(_CATALOG_LOCK)
        if first:
            # Local commits in flight land before this DDL reads any table, and
            # local writers reaching commit wait for it (compute.ddl_fence).
            await self.node.ddl_fence.begin_ddl(self)
            # Every other node drops its cached catalog before we change it; the
            # owner (us) serves read copies only once this transaction is done.
            await self.node.catalog.invalidate_readers()
            self.catalog_writes = True

    async def create_table(
        self, name: str, columns: Sequence[ColumnDef], primary_key: Sequence[int]
    ) -> TableDef:
        await self._begin_catalog_write()
        if name in await self._catalog_view():
            raise SqlError(DUPLICATE_TABLE, f'relation "{name}" already exists')
        table = TableDef(name, await self.allocate_table_id(), tuple(columns), tuple(primary_key))
        self._write(CATALOG_DEF, (name,), table_row(table))
        return table

    async def replace_table(
        self, name: str, columns: Sequence[ColumnDef], primary_key: Sequence[int]
    ) -> TableDef:
        """The table ``name`` under a fresh table id (so with no rows), new columns
        and key; the old id's pages stay behind unreferenced, as after DROP TABLE.
        TRUNCATE and ALTER TABLE ... ADD PRIMARY KEY use it.  Raises
        SqlError(UNDEFINED_TABLE)."""
        await self._begin_catalog_write()
        if name not in await self._catalog_view():
            raise SqlError(UNDEFINED_TABLE, f'relation "{name}" does not exist')
        table = TableDef(name, await self.allocate_table_id(), tuple(columns), tuple(primary_key))
        self._write(CATALOG_DEF, (name,), table_row(table))
        return table

    async def drop_table(self, name: str) -> None:
        await self._begin_catalog_write()
        if name not in await self._catalog_view():
            raise SqlError(UNDEFINED_TABLE, f'table "{name}" does not exist')
        # The table's pages stay behind unreferenced (table ids are never reused);
        # reclaiming them is later work.
        self._write(CATALOG_DEF, (name,), None)

    async def allocate_table_id(self) -> int:
        await self._begin_catalog_write()
        counter = await self.get(CATALOG_DEF, NEXT_ID_KEY)
        table_id = int(counter[1]) if counter else FIRST_TABLE_ID
        self._write(CATALOG_DEF, NEXT_ID_KEY, (NEXT_ID_KEY[0], str(table_id + 1)))
        return table_id

    async def put_table(self, table: TableDef) -> None:
        await self._begin_catalog_write()
        self._write(CATALOG_DEF, (table.name,), table_row(table))

    async def page_owners(self, table: TableDef, lo: Bound | None = None, hi: Bound | None = None
                          ) -> list[tuple[int, int | None]]:
        node = self.node
        out = []
        for pid in await self._pages_for(table, lo, hi):
            entry = await node.bridge.call(node.ml.directory.lookup, pid)
            out.append((pid[1], entry.owner if entry is not None else None))
        return out

    # ------------------------------------------------------------ rows
    def _write(self, table: TableDef, key: Key, row: Row | None) -> None:
        writes = self.writes
        writes[(table.table_id, key)] = (self._pid(table, key), row)
        if table.table_id == CATALOG_TABLE_ID:
            self._catalog_keys.add(key)
        elif table.name not in self._defs:
            self._defs[table.name] = table
        if not self._gc_paused and len(writes) >= BIG_COMMIT_ROWS:
            self._pause_gc()

    def _own(self, table: TableDef, key: Key):
        """(True, row-or-None) if this transaction wrote ``key``, else (False, None)."""
        w = self.writes.get((table.table_id, key))
        if w is None:
            return False, None
        return True, w[1]

    async def get(self, table: TableDef, key: Key) -> Row | None:
        mine, row = self._own(table, key)
        if mine:
            return row
        return (await self._read_page(self._pid(table, key))).get(key)

    async def scan(
        self, table: TableDef, lo: Bound | None = None, hi: Bound | None = None
    ) -> list[tuple[Key, Row]]:
        await self._keep_ddl_lease()
        out: dict[Key, Row] = {}
        for pid in await self._pages_for(table, lo, hi):
            for key, row in (await self._read_page(pid)).items():
                if buckets.in_bounds(key[0], lo, hi):
                    out[key] = row
        for (tid, key), (_, row) in self.writes.items():
            if tid == table.table_id and buckets.in_bounds(key[0], lo, hi):
                if row is None:
                    out.pop(key, None)
                else:
                    out[key] = row
        if len(out) >= BIG_COMMIT_ROWS and not self._gc_paused:
            self._pause_gc()  # the caller holds a big result (ALTER TABLE rewrites)
        return sorted(out.items(), key=lambda kv: _sort_key(kv[0]))

    def _pause_gc(self) -> None:
        """No full garbage collection until this transaction ends (compute.gc_pause)."""
        self._gc_paused = True
        gc_pause.pause()

    async def _pages_for(self, table: TableDef, lo: Bound | None, hi: Bound | None) -> list[PageId]:
        if table.table_id == CATALOG_TABLE_ID:
            return [CATALOG_PID]
        span = buckets.bucket_range(table, lo, hi)
        if span is not None and span[1] - span[0] < buckets.MAX_RANGE_BUCKETS:
            return [(table.table_id, b) for b in range(span[0], span[1] + 1)]
        node = self.node
        listed = await node.pages._storage(node.storage.list_pages, table.table_id)
        pids = {tuple(p) for p in listed}
        pids.update(p for p in node.pages.owned if p[0] == table.table_id)
        if span is None and buckets.is_range_partitioned(table) and (lo or hi):
            first = int(lo.value) // buckets.RANGE_SPAN if lo else None
            last = int(hi.value) // buckets.RANGE_SPAN if hi else None
            pids = {p for p in pids if (first is None or p[1] >= first) and (last is None or p[1] <= last)}
        elif span is not None:
            pids = {p for p in pids if span[0] <= p[1] <= span[1]}
        return sorted(pids)

    async def _keep_ddl_lease(self) -> None:
        """A DDL transaction that is busy (TRUNCATE then a big COPY, ADD PRIMARY
        KEY rewriting a table) renews the DDL lock's lease as it goes; only one
        that sits idle past the lease loses it (compute.ddl_lock)."""
        if self.ddl_token is not None and (
            trio.current_time() - self._ddl_renewed > ddl_lock.LEASE_MS / 3000
        ):
            await ddl_lock.confirm(self.node, self.ddl_token)
            self._ddl_renewed = trio.current_time()

    async def lock_row(self, table: TableDef, key: Key) -> Row | None:
        await self._keep_ddl_lease()
        pid = self._pid(table, key)
        op = await self._hold(pid)
        await self._lock((table.table_id, key))
        mine, row = self._own(table, key)
        if mine:
            return row
        return op.page.rows.get(key)

    async def insert(self, table: TableDef, key: Key, row: Row) -> None:
        existing = await self.lock_row(table, key)
        if existing is not None:
            cols = ", ".join(table.columns[i].name for i in table.primary_key) or "rowid"
            vals = ", ".join(str(v) for v in key)
            raise SqlError(
                UNIQUE_VIOLATION,
                f'duplicate key value violates unique constraint "{table.name}_pkey"',
                detail=f"Key ({cols})=({vals}) already exists.",
            )
        self._write(table, key, row)

    async def update(self, table: TableDef, key: Key, row: Row) -> None:
        await self.lock_row(table, key)
        self._write(table, key, row)

    async def delete(self, table: TableDef, key: Key) -> None:
        await self.lock_row(table, key)
        self._write(table, key, None)

    def next_rowid(self, table: TableDef) -> int:
        return self.node.next_rowid()

    # ------------------------------------------------------------ savepoints
    def savepoint(self) -> object:
        """A snapshot of the private writes (deferred update: nothing else to undo)."""
        return dict(self.writes), self.catalog_writes

    def rollback_to(self, snapshot: object) -> None:
        """Back to a savepoint.  Row locks and pinned pages taken since stay held
        until the transaction ends (PostgreSQL would release the locks)."""
        writes, catalog_writes = snapshot
        self.writes = dict(writes)
        self.catalog_writes = catalog_writes

    # ------------------------------------------------------------ end
    async def commit(self) -> None:
        if self.finished:
            return
        try:
            if self.writes:
                fence = self.node.ddl_fence
                if self.ddl_token is not None:
                    await ddl_lock.confirm(self.node, self.ddl_token)
                elif not self.catalog_writes and self._defs:
                    await fence.check_writer(self.node, self._defs)
                fence.commit_started()
                try:
                    await self._log_and_install()
                finally:
                    fence.commit_finished()
        finally:
            self._finish()
            await self._release_ddl()

    async def _log_and_install(self) -> None:
        node = self.node
        big = len(self.writes) >= BIG_COMMIT_ROWS
        if big:
            # Grouping and encoding a big transaction (a million-row COPY) takes
            # seconds: a worker thread does it (nobody changes ``writes`` while
            # we commit).  Page versions are assigned and the record submitted
            # with no other commit in between (``_submit``): per-page version
            # order must follow LSN order (invariant 3).
            changes = await trio.to_thread.run_sync(_changes_by_page, self.writes)
        else:
            changes = _changes_by_page(self.writes)
        while node.big_commit is not None:  # a big commit is between versions and submit
            await node.big_commit.wait()
        if big:
            node.big_commit = done = trio.Event()
            try:
                deltas = self._versioned(changes)
                try:
                    payload = await trio.to_thread.run_sync(encode_record, deltas, True)
                except BaseException:
                    for d in deltas:  # nothing else took a version meanwhile
                        self.pinned[d.page_id].next_version -= 1
                    raise
                pending = self._submit(payload, deltas)
            finally:
                node.big_commit = None
                done.set()
        else:
            deltas = self._versioned(changes)
            pending = self._submit(encode_record(deltas), deltas)
        log = node.log
        # Past this point the outcome belongs to the log: never abandon the wait.
        with trio.CancelScope(shield=True):
            try:
                await log.wait(pending)
            except Exception as e:
                raise SqlError(
                    ADMIN_SHUTDOWN,
                    "commit failed: this compute node lost its log stream",
                    detail=str(e),
                ) from None
        if self.catalog_writes:
            self.node.catalog.invalidate()

    def _versioned(self, changes: dict[PageId, tuple]) -> list[PageDelta]:
        deltas = []
        for pid, ch in changes.items():
            op = self.pinned[pid]
            op.next_version += 1
            deltas.append(PageDelta(pid, op.next_version, ch))
        return deltas

    def _submit(self, payload: bytes, deltas: list[PageDelta]):
        try:
            return self.node.log.submit(payload, deltas)
        except RuntimeError as e:
            raise SqlError(ADMIN_SHUTDOWN, f"compute node is stopping: {e}") from None

    async def rollback(self) -> None:
        self._finish()
        await self._release_ddl()

    async def _release_ddl(self) -> None:
        token, self.ddl_token = self.ddl_token, None
        if token is not None:
            with trio.CancelScope(shield=True):
                await ddl_lock.release(self.node, token)

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.node.ddl_fence.end_ddl(self)  # also after ROLLBACK TO undid the catalog writes
        self.node.locks.release_all(self.locks, self.waiter)
        for op in self.pinned.values():
            self.node.pages.unpin(op, self.waiter)
        self.pinned.clear()
        self.writes.clear()
        self.locks = []
        self._locked = set()
        if self._gc_paused:
            self._gc_paused = False
            gc_pause.resume()


def _changes_by_page(writes: dict) -> dict[PageId, tuple]:
    changes: dict[PageId, list] = {}
    for (_, key), (pid, row) in writes.items():
        changes.setdefault(pid, []).append((key, row))
    return {pid: tuple(ch) for pid, ch in changes.items()}


def _sort_key(key: Key):
    return tuple((v is None, v) for v in key)
