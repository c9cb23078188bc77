"""Survivors take over the pages of a failed node (DESIGN.md "Node failure").

Detection is by lease: every node polls membership every ``lease/16``; a member
seen live before whose incarnation is no longer live (its lease key expired,
nobody re-registered) has failed.  Leases that vanish with the memory layer
(a new generation, or the rebuild window) are not failures: the watcher starts
over from the members that rejoin.  Each failed incarnation gets one recovery
worker in the cluster: survivors race for the global lock
``recovery:{node}:{incarnation}`` (lease + fencing token) and the winner runs

    1. fence   bump the failed stream's epoch in storage (a paused node that
               wakes up can no longer append: invariant 6)
    2. claim   every directory entry the failed incarnation still owns moves to
               this node (the claim refuses entries somebody else took)
    3. redo    each claimed page is rebuilt: tier 1 = its global-buffer image +
               the failed stream after that incarnation's memory checkpoint
               (read once, indexed per page), tier 2 = storage; the page
               serves as soon as it is installed.  A transaction that needs a
               page before its turn rebuilds it on demand (same code path,
               single-flight per page: compute.pages ``inherited``).

Several failed nodes recover in parallel: one worker (trio task) per failed
stream, each reading only its own stream (invariant 5).  A page whose version
chain crosses two failed streams needs no coordination here: the directory
names only its last owner, whose acquisition pushed the page's starting image
(which includes the earlier stream's changes); storage's applier orders
versions across streams for tier 2.

A node that comes back before a survivor got to it takes its pages back itself
(ComputeNode._recover_own_pages); survivors then skip it.  Every worker leaves
a report in the memory layer (``strata:recovery:reports``) with the times it
measured, read by ``strata drill``.
"""

from __future__ import annotations

import logging
import time

import trio

from compute.pages import Inherited, OwnedPage
from compute.recovery import rebuild
from storage.page_format import PageId, encode_page

log = logging.getLogger("strata.compute.failover")

LOCK_LEASE_MS = 30_000


