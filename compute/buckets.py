"""Which page a row lives on.

A table is a clustered index on its primary key, cut into leaf pages:
* the first key column is an integer type (or the implicit row id): range
  pages, ``bucket = first_key // RANGE_SPAN``, so a key range maps to a
  contiguous bucket range (point and range queries read only their pages);
* otherwise: ``HASH_BUCKETS`` hash pages; a range predicate reads them all.

Page ids are ``(table_id, bucket)`` (storage.page_format.PageId).  Fixed-span
range pages replace B-tree page splits in this slice (decision log 2026-11-23).
"""

from __future__ import annotations

import zlib

from sql import oids
from sql.api import Bound, Key, TableDef

RANGE_SPAN = 64
HASH_BUCKETS = 16
MAX_RANGE_BUCKETS = 256
"""A bounded range wider than this is answered from the table's page list."""

_INT_OIDS = {oids.INT2, oids.INT4, oids.INT8}


def is_range_partitioned(table: TableDef) -> bool:
    if not table.primary_key:
        return True
    return table.columns[table.primary_key[0]].type.oid in _INT_OIDS


def bucket_of(table: TableDef, key: Key) -> int:
    if is_range_partitioned(table):
        return int(key[0]) // RANGE_SPAN
    return zlib.crc32(repr(key).encode()) % HASH_BUCKETS


def bucket_range(table: TableDef, lo: Bound | None, hi: Bound | None) -> tuple[int, int] | None:
    """Inclusive bucket range for bounds on the first key column, or None when
    every page of the table must be read."""
    if not is_range_partitioned(table) or lo is None or hi is None:
        return None
    try:
        first, last = int(lo.value) // RANGE_SPAN, int(hi.value) // RANGE_SPAN
    except (TypeError, ValueError):
        return None
    return (first, last)


def in_bounds(value, lo: Bound | None, hi: Bound | None) -> bool:
    if lo is not None and (value < lo.value or (value == lo.value and not lo.inclusive)):
        return False
    if hi is not None and (value > hi.value or (value == hi.value and not hi.inclusive)):
        return False
    return True
