"""The memory layer's boundary: directory, global buffer, membership.

The memory layer is a *cache of truth* on a Redis server (invariant 7): losing
every key loses no committed data.  Every method is blocking (redis-py); trio
callers use a bounded thread bridge and stay off the per-statement path.

Directory (page ownership, invariant 1)
---------------------------------------
Each page has an entry ``(owner, epoch, version)``:
* ``owner``: node id holding write ownership, or None.
* ``epoch``: bumped on every change of owner; a hand-off names the epoch it
  expects and is refused (``StaleEpoch``) if the entry moved on.
* ``version``: page version at the last change of owner (owners do not
  report every commit; storage and the owner know newer versions).
* ``readers``: nodes holding a read copy (used for the catalog page).

``claim`` atomically takes an entry that has no owner (or whose owner is no
longer a live member): it returns a ``Grant`` with the new epoch and the
version to load.  If a live node owns the page it returns that node instead,
and the caller asks that node for a hand-off (peer RPC), which the owner
completes with ``transfer``.  ``transfer`` checks the caller's incarnation
against membership, so a zombie incarnation cannot grant (invariant 6).

Membership
----------
``register`` gives a node a new incarnation number (monotonic per node id) and a
lease; ``heartbeat`` renews it and returns False once a newer incarnation
registered.  A node is live while its lease key exists (holding its current
incarnation).  A directory entry remembers the owner's incarnation, so after a
node restarts its old pages count as unowned until it claims them again (with a
new epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

PageId = tuple[int, int]
"""``(table_id, bucket)``; the same shape as storage.page_format.PageId (memory_layer
imports no other project package)."""


class MemoryLayerError(Exception):
    pass


class StaleEpoch(MemoryLayerError):
    """A transfer named an epoch or incarnation that is no longer current."""


class MemoryLayerUnavailable(MemoryLayerError):
    pass


class DirectoryRebuilding(MemoryLayerError):
    """A claim while the directory is rebuilt after the memory layer lost its
    keys (at most one lease long): wait and claim again."""


@dataclass(frozen=True)
class PageEntry:
    owner: int | None
    epoch: int
    version: int
    readers: frozenset[int] = frozenset()
    owner_incarnation: int = field(default=0, compare=False)
    """The owner's incarnation (filled in by ``lookup``; 0 elsewhere, and not
    part of equality)."""


@dataclass(frozen=True)
class Grant:
    granted: bool
    entry: PageEntry
    """If granted: the caller now owns the page at entry.epoch and must load
    entry.version (from the global buffer or storage).  If not: entry.owner is
    the live node to ask for a hand-off."""


@dataclass(frozen=True)
class NodeInfo:
    node_id: int
    incarnation: int
    host: str
    pg_port: int
    peer_port: int
    live: bool
    extra: dict = field(default_factory=dict)
    stream_epoch: int = 0
    """The log-stream epoch this incarnation writes with (0: not told): recovery
    fences the stream only if it is still at this epoch."""


class Directory(Protocol):
    def lookup(self, page_id: PageId) -> PageEntry | None: ...

    def claim(self, page_id: PageId, node_id: int, incarnation: int) -> Grant: ...

    def transfer(
        self,
        page_id: PageId,
        from_node: int,
        from_incarnation: int,
        epoch: int,
        to_node: int,
        version: int,
    ) -> PageEntry:
        """Move ownership; raises StaleEpoch.  Counts one hand-off."""
        ...

    def add_reader(self, page_id: PageId, node_id: int) -> PageEntry: ...

    def remove_reader(self, page_id: PageId, node_id: int) -> None: ...

    def owned_by(self, node_id: int) -> dict[PageId, PageEntry]: ...

    def page_counts(self) -> dict[int, int]:
        """Number of pages owned per node id."""
        ...

    def handoff_count(self) -> int: ...

    def all_entries(self) -> dict[PageId, PageEntry]: ...

    def claim_many(self, node_id: int, incarnation: int, pages: Sequence[PageId]
                   ) -> dict[PageId, tuple[PageEntry | None, Grant]]:
        """Each page's entry before, and its claim, in one round trip."""
        ...

    def restore_many(self, node_id: int, incarnation: int,
                     pages: Sequence[tuple[PageId, int]]) -> dict[PageId, Grant]:
        """After a memory-layer loss: report owned pages ``(page, version)`` in
        one round trip; each is granted unless a live node owns it already."""
        ...


class GlobalBuffer(Protocol):
    def put(self, page_id: PageId, version: int, image: bytes, pusher: int = 0) -> None:
        """Store an image unless a newer version is already there; ``pusher`` is
        the pushing node's incarnation (tier-1 recovery trusts an image only
        from the dead incarnation itself)."""
        ...

    def get_with_pusher(self, page_id: PageId) -> tuple[int, bytes, int] | None:
        """``(version, image, pusher)``."""
        ...

    def get(self, page_id: PageId) -> tuple[int, bytes] | None: ...

    def get_many_with_pusher(
        self, page_ids: Sequence[PageId]
    ) -> dict[PageId, tuple[int, bytes, int] | None]: ...

    def put_many(self, images: Sequence[tuple[PageId, int, bytes]], pusher: int) -> None: ...

    def checkpoint(
        self, node_id: int, incarnation: int, images: Sequence[tuple[PageId, int, bytes]], lsn: int
    ) -> None:
        """A memory checkpoint: store the images (newer wins, one round trip),
        then record that, for the pages incarnation ``incarnation`` of node
        ``node_id`` owns, they cover its stream up to ``lsn`` (only grows)."""
        ...

    def checkpoint_lsn(self, node_id: int, incarnation: int) -> int:
        """The stream LSN the last memory checkpoint of that incarnation covers (0: none).
        Valid only for pages that incarnation owned."""
        ...


class Membership(Protocol):
    def register(self, node_id: int, host: str, pg_port: int, peer_port: int, lease_ms: int,
                 rebuild_ms: int = 0, stream_epoch: int = 0) -> int:
        """Returns the new incarnation.  The first register into an empty Redis
        sets a new generation; ``rebuild_ms`` > 0 (a node that may own pages
        from before) opens the rebuild window until ``rebuild_ms`` after the
        generation began (claims are refused meanwhile)."""
        ...

    def generation(self) -> str | None:
        """Id of the memory layer's current life; changes when Redis lost its keys."""
        ...

    def rebuilding(self) -> bool:
        """True while the rebuild window is open (claims are refused)."""
        ...

    def heartbeat(self, node_id: int, incarnation: int, lease_ms: int) -> bool: ...

    def deregister(self, node_id: int, incarnation: int) -> None: ...

    def members(self) -> dict[int, NodeInfo]: ...


class GlobalLocks(Protocol):
    """Named locks with leases and fencing tokens.  A token only grows (it never
    goes below the server clock in microseconds, so it survives a Redis loss);
    whoever acts under a lock passes its token, and a holder whose lease ran out
    finds ``renew`` refusing it."""

    def acquire(self, name: str, holder: str, lease_ms: int) -> int | None:
        """The fencing token, or None if somebody else holds the lock."""
        ...

    def renew(self, name: str, token: int, lease_ms: int) -> bool: ...

    def release(self, name: str, token: int) -> bool: ...

    def holder(self, name: str) -> tuple[int, str] | None: ...


class Reports(Protocol):
    """JSON reports nodes leave for operators (``strata drill`` reads them)."""

    def push(self, kind: str, report: dict) -> None: ...

    def read(self, kind: str) -> list[dict]: ...
