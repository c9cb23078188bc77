"""Wound-wait on row locks (invariant 8) and the page of a key."""

from __future__ import annotations

import pytest
import trio

from compute import buckets
from compute.locks import LockManager
from compute.waits import Waiter
from sql import oids
from sql.api import Bound, ColumnDef, SqlType, TableDef
from sql.errors import SqlError

INT_TABLE = TableDef("t", 1000, (ColumnDef("id", SqlType("integer", oids.INT4)),), (0,))
TEXT_TABLE = TableDef("u", 1001, (ColumnDef("k", SqlType("text", oids.TEXT)),), (0,))


def test_integer_keys_map_to_contiguous_range_pages():
    assert buckets.bucket_of(INT_TABLE, (0,)) == 0
    assert buckets.bucket_of(INT_TABLE, (63,)) == 0
    assert buckets.bucket_of(INT_TABLE, (64,)) == 1
    assert buckets.bucket_range(INT_TABLE, Bound(10), Bound(200)) == (0, 3)
    assert buckets.bucket_range(INT_TABLE, Bound(10), None) is None
    assert buckets.bucket_range(TEXT_TABLE, Bound("a"), Bound("b")) is None
    assert 0 <= buckets.bucket_of(TEXT_TABLE, ("abc",)) < buckets.HASH_BUCKETS


async def test_an_older_waiter_queues_behind_the_holder_without_wounding_it():
    locks = LockManager()
    young, old = Waiter(1, start_ts=2.0), Waiter(2, start_ts=1.0)
    await locks.acquire("row", young)
    async with trio.open_nursery() as nursery:
        got = trio.Event()

        async def older():
            await locks.acquire("row", old)
            got.set()

        nursery.start_soon(older)
        await trio.sleep(0.01)
        assert not young.wounded and not got.is_set()
        young.check()  # the holder may go on waiting for other things
        locks.release_all(["row"], young)
    assert got.is_set()


async def test_a_cycle_of_row_lock_waits_fails_the_waiter_that_closes_it():
    locks = LockManager()
    a, b = Waiter(1, start_ts=1.0), Waiter(1, start_ts=2.0)
    await locks.acquire("r1", a)
    await locks.acquire("r2", b)
    async with trio.open_nursery() as nursery:
        a_got = trio.Event()

        async def a_wants_r2():
            await locks.acquire("r2", a)
            a_got.set()

        nursery.start_soon(a_wants_r2)
        await trio.sleep(0.01)
        assert a.waiting_for is b
        with pytest.raises(SqlError) as info:
            await locks.acquire("r1", b)  # b -> a -> b
        assert info.value.sqlstate == "40P01"
        assert "cycle" in info.value.detail
        locks.release_all(["r2"], b)
    assert a_got.is_set() and a.waiting_for is None


async def test_a_chain_of_waits_without_a_cycle_just_waits():
    locks = LockManager()
    a, b, c = Waiter(1, start_ts=1.0), Waiter(1, start_ts=2.0), Waiter(1, start_ts=3.0)
    await locks.acquire("branch", c)
    await locks.acquire("teller", b)
    async with trio.open_nursery() as nursery:
        done = []

        async def take(tx, name):
            await locks.acquire(name, tx)
            done.append(name)

        nursery.start_soon(take, b, "branch")   # b waits for c
        await trio.sleep(0.01)
        nursery.start_soon(take, a, "teller")   # a waits for b (which waits for c)
        await trio.sleep(0.01)
        assert done == [] and not b.wounded and not c.wounded
        locks.release_all(["branch"], c)
        await trio.sleep(0.01)
        assert done == ["branch"]
        locks.release_all(["teller", "branch"], b)
    assert done == ["branch", "teller"]


async def test_younger_waiter_gives_up_with_40p01():
    locks = LockManager()
    old, young = Waiter(1, start_ts=1.0), Waiter(2, start_ts=2.0)
    await locks.acquire("row", old)
    with pytest.raises(SqlError) as info:
        await locks.acquire("row", young, max_wait_s=0.05)
    assert info.value.sqlstate == "40P01"
    assert not old.wounded


class _FakeNode:
    node_id = 1


async def test_a_wounded_transaction_leaves_no_pin_behind():
    """Wounded while its page arrives: the pin must not be taken (it would leak
    and block every later hand-off of the page)."""
    from compute.pages import OwnedPage, PageManager
    from storage.page_format import Page

    pid = (1000, 0)
    pages = PageManager(_FakeNode())
    arrived = pages._acquiring[pid] = trio.Event()  # another task is loading the page
    tx = Waiter(1)
    outcome = []

    async def pinner():
        try:
            await pages.pin(pid, tx)
            outcome.append("pinned")
        except SqlError as e:
            outcome.append(e.sqlstate)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pinner)
        await trio.sleep(0.01)
        op = pages.owned[pid] = OwnedPage(Page(pid, 0, {}), epoch=1)
        del pages._acquiring[pid]
        arrived.set()
        tx.wound()  # before the pinner runs again
    assert outcome == ["40P01"]
    assert not op.pins
