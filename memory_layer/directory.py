"""Page-ownership directory on Redis (invariants 1 and 6).

Owns: the directory entries ``{p}dir:*`` / ``{p}readers:*`` and their indexes
(``pages``, ``owned:*``, ``owners``, ``stats:handoffs``).  Every change of an
entry runs as one Lua script (``scripts/claim.lua``, ``transfer.lua``,
``add_reader.lua``), so a change and its indexes move together and two callers
can never both be granted the same page.  Reads that walk many pages
(``owned_by``, ``all_entries``) use SSCAN plus a pipeline: each entry they
return is consistent on its own, but the set is not one snapshot.

An entry also records the owner's incarnation (field ``inc``); the owner counts
as live only while that incarnation holds its lease.  So a node that restarted
(new incarnation) takes its old pages back with a bumped epoch, and its zombie
predecessor can no longer transfer them.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import redis

from memory_layer.api import DirectoryRebuilding, Grant, PageEntry, PageId, StaleEpoch
from memory_layer.client import unavailable_on_error
from memory_layer.keys import Keys, page_member, parse_member
from memory_layer.scripts import load

SCAN_BATCH = 500
_NOT_LIVE, _WRONG_EPOCH, _REBUILDING, _REFUSED, _GRANTED = -1, -2, -3, 0, 1


def _entry(owner: bytes, epoch: int, version: int, readers: list[bytes]) -> PageEntry:
    return PageEntry(
        owner=int(owner) if owner else None,
        epoch=int(epoch),
        version=int(version),
        readers=frozenset(int(r) for r in readers),
    )


class RedisDirectory:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys
        self._claim = client.register_script(load("claim", prelude=True))
        self._transfer = client.register_script(load("transfer", prelude=True))
        self._add_reader = client.register_script(load("add_reader", prelude=True))
        self._page_counts = client.register_script(load("page_counts", prelude=True))

    def _entry_keys(self, page_id: PageId) -> list[str]:
        return [self._keys.dir(page_id), self._keys.readers(page_id)]

    def lookup(self, page_id: PageId) -> PageEntry | None:
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=True)
            pipe.hmget(self._keys.dir(page_id), "owner", "epoch", "version", "inc")
            pipe.smembers(self._keys.readers(page_id))
            (owner, epoch, version, inc), readers = pipe.execute()
        if epoch is None and not readers:
            return None
        entry = _entry(owner, int(epoch or 0), int(version or 0), list(readers))
        return dataclasses.replace(entry, owner_incarnation=int(inc or 0))

    def claim(self, page_id: PageId, node_id: int, incarnation: int) -> Grant:
        return self._run_claim(page_id, node_id, incarnation, floor_version=-1)

    def restore(self, page_id: PageId, node_id: int, incarnation: int, version: int) -> Grant:
        """Claim, recording at least ``version``: a node reporting a page it owns
        when the directory is rebuilt after the memory layer lost its keys."""
        return self._run_claim(page_id, node_id, incarnation, floor_version=version)

    def _run_claim(
        self, page_id: PageId, node_id: int, incarnation: int, floor_version: int
    ) -> Grant:
        args = [self._keys.prefix, page_member(page_id), node_id, incarnation, floor_version]
        with unavailable_on_error():
            status, *rest = self._claim(keys=self._entry_keys(page_id), args=args)
        return self._grant(status, rest, node_id, incarnation)

    @staticmethod
    def _grant(status: int, rest, node_id: int, incarnation: int) -> Grant:
        if status == _NOT_LIVE:
            raise StaleEpoch(f"node {node_id} incarnation {incarnation} is not live")
        if status == _REBUILDING:
            raise DirectoryRebuilding("the directory is being rebuilt after a memory-layer loss")
        return Grant(granted=status == _GRANTED, entry=_entry(*rest))

    def claim_many(self, node_id: int, incarnation: int, pages: Sequence[PageId]
                   ) -> dict[PageId, tuple[PageEntry | None, Grant]]:
        """For each page, its entry just before and the result of claiming it, in
        one round trip (a recovery worker taking a failed node's pages)."""
        if not pages:
            return {}
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=False)
            for pid in pages:
                pipe.hmget(self._keys.dir(pid), "owner", "epoch", "version", "inc")
                args = [self._keys.prefix, page_member(pid), node_id, incarnation, -1]
                self._claim(keys=self._entry_keys(pid), args=args, client=pipe)
            replies = pipe.execute()
        out = {}
        for i, pid in enumerate(pages):
            (owner, epoch, version, inc), (status, *rest) = replies[2 * i], replies[2 * i + 1]
            before = None
            if epoch is not None:
                before = dataclasses.replace(_entry(owner, int(epoch), int(version or 0), []),
                                             owner_incarnation=int(inc or 0))
            out[pid] = (before, self._grant(status, rest, node_id, incarnation))
        return out

    def restore_many(self, node_id: int, incarnation: int,
                     pages: Sequence[tuple[PageId, int]]) -> dict[PageId, Grant]:
        """Report owned pages after a memory-layer loss, pipelined (one round trip).
        A page a live node owns already is not granted (the caller drops it)."""
        if not pages:
            return {}
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=False)
            for pid, version in pages:
                args = [self._keys.prefix, page_member(pid), node_id, incarnation, version]
                self._claim(keys=self._entry_keys(pid), args=args, client=pipe)
            replies = pipe.execute()
        return {pid: self._grant(status, rest, node_id, incarnation)
                for (pid, _), (status, *rest) in zip(pages, replies, strict=True)}

    def transfer(
        self,
        page_id: PageId,
        from_node: int,
        from_incarnation: int,
        epoch: int,
        to_node: int,
        version: int,
    ) -> PageEntry:
        args = [
            self._keys.prefix,
            page_member(page_id),
            from_node,
            from_incarnation,
            epoch,
            to_node,
            version,
        ]
        with unavailable_on_error():
            status, *rest = self._transfer(keys=self._entry_keys(page_id), args=args)
        entry = _entry(*rest)
        if status == _NOT_LIVE:
            raise StaleEpoch(f"node {from_node} incarnation {from_incarnation} is not live")
        if status == _WRONG_EPOCH:
            raise StaleEpoch(
                f"page {page_id}: node {from_node}/{from_incarnation} at epoch {epoch} "
                f"does not own it (entry is {entry})"
            )
        return entry

    def add_reader(self, page_id: PageId, node_id: int) -> PageEntry:
        args = [self._keys.prefix, page_member(page_id), node_id]
        with unavailable_on_error():
            _, *rest = self._add_reader(keys=self._entry_keys(page_id), args=args)
        return _entry(*rest)

    def remove_reader(self, page_id: PageId, node_id: int) -> None:
        with unavailable_on_error():
            self._r.srem(self._keys.readers(page_id), node_id)

    def owned_by(self, node_id: int) -> dict[PageId, PageEntry]:
        entries = self._entries_of(self._keys.owned(node_id))
        return {p: e for p, e in entries.items() if e.owner == node_id}

    def page_counts(self) -> dict[int, int]:
        with unavailable_on_error():
            flat = self._page_counts(keys=[], args=[self._keys.prefix])
        return {int(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    def handoff_count(self) -> int:
        with unavailable_on_error():
            return int(self._r.get(self._keys.handoffs) or 0)

    def all_entries(self) -> dict[PageId, PageEntry]:
        return self._entries_of(self._keys.pages)

    def _entries_of(self, set_key: str) -> dict[PageId, PageEntry]:
        """Entries of the pages named in a set, read SCAN_BATCH at a time."""
        out: dict[PageId, PageEntry] = {}
        with unavailable_on_error():
            batch: list[PageId] = []
            for member in self._r.sscan_iter(set_key, count=SCAN_BATCH):
                batch.append(parse_member(member))
                if len(batch) >= SCAN_BATCH:
                    out.update(self._read_batch(batch))
                    batch = []
            out.update(self._read_batch(batch))
        return out

    def _read_batch(self, pages: list[PageId]) -> dict[PageId, PageEntry]:
        if not pages:
            return {}
        pipe = self._r.pipeline(transaction=False)
        for page_id in pages:
            pipe.hmget(self._keys.dir(page_id), "owner", "epoch", "version", "inc")
            pipe.smembers(self._keys.readers(page_id))
        replies = pipe.execute()
        out = {}
        for i, page_id in enumerate(pages):
            (owner, epoch, version, inc), readers = replies[2 * i], replies[2 * i + 1]
            if epoch is not None or readers:
                entry = _entry(owner, int(epoch or 0), int(version or 0), list(readers))
                out[page_id] = dataclasses.replace(entry, owner_incarnation=int(inc or 0))
        return out