class FailoverWatcher:
    def __init__(self, node) -> None:
        self.node = node
        self._live: dict[int, tuple[int, int]] = {}  # node id -> (incarnation, stream epoch)
        self._started: set[tuple[int, int]] = set()
        self.stats = {"failures_seen": 0, "recoveries": 0, "pages": 0}

    @property
    def period_s(self) -> float:
        return max(0.02, self.node.cfg.lease_ms / 16000)

    async def run(self) -> None:
        node = self.node
        async with trio.open_nursery() as workers:
            while True:
                await trio.sleep(self.period_s)
                try:
                    members = await node.bridge.call(self._members_of_our_generation)
                except Exception:  # memory layer away: the heartbeat deals with it
                    continue
                if members is None:
                    # The memory layer lost its keys: every lease vanished with them,
                    # which says nothing about the nodes.  Start over once rejoined.
                    self._live = {}
                    continue
                now = time.time()
                live = {m.node_id: (m.incarnation, m.stream_epoch)
                        for m in members.values() if m.live}
                for other, (inc, stream_epoch) in self._live.items():
                    if other == node.node_id or live.get(other, (0,))[0] == inc:
                        continue
                    if (other, inc) in self._started:
                        continue
                    self._started.add((other, inc))
                    self.stats["failures_seen"] += 1
                    if other in live:
                        # Restarted already: the new incarnation takes its pages back.
                        log.info("node %d came back as incarnation %d; it takes back its pages",
                                 other, live[other][0])
                        continue
                    workers.start_soon(self.recover, other, inc, stream_epoch, now)
                self._live = live

    def _members_of_our_generation(self):
        """Members, or None when the memory layer is not the one this node joined
        (lost its keys and not rejoined yet) or is rebuilding its directory."""
        ms = self.node.ml.membership
        if ms.generation() != self.node.generation or ms.rebuilding():
            return None
        members = ms.members()
        return members if ms.generation() == self.node.generation else None

    def forget_all(self) -> None:
        """After a memory-layer loss: membership restarts from what is live now."""
        self._live = {}

    async def recover(self, failed: int, incarnation: int, stream_epoch: int,
                      detected_at: float) -> None:
        node = self.node
        lock = f"recovery:{failed}:{incarnation}"
        try:
            token = await node.bridge.call(node.ml.locks.acquire, lock,
                                           f"node-{node.node_id}", LOCK_LEASE_MS)
        except Exception as e:
            log.warning("recovery of node %d: lock: %s", failed, e)
            return
        if token is None:
            return  # another survivor recovers (or recovered) it
        try:
            await self._recover(failed, incarnation, stream_epoch, detected_at, token)
        except Exception:
            log.exception("recovery of node %d incarnation %d failed; its pages are "
                          "recovered on demand", failed, incarnation)
            try:  # let another survivor try
                await node.bridge.call(node.ml.locks.release, lock, token)
            except Exception:
                pass
        finally:
            node.tier1.forget(failed)
        # On success the lock is left to expire: survivors that notice the failure
        # later find it held and do not fence the stream again.

    async def _recover(self, failed: int, incarnation: int, stream_epoch: int,
                       detected_at: float, token: int) -> None:
        node, pages = self.node, self.node.pages
        members = await node.bridge.call(self._members_of_our_generation)
        if members is None:
            return  # the memory layer lost its keys: not a node failure
        back = members.get(failed)
        if back is not None and back.live:
            return  # it came back meanwhile and takes its pages back itself
        # Only that incarnation's epoch: if the node reopened its stream meanwhile,
        # its new incarnation already fenced the old one and must not be fenced.
        await pages._storage(node.storage.fence_stream, failed, stream_epoch)
        fenced_at = time.time()
        entries = await node.bridge.call(node.ml.directory.owned_by, failed)
        mine = sorted(pid for pid, e in entries.items() if e.owner_incarnation == incarnation)
        grants = await node.bridge.call(node.ml.directory.claim_many, node.node_id,
                                        node.incarnation, mine)
        claimed: list[PageId] = []
        min_version: dict[PageId, int] = {}
        for pid, (before, grant) in grants.items():
            if grant.granted and before is not None \
                    and grant.entry.epoch == before.epoch + 1:
                claimed.append(pid)
                min_version[pid] = grant.entry.version
                if pid not in pages.owned:  # else a transaction recovered it meanwhile
                    pages.inherited[pid] = Inherited(failed, incarnation, grant.entry.epoch)
        directory_at = time.time()
        redo_start = time.monotonic()
        tiers = {1: 0, 2: 0}
        tiers[1], redo_s = await self._tier1_batch(failed, incarnation, claimed, min_version)
        for pid in claimed:  # what tier 1 could not rebuild: storage (or on demand)
            if pid not in pages.owned:
                try:
                    await pages._acquire_once(pid, None, only_if_mine=True)
                except Exception as e:  # moved on, or storage away: on demand later
                    log.info("page %s of failed node %d not recovered here: %s", pid, failed, e)
                    continue
            tier = pages.inherited_tier.pop(pid, None)
            if tier is not None:
                tiers[tier] += 1
        recover_s = time.monotonic() - redo_start
        records, nbytes = node.tier1.tail_size(failed)
        report = {
            "kind": "node_failure", "failed_node": failed, "failed_incarnation": incarnation,
            "recovered_by": node.node_id, "lock_token": token,
            "detected_at": detected_at, "fenced_at": fenced_at, "directory_at": directory_at,
            "redo_done_at": time.time(), "redo_seconds": redo_s, "recover_seconds": recover_s,
            "records": records, "bytes": nbytes, "pages": len(claimed),
            "tier1_pages": tiers[1], "tier2_pages": tiers[2],
            "on_demand_pages": len(claimed) - tiers[1] - tiers[2],
        }
        self.stats["recoveries"] += 1
        self.stats["pages"] += len(claimed)
        log.info("recovered node %d (incarnation %d): %d pages (%d tier 1, %d storage), "
                 "%d records / %d bytes redone in %.0f ms; pages serving after %.0f ms; "
                 "detection to done %.0f ms",
                 failed, incarnation, len(claimed), tiers[1], tiers[2], records, nbytes,
                 redo_s * 1000, recover_s * 1000, (report["redo_done_at"] - detected_at) * 1000)
        node.metrics.recovered(len(claimed), records)
        try:
            await node.bridge.call(node.ml.reports.push, "recovery", report)
        except Exception as e:
            log.warning("recovery report not stored: %s", e)

    async def _tier1_batch(self, failed: int, incarnation: int, claimed: list[PageId],
                           min_version: dict[PageId, int]) -> tuple[int, float]:
        """Tier 1 for all claimed pages at once: their images in one round trip,
        the failed stream's tail read once, the rebuilt pages' starting images
        pushed in one round trip, then installed (each serves from then on).
        A page a transaction took on demand meanwhile is left to it.  Returns the
        pages installed and the redo time (reading, decoding and applying the
        failed stream's tail)."""
        node, pages = self.node, self.node.pages
        todo = [pid for pid in claimed if pid in pages.inherited]
        if not todo:
            return 0, 0.0
        try:
            images = await node.bridge.call(node.ml.buffer.get_many_with_pusher, todo)
        except Exception:
            return 0, 0.0
        start = time.monotonic()
        tail = await node.tier1.load_tail(failed, incarnation)
        if tail is None:
            return 0, time.monotonic() - start
        built = {}
        for pid in todo:
            page = rebuild(images.get(pid), tail, incarnation, min_version[pid], pid)
            if page is not None:
                built[pid] = page
        redo_s = time.monotonic() - start
        try:
            await node.bridge.call(node.ml.buffer.put_many,
                                   [(pid, p.version, encode_page(p)) for pid, p in built.items()],
                                   node.incarnation)
        except Exception:
            return 0, redo_s
        installed = 0
        for pid, page in built.items():
            inherited = pages.inherited.get(pid)
            if inherited is None or pid in pages.owned or pid in pages._acquiring:
                continue  # a transaction is recovering (or recovered) it on demand
            del pages.inherited[pid]
            pages.owned[pid] = OwnedPage(page, inherited.epoch)
            installed += 1
        return installed, redo_s
