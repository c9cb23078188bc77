"""RocksStore: streams (fencing, LSN continuity, truncate), the applier and pages."""

import threading

import pytest

from storage.api import FencedError, LogRecord, LsnError, StorageTimeout
from storage.page_format import Page, PageDelta, decode_page, encode_page, encode_record
from storage.rocks_store import RocksStore


def record(lsn, *deltas):
    """A log record holding ``deltas`` given as (page_id, version, {key: row|None})."""
    return LogRecord(
        lsn,
        encode_record(
            [PageDelta(pid, version, tuple(changes.items())) for pid, version, changes in deltas]
        ),
    )


@pytest.fixture
def store(tmp_path):
    s = RocksStore(tmp_path / "db")
    yield s
    s.close()


def rows_of(store, pid, version, **kw):
    image = store.get_page(pid, version, timeout_s=5, **kw)
    page = decode_page(image.data)
    assert page.version == image.version
    return image.version, page.rows


def test_append_read_and_stream_state(store):
    st = store.open_stream(7)
    assert (st.epoch, st.last_lsn, st.applied_lsn, st.truncated_lsn) == (1, 0, 0, 0)
    recs = [record(i, ((3, i), 1, {(i,): (i, "x")})) for i in (1, 2, 3)]
    assert store.append(7, 1, recs[:2]) == 2
    assert store.append(7, 1, recs[2:]) == 3
    assert store.append(7, 1, []) == 3
    assert store.read_stream(7, 1, 100) == recs
    assert store.read_stream(7, 2, 1) == recs[1:2]
    assert store.read_stream(7, 4, 10) == []
    assert store.read_stream(99, 1, 10) == []
    state = store.stream_state(7)
    assert (state.epoch, state.last_lsn) == (1, 3)


def test_open_and_fence_bump_the_epoch_and_fence_older_writers(store):
    assert store.open_stream(1).epoch == 1
    store.append(1, 1, [record(1, ((2, 0), 1, {(1,): (1,)}))])
    assert store.open_stream(1).epoch == 2
    with pytest.raises(FencedError):
        store.append(1, 1, [record(2, ((2, 0), 2, {(1,): (2,)}))])
    fenced = store.fence_stream(1)
    assert (fenced.epoch, fenced.last_lsn) == (3, 1)
    with pytest.raises(FencedError):
        store.append(1, 2, [record(2, ((2, 0), 2, {(1,): (2,)}))])
    assert store.append(1, 3, [record(2, ((2, 0), 2, {(1,): (2,)}))]) == 2


def test_conditional_fence_spares_a_newer_writer(store):
    """Recovery fences the epoch the failed incarnation wrote with; if the node
    already reopened its stream, the new incarnation keeps writing."""
    assert store.open_stream(1).epoch == 1          # incarnation A
    assert store.open_stream(1).epoch == 2          # A restarted as B
    assert store.fence_stream(1, if_epoch=1).epoch == 2   # late recovery of A: no-op
    assert store.append(1, 2, [record(1, ((2, 0), 1, {(1,): (1,)}))]) == 1
    assert store.fence_stream(1, if_epoch=2).epoch == 3   # B failed: fenced
    with pytest.raises(FencedError):
        store.append(1, 2, [record(2, ((2, 0), 2, {(1,): (2,)}))])


def test_append_to_a_stream_never_opened_is_fenced(store):
    with pytest.raises(FencedError):
        store.append(4, 0, [record(1, ((2, 0), 1, {}))])


def test_lsn_gap_or_overlap_raises_and_writes_nothing(store):
    store.open_stream(1)
    store.append(1, 1, [record(1, ((2, 0), 1, {(1,): (1,)}))])
    for bad in (
        [record(3, ((2, 0), 2, {}))],
        [record(1, ((2, 0), 2, {}))],
        [record(2, ((2, 0), 2, {})), record(4, ((2, 0), 3, {}))],
    ):
        with pytest.raises(LsnError):
            store.append(1, 1, bad)
    assert store.stream_state(1).last_lsn == 1
    assert [r.lsn for r in store.read_stream(1, 1, 10)] == [1]


def test_applier_materialises_pages_and_deletes(store):
    store.open_stream(1)
    store.append(
        1,
        1,
        [
            record(1, ((5, 0), 1, {(1,): (1, "a"), (2,): (2, "b")}), ((5, 1), 1, {(9,): (9,)})),
            record(2, ((5, 0), 2, {(1,): None, (3,): (3, "c")})),
        ],
    )
    assert rows_of(store, (5, 0), 2) == (2, {(2,): (2, "b"), (3,): (3, "c")})
    assert rows_of(store, (5, 1), 1) == (1, {(9,): (9,)})
    assert store.stream_state(1).applied_lsn == 2


def test_cross_stream_version_chain_waits_for_the_earlier_version(store):
    store.open_stream(1)
    store.open_stream(2)
    pid = (6, 0)
    # v2 lives in stream 2 and is durable before v1 (stream 1) arrives.
    store.append(2, 1, [record(1, (pid, 2, {(1,): (2,)}), ((6, 1), 1, {(5,): (5,)}))])
    with pytest.raises(StorageTimeout):
        store.get_page(pid, 1, timeout_s=0.3)
    # The stalled record is applied whole or not at all.
    assert store.get_page((6, 1), 0, timeout_s=1).version == 0
    assert store.stream_state(2).applied_lsn == 0
    store.append(1, 1, [record(1, (pid, 1, {(1,): (1,), (2,): (2,)}))])
    assert rows_of(store, pid, 2) == (2, {(1,): (2,), (2,): (2,)})
    assert rows_of(store, (6, 1), 1) == (1, {(5,): (5,)})
    assert store.stream_state(2).applied_lsn == 1


