"""Big transactions must not stop the node's lease renewal (issue 5): the
heartbeat thread, compressed record encoding, the GC pause and light row locks."""

from __future__ import annotations

import gc
import threading
import time

import trio

from compute import gc_pause
from compute import node as node_mod
from compute.ddl_fence import DdlFence
from compute.locks import LockManager
from compute.node import ComputeNode, NodeConfig
from compute.txn import BIG_COMMIT_ROWS, Transaction
from compute.waits import Waiter
from sql import oids
from sql.api import ColumnDef, SqlType, TableDef
from storage.page_format import PageDelta, decode_record, encode_record

TABLE = TableDef("t", 1000, (ColumnDef("id", SqlType("integer", oids.INT4)),), (0,))


class _Membership:
    def __init__(self) -> None:
        self.calls = 0
        self.threads: set[str] = set()

    def heartbeat(self, node_id, incarnation, lease_ms) -> bool:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        return True


class _MemoryLayer:
    def __init__(self) -> None:
        self.membership = _Membership()


def _node(lease_ms: int = 400) -> ComputeNode:
    return ComputeNode(NodeConfig(1, "127.0.0.1", 0, 0, "", "", lease_ms=lease_ms), _MemoryLayer(), None)


async def test_the_lease_is_renewed_while_the_event_loop_is_blocked():
    node = _node()
    ms = node.ml.membership
    async with trio.open_nursery() as nursery:
        nursery.start_soon(node._heartbeat)
        await trio.sleep(0.25)
        before = ms.calls
        time.sleep(1.2)  # a trio step that holds the loop for three leases
        assert ms.calls >= before + 5
        assert node.lease_valid()
        assert ms.threads == {"heartbeat-1"}
        nursery.cancel_scope.cancel()


async def test_a_hung_event_loop_lets_the_lease_lapse(monkeypatch):
    monkeypatch.setattr(node_mod, "LOOP_STALL_S", 0.3)
    node = _node()
    ms = node.ml.membership
    async with trio.open_nursery() as nursery:
        nursery.start_soon(node._heartbeat)
        await trio.sleep(0.25)
        time.sleep(1.5)  # hung for longer than LOOP_STALL_S + the lease
        assert not node.lease_valid()
        calls = ms.calls
        time.sleep(0.3)
        assert ms.calls == calls  # no renewal while the loop is hung
        nursery.cancel_scope.cancel()


async def test_the_heartbeat_thread_stops_with_its_task():
    node = _node()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(node._heartbeat)
        await trio.sleep(0.2)
        nursery.cancel_scope.cancel()
    await trio.sleep(0.3)
    assert not any(t.name == "heartbeat-1" for t in threading.enumerate())


def test_a_big_record_is_compressed_and_decodes_to_the_same_deltas():
    deltas = [PageDelta((1000, b), 3, tuple(((i,), (i, str(i).ljust(84))) for i in range(b * 64, b * 64 + 64)))
              for b in range(200)]
    plain, packed = encode_record(deltas), encode_record(deltas, compress=True)
    assert len(packed) * 3 < len(plain)
    assert decode_record(packed) == deltas == decode_record(plain)


class _Pages:
    def unpin(self, op, tx) -> None:
        pass


class _FakeNode:
    node_id = 1

    def __init__(self) -> None:
        self.locks = LockManager()
        self.pages = _Pages()
        self.ddl_fence = DdlFence()


def test_a_big_transaction_holds_off_full_collections_until_it_ends():
    before = gc.get_threshold()
    assert gc_pause.paused() == 0
    txn = Transaction(_FakeNode())
    for i in range(BIG_COMMIT_ROWS - 1):
        txn._write(TABLE, (i,), (i,))
    assert gc.get_threshold() == before
    txn._write(TABLE, (BIG_COMMIT_ROWS,), (BIG_COMMIT_ROWS,))
    assert gc_pause.paused() == 1 and gc.isenabled()
    assert gc.get_threshold() == (before[0], before[1], gc_pause.NO_FULL_COLLECTION)
    other = Transaction(_FakeNode())
    for i in range(BIG_COMMIT_ROWS):
        other._write(TABLE, (i,), (i,))
    txn._finish()
    assert gc_pause.paused() == 1 and gc.get_threshold()[2] == gc_pause.NO_FULL_COLLECTION
    other._finish()
    assert gc.get_threshold() == before and gc_pause.paused() == 0


async def test_a_million_locks_leave_no_object_per_lock_behind():
    locks = LockManager()
    tx = Waiter(1)
    names = [(1000, (i,)) for i in range(50_000)]
    for name in names:
        await locks.acquire(name, tx)
    assert locks.held() == 50_000
    assert not locks._released  # nobody waited: no events
    locks.release_all(names, tx)
    assert locks.held() == 0
