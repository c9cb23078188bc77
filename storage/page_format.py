"""Page images and redo records: the one format compute nodes and storage share.

Owns the byte encoding of a page image and of a log record's payload, and the
redo rule that turns page version v-1 into version v.

Model
-----
* ``PageId`` is ``(table_id, bucket)``: table ids are positive, buckets are any
  signed 64-bit integer.  ``page_key`` orders page ids bytewise the same way as
  the tuples order, so a table's pages are one contiguous key range in RocksDB.
* A page holds committed rows only (deferred update): ``rows`` maps a primary
  key tuple to a row tuple.  ``version`` counts the commits that changed it.
* A log record payload is one committed transaction: a list of ``PageDelta``.
  A delta carries the page's *new* version and row after-images (``None`` for
  a delete).  Applying delta v to a page at v-1 gives v; applying it to a page
  already at >= v is a no-op (invariant 3: replay twice is harmless).

Encoding
--------
Values are Python ``None/bool/int/float/str/bytes/Decimal/date/datetime/time``
and tuples of them.  They are encoded with pickle protocol 5 and decoded with a
restricted unpickler that refuses every global except the value types above, so
a corrupted or hostile image cannot run code (decision log, 2026-11-23).
"""

from __future__ import annotations

import datetime
import decimal
import io
import pickle
import struct
import zlib
from dataclasses import dataclass, field

PageId = tuple[int, int]
Key = tuple
Row = tuple

CATALOG_TABLE_ID = 1
"""Table id of the catalog; its single page is ``(CATALOG_TABLE_ID, 0)``."""

_SIGN = 1 << 63


def page_key(page_id: PageId) -> bytes:
    """12-byte big-endian key that sorts like the ``(table_id, bucket)`` tuple."""
    table_id, bucket = page_id
    return struct.pack(">IQ", table_id, (bucket + _SIGN) & 0xFFFFFFFFFFFFFFFF)


def page_id_from_key(key: bytes) -> PageId:
    table_id, raw = struct.unpack(">IQ", key)
    return (table_id, raw - _SIGN)


def table_prefix(table_id: int) -> bytes:
    return struct.pack(">I", table_id)


@dataclass
class Page:
    page_id: PageId
    version: int = 0
    rows: dict[Key, Row] = field(default_factory=dict)


@dataclass(frozen=True)
class PageDelta:
    page_id: PageId
    version: int
    """The page's version after this delta."""
    changes: tuple[tuple[Key, Row | None], ...]
    """Row after-images in order; ``None`` deletes the key."""


class RedoGap(Exception):
    """The page is older than ``delta.version - 1``: an earlier record is missing."""


def apply_delta(page: Page, delta: PageDelta) -> bool:
    """Apply ``delta`` to ``page`` in place.  Returns False if already applied."""
    if page.version >= delta.version:
        return False
    if page.version != delta.version - 1:
        raise RedoGap(f"page {page.page_id} at v{page.version}, delta is v{delta.version}")
    rows = page.rows
    for key, row in delta.changes:
        if row is None:
            rows.pop(key, None)
        else:
            rows[key] = row
    page.version = delta.version
    return True


# ---------------------------------------------------------------- encoding

_ALLOWED = {
    ("decimal", "Decimal"): decimal.Decimal,
    ("datetime", "date"): datetime.date,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: D401
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing global {module}.{name}") from None


def _loads(data: bytes):
    return _SafeUnpickler(io.BytesIO(data)).load()


def encode_page(page: Page) -> bytes:
    return pickle.dumps((1, page.page_id, page.version, page.rows), protocol=5)


def decode_page(data: bytes) -> Page:
    fmt, page_id, version, rows = _loads(data)
    if fmt != 1:
        raise ValueError(f"unknown page format {fmt}")
    return Page(tuple(page_id), version, rows)


_COMPRESSED = b"Z1"
"""Prefix of a compressed record (pickle data never starts with it): zlib over
``>I`` length-prefixed pickles, one per delta."""


def encode_record(deltas: list[PageDelta], compress: bool = False) -> bytes:
    """``compress``: the big-transaction format (a million-row COPY): zlib level 1
    keeps the record well under the storage RPC's message limit, and pickling
    delta by delta never holds the GIL for long (the node's heartbeat thread
    keeps running while a worker thread encodes)."""
    if not compress:
        return pickle.dumps(
            (1, [(d.page_id, d.version, d.changes) for d in deltas]), protocol=5
        )
    z = zlib.compressobj(1)
    parts = [_COMPRESSED]
    for d in deltas:
        item = pickle.dumps((d.page_id, d.version, d.changes), protocol=5)
        parts.append(z.compress(struct.pack(">I", len(item)) + item))
    parts.append(z.flush())
    return b"".join(parts)


def _decode_compressed(data: bytes) -> list[PageDelta]:
    raw = memoryview(zlib.decompress(data[len(_COMPRESSED):]))
    out, pos = [], 0
    while pos < len(raw):
        (n,) = struct.unpack_from(">I", raw, pos)
        p, v, c = _loads(raw[pos + 4:pos + 4 + n])
        out.append(PageDelta(tuple(p), v, tuple(c)))
        pos += 4 + n
    return out


def decode_record(data: bytes) -> list[PageDelta]:
    if data[:len(_COMPRESSED)] == _COMPRESSED:
        return _decode_compressed(data)
    fmt, items = _loads(data)
    if fmt != 1:
        raise ValueError(f"unknown record format {fmt}")
    return [PageDelta(tuple(p), v, tuple(c)) for p, v, c in items]
