"""Membership and leases on Redis (invariant 6).

Owns: ``{p}node:*``, ``{p}nodes``, ``{p}incarnation:*`` and ``{p}lease:*``.

* ``register`` hands out a new incarnation (INCR of a counter that deregister
  never deletes, so incarnations of a node id only grow) and a lease (a key
  holding the incarnation, with PX = lease_ms).
* A node is live while its lease key exists and holds its current incarnation.
* The first ``register`` into an empty Redis (a new cluster, or a memory layer
  that lost its keys) sets a new ``generation``.  A node that may own pages
  from before (``rebuild_ms`` > 0: rejoining after a loss, or restarting with a
  log stream that shows an earlier life) opens the rebuild window
  (``{p}rebuilding``, ending ``rebuild_ms`` after the generation began): claims
  are refused meanwhile, and live nodes re-register and report the pages they
  own (directory.restore_many).
* ``heartbeat`` renews the lease of the current incarnation only.  It returns
  False once a newer incarnation registered, after deregister, or when the
  lease already expired: an expired incarnation stays dead and must register
  again (its pages are claimable by others in the meantime).  A node must also
  count itself dead when no heartbeat succeeded within lease_ms of its start,
  even before it hears False (e.g. while the server is unreachable).
"""

from __future__ import annotations

import uuid

import redis

from memory_layer.api import NodeInfo
from memory_layer.client import unavailable_on_error
from memory_layer.keys import Keys
from memory_layer.scripts import load


class RedisMembership:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys
        self._register = client.register_script(load("register"))
        self._heartbeat = client.register_script(load("heartbeat"))
        self._deregister = client.register_script(load("deregister"))
        self._members = client.register_script(load("members"))

    def register(self, node_id: int, host: str, pg_port: int, peer_port: int, lease_ms: int,
                 rebuild_ms: int = 0, stream_epoch: int = 0) -> int:
        k = self._keys
        keys = [k.incarnation(node_id), k.node(node_id), k.nodes, k.lease(node_id),
                k.generation, k.rebuilding]
        args = [node_id, host, pg_port, peer_port, lease_ms, uuid.uuid4().hex, rebuild_ms,
                stream_epoch]
        with unavailable_on_error():
            inc, _generation = self._register(keys=keys, args=args)
        return int(inc)

    def generation(self) -> str | None:
        with unavailable_on_error():
            gen = self._r.get(self._keys.generation)
        return gen.decode() if gen is not None else None

    def rebuilding(self) -> bool:
        with unavailable_on_error():
            return bool(self._r.exists(self._keys.rebuilding))

    def heartbeat(self, node_id: int, incarnation: int, lease_ms: int) -> bool:
        keys = [self._keys.node(node_id), self._keys.lease(node_id)]
        with unavailable_on_error():
            return self._heartbeat(keys=keys, args=[incarnation, lease_ms]) == 1

    def deregister(self, node_id: int, incarnation: int) -> None:
        keys = [self._keys.node(node_id), self._keys.nodes, self._keys.lease(node_id)]
        with unavailable_on_error():
            self._deregister(keys=keys, args=[node_id, incarnation])

    def members(self) -> dict[int, NodeInfo]:
        with unavailable_on_error():
            rows = self._members(keys=[], args=[self._keys.prefix])
        out = {}
        for node, inc, host, pg_port, peer_port, live, stream_epoch in rows:
            info = NodeInfo(
                node_id=int(node),
                incarnation=int(inc),
                host=host.decode(),
                pg_port=int(pg_port),
                peer_port=int(peer_port),
                live=live == 1,
                stream_epoch=int(stream_epoch),
            )
            out[info.node_id] = info
        return out
