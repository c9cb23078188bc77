"""Connecting to the memory layer's Redis server, and mapping its failures.

Owns: client settings (timeouts, no automatic retry, bytes replies) and the
translation of redis-py connection errors into ``MemoryLayerUnavailable``.

Retries are off on purpose: ``claim`` and ``transfer`` are not idempotent (a
retried transfer that had in fact succeeded would come back as StaleEpoch), so
the caller decides whether and how to retry after MemoryLayerUnavailable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from memory_layer.api import MemoryLayerUnavailable

SOCKET_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 1.0


def connect(
    url: str,
    socket_timeout_s: float = SOCKET_TIMEOUT_S,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> redis.Redis:
    """A thread-safe client (connection pool) for ``redis://host:port/db``."""
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        retry_on_timeout=False,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
    )


@contextlib.contextmanager
def unavailable_on_error() -> Iterator[None]:
    """Turn a lost or slow server into MemoryLayerUnavailable."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        raise MemoryLayerUnavailable(f"memory layer unreachable: {exc}") from exc
    except redis.ResponseError as exc:
        if str(exc).startswith(("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN")):
            raise MemoryLayerUnavailable(f"memory layer not serving: {exc}") from exc
        raise
