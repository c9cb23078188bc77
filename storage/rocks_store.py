"""``RocksStore``: the storage node's state in one RocksDB (rocksdict) database.

Implements ``storage.api.StorageApi`` in-process; the gRPC server wraps it and
unit tests use it directly.  It owns the key layout, the per-stream state and
the durability rules; ``storage.applier.Applier`` replays the streams into pages.

Key layout (one default column family, raw bytes, one-letter prefixes)
-----------------------------------------------------------------------
    M + stream(>Q)              -> epoch, last_lsn, truncated_lsn (>QQQ)
    A + stream(>Q)              -> applied_lsn (>Q); written by the applier only
    L + stream(>Q) + lsn(>Q)    -> record payload (page_format.encode_record)
    P + page_key(pid)           -> version (>Q) + page_format.encode_page image
    I + page_key(pid)           -> b""  (every page a durable record touched)

The stream meta is split in two keys so that appends and the applier never
write the same key and need no common lock.

Durability
----------
* ``append`` writes its records, the stream meta and the new page-index entries
  in one write batch with ``sync=True`` before it returns (invariant 4); so do
  ``open_stream`` and ``fence_stream`` (a fence must survive a crash, inv. 6).
* Applier checkpoints and truncations are written without fsync: both are
  derived from fsynced records and RocksDB recovers a prefix of its WAL, so
  losing them only means replaying (idempotently) or keeping records longer.

Locking
-------
Each stream has a lock held across the epoch check, the LSN check and the
fsynced write of that stream (append, open, fence, truncate); different
streams append in parallel.  ``_streams_lock`` is held briefly: it guards the
stream dict, the page-index set and the positions the applier reads.
Lock order: stream lock -> ``_streams_lock``; the applier's condition is never
taken while a stream lock is held.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from rocksdict import Options, Rdict, WriteBatch, WriteOptions

from storage.api import (
    FencedError,
    LogRecord,
    LsnError,
    PageImage,
    StorageTimeout,
    StreamState,
)
from storage.applier import Applier
from storage.page_format import (
    Page,
    PageId,
    decode_page,
    decode_record,
    encode_page,
    page_id_from_key,
    page_key,
    table_prefix,
)

_META = b"M"
_APPLIED = b"A"
_LOG = b"L"
_PAGE = b"P"
_INDEX = b"I"

_U64 = struct.Struct(">Q")
_META_VALUE = struct.Struct(">QQQ")


def _stream_key(prefix: bytes, stream_id: int) -> bytes:
    return prefix + _U64.pack(stream_id)


def _log_key(stream_id: int, lsn: int) -> bytes:
    return _LOG + _U64.pack(stream_id) + _U64.pack(lsn)


def _touched_page_keys(records: Sequence[LogRecord]) -> set[bytes]:
    """Page keys the records change; ValueError if a payload is not a record."""
    keys = set()
    for record in records:
        try:
            keys.update(page_key(d.page_id) for d in decode_record(record.payload))
        except Exception as exc:
            raise ValueError(f"lsn {record.lsn}: payload is not a log record ({exc})") from exc
    return keys


@dataclass
class _Stream:
    epoch: int = 0
    last_lsn: int = 0
    applied_lsn: int = 0
    truncated_lsn: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def meta_value(self) -> bytes:
        return _META_VALUE.pack(self.epoch, self.last_lsn, self.truncated_lsn)


class RocksStore:
    """StorageApi over one rocksdict database at ``path`` (created if missing)."""

    def __init__(self, path: str | os.PathLike, page_cache_size: int = 1024):
        self._db = Rdict(str(path), Options(raw_mode=True))
        self._fsync = WriteOptions()
        self._fsync.sync = True
        self._streams_lock = threading.Lock()
        self._streams = self._load_streams()
        self._indexed = {key[1:] for key, _ in self._scan(_INDEX)}
        self._closed = False
        self._applier = Applier(self, cache_size=page_cache_size)
        self._applier.start()

    # ------------------------------------------------------------ streams

    def open_stream(self, stream_id: int) -> StreamState:
        return self._bump_epoch(stream_id)

    def fence_stream(self, stream_id: int, if_epoch: int = 0) -> StreamState:
        return self._bump_epoch(stream_id, if_epoch)

    def append(self, stream_id: int, epoch: int, records: Sequence[LogRecord]) -> int:
        touched = _touched_page_keys(records)
        stream = self._stream(stream_id)
        with stream.lock:
            if epoch == 0 or epoch != stream.epoch:
                raise FencedError(
                    f"stream {stream_id}: epoch {epoch} is not the current {stream.epoch}"
                )
            for i, record in enumerate(records):
                if record.lsn != stream.last_lsn + 1 + i:
                    raise LsnError(
                        f"stream {stream_id}: lsn {record.lsn} does not follow "
                        f"{stream.last_lsn + i}"
                    )
            if not records:
                return stream.last_lsn
            batch = WriteBatch(raw_mode=True)
            for record in records:
                batch.put(_log_key(stream_id, record.lsn), record.payload)
            with self._streams_lock:
                new_keys = touched - self._indexed
            for key in new_keys:
                batch.put(_INDEX + key, b"")
            last_lsn = records[-1].lsn
            batch.put(
                _stream_key(_META, stream_id),
                _META_VALUE.pack(stream.epoch, last_lsn, stream.truncated_lsn),
            )
            self._db.write(batch, self._fsync)
            with self._streams_lock:
                stream.last_lsn = last_lsn
                self._indexed |= new_keys
        self._applier.wake()
        return last_lsn

    def read_stream(self, stream_id: int, from_lsn: int, max_records: int) -> list[LogRecord]:
        """Records with lsn >= from_lsn that are still there (none <= truncated_lsn)."""
        prefix = _stream_key(_LOG, stream_id)
        start = _log_key(stream_id, max(from_lsn, 1))
        out: list[LogRecord] = []
        if max_records <= 0:
            return out
        for key, value in self._scan(prefix, start):
            out.append(LogRecord(_U64.unpack(key[-8:])[0], value))
            if len(out) >= max_records:
                break
        return out

    def truncate(self, stream_id: int, upto_lsn: int) -> None:
        """Drop records <= upto_lsn, but never above the stream's applied LSN."""
        stream = self._stream(stream_id)
        with stream.lock:
            upto = min(upto_lsn, stream.applied_lsn)
            if upto <= stream.truncated_lsn:
                return
            batch = WriteBatch(raw_mode=True)
            batch.delete_range(
                _log_key(stream_id, stream.truncated_lsn + 1), _log_key(stream_id, upto + 1)
            )
            batch.put(
                _stream_key(_META, stream_id),
                _META_VALUE.pack(stream.epoch, stream.last_lsn, upto),
            )
            self._db.write(batch)
            stream.truncated_lsn = upto

    def stream_state(self, stream_id: int) -> StreamState:
        with self._streams_lock:
            stream = self._streams.get(stream_id, _Stream())
        return StreamState(
            stream_id, stream.epoch, stream.last_lsn, stream.applied_lsn, stream.truncated_lsn
        )

    # ------------------------------------------------------------ pages

    def get_page(
        self, page_id: PageId, min_version: int, catch_up: bool = False, timeout_s: float = 10.0
    ) -> PageImage:
        deadline = time.monotonic() + timeout_s
        if catch_up:
            targets = {sid: last for sid, (_, last) in self.stream_positions().items()}

            def caught_up() -> bool:
                positions = self.stream_positions()
                return all(positions[sid][0] >= lsn for sid, lsn in targets.items())

            if not self._applier.wait_until(caught_up, deadline):
                raise StorageTimeout(f"applier did not catch up within {timeout_s}s")
        image = self._read_page(page_id)

        def reached() -> bool:
            nonlocal image
            image = self._read_page(page_id)
            return image.version >= min_version

        if not self._applier.wait_until(reached, deadline):
            raise StorageTimeout(
                f"page {page_id} is at v{image.version}, v{min_version} not reached "
                f"within {timeout_s}s"
            )
        return image

    def list_pages(self, table_id: int) -> list[PageId]:
        return [page_id_from_key(key[1:]) for key, _ in self._scan(_INDEX + table_prefix(table_id))]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._applier.stop()
        self._db.close()

    # ------------------------------------------------------------ ReplaySource

    def stream_positions(self) -> dict[int, tuple[int, int]]:
        with self._streams_lock:
            return {sid: (s.applied_lsn, s.last_lsn) for sid, s in self._streams.items()}

    def load_page(self, page_id: PageId) -> Page:
        value = self._db.get(_PAGE + page_key(page_id))
        if value is None:
            return Page(page_id, 0, {})
        return decode_page(value[8:])

    def save_checkpoint(self, stream_id: int, applied_lsn: int, pages: Sequence[Page]) -> None:
        batch = WriteBatch(raw_mode=True)
        for page in pages:
            batch.put(_PAGE + page_key(page.page_id), _U64.pack(page.version) + encode_page(page))
        batch.put(_stream_key(_APPLIED, stream_id), _U64.pack(applied_lsn))
        self._db.write(batch)
        with self._streams_lock:
            self._streams[stream_id].applied_lsn = applied_lsn

    # ------------------------------------------------------------ internals

    def _bump_epoch(self, stream_id: int, if_epoch: int = 0) -> StreamState:
        stream = self._stream(stream_id)
        with stream.lock:
            if if_epoch and stream.epoch != if_epoch:
                return StreamState(stream_id, stream.epoch, stream.last_lsn,
                                   stream.applied_lsn, stream.truncated_lsn)
            epoch = stream.epoch + 1
            self._db.put(
                _stream_key(_META, stream_id),
                _META_VALUE.pack(epoch, stream.last_lsn, stream.truncated_lsn),
                self._fsync,
            )
            stream.epoch = epoch
            return StreamState(
                stream_id, epoch, stream.last_lsn, stream.applied_lsn, stream.truncated_lsn
            )

    def _stream(self, stream_id: int) -> _Stream:
        _U64.pack(stream_id)  # validates the id before it becomes a key
        with self._streams_lock:
            return self._streams.setdefault(stream_id, _Stream())

    def _read_page(self, page_id: PageId) -> PageImage:
        value = self._db.get(_PAGE + page_key(page_id))
        if value is None:
            return PageImage(page_id, 0, encode_page(Page(page_id, 0, {})))
        return PageImage(page_id, _U64.unpack(value[:8])[0], value[8:])

    def _load_streams(self) -> dict[int, _Stream]:
        streams: dict[int, _Stream] = {}
        for key, value in self._scan(_META):
            epoch, last_lsn, truncated_lsn = _META_VALUE.unpack(value)
            streams[_U64.unpack(key[1:])[0]] = _Stream(epoch, last_lsn, 0, truncated_lsn)
        for key, value in self._scan(_APPLIED):
            streams[_U64.unpack(key[1:])[0]].applied_lsn = _U64.unpack(value)[0]
        return streams

    def _scan(self, prefix: bytes, start: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """Keys starting with ``prefix``, in order, from ``start`` (default: prefix)."""
        it = self._db.iter()
        it.seek(start or prefix)
        while it.valid():
            key = it.key()
            if not key.startswith(prefix):
                return
            yield key, it.value()
            it.next()
