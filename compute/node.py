"""A compute node: wires its parts together and runs them under one trio nursery.

    pgwire port --> sql.session.SqlSession --TxnSource.begin()--> compute.txn.Transaction
    peer port   --> hand-off / read copy / catalog invalidation (compute.pages, compute.catalog)
    background  --> log writer (group commit), membership heartbeat and rejoin
                    (compute.rejoin), memory checkpoints, failover watcher
                    (compute.failover: survivors recover failed nodes' pages)

Start-up order matters for invariant 6: the node first opens its log stream
(bumping the stream epoch fences any older incarnation of itself), then
registers in the memory layer (a new incarnation), and only then serves.

A node that loses its registration (superseded, or its lease expired while the
memory layer was unreachable) or whose stream was fenced exits at once: it can
no longer commit safely, and the supervisor restarts it as a new incarnation.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

import trio

from compute.bridge import Bridge
from compute.catalog import CATALOG_PID, CatalogCache
from compute.checkpoint import MemoryCheckpointer
from compute.ddl_fence import DdlFence
from compute.failover import FailoverWatcher
from compute.locks import LockManager
from compute.log_writer import LogWriter
from compute.metrics import NodeMetrics
from compute.pages import PageManager
from compute.peer import PeerClient, PeerError, serve_peers
from compute.recovery import Tier1
from compute.rejoin import rejoin
from compute.txn import Transaction
from storage.page_format import apply_delta

log = logging.getLogger("strata.compute")

EXIT_FENCED = 75
LOOP_STALL_S = 30.0
GC_WARN_S = 0.2
"""The heartbeat thread stops renewing the lease when the event loop has not
run for this long (the longest a legitimate trio step may take)."""


@dataclass
class NodeConfig:
    node_id: int
    host: str
    pg_port: int
    peer_port: int
    redis_url: str
    storage: str
    lease_ms: int = 2000


class ComputeNode:
    def __init__(self, cfg: NodeConfig, memory_layer, storage) -> None:
        self.cfg = cfg
        self.node_id = cfg.node_id
        self.ml = memory_layer
        self.storage = storage
        self.bridge = Bridge(16)
        self.peers = PeerClient()
        self.pages = PageManager(self)
        self.pages.on_page_leaving = self._page_leaving
        self.locks = LockManager()
        self.catalog = CatalogCache(self)
        self.ddl_fence = DdlFence()
        self.checkpointer = MemoryCheckpointer(self)
        self.tier1 = Tier1(self)
        self.failover = FailoverWatcher(self)
        self.metrics = NodeMetrics(self)
        self.incarnation = 0
        self.generation: str | None = None
        self._lease_valid_until = 0.0
        self._lease_lock = threading.Lock()
        self._loop_tick = time.monotonic()
        self.big_commit: trio.Event | None = None
        """Set while a big transaction is between taking page versions and
        submitting its record (compute.txn): other commits wait for it."""
        self._rejoining: trio.Event | None = None
        self.log: LogWriter | None = None
        self._members: dict[int, tuple[str, int]] = {}
        self._rowid = 0

    # ------------------------------------------------------------ TxnSource
    async def begin(self) -> Transaction:
        return Transaction(self)

    def next_rowid(self) -> int:
        self._rowid += 1
        return (self.node_id << 52) | ((self.incarnation & 0xFFFFF) << 32) | self._rowid

    # ------------------------------------------------------------ run
    async def run(self, serve_sql, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        """``serve_sql(host, port, node, task_status)`` serves pgwire."""
        cfg = self.cfg
        state = await self._until_ok("open log stream", self.storage.open_stream, self.node_id)
        # A node whose stream shows an earlier life may find a memory layer that
        # lost its keys: its register opens the rebuild window (compute.rejoin).
        rebuild_ms = cfg.lease_ms if state.last_lsn > 0 else 0
        sent = time.monotonic()
        self.incarnation = await self._until_ok(
            "register", self.ml.membership.register,
            self.node_id, cfg.host, cfg.pg_port, cfg.peer_port, cfg.lease_ms, rebuild_ms,
            state.epoch,
        )
        self.lease_renewed(sent)
        self.generation = await self._until_ok("read generation", self.ml.membership.generation)
        self.log = LogWriter(
            self.storage, self.bridge, self.node_id, state.epoch, state.last_lsn,
            self._install, self.fatal, self.lease_valid,
        )
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self.log.run)
            nursery.start_soon(self._heartbeat)
            nursery.start_soon(self.checkpointer.run)
            nursery.start_soon(self.failover.run)
            await nursery.start(serve_peers, cfg.host, cfg.peer_port, self._peer_request)
            await nursery.start(serve_sql, cfg.host, cfg.pg_port, self)
            print(
                f"compute node {self.node_id} (incarnation {self.incarnation}, stream epoch "
                f"{state.epoch}, last lsn {state.last_lsn}) listening on "
                f"{cfg.host}:{cfg.pg_port} (peer {cfg.peer_port})",
                flush=True,
            )
            task_status.started()
            nursery.start_soon(self._recover_own_pages)

    async def _until_ok(self, what: str, fn, *args, deadline_s: float = 60.0):
        deadline = trio.current_time() + deadline_s
        while True:
            try:
                return await self.bridge.call(fn, *args)
            except Exception as e:  # storage or Redis not up yet
                if trio.current_time() > deadline:
                    raise RuntimeError(f"{what}: {e}") from e
                log.warning("%s: %s; retrying", what, e)
                await trio.sleep(0.2)

    # ------------------------------------------------------------ lease
    def lease_renewed(self, sent_at: float) -> None:
        """A renewal sent at ``sent_at`` (monotonic) succeeded: Redis started the
        new lease after that, so it holds at least until sent_at + lease."""
        with self._lease_lock:  # the heartbeat thread and the trio thread (rejoin)
            self._lease_valid_until = max(self._lease_valid_until,
                                          sent_at + 0.8 * self.cfg.lease_ms / 1000)

    def lease_valid(self) -> bool:
        return time.monotonic() < self._lease_valid_until

    def _watch_gc(self):
        """Log garbage collections that hold the GIL for long (they stop every
        thread, the heartbeat thread included)."""
        started = [0.0]

        def callback(phase: str, info: dict) -> None:
            if phase == "start":
                started[0] = time.monotonic()
            elif (spent := time.monotonic() - started[0]) > GC_WARN_S:
                log.warning("garbage collection of generation %d took %.0f ms (%d collected)",
                            info.get("generation", -1), spent * 1000, info.get("collected", 0))

        gc.callbacks.append(callback)
        return callback

    async def _heartbeat(self) -> None:
        """Lease renewal runs in its own thread, so a trio step that holds the
        event loop for a while (installing a million-row commit, a big
        checkpoint) cannot make the node miss its lease.  This task only marks
        that the loop is alive: the thread stops renewing when the loop has
        not run for ``LOOP_STALL_S`` (a hung node must lose its pages).  The
        commit guard is unchanged: ``lease_valid`` is measured from when the
        last successful renewal was *sent*, whichever thread sent it."""
        period = self.cfg.lease_ms / 4000
        stop = threading.Event()
        thread = threading.Thread(
            target=self._heartbeat_thread, args=(trio.lowlevel.current_trio_token(), stop),
            name=f"heartbeat-{self.node_id}", daemon=True)
        self._loop_tick = time.monotonic()
        watcher = self._watch_gc()
        thread.start()
        try:
            while True:
                await trio.sleep(period)
                self._loop_tick = time.monotonic()
        finally:
            stop.set()
            gc.callbacks.remove(watcher)

    def _heartbeat_thread(self, token, stop: threading.Event) -> None:
        ms = self.ml.membership
        lease_s = self.cfg.lease_ms / 1000
        period = lease_s / 8  # a GIL stall of most of a lease is still survived
        last_ok = time.monotonic()
        while not stop.wait(period):
            loop_age = time.monotonic() - self._loop_tick
            if loop_age > LOOP_STALL_S:
                continue  # the event loop is hung: let the lease lapse
            sent = time.monotonic()
            try:
                ok = ms.heartbeat(self.node_id, self.incarnation, self.cfg.lease_ms)
            except Exception as e:
                if not self.lease_valid():
                    self.fatal(f"memory layer unreachable for longer than the lease: {e}")
                continue
            if stop.is_set():
                return
            done = time.monotonic()
            if done - last_ok > lease_s / 2:
                log.warning("lease renewal late: %.0f ms since the previous one (this call %.0f ms, "
                            "event loop last ran %.0f ms ago)", (done - last_ok) * 1000,
                            (done - sent) * 1000, loop_age * 1000)
            if ok:
                last_ok = done
                self.lease_renewed(sent)
                continue
            try:
                trio.from_thread.run(self.registration_lost, trio_token=token)
            except (trio.RunFinishedError, trio.Cancelled):
                return
            except Exception as e:  # the next heartbeat tries again
                log.warning("handling a refused heartbeat failed: %s", e)

    async def registration_lost(self) -> None:
        """Our registration is gone.  If the memory layer lost its keys (a new
        generation), rejoin it; otherwise we were superseded or our lease ran
        out (a zombie): stop."""
        if self._rejoining is not None:
            await self._rejoining.wait()
            return
        self._rejoining = done = trio.Event()
        try:
            try:
                generation = await self.bridge.call(self.ml.membership.generation)
            except Exception:
                return  # unreachable: the heartbeat retries (and stops us past the lease)
            if generation == self.generation:
                self.fatal("registration superseded or lease lost (lease known valid until "
                           f"{(self._lease_valid_until - time.monotonic()) * 1000:.0f} ms from now)")
            try:
                await rejoin(self)
            except Exception as e:
                log.warning("rejoining the memory layer failed (%s); retrying", e)
        finally:
            self._rejoining = None
            done.set()

    async def _recover_own_pages(self) -> None:
        """Take back, in the background, the pages the directory still lists under
        this node id (left by a previous incarnation): each is rebuilt through
        tier 1 or storage.  A page a transaction needs first is recovered on
        demand by that transaction (acquisition is single-flight per page)."""
        start = time.monotonic()
        try:
            entries = await self.bridge.call(self.ml.directory.owned_by, self.node_id)
        except Exception as e:
            log.warning("could not list pages of previous incarnations: %s", e)
            return
        done = 0
        for pid in sorted(entries):
            if pid in self.pages.owned:
                continue
            try:
                await self.pages._acquire_once(pid, None, only_if_mine=True)
                done += 1
            except Exception as e:  # taken by another node meanwhile, or storage away
                log.info("page %s not taken back: %s", pid, e)
        if entries:
            log.info("took back %d of %d pages of previous incarnations in %.0f ms (%s)",
                     done, len(entries), (time.monotonic() - start) * 1000, self.tier1.stats)

    def fatal(self, message: str) -> None:
        """Stop serving at once: nothing more this incarnation commits could be safe."""
        print(f"compute node {self.node_id}: fatal: {message}; exiting", file=sys.stderr, flush=True)
        os._exit(EXIT_FENCED)

    # ------------------------------------------------------------ pages
    def _install(self, deltas) -> None:
        for d in deltas:
            apply_delta(self.pages.owned[d.page_id].page, d)
            self.checkpointer.changed(d.page_id)

    def _page_leaving(self, pid) -> None:
        if pid == CATALOG_PID:
            self.catalog.invalidate()

    # ------------------------------------------------------------ peers
    async def peer_address(self, node_id: int) -> tuple[str, int] | None:
        addr = self._members.get(node_id)
        if addr is None:
            members = await self.bridge.call(self.ml.membership.members)
            self._members = {m.node_id: (m.host, m.peer_port) for m in members.values() if m.live}
            addr = self._members.get(node_id)
        return addr

    def forget_peer(self, node_id: int) -> None:
        self._members.pop(node_id, None)

    def forget_members(self) -> None:
        self._members = {}

    async def _peer_request(self, header: dict, blob: bytes) -> tuple[dict, bytes]:
        op = header.get("op")
        if op == "handoff":
            return await self.pages.handle_handoff(tuple(header["pid"]), header["to"], header.get("age"))
        if op == "read_copy":
            return await self.pages.handle_read_copy(tuple(header["pid"]))
        if op == "invalidate":
            self.catalog.invalidate()
            return {"ok": True}, b""
        if op == "ping":
            return {"ok": True, "node_id": self.node_id, "incarnation": self.incarnation}, b""
        raise PeerError(f"unknown peer op {op!r}")
