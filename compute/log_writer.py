"""The node's log stream writer: group commit into its own storage stream.

Committing transactions ``submit`` their record (one per transaction, all its
page deltas packed in one payload) and wait.  A single writer task takes
everything queued, sends it as ONE Append (one fsync in storage), then installs
the deltas into the owned pages *in LSN order* and wakes the committers.  While
an append is in flight new commits queue up and form the next group.

A commit is acknowledged only after its append returned (invariant 4), and a
group is appended only while the node's lease is known to hold (``lease_valid``:
the last renewal was sent less than 0.8 lease ago), so a node that cannot renew
stops committing before anybody may take its pages.  LSNs
are assigned at submit time, so the stream is gap-free.  If storage is
unreachable the writer retries; if the stream was fenced (a newer incarnation
of this node, or recovery, took over) the node stops: nothing more it commits
could be durable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import trio

from compute.bridge import Bridge
from storage.api import FencedError, LogRecord, LsnError, StorageApi, StorageUnavailable
from storage.page_format import PageDelta

MAX_GROUP_RECORDS = 2000
MAX_GROUP_BYTES = 8 * 1024 * 1024


@dataclass
class Pending:
    record: LogRecord
    deltas: list[PageDelta]
    done: trio.Event = field(default_factory=trio.Event)
    error: BaseException | None = None


class LogWriter:
    def __init__(
        self,
        storage: StorageApi,
        bridge: Bridge,
        stream_id: int,
        epoch: int,
        last_lsn: int,
        install: Callable[[list[PageDelta]], None],
        on_fatal: Callable[[str], None],
        lease_valid: Callable[[], bool] = lambda: True,
    ) -> None:
        self._storage = storage
        self._bridge = bridge
        self.stream_id = stream_id
        self.epoch = epoch
        self.next_lsn = last_lsn + 1
        self.installed_lsn = last_lsn
        """Every record up to here is durable and installed in the pages."""
        self._install = install
        self._on_fatal = on_fatal
        self._lease_valid = lease_valid
        self._queue: list[Pending] = []
        self._wakeup = trio.Event()
        self._broken: str | None = None
        self.stats = {"appends": 0, "records": 0, "bytes": 0}

    def submit(self, payload: bytes, deltas: list[PageDelta]) -> Pending:
        if self._broken:
            raise RuntimeError(self._broken)
        p = Pending(LogRecord(self.next_lsn, payload), deltas)
        self.next_lsn += 1
        self._queue.append(p)
        self._wakeup.set()
        return p

    async def run(self) -> None:
        while True:
            if not self._queue:
                await self._wakeup.wait()
                self._wakeup = trio.Event()
                continue
            q, n, size = self._queue, 0, 0
            while n < len(q) and n < MAX_GROUP_RECORDS and size < MAX_GROUP_BYTES:
                size += len(q[n].record.payload)
                n += 1
            group, self._queue = q[:n], q[n:]
            while not self._lease_valid():
                # Not sure our lease still holds (heartbeat late, memory layer being
                # rebuilt): appending now could race a survivor that already took
                # our pages.  The heartbeat either renews it or stops the node.
                await trio.sleep(0.005)
            error = await self._append([p.record for p in group])
            for p in group:
                if error is None:
                    self._install(p.deltas)
                    self.installed_lsn = p.record.lsn
                else:
                    p.error = error
                p.done.set()
            if error is not None:
                for p in self._queue:
                    p.error = error
                    p.done.set()
                self._queue.clear()
                self._broken = str(error)
                self._on_fatal(f"log stream {self.stream_id}: {error}")
                return
            self.stats["appends"] += 1
            self.stats["records"] += len(group)
            self.stats["bytes"] += size

    async def _append(self, records: list[LogRecord]) -> BaseException | None:
        first, last = records[0].lsn, records[-1].lsn
        while True:
            try:
                await self._bridge.call(self._storage.append, self.stream_id, self.epoch, records)
                return None
            except FencedError as e:
                return e
            except (StorageUnavailable, LsnError) as e:
                # Did an earlier try land before the connection broke?
                try:
                    state = await self._bridge.call(self._storage.stream_state, self.stream_id)
                except StorageUnavailable:
                    await trio.sleep(0.2)
                    continue
                if state.epoch != self.epoch:
                    return FencedError(f"stream {self.stream_id} fenced (epoch {state.epoch})")
                if state.last_lsn >= last:
                    return None
                if state.last_lsn != first - 1:
                    return e
                await trio.sleep(0.05)

    async def wait(self, pending: Pending) -> None:
        await pending.done.wait()
        if pending.error is not None:
            raise pending.error
