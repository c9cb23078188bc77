"""One handle on the memory layer: directory, global buffer, membership,
global locks and reports sharing one Redis connection pool.

Owns: the client's lifetime (``close``) and the key prefix, so several clusters
(or tests) can share a Redis server under different prefixes.
"""

from __future__ import annotations

from memory_layer.buffer import RedisGlobalBuffer
from memory_layer.client import connect, unavailable_on_error
from memory_layer.directory import RedisDirectory
from memory_layer.keys import DEFAULT_PREFIX, Keys
from memory_layer.locks import RedisLocks
from memory_layer.membership import RedisMembership
from memory_layer.reports import RedisReports


class MemoryLayer:
    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX) -> None:
        self.url = url
        self.keys = Keys(prefix)
        self.client = connect(url)
        self.directory = RedisDirectory(self.client, self.keys)
        self.buffer = RedisGlobalBuffer(self.client, self.keys)
        self.membership = RedisMembership(self.client, self.keys)
        self.locks = RedisLocks(self.client, self.keys)
        self.reports = RedisReports(self.client, self.keys)

    def ping(self) -> bool:
        """True if the server answers; raises MemoryLayerUnavailable otherwise."""
        with unavailable_on_error():
            return bool(self.client.ping())

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> MemoryLayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
