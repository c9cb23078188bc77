"""The log applier: replays every stream into the page store (storage checkpoint).

Owns the replay thread, the LRU of decoded pages and the progress condition that
``get_page`` waits on.  It knows nothing of the key layout: it reads and writes
through a ``ReplaySource`` (``RocksStore`` is the one implementation).

Replay order
------------
Records of one page form one version chain across all streams (invariant 3).
Each pass visits every stream once (round robin) and applies up to
``batch_records`` records after the stream's applied LSN.  A record is applied
whole or not at all: if one of its deltas needs a page version that is not there
yet (its previous version lives in another stream that is behind), the stream
stalls at that record until a later pass, after the other streams progressed.
Since a version is only logged after the previous one is durable (invariant 2),
some stream can always progress when every version exists: no deadlock.

The pages a batch changed and the stream's new applied LSN are persisted in one
atomic write (``ReplaySource.save_checkpoint``); replaying a record again after
a crash is a no-op for pages already at its version.

Locking
-------
``_cond`` guards ``_appends`` and ``_stopping`` and is the condition every
waiter sleeps on; it is notified after an append (``wake``) and after every pass
that made progress.  The page cache is touched by the replay thread only.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Callable, Protocol, Sequence

from storage.api import LogRecord
from storage.page_format import Page, PageDelta, PageId, apply_delta, decode_record

log = logging.getLogger(__name__)

IDLE_WAIT_S = 1.0
"""Longest sleep without an append; also the retry delay after an error."""


class ReplaySource(Protocol):
    def stream_positions(self) -> dict[int, tuple[int, int]]:
        """stream id -> (applied_lsn, last_lsn)."""
        ...

    def read_stream(self, stream_id: int, from_lsn: int, max_records: int) -> list[LogRecord]: ...

    def load_page(self, page_id: PageId) -> Page:
        """The checkpointed page, or an empty version-0 page."""
        ...

    def save_checkpoint(self, stream_id: int, applied_lsn: int, pages: Sequence[Page]) -> None:
        """Atomically persist ``pages`` and the stream's applied LSN."""
        ...


class Applier:
    def __init__(self, source: ReplaySource, cache_size: int = 1024, batch_records: int = 256):
        self._source = source
        self._cache_size = cache_size
        self._batch_records = batch_records
        self._cache: collections.OrderedDict[PageId, Page] = collections.OrderedDict()
        self._cond = threading.Condition()
        self._appends = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="storage-applier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def wake(self) -> None:
        """Tell the replay thread that a stream grew."""
        with self._cond:
            self._appends += 1
            self._cond.notify_all()

    def wait_until(self, predicate: Callable[[], bool], deadline: float) -> bool:
        """Wait until ``predicate()`` holds (re-checked after each applier pass)
        or ``time.monotonic()`` passes ``deadline``; returns whether it holds."""
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # ------------------------------------------------------------ replay thread

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                seen = self._appends
            try:
                progressed = self._replay_pass()
            except Exception:
                log.exception("applier pass failed; retrying")
                self._cache.clear()  # it may hold changes that were not persisted
                progressed = False
            with self._cond:
                if progressed:
                    self._cond.notify_all()
                elif self._appends == seen and not self._stopping:
                    self._cond.wait(IDLE_WAIT_S)  # woken by wake() or stop()

    def _replay_pass(self) -> bool:
        progressed = False
        for stream_id, (applied, last) in self._source.stream_positions().items():
            if applied < last:
                progressed |= self._replay_stream(stream_id, applied)
        return progressed

    def _replay_stream(self, stream_id: int, applied: int) -> bool:
        records = self._source.read_stream(stream_id, applied + 1, self._batch_records)
        dirty: dict[PageId, Page] = {}
        done = applied
        for record in records:
            deltas = decode_record(record.payload)
            if not self._applicable(deltas, dirty):
                break  # an earlier version lives in a stream that is behind
            for delta in deltas:
                page = self._page(delta.page_id, dirty)
                if apply_delta(page, delta):
                    dirty[delta.page_id] = page
            done = record.lsn
        if done == applied:
            return False
        self._source.save_checkpoint(stream_id, done, list(dirty.values()))
        return True

    def _applicable(self, deltas: list[PageDelta], dirty: dict[PageId, Page]) -> bool:
        """Whether every delta finds its page at version - 1 (or already applied)."""
        versions: dict[PageId, int] = {}
        for delta in deltas:
            version = versions.get(delta.page_id)
            if version is None:
                version = self._page(delta.page_id, dirty).version
            if version >= delta.version:
                continue
            if version != delta.version - 1:
                return False
            versions[delta.page_id] = delta.version
        return True

    def _page(self, page_id: PageId, dirty: dict[PageId, Page]) -> Page:
        """The page as replay sees it: this batch's copy, the cache, or storage."""
        page = dirty.get(page_id)
        if page is not None:
            return page
        page = self._cache.get(page_id)
        if page is None:
            page = self._source.load_page(page_id)
            self._cache[page_id] = page
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(page_id)
        return page
