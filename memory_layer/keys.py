"""Redis key layout of the memory layer (the only module that spells key names).

Owns: every key name and the page-id <-> member string encoding.  The Lua
scripts build per-node keys from the same prefix (``prefix .. 'lease:' .. id``),
so the layout below must stay in step with ``scripts/*.lua``.

    {p}dir:{table}:{bucket}      hash  owner, inc, epoch, version  (directory entry;
                                       inc = owner's incarnation when granted)
    {p}readers:{table}:{bucket}  set   node ids holding a read copy
    {p}pages                     set   "table:bucket" of every entry (all_entries)
    {p}owned:{node}              set   "table:bucket" owned by node (owned_by)
    {p}owners                    set   node ids owning >= 1 page (page_counts)
    {p}stats:handoffs            int   number of transfers
    {p}buf:{table}:{bucket}      hash  v (version), img (bytes)    (global buffer)
    {p}mckpt:{node}              hash  incarnation -> stream LSN its last memory checkpoint covers
    {p}node:{node}               hash  host, pg_port, peer_port, incarnation
    {p}nodes                     set   registered node ids
    {p}incarnation:{node}        int   last incarnation handed out (never deleted
                                       by deregister, so incarnations only grow)
    {p}lease:{node}              str   incarnation, with PX = lease_ms
    {p}generation                str   random id set by the first register into an
                                       empty Redis (a node that sees it change knows
                                       the memory layer lost its keys)
    {p}rebuilding                str   present (PX = lease) while the directory is
                                       rebuilt after such a loss: claims are refused
    {p}lock:{name}               str   "token:holder" of a global lock, PX = lease
    {p}lockseq                   int   last fencing token (never below server µs)
    {p}{kind}:reports            list  JSON reports, kind = recovery | rebuild (capped)

``{p}`` defaults to ``strata:``.  All keys assume one Redis instance (the
scripts touch per-node keys they compute, which Redis Cluster would reject).
"""

from __future__ import annotations

from dataclasses import dataclass

from memory_layer.api import PageId

DEFAULT_PREFIX = "strata:"


def page_member(page_id: PageId) -> str:
    return f"{page_id[0]}:{page_id[1]}"


def parse_member(member: bytes | str) -> PageId:
    text = member.decode() if isinstance(member, bytes) else member
    table, bucket = text.split(":")
    return int(table), int(bucket)


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    def dir(self, page_id: PageId) -> str:
        return f"{self.prefix}dir:{page_member(page_id)}"

    def readers(self, page_id: PageId) -> str:
        return f"{self.prefix}readers:{page_member(page_id)}"

    def buf(self, page_id: PageId) -> str:
        return f"{self.prefix}buf:{page_member(page_id)}"

    @property
    def pages(self) -> str:
        return f"{self.prefix}pages"

    def owned(self, node_id: int) -> str:
        return f"{self.prefix}owned:{node_id}"

    @property
    def owners(self) -> str:
        return f"{self.prefix}owners"

    @property
    def handoffs(self) -> str:
        return f"{self.prefix}stats:handoffs"

    def checkpoint(self, node_id: int) -> str:
        return f"{self.prefix}mckpt:{node_id}"

    def node(self, node_id: int) -> str:
        return f"{self.prefix}node:{node_id}"

    @property
    def nodes(self) -> str:
        return f"{self.prefix}nodes"

    def incarnation(self, node_id: int) -> str:
        return f"{self.prefix}incarnation:{node_id}"

    def lease(self, node_id: int) -> str:
        return f"{self.prefix}lease:{node_id}"

    @property
    def generation(self) -> str:
        return f"{self.prefix}generation"

    @property
    def rebuilding(self) -> str:
        return f"{self.prefix}rebuilding"

    def lock(self, name: str) -> str:
        return f"{self.prefix}lock:{name}"

    @property
    def lockseq(self) -> str:
        return f"{self.prefix}lockseq"

    def reports(self, kind: str) -> str:
        return f"{self.prefix}{kind}:reports"
