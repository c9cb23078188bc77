import time

import pytest

from memory_layer.api import PageEntry, StaleEpoch

P = (1, 0)
Q = (1, 1)


def test_claim_free_page_grants_epoch_1(layer, register):
    inc = register(1)
    grant = layer.directory.claim(P, 1, inc)
    assert grant.granted
    assert grant.entry == PageEntry(owner=1, epoch=1, version=0)
    assert layer.directory.lookup(P) == grant.entry
    assert layer.directory.lookup(Q) is None


def test_reclaim_by_owner_keeps_epoch(layer, register):
    inc = register(1)
    layer.directory.claim(P, 1, inc)
    grant = layer.directory.claim(P, 1, inc)
    assert grant.granted and grant.entry.epoch == 1


def test_claim_of_live_owner_page_names_the_owner(layer, register):
    inc1, inc2 = register(1), register(2)
    layer.directory.claim(P, 1, inc1)
    grant = layer.directory.claim(P, 2, inc2)
    assert not grant.granted
    assert grant.entry.owner == 1 and grant.entry.epoch == 1


def test_claim_by_unregistered_or_wrong_incarnation_is_stale(layer, register):
    with pytest.raises(StaleEpoch):
        layer.directory.claim(P, 9, 1)
    inc = register(1)
    with pytest.raises(StaleEpoch):
        layer.directory.claim(P, 1, inc + 1)
    assert layer.directory.lookup(P) is None


def test_transfer_moves_owner_bumps_epoch_and_counts(layer, register):
    inc1, inc2 = register(1), register(2)
    layer.directory.claim(P, 1, inc1)
    entry = layer.directory.transfer(P, 1, inc1, 1, 2, version=5)
    assert entry == PageEntry(owner=2, epoch=2, version=5)
    assert layer.directory.handoff_count() == 1
    assert layer.directory.claim(P, 2, inc2).entry == entry  # 2 holds it now
    assert not layer.directory.claim(P, 1, inc1).granted


def test_transfer_with_stale_epoch_or_non_owner_is_refused(layer, register):
    inc1, _ = register(1), register(2)
    layer.directory.claim(P, 1, inc1)
    layer.directory.transfer(P, 1, inc1, 1, 2, version=1)
    with pytest.raises(StaleEpoch):  # the entry moved on to epoch 2
        layer.directory.transfer(P, 1, inc1, 1, 2, version=1)
    with pytest.raises(StaleEpoch):  # 1 is not the owner at epoch 2
        layer.directory.transfer(P, 1, inc1, 2, 1, version=1)
    with pytest.raises(StaleEpoch):  # nobody owns Q
        layer.directory.transfer(Q, 1, inc1, 0, 2, version=1)
    assert layer.directory.handoff_count() == 1
    assert layer.directory.lookup(P).owner == 2


def test_version_never_goes_backwards(layer, register):
    inc1, _ = register(1), register(2)
    layer.directory.restore(P, 1, inc1, version=7)
    entry = layer.directory.transfer(P, 1, inc1, 1, 2, version=3)
    assert entry.version == 7


def test_dead_owner_is_taken_over_with_a_bumped_epoch(layer, register):
    inc1 = register(1, lease_ms=200)
    inc2 = register(2)
    layer.directory.claim(P, 1, inc1)
    layer.directory.transfer(P, 1, inc1, 1, 1, version=4)  # epoch 2
    assert not layer.directory.claim(P, 2, inc2).granted
    time.sleep(0.35)
    grant = layer.directory.claim(P, 2, inc2)
    assert grant.granted
    assert grant.entry == PageEntry(owner=2, epoch=3, version=4)
    assert layer.directory.owned_by(1) == {}
    assert layer.directory.page_counts() == {2: 1}
    # The expired incarnation can neither claim nor hand off any more.
    with pytest.raises(StaleEpoch):
        layer.directory.claim(Q, 1, inc1)
    with pytest.raises(StaleEpoch):
        layer.directory.transfer(P, 1, inc1, 3, 1, version=4)


def test_zombie_incarnation_is_refused_after_restart(layer, register):
    old = register(1)
    layer.directory.claim(P, 1, old)
    new = register(1)  # the node restarted; the old lease value is overwritten
    with pytest.raises(StaleEpoch):
        layer.directory.transfer(P, 1, old, 1, 2, version=1)
    with pytest.raises(StaleEpoch):
        layer.directory.claim(Q, 1, old)
    # The new incarnation takes its page back under a new epoch, so fencing
    # tokens of the zombie (epoch 1) are stale everywhere.
    grant = layer.directory.claim(P, 1, new)
    assert grant.granted and grant.entry.epoch == 2
    assert layer.directory.page_counts() == {1: 1}


def test_new_incarnation_cannot_transfer_before_reclaiming(layer, register):
    old = register(1)
    layer.directory.claim(P, 1, old)
    new = register(1)
    with pytest.raises(StaleEpoch):
        layer.directory.transfer(P, 1, new, 1, 2, version=1)


def test_deregistered_owner_pages_are_claimable(layer, register):
    inc1, inc2 = register(1), register(2)
    layer.directory.claim(P, 1, inc1)
    layer.membership.deregister(1, inc1)
    assert layer.directory.claim(P, 2, inc2).entry.epoch == 2


def test_owned_by_page_counts_and_all_entries(layer, register):
    inc1, inc2 = register(1), register(2)
    for bucket in range(5):
        layer.directory.claim((7, bucket), 1, inc1)
    for bucket in range(5, 8):
        layer.directory.claim((7, bucket), 2, inc2)
    layer.directory.transfer((7, 0), 1, inc1, 1, 2, version=1)
    assert layer.directory.page_counts() == {1: 4, 2: 4}
    assert set(layer.directory.owned_by(1)) == {(7, b) for b in range(1, 5)}
    assert set(layer.directory.owned_by(2)) == {(7, 0), (7, 5), (7, 6), (7, 7)}
    entries = layer.directory.all_entries()
    assert set(entries) == {(7, b) for b in range(8)}
    assert entries[(7, 0)] == PageEntry(owner=2, epoch=2, version=1)
    assert layer.directory.handoff_count() == 1


def test_all_entries_reads_more_than_one_scan_batch(layer, register, monkeypatch):
    import memory_layer.directory as directory

    monkeypatch.setattr(directory, "SCAN_BATCH", 7)
    inc = register(1)
    pages = {(3, b) for b in range(50)}
    for p in pages:
        layer.directory.claim(p, 1, inc)
    assert set(layer.directory.all_entries()) == pages
    assert set(layer.directory.owned_by(1)) == pages


def test_readers(layer, register):
    inc = register(1)
    entry = layer.directory.add_reader(P, 3)
    assert entry == PageEntry(owner=None, epoch=0, version=0, readers=frozenset({3}))
    assert layer.directory.all_entries() == {P: entry}
    layer.directory.claim(P, 1, inc)
    assert layer.directory.add_reader(P, 4).readers == {3, 4}
    layer.directory.remove_reader(P, 3)
    assert layer.directory.lookup(P) == PageEntry(1, 1, 0, frozenset({4}))


def test_restore_records_the_reported_version(layer, register):
    inc = register(1)
    grant = layer.directory.restore(P, 1, inc, version=42)
    assert grant.granted and grant.entry == PageEntry(owner=1, epoch=1, version=42)
    assert layer.directory.restore(P, 1, inc, version=40).entry.version == 42
