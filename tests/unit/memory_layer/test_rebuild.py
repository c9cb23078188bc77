"""Memory-layer loss: generation, the rebuild window and batch restore."""

import time

import pytest

from memory_layer.api import DirectoryRebuilding


def reg(layer, node, lease_ms=10_000, rebuild_ms=0):
    return layer.membership.register(node, "127.0.0.1", 5432, 7000 + node, lease_ms, rebuild_ms)


def test_generation_changes_when_redis_loses_its_keys(layer):
    reg(layer, 1)
    first = layer.membership.generation()
    reg(layer, 2)
    assert layer.membership.generation() == first
    layer.client.flushall()
    assert layer.membership.generation() is None
    reg(layer, 1)
    assert layer.membership.generation() not in (None, first)


def test_a_fresh_cluster_opens_no_rebuild_window(layer):
    inc = reg(layer, 1)
    assert not layer.membership.rebuilding()
    assert layer.directory.claim((5, 0), 1, inc).granted


def test_claims_wait_while_the_directory_is_rebuilt(layer):
    inc2 = reg(layer, 2, rebuild_ms=400)   # a node that owned pages before the loss
    inc1 = reg(layer, 1)                    # a fresh node does not shorten the window
    assert layer.membership.rebuilding()
    with pytest.raises(DirectoryRebuilding):
        layer.directory.claim((5, 0), 1, inc1)
    # The live owner reports its pages meanwhile; they are granted to it.
    grants = layer.directory.restore_many(2, inc2, [((5, 0), 7), ((5, 1), 3)])
    assert all(g.granted for g in grants.values())
    assert grants[(5, 0)].entry.version == 7
    time.sleep(0.5)
    assert not layer.membership.rebuilding()
    # After the window: the reported page stays with its owner, others are free.
    refused = layer.directory.claim((5, 0), 1, inc1)
    assert not refused.granted and refused.entry.owner == 2
    assert layer.directory.claim((5, 2), 1, inc1).granted


def test_window_ends_rebuild_ms_after_the_generation_began(layer):
    reg(layer, 1)
    time.sleep(0.3)
    reg(layer, 2, rebuild_ms=200)  # rejoining too late opens nothing
    assert not layer.membership.rebuilding()


def test_restore_does_not_take_a_page_a_live_node_owns(layer):
    inc1, inc2 = reg(layer, 1), reg(layer, 2)
    assert layer.directory.claim((5, 0), 1, inc1).granted
    grants = layer.directory.restore_many(2, inc2, [((5, 0), 9)])
    assert not grants[(5, 0)].granted and grants[(5, 0)].entry.owner == 1


def test_members_report_the_stream_epoch_an_incarnation_writes_with(layer):
    layer.membership.register(3, "127.0.0.1", 5432, 7003, 10_000, 0, 17)
    assert layer.membership.members()[3].stream_epoch == 17
