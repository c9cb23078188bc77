"""Global buffer on Redis: the newest known image of each page (memory checkpoint).

Owns: the ``{p}buf:{table}:{bucket}`` hashes (``v`` version, ``img`` bytes,
``by`` the incarnation that pushed it) and
the ``{p}mckpt:{node}`` memory-checkpoint LSNs.
Invariant: a stored version never goes backwards; ``put`` compares and writes in
one Lua script (``scripts/buffer_put.lua``), so concurrent pushes of the same
page keep the newer image.  The buffer is only a cache (invariant 7): a missing
image means "read the page from storage".
"""

from __future__ import annotations

from typing import Sequence

import redis

from memory_layer.api import PageId
from memory_layer.client import unavailable_on_error
from memory_layer.keys import Keys
from memory_layer.scripts import load

_SET_CHECKPOINT = """
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
"""


class RedisGlobalBuffer:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._r = client
        self._keys = keys
        self._put = client.register_script(load("buffer_put"))
        self._set_checkpoint = client.register_script(_SET_CHECKPOINT)

    def put(self, page_id: PageId, version: int, image: bytes, pusher: int = 0) -> None:
        self.put_if_newer(page_id, version, image, pusher)

    def put_if_newer(self, page_id: PageId, version: int, image: bytes, pusher: int = 0) -> bool:
        """Like ``put``; True if the image was stored (an equal version only
        records the new pusher and answers False)."""
        with unavailable_on_error():
            return self._put(keys=[self._keys.buf(page_id)], args=[version, image, pusher]) == 1

    def checkpoint(
        self, node_id: int, incarnation: int, images: Sequence[tuple[PageId, int, bytes]], lsn: int
    ) -> None:
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=False)
            for page_id, version, image in images:
                self._put(keys=[self._keys.buf(page_id)], args=[version, image, incarnation], client=pipe)
            pipe.execute()
            # Only after every image is stored: the record never claims more than
            # the buffer holds.
            self._set_checkpoint(keys=[self._keys.checkpoint(node_id)], args=[incarnation, lsn])

    def checkpoint_lsn(self, node_id: int, incarnation: int) -> int:
        with unavailable_on_error():
            value = self._r.hget(self._keys.checkpoint(node_id), incarnation)
        return int(value) if value is not None else 0

    def get_with_pusher(self, page_id: PageId) -> tuple[int, bytes, int] | None:
        with unavailable_on_error():
            version, image, by = self._r.hmget(self._keys.buf(page_id), "v", "img", "by")
        if version is None or image is None:
            return None
        return int(version), image, int(by or 0)

    def get_many_with_pusher(
        self, page_ids: Sequence[PageId]
    ) -> dict[PageId, tuple[int, bytes, int] | None]:
        """``get_with_pusher`` of many pages in one round trip (recovery workers)."""
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=False)
            for page_id in page_ids:
                pipe.hmget(self._keys.buf(page_id), "v", "img", "by")
            replies = pipe.execute()
        return {pid: (int(v), img, int(by or 0)) if v is not None and img is not None else None
                for pid, (v, img, by) in zip(page_ids, replies, strict=True)}

    def put_many(self, images: Sequence[tuple[PageId, int, bytes]], pusher: int) -> None:
        """``put`` of many images in one round trip (newer wins, page by page)."""
        if not images:
            return
        with unavailable_on_error():
            pipe = self._r.pipeline(transaction=False)
            for page_id, version, image in images:
                self._put(keys=[self._keys.buf(page_id)], args=[version, image, pusher], client=pipe)
            pipe.execute()

    def get(self, page_id: PageId) -> tuple[int, bytes] | None:
        with unavailable_on_error():
            version, image = self._r.hmget(self._keys.buf(page_id), "v", "img")
        if version is None or image is None:
            return None
        return int(version), image
