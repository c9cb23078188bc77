"""Memory checkpoints: the node pushes images of the pages it changed to the
global buffer in the background and records the LSN of its stream they cover.

A checkpoint is taken in one trio step (no await between reading the installed
LSN and copying the pages; the copies are encoded in a worker thread), so the images hold exactly the effects of every
record up to that LSN for the pages the node still owns; pages it handed off
meanwhile belong to their new owner's recovery.  Storing the images and then
the LSN is one Redis round trip each, off the statement path.  Recovery of a
failed node (issue 3) starts from these images and replays its stream after
the recorded LSN (``compute/recovery.py``).  After each checkpoint the node
truncates its stream up to the covered LSN (storage caps it at what its page
store has applied).  The record is per incarnation: a
restarted node covers only the pages it owns, not those its previous
incarnation left behind.
"""

from __future__ import annotations

import logging

import trio

from storage.page_format import Page, PageId, encode_page

log = logging.getLogger("strata.compute.checkpoint")

INTERVAL_S = 1.0
PUSH_CHUNK = 500
"""Page images per Redis round trip of a checkpoint."""


class MemoryCheckpointer:
    def __init__(self, node, interval_s: float = INTERVAL_S) -> None:
        self.node = node
        self.interval_s = interval_s
        self.dirty: set[PageId] = set()
        self._wake = trio.Event()
        self.stats = {"checkpoints": 0, "pages": 0, "bytes": 0, "lsn": 0, "failures": 0}

    def changed(self, pid: PageId) -> None:
        self.dirty.add(pid)

    def wake(self) -> None:
        """Take the next checkpoint now (after a rejoin)."""
        self._wake.set()

    def snapshot(self) -> tuple[list[Page], int]:
        """Copies of the changed pages and the LSN they cover, in one trio step.
        Rows are immutable tuples, so a shallow copy of each page's dict is a
        consistent image; encoding them (seconds after a million-row COPY)
        then runs in a worker thread."""
        owned = self.node.pages.owned
        lsn = self.node.log.installed_lsn
        pages = []
        for pid in self.dirty:
            op = owned.get(pid)
            if op is not None:
                pages.append(Page(pid, op.page.version, dict(op.page.rows)))
        self.dirty = set()
        return pages, lsn

    async def run(self) -> None:
        node = self.node
        while True:
            with trio.move_on_after(self.interval_s):
                await self._wake.wait()
            self._wake = trio.Event()
            if not self.dirty and self.stats["lsn"] == node.log.installed_lsn:
                continue
            pages, lsn = self.snapshot()
            images = await trio.to_thread.run_sync(_encode_all, pages)
            try:
                # After a million-row commit that is ~100 MB: in chunks, so the
                # heartbeats of every node get through Redis in between.
                # The LSN is recorded with the last chunk, after all the others.
                split = max(0, (len(images) - 1) // PUSH_CHUNK * PUSH_CHUNK)
                for i in range(0, split, PUSH_CHUNK):
                    await node.bridge.call(
                        node.ml.buffer.put_many, images[i:i + PUSH_CHUNK], node.incarnation)
                await node.bridge.call(
                    node.ml.buffer.checkpoint, node.node_id, node.incarnation, images[split:], lsn)
            except Exception as e:  # memory layer away: retry the same pages next time
                self.dirty.update(pid for pid, _, _ in images)
                self.stats["failures"] += 1
                log.warning("memory checkpoint failed: %s", e)
                continue
            self.stats["checkpoints"] += 1
            self.stats["pages"] += len(images)
            self.stats["bytes"] += sum(len(img) for _, _, img in images)
            self.stats["lsn"] = lsn
            await self._truncate(lsn)

    async def _truncate(self, lsn: int) -> None:
        """Drop this node's stream records up to the checkpoint: tier-1 recovery
        of this incarnation replays only records after ``lsn``, and storage never
        drops a record its page store has not applied yet (its own checkpoint).
        Recovery of an earlier incarnation that finds its records gone uses
        storage instead (tier 2)."""
        node = self.node
        try:
            await node.bridge.call(node.storage.truncate, node.node_id, lsn)
            self.stats["truncated_to"] = lsn
        except Exception as e:  # storage away: the next checkpoint tries again
            log.info("log truncation skipped: %s", e)


def _encode_all(pages: list[Page]) -> list[tuple[PageId, int, bytes]]:
    return [(p.page_id, p.version, encode_page(p)) for p in pages]
