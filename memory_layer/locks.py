"""Global locks with leases and fencing tokens (``GlobalLocks`` in api.py).

Owns ``{p}lock:{name}`` ("token:holder", PX = lease) and ``{p}lockseq``.
A lock expires with its lease unless renewed; a holder that was paused past
its lease finds ``renew`` refused and must stop acting on the lock's behalf.
The token is the fencing token: it grows with every acquisition (never below
the server clock in µs), so a resource that remembers the highest token it
saw can refuse a stale holder.  Used for recovery ownership (one survivor
recovers each failed incarnation) and DDL.
"""

from __future__ import annotations

import redis

from memory_layer.client import unavailable_on_error
from memory_layer.keys import Keys
from memory_layer.scripts import load


class RedisLocks:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys
        self._acquire = client.register_script(load("lock_acquire"))
        self._renew = client.register_script(load("lock_renew"))

    def acquire(self, name: str, holder: str, lease_ms: int) -> int | None:
        with unavailable_on_error():
            token = self._acquire(keys=[self._keys.lock(name), self._keys.lockseq],
                                  args=[holder, lease_ms])
        return int(token) if token else None

    def renew(self, name: str, token: int, lease_ms: int) -> bool:
        if lease_ms <= 0:
            raise ValueError("lease_ms must be positive")
        with unavailable_on_error():
            return self._renew(keys=[self._keys.lock(name)], args=[token, lease_ms]) == 1

    def release(self, name: str, token: int) -> bool:
        with unavailable_on_error():
            return self._renew(keys=[self._keys.lock(name)], args=[token, 0]) == 1

    def holder(self, name: str) -> tuple[int, str] | None:
        with unavailable_on_error():
            v = self._r.get(self._keys.lock(name))
        if v is None:
            return None
        token, _, holder = v.decode().partition(":")
        return int(token), holder
