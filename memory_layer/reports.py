"""Reports nodes leave in the memory layer for operators (``Reports`` in api.py).

Owns ``{p}{kind}:reports``: a list of JSON documents, newest last, capped at
``KEEP``.  Kinds: ``recovery`` (a survivor recovered a failed incarnation's
pages: detection, fencing, directory and redo times) and ``rebuild`` (a node
re-registered and reported its pages after the memory layer lost its keys).
``strata drill`` reads them; they are informational and lost with Redis.
"""

from __future__ import annotations

import json

import redis

from memory_layer.client import unavailable_on_error
from memory_layer.keys import Keys

KEEP = 1000


class RedisReports:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys

    def push(self, kind: str, report: dict) -> None:
        key = self._keys.reports(kind)
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=True)
            pipe.rpush(key, json.dumps(report, sort_keys=True))
            pipe.ltrim(key, -KEEP, -1)
            pipe.execute()

    def read(self, kind: str) -> list[dict]:
        with unavailable_on_error():
            rows = self._r.lrange(self._keys.reports(kind), 0, -1)
        return [json.loads(r) for r in rows]
