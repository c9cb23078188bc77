"""Tier-1 page recovery: global-buffer image + the dead node's stream after its
memory checkpoint; any doubt falls back to storage (None)."""

from __future__ import annotations

import pytest

from compute.bridge import Bridge
from compute.recovery import Tier1
from storage.api import LogRecord
from storage.page_format import Page, PageDelta, encode_page, encode_record
from storage.rocks_store import RocksStore

PID = (1000, 0)
OTHER = (1000, 1)


class BufferTwin:
    """In-memory twin of the global buffer (unit tests only)."""

    def __init__(self) -> None:
        self.images, self.ckpts = {}, {}

    def get_with_pusher(self, pid):
        return self.images.get(pid)

    def checkpoint_lsn(self, node_id, incarnation):
        return self.ckpts.get((node_id, incarnation), 0)


class Node:
    def __init__(self, storage) -> None:
        self.bridge = Bridge(2)
        self.storage = storage
        self.ml = type("ML", (), {"buffer": BufferTwin()})()
        node = self

        class Pages:
            async def _storage(self, fn, *args):
                return await node.bridge.call(fn, *args)

        self.pages = Pages()


@pytest.fixture
def node(tmp_path):
    store = RocksStore(tmp_path / "rocks")
    state = store.open_stream(7)
    # stream 7: lsn 1 page v1, lsn 2 page v2 (+ other page), lsn 3 page v3, lsn 4 page v4
    recs = [
        [PageDelta(PID, 1, (((1,), (1, "a")),))],
        [PageDelta(PID, 2, (((2,), (2, "b")),)), PageDelta(OTHER, 1, (((70,), (70, "x")),))],
        [PageDelta(PID, 3, (((1,), None),))],
        [PageDelta(PID, 4, (((3,), (3, "c")),))],
    ]
    store.append(7, state.epoch, [LogRecord(i + 1, encode_record(r)) for i, r in enumerate(recs)])
    n = Node(store)
    yield n
    store.close()


def _image(version, rows, pusher=42):
    return version, encode_page(Page(PID, version, dict(rows))), pusher


async def test_image_plus_stream_tail(node):
    node.ml.buffer.images[PID] = _image(2, {(1,): (1, "a"), (2,): (2, "b")})
    node.ml.buffer.ckpts[(7, 42)] = 2
    page = await Tier1(node).recover(PID, 7, 42, min_version=1)
    assert page.version == 4
    assert page.rows == {(2,): (2, "b"), (3,): (3, "c")}


async def test_a_crash_between_images_and_lsn_is_harmless(node):
    # the image is newer than the recorded LSN: replayed versions are skipped
    node.ml.buffer.images[PID] = _image(3, {(2,): (2, "b")})
    node.ml.buffer.ckpts[(7, 42)] = 1
    page = await Tier1(node).recover(PID, 7, 42, min_version=4)
    assert page.version == 4 and page.rows == {(2,): (2, "b"), (3,): (3, "c")}


@pytest.mark.parametrize(
    "case", ["no image", "image pushed by another node", "other incarnation", "gap", "below directory"]
)
async def test_falls_back_when_unsure(node, case):
    node.ml.buffer.images[PID] = _image(1, {(1,): (1, "a")}, 9 if case == "image pushed by another node" else 42)
    node.ml.buffer.ckpts[(7, 42)] = 2 if case == "gap" else 1
    if case == "no image":
        del node.ml.buffer.images[PID]
    incarnation = 41 if case == "other incarnation" else 42
    min_version = 5 if case == "below directory" else 1
    assert await Tier1(node).recover(PID, 7, incarnation, min_version) is None
