"""Two-tier recovery of a page whose owner died (DESIGN.md "Node failure").

Tier 1: the page's image in the global buffer, if the dead incarnation pushed
it (at acquisition or in a memory checkpoint) and has a checkpoint record, plus the deltas for that page in the dead node's stream
after the checkpoint LSN.  Tier 2 (the caller's fallback): the storage page
store with ``catch_up``.  Tier 1 answers ``None`` whenever it cannot be sure:
no image, an image somebody else pushed, no checkpoint of that incarnation, truncated records, a version gap
(the image is older than the version the dead node started from), or a result
below the version the directory records.

Only the dead node's stream is read (invariant 5), and only once per
(stream, incarnation, checkpoint): its deltas after the checkpoint are decoded
into a per-page index that later pages of the same dead node reuse, extended
by reading on from where the last read stopped (records never change).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

import trio

from storage.page_format import (
    Page,
    PageDelta,
    PageId,
    RedoGap,
    apply_delta,
    decode_page,
    decode_record,
)

READ_BATCH = 5000


@dataclass
class _Tail:
    incarnation: int
    checkpoint_lsn: int
    next_lsn: int
    deltas: dict[PageId, list[PageDelta]] = field(default_factory=dict)
    records: int = 0
    bytes: int = 0


def index_records(tail: _Tail, records) -> None:
    """Decode a batch of records into the per-page index.  The cyclic garbage
    collector is paused for the batch: decoding allocates only acyclic tuples,
    and collections triggered by those allocations would rescan every live
    object of the node (about a third of the redo time in bench/redo_speed.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for rec in records:
            for d in decode_record(rec.payload):
                tail.deltas.setdefault(d.page_id, []).append(d)
            tail.records += 1
            tail.bytes += len(rec.payload)
    finally:
        if was_enabled:
            gc.enable()
    tail.next_lsn = records[-1].lsn + 1


def rebuild(got: tuple[int, bytes, int] | None, tail: _Tail, owner_incarnation: int,
            min_version: int, pid: PageId) -> Page | None:
    """Tier 1 for one page: its global-buffer image ``(version, image, pusher)``
    plus its deltas in ``tail``; None whenever that cannot be trusted."""
    if got is None or got[2] != owner_incarnation:
        # Only an image the dead incarnation pushed itself is known to be at
        # least where its deltas for this page begin (every acquisition
        # pushes its starting image; checkpoints push changed pages).
        return None
    try:
        page = redo(decode_page(got[1]), tail.deltas.get(pid, []))
    except RedoGap:
        return None
    return page if page.version >= min_version else None


def redo(page: Page, deltas: list[PageDelta]) -> Page:
    """Apply ``deltas`` (in stream order) to ``page``; raises RedoGap.  (The
    collector is paused as in ``index_records``.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for d in deltas:
            apply_delta(page, d)
    finally:
        if was_enabled:
            gc.enable()
    return page


class Tier1:
    def __init__(self, node) -> None:
        self.node = node
        self._tails: dict[int, _Tail] = {}
        self._reading: dict[int, trio.Lock] = {}
        self.stats = {"tier1_pages": 0, "tier1_misses": 0, "redo_records_read": 0}

    async def recover(self, pid: PageId, owner: int, owner_incarnation: int, min_version: int) -> Page | None:
        page = await self._recover(pid, owner, owner_incarnation, min_version)
        self.stats["tier1_pages" if page is not None else "tier1_misses"] += 1
        return page

    async def _recover(self, pid, owner, owner_incarnation, min_version) -> Page | None:
        node = self.node
        if not owner_incarnation:
            return None
        try:
            got = await node.bridge.call(node.ml.buffer.get_with_pusher, pid)
        except Exception:  # memory layer away: storage has everything
            return None
        if got is None or got[2] != owner_incarnation:
            return None
        tail = await self.load_tail(owner, owner_incarnation)
        return rebuild(got, tail, owner_incarnation, min_version, pid) if tail else None

    async def load_tail(self, owner: int, owner_incarnation: int) -> _Tail | None:
        """The dead incarnation's records after its memory checkpoint, indexed by
        page (read once, extended on later calls); None if there is no checkpoint
        of that incarnation or the records are truncated below it."""
        node = self.node
        try:
            ck = await node.bridge.call(node.ml.buffer.checkpoint_lsn, owner, owner_incarnation)
        except Exception:
            return None
        if ck == 0:
            return None
        async with self._reading.setdefault(owner, trio.Lock()):
            tail = self._tails.get(owner)
            if tail is None or (tail.incarnation, tail.checkpoint_lsn) != (owner_incarnation, ck):
                tail = self._tails[owner] = _Tail(owner_incarnation, ck, ck + 1)
            while True:
                records = await node.pages._storage(
                    node.storage.read_stream, owner, tail.next_lsn, READ_BATCH)
                if not records:
                    break
                if records[0].lsn != tail.next_lsn:  # truncated below what we need
                    del self._tails[owner]
                    return None
                index_records(tail, records)
                self.stats["redo_records_read"] += len(records)
            return tail

    def tail_size(self, owner: int) -> tuple[int, int]:
        """Records and bytes of ``owner``'s stream read for tier 1 so far."""
        tail = self._tails.get(owner)
        return (tail.records, tail.bytes) if tail is not None else (0, 0)

    def forget(self, owner: int) -> None:
        """Drop the decoded tail of a dead stream once its pages are recovered."""
        self._tails.pop(owner, None)
        self._reading.pop(owner, None)
