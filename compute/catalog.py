"""The catalog as data, and each node's cached read copy of it.

The catalog is one page, ``(CATALOG_TABLE_ID, 0)``, changed by transactions like
any other page (so DDL is logged, durable and recovered the same way).  Rows:
``(table_name,) -> (table_name, TableDef JSON)`` and one counter row for table
ids.  Statements read the catalog from a node-local cache built from a *read
copy* of that page:

* a node that owns the page builds the cache from its own committed image;
* any other node registers as a reader in the directory and fetches a copy from
  the owner (peer ``read_copy``) or, with no live owner, from storage;
* a DDL transaction owns the page (normal acquisition) and, before it writes,
  tells every registered reader to drop its copy (peer ``invalidate``), so the
  next statement on any node sees the new catalog.

A generation counter makes a load that raced with an invalidation retry.
"""

from __future__ import annotations

import json

import trio

from compute.peer import PeerError, PeerUnreachable
from sql import oids
from sql.api import ColumnDef, SqlType, TableDef
from storage.page_format import CATALOG_TABLE_ID, Page, decode_page

CATALOG_PID = (CATALOG_TABLE_ID, 0)
NEXT_ID_KEY = ("\x00next_table_id",)
FIRST_TABLE_ID = 1000
_TEXT = SqlType("text", oids.TEXT)
CATALOG_DEF = TableDef(
    "strata_catalog", CATALOG_TABLE_ID,
    (ColumnDef("key", _TEXT, True), ColumnDef("value", _TEXT, True)), (0,),
)


def table_row(table: TableDef) -> tuple:
    return (table.name, json.dumps(table.to_json()))


def tables_of(page: Page) -> dict[str, TableDef]:
    out = {}
    for key, row in page.rows.items():
        if key != NEXT_ID_KEY:
            out[key[0]] = TableDef.from_json(json.loads(row[1]))
    return out


class CatalogCache:
    def __init__(self, node) -> None:
        self.node = node
        self._tables: dict[str, TableDef] | None = None
        self._generation = 0
        self._loading: trio.Event | None = None

    def invalidate(self) -> None:
        self._generation += 1
        self._tables = None

    async def tables(self) -> dict[str, TableDef]:
        while self._tables is None:
            if self._loading is not None:
                await self._loading.wait()
                continue
            self._loading = trio.Event()
            try:
                gen = self._generation
                tables = await self._load()
                if gen == self._generation:
                    self._tables = tables
            finally:
                self._loading.set()
                self._loading = None
        return self._tables

    async def _load(self) -> dict[str, TableDef]:
        node = self.node
        op = node.pages.owned.get(CATALOG_PID)
        if op is not None and not op.leaving:
            return tables_of(op.page)
        entry = await node.bridge.call(node.ml.directory.add_reader, CATALOG_PID, node.node_id)
        owner = entry.owner
        if owner is not None and owner != node.node_id:
            addr = await node.peer_address(owner)
            if addr is not None:
                try:
                    _, blob = await node.peers.call(
                        addr, {"op": "read_copy", "pid": list(CATALOG_PID)})
                    return tables_of(decode_page(blob))
                except (PeerUnreachable, PeerError):
                    pass  # owner gone or busy: storage has every committed version
        if owner == node.node_id:
            # We own it per the directory but have not loaded it (after a restart).
            await node.pages._acquire_once(CATALOG_PID, None, only_if_mine=True)
            op = node.pages.owned.get(CATALOG_PID)
            if op is not None:
                return tables_of(op.page)
        img = await node.pages._storage(node.storage.get_page, CATALOG_PID, entry.version, True, 10.0)
        return tables_of(decode_page(img.data))

    async def invalidate_readers(self) -> None:
        """Called by a DDL transaction that owns the catalog page, before it writes."""
        node = self.node
        entry = await node.bridge.call(node.ml.directory.lookup, CATALOG_PID)
        readers = set(entry.readers) - {node.node_id} if entry else set()
        for reader in readers:
            addr = await node.peer_address(reader)
            if addr is not None:
                try:
                    await node.peers.call(addr, {"op": "invalidate", "pid": list(CATALOG_PID)})
                except PeerUnreachable:
                    pass  # a dead reader restarts with an empty cache
            await node.bridge.call(node.ml.directory.remove_reader, CATALOG_PID, reader)
