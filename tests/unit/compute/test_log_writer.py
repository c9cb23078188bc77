"""Group commit: concurrent commits share one append; installs follow LSN order;
nothing is acknowledged before the append returned (invariant 4)."""

from __future__ import annotations

import threading

import trio

from compute.bridge import Bridge
from compute.log_writer import LogWriter
from storage.api import FencedError


class SlowStorage:
    """Records appends; each append blocks until released (a twin for unit tests)."""

    def __init__(self) -> None:
        self.appends: list[list[int]] = []
        self.gate = threading.Event()
        self.fenced = False

    def append(self, stream_id, epoch, records):
        self.gate.wait(5)
        if self.fenced:
            raise FencedError("fenced")
        self.appends.append([r.lsn for r in records])
        return records[-1].lsn


async def test_concurrent_commits_share_an_append_and_install_in_lsn_order():
    storage = SlowStorage()
    installed: list[str] = []
    writer = LogWriter(storage, Bridge(4), 1, 1, 0, lambda deltas: installed.extend(deltas), print)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.run)
        first = writer.submit(b"a", ["a"])
        await trio.sleep(0.05)  # the first append is in flight; the rest queue up
        rest = [writer.submit(x.encode(), [x]) for x in "bcde"]
        assert not first.done.is_set() and installed == []
        storage.gate.set()
        for p in [first, *rest]:
            await writer.wait(p)
        nursery.cancel_scope.cancel()
    assert storage.appends == [[1], [2, 3, 4, 5]]
    assert installed == list("abcde")


async def test_fenced_stream_fails_every_pending_commit():
    storage = SlowStorage()
    storage.fenced = True
    storage.gate.set()
    fatal: list[str] = []
    writer = LogWriter(storage, Bridge(4), 1, 1, 0, lambda d: None, fatal.append)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer.run)
        p = writer.submit(b"x", [])
        await p.done.wait()
    assert isinstance(p.error, FencedError)
    assert fatal and "fenced" in fatal[0]
