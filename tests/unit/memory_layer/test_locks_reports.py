"""Global locks (leases, fencing tokens) and reports on a real Redis."""

import time


def test_lock_is_exclusive_and_tokens_grow(layer):
    locks = layer.locks
    t1 = locks.acquire("recovery:3", "node-1", 10_000)
    assert t1 is not None
    assert locks.acquire("recovery:3", "node-2", 10_000) is None
    assert locks.holder("recovery:3") == (t1, "node-1")
    assert locks.release("recovery:3", t1)
    t2 = locks.acquire("recovery:3", "node-2", 10_000)
    assert t2 > t1


def test_a_holder_past_its_lease_is_fenced(layer):
    locks = layer.locks
    old = locks.acquire("ddl", "node-1", 100)
    time.sleep(0.2)
    new = locks.acquire("ddl", "node-2", 10_000)
    assert new is not None and new > old
    assert not locks.renew("ddl", old, 10_000)
    assert not locks.release("ddl", old)
    assert locks.renew("ddl", new, 10_000)
    assert locks.holder("ddl") == (new, "node-2")


def test_tokens_keep_growing_after_redis_loses_its_keys(layer):
    before = layer.locks.acquire("x", "a", 10_000)
    layer.client.flushall()
    assert layer.locks.acquire("x", "a", 10_000) > before


def test_reports_round_trip_in_order(layer):
    layer.reports.push("recovery", {"failed_node": 2, "records": 10})
    layer.reports.push("recovery", {"failed_node": 3, "records": 0})
    assert [r["failed_node"] for r in layer.reports.read("recovery")] == [2, 3]
    assert layer.reports.read("rebuild") == []
    assert layer.client.exists("strata:recovery:reports")
