"""Owned pages: the buffer of a compute node, page acquisition and hand-off.

One writer per page (invariant 1): a node reads or writes a page only while it
owns it here.  Ownership comes from the directory in the memory layer:

    acquire P (node B)                       hand-off P (owner A, peer RPC)
    ------------------                       ------------------------------
    claim(P) in the directory  --granted-->  (nobody live owned P) fence the old
      |                                      owner's stream, load P from storage
      |                                      with catch_up (newest committed image)
      +--owner A live--> peer "handoff" -->  A marks P leaving, wounds younger pin
                                             holders, waits until no transaction
                                             pins P, moves the directory entry to
                                             B (epoch+1, refused if A is stale),
                                             drops P and replies with the image

Log before hand-off (invariant 2) holds by construction: pages only ever hold
committed rows whose log records are durable (deferred update), and a page
pinned by a committing transaction cannot leave until the commit is installed.

Everything here runs on the node's trio thread; directory and storage calls go
through the bounded thread bridge (cold path only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import trio

from compute import metrics
from compute.bridge import Bridge
from compute.peer import PeerError, PeerUnreachable
from compute.waits import Waiter
from memory_layer.api import DirectoryRebuilding, StaleEpoch
from sql.errors import DEADLOCK_DETECTED, SERIALIZATION_FAILURE, SqlError
from storage.api import StorageError, StorageUnavailable
from storage.page_format import Page, PageId, decode_page, encode_page

log = logging.getLogger("strata.compute.pages")

HANDOFF_WAIT_S = 3.0
ACQUIRE_WAIT_S = 15.0
RETRY_PAUSE_S = 0.05


class OwnedPage:
    __slots__ = ("page", "epoch", "next_version", "pins", "leaving", "left", "drained")

    def __init__(self, page: Page, epoch: int) -> None:
        self.page = page
        self.epoch = epoch
        self.next_version = page.version
        self.pins: set[Waiter] = set()
        self.leaving = False
        self.left = trio.Event()
        self.drained = trio.Event()


@dataclass(frozen=True)
class Inherited:
    """A page a recovery worker claimed from a failed incarnation and has not
    rebuilt yet: whoever loads it first (the worker, or a transaction that needs
    it before its turn) rebuilds it through tier 1 from the failed stream."""
    owner: int
    owner_incarnation: int
    epoch: int


class PageManager:
    def __init__(self, node) -> None:
        self.node = node
        self.owned: dict[PageId, OwnedPage] = {}
        self.inherited: dict[PageId, Inherited] = {}
        self.inherited_tier: dict[PageId, int] = {}
        """For inherited pages once loaded: 1 (global buffer + stream) or 2 (storage)."""
        self._acquiring: dict[PageId, trio.Event] = {}
        self.stats = {"handoffs_in": 0, "handoffs_out": 0, "claims": 0, "storage_loads": 0}
        self.on_page_leaving = None  # callback(pid), used by the catalog cache

    @property
    def bridge(self) -> Bridge:
        return self.node.bridge

    # ------------------------------------------------------------ pins
    async def pin(self, pid: PageId, tx: Waiter) -> OwnedPage:
        """Own ``pid`` and pin it for ``tx`` (until ``unpin``)."""
        op = self.owned.get(pid)
        if op is not None and not op.leaving:
            op.pins.add(tx)  # here and staying: no wait (so no wound-wait check)
            return op
        with tx.blocking(ACQUIRE_WAIT_S, f"page {pid}"):
            while True:
                op = self.owned.get(pid)
                if op is not None and not op.leaving:
                    break
                if op is not None:
                    await op.left.wait()
                    continue
                await self._acquire_once(pid, tx)
        # Pin only once blocking() has let us go: a wound that arrived meanwhile
        # raises there, and a pin taken before it would leak.  No await since the
        # loop saw the page, so it is still here and not leaving.
        op.pins.add(tx)
        return op

    def unpin(self, op: OwnedPage, tx: Waiter) -> None:
        op.pins.discard(tx)
        if not op.pins:
            op.drained.set()

    # ------------------------------------------------------------ acquire
    async def _acquire_once(self, pid: PageId, tx: Waiter | None, only_if_mine: bool = False) -> None:
        ev = self._acquiring.get(pid)
        if ev is not None:
            await ev.wait()
            return
        ev = self._acquiring[pid] = trio.Event()
        try:
            await self._acquire(pid, tx, only_if_mine)
        finally:
            del self._acquiring[pid]
            ev.set()

    async def _acquire(self, pid: PageId, tx: Waiter | None, only_if_mine: bool) -> None:
        node = self.node
        try:
            before = await self.bridge.call(node.ml.directory.lookup, pid)
            grant = await self.bridge.call(node.ml.directory.claim, pid, node.node_id, node.incarnation)
        except DirectoryRebuilding:
            # The memory layer lost its keys; live owners are reporting their
            # pages.  Wait (the caller's loop claims again, within its deadline).
            await trio.sleep(RETRY_PAUSE_S)
            return
        except StaleEpoch:
            # Our registration is gone: superseded (we are a zombie: the node
            # stops) or the memory layer lost its keys (the node rejoins).
            await node.registration_lost()
            await trio.sleep(RETRY_PAUSE_S)
            return
        except Exception as e:  # Redis unreachable
            await trio.sleep(RETRY_PAUSE_S * 4)
            raise _retryable(f"memory layer unavailable: {e}") from None
        self.stats["claims"] += 1
        entry = grant.entry
        if grant.granted:
            prev = before.owner if before is not None else None
            prev_inc = before.owner_incarnation if before is not None else 0
            inherited = self.inherited.pop(pid, None)
            if inherited is not None and inherited.epoch != entry.epoch:
                inherited = None  # the page moved on since the worker claimed it
            if inherited is not None:
                # Claimed by a recovery worker, which fenced the failed stream.
                prev, prev_inc = inherited.owner, inherited.owner_incarnation
            elif prev is not None and prev != node.node_id:
                info = await self._member(prev)
                if info is None or not info.live:
                    # The previous owner's lease expired: fence its stream so a zombie
                    # cannot commit to this page any more (invariant 6) -- at the epoch
                    # it registered with: if it already came back, its own open_stream
                    # fenced the old incarnation and the new one must keep writing.
                    epoch = info.stream_epoch if info is not None else 0
                    await self._storage(node.storage.fence_stream, prev, epoch)
            page, tier = None, 2
            if prev is not None and (inherited is not None or entry.epoch == before.epoch + 1):
                # The owner died: tier 1 (memory checkpoint + its stream).  The epoch
                # check makes sure nobody else owned the page between lookup and claim.
                page = await node.tier1.recover(pid, prev, prev_inc, entry.version)
                if page is not None:
                    tier = 1
                    log.info("page %s of node %s recovered from the global buffer + its stream (v%d)",
                             pid, prev, page.version)
            if page is None:  # tier 2: the storage page store, after the applier caught up
                img = await self._storage(node.storage.get_page, pid, entry.version, True, 10.0)
                self.stats["storage_loads"] += 1
                page = decode_page(img.data)
            if inherited is not None:
                self.inherited_tier[pid] = tier
            await self._push_start_image(pid, page.version, encode_page(page))
            self.owned[pid] = OwnedPage(page, entry.epoch)
            return
        if only_if_mine:
            raise PeerError(f"node {node.node_id} does not own page {pid}")
        owner = entry.owner
        addr = await node.peer_address(owner)
        if addr is None:
            await trio.sleep(RETRY_PAUSE_S)
            return
        header = {"op": "handoff", "pid": list(pid), "to": node.node_id,
                  "age": list(tx.age) if tx else None}
        try:
            reply, blob = await node.peers.call(addr, header)
        except PeerUnreachable:
            node.forget_peer(owner)
            await trio.sleep(RETRY_PAUSE_S * 2)  # owner down: retry until its lease expires
            return
        except PeerError as e:
            if e.sqlstate == DEADLOCK_DETECTED:
                # The owner waited HANDOFF_WAIT_S for its (older) holders: give up.
                metrics.abort("handoff_busy")
                raise SqlError(DEADLOCK_DETECTED, "deadlock detected",
                               detail=f"page {pid} stayed in use on node {owner}") from None
            await trio.sleep(RETRY_PAUSE_S)  # owner changed meanwhile: ask again
            return
        page = decode_page(blob)
        await self._push_start_image(pid, page.version, blob)
        self.owned[pid] = OwnedPage(page, reply["epoch"])
        self.stats["handoffs_in"] += 1

    async def _push_start_image(self, pid: PageId, version: int, image: bytes) -> None:
        """Before a page is used, its starting image goes to the global buffer
        under this incarnation: tier-1 recovery of this incarnation's pages then
        starts from an image at least as new as where its stream's deltas begin.
        Until it succeeds the page is not used (the directory may already name
        us; the next access loads it again)."""
        node = self.node
        try:
            await self.bridge.call(node.ml.buffer.put, pid, version, image, node.incarnation)
        except Exception as e:
            await trio.sleep(RETRY_PAUSE_S * 4)
            raise _retryable(f"memory layer unavailable: {e}") from None

    async def _member(self, node_id: int):
        members = await self.bridge.call(self.node.ml.membership.members)
        return members.get(node_id)

    async def _storage(self, fn, *args):
        deadline = trio.current_time() + ACQUIRE_WAIT_S
        while True:
            try:
                return await self.bridge.call(fn, *args)
            except StorageUnavailable:
                if trio.current_time() > deadline:
                    raise _retryable("storage service unavailable") from None
                await trio.sleep(0.2)
            except StorageError as e:
                raise _retryable(f"storage: {e}") from None

    # ------------------------------------------------------------ hand-off (owner side)
    async def handle_handoff(self, pid: PageId, to_node: int, age) -> tuple[dict, bytes]:
        op = await self._own_for_peer(pid)
        if op.leaving:
            raise PeerError(f"page {pid} is already being handed off")
        op.leaving = True
        op.drained = trio.Event()
        try:
            requester_age = tuple(age) if age else None
            for holder in list(op.pins):
                if requester_age is not None and requester_age < holder.age:
                    holder.wound()
            if op.pins:
                with trio.move_on_after(HANDOFF_WAIT_S):
                    await op.drained.wait()
            if op.pins:
                raise PeerError(f"page {pid} is busy on node {self.node.node_id}", DEADLOCK_DETECTED)
            image = encode_page(op.page)
            node = self.node
            try:
                entry = await self.bridge.call(
                    node.ml.directory.transfer, pid, node.node_id, node.incarnation,
                    op.epoch, to_node, op.page.version,
                )
            except StaleEpoch:
                self._drop(pid, op)
                raise PeerError(f"node {node.node_id} no longer owns page {pid}") from None
        except BaseException:
            if self.owned.get(pid) is op:
                op.leaving = False
                op.left.set()
                op.left = trio.Event()
            raise
        self._drop(pid, op)
        self.stats["handoffs_out"] += 1
        return {"ok": True, "epoch": entry.epoch, "version": op.page.version}, image

    async def handle_read_copy(self, pid: PageId) -> tuple[dict, bytes]:
        """A committed image of a page we own, for a read-only copy elsewhere
        (the catalog).  Waits until no local transaction is changing it."""
        op = await self._own_for_peer(pid)
        if op.pins:
            op.drained = trio.Event()
            with trio.move_on_after(HANDOFF_WAIT_S):
                await op.drained.wait()
            if op.pins:
                raise PeerError(f"page {pid} is busy", DEADLOCK_DETECTED)
        return {"ok": True, "version": op.page.version}, encode_page(op.page)

    async def _own_for_peer(self, pid: PageId) -> OwnedPage:
        for _ in range(100):
            op = self.owned.get(pid)
            if op is not None:
                return op
            # Not in memory: after a restart the directory may still name us.
            await self._acquire_once(pid, None, only_if_mine=True)
        raise PeerError(f"page {pid} could not be loaded")

    def _drop(self, pid: PageId, op: OwnedPage) -> None:
        if self.owned.get(pid) is op:
            del self.owned[pid]
        op.leaving = False
        op.left.set()
        if self.on_page_leaving is not None:
            self.on_page_leaving(pid)

    def owned_count(self) -> int:
        return len(self.owned)


def _retryable(message: str) -> SqlError:
    return SqlError(SERIALIZATION_FAILURE, message, hint="retry the transaction")