def test_replaying_an_applied_version_is_harmless(store):
    store.open_stream(1)
    store.open_stream(2)
    store.append(1, 1, [record(1, ((6, 0), 1, {(1,): (1,)}))])
    store.append(2, 1, [record(1, ((6, 0), 1, {(1,): (1,)})), record(2, ((6, 0), 2, {(1,): (2,)}))])
    assert rows_of(store, (6, 0), 2, catch_up=True) == (2, {(1,): (2,)})


def test_get_page_unknown_page_is_empty_version_zero(store):
    image = store.get_page((9, -3), 0, timeout_s=1)
    assert image.version == 0
    assert image.data == encode_page(Page((9, -3), 0, {}))


def test_get_page_waits_for_min_version(store):
    store.open_stream(1)
    store.append(1, 1, [record(1, ((5, 0), 1, {(1,): (1,)}))])
    timer = threading.Timer(0.2, store.append, (1, 1, [record(2, ((5, 0), 2, {(1,): (2,)}))]))
    timer.start()
    assert rows_of(store, (5, 0), 2) == (2, {(1,): (2,)})
    timer.join()
    with pytest.raises(StorageTimeout):
        store.get_page((5, 0), 3, timeout_s=0.2)


def test_get_page_catch_up_sees_every_durable_record(store):
    store.open_stream(1)
    store.append(1, 1, [record(i, ((5, 0), i, {(i,): (i,)})) for i in range(1, 51)])
    image = store.get_page((5, 0), 0, catch_up=True, timeout_s=5)
    assert image.version == 50
    assert len(decode_page(image.data).rows) == 50


def test_catch_up_times_out_when_a_stream_is_stalled(store):
    store.open_stream(2)
    store.append(2, 1, [record(1, ((6, 0), 2, {(1,): (2,)}))])  # v1 never arrives
    with pytest.raises(StorageTimeout):
        store.get_page((7, 0), 0, catch_up=True, timeout_s=0.3)


def test_list_pages_is_immediate_and_sorted_per_table(store):
    store.open_stream(1)
    store.append(
        1,
        1,
        [
            record(1, ((8, 5), 1, {}), ((8, -2), 1, {}), ((9, 0), 1, {})),
            record(2, ((8, 0), 1, {}), ((8, 5), 2, {})),
        ],
    )
    assert store.list_pages(8) == [(8, -2), (8, 0), (8, 5)]
    assert store.list_pages(9) == [(9, 0)]
    assert store.list_pages(10) == []


def test_truncate_never_passes_the_applied_lsn(store):
    store.open_stream(1)
    store.open_stream(2)
    store.append(1, 1, [record(i, ((5, 0), i, {(i,): (i,)})) for i in (1, 2, 3)])
    store.append(1, 1, [record(4, ((5, 1), 2, {}))])  # stalls: v1 of (5, 1) missing
    store.get_page((5, 0), 3, timeout_s=5)
    store.truncate(1, 10)
    state = store.stream_state(1)
    assert state.truncated_lsn == state.applied_lsn == 3
    assert [r.lsn for r in store.read_stream(1, 1, 10)] == [4]
    store.truncate(1, 2)  # below the truncation point: a no-op
    assert store.stream_state(1).truncated_lsn == 3


def test_reopen_keeps_streams_records_pages_and_index(tmp_path):
    path = tmp_path / "db"
    first = RocksStore(path)
    first.open_stream(1)
    first.open_stream(2)
    recs = [record(i, ((5, 0), i, {(i,): (i,)})) for i in (1, 2, 3)]
    first.append(1, 1, recs)
    first.append(2, 1, [record(1, ((5, 1), 2, {}))])  # stalled forever
    first.get_page((5, 0), 3, timeout_s=5)
    first.truncate(1, 1)
    before = {sid: first.stream_state(sid) for sid in (1, 2)}
    first.close()

    second = RocksStore(path)
    try:
        assert {sid: second.stream_state(sid) for sid in (1, 2)} == before
        assert second.read_stream(1, 1, 10) == recs[1:]
        assert rows_of(second, (5, 0), 3) == (3, {(1,): (1,), (2,): (2,), (3,): (3,)})
        assert second.list_pages(5) == [(5, 0), (5, 1)]
        assert second.open_stream(1).epoch == 2
        assert second.append(1, 2, [record(4, ((5, 0), 4, {(1,): None}))]) == 4
        assert rows_of(second, (5, 0), 4)[1] == {(2,): (2,), (3,): (3,)}
    finally:
        second.close()


def test_concurrent_appends_on_many_streams(store):
    def writer(sid):
        epoch = store.open_stream(sid).epoch
        for lsn in range(1, 21):
            store.append(sid, epoch, [record(lsn, ((20, sid), lsn, {(lsn,): (sid,)}))])

    threads = [threading.Thread(target=writer, args=(sid,)) for sid in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for sid in range(1, 5):
        version, rows = rows_of(store, (20, sid), 20, catch_up=True)
        assert version == 20 and len(rows) == 20
    assert store.list_pages(20) == [(20, sid) for sid in range(1, 5)]
