"""The storage service's boundary, as compute nodes see it.

    compute node --(grpc_client.GrpcStorage)--> storage node (server.py)
                                                  |- streams: one log per compute node
                                                  |- page store + applier (storage checkpoint)

Every method is blocking (grpcio); trio callers go through a bounded thread
bridge.  ``storage.rocks_store.RocksStore`` implements the same Protocol
in-process (used by the server itself and by unit tests).

Streams
-------
* A stream is identified by the compute node id that writes it.
* ``open_stream`` bumps the stream's epoch and returns it with the last durable
  LSN: the new writer fences every older incarnation (invariant 6).
* ``append`` takes records whose LSNs continue the stream exactly
  (``last_lsn + 1, +2, ...``); it returns only after the batch is fsynced
  (invariant 4).  A stale epoch raises ``FencedError``; a gap or overlap raises
  ``LsnError``.
* ``truncate`` drops records with lsn <= upto (never above the applied LSN).

Pages
-----
* The applier replays every stream into the page store in per-page version
  order (``page_format.apply_delta``) and records per stream the applied LSN.
* ``get_page(pid, min_version)`` waits (up to ``timeout_s``) until the stored
  page reaches ``min_version``.  With ``catch_up=True`` it first waits until the
  applier has applied every record that was durable when the call arrived, so
  the answer is the newest committed image of a page nobody owns.
  A page that never existed comes back as version 0 with no rows.
* ``list_pages(table_id)`` lists every page any durable record ever touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from storage.page_format import PageId


class StorageError(Exception):
    """Base of the errors the storage service reports."""


class FencedError(StorageError):
    """Append with an epoch older than the stream's current epoch."""


class LsnError(StorageError):
    """Append whose LSNs do not continue the stream."""


class StorageTimeout(StorageError):
    """get_page could not reach the requested version in time."""


class StorageUnavailable(StorageError):
    """The storage node cannot be reached."""


@dataclass(frozen=True)
class LogRecord:
    lsn: int
    payload: bytes  # page_format.encode_record(...)


@dataclass(frozen=True)
class StreamState:
    stream_id: int
    epoch: int
    last_lsn: int  # 0 for an empty stream
    applied_lsn: int  # storage checkpoint of this stream
    truncated_lsn: int  # records <= this are gone


@dataclass(frozen=True)
class PageImage:
    page_id: PageId
    version: int
    data: bytes  # page_format.encode_page(...)


class StorageApi(Protocol):
    def open_stream(self, stream_id: int) -> StreamState: ...

    def fence_stream(self, stream_id: int, if_epoch: int = 0) -> StreamState:
        """Bump the epoch without becoming the writer (used by recovery); with
        ``if_epoch``, only while the epoch is still that one (a newer writer
        already fenced the incarnation recovery is after)."""
        ...

    def append(self, stream_id: int, epoch: int, records: Sequence[LogRecord]) -> int:
        """Durably append; returns the new last LSN."""
        ...

    def read_stream(self, stream_id: int, from_lsn: int, max_records: int) -> list[LogRecord]: ...

    def truncate(self, stream_id: int, upto_lsn: int) -> None: ...

    def stream_state(self, stream_id: int) -> StreamState: ...

    def get_page(
        self, page_id: PageId, min_version: int, catch_up: bool = False, timeout_s: float = 10.0
    ) -> PageImage: ...

    def list_pages(self, table_id: int) -> list[PageId]: ...

    def close(self) -> None: ...
