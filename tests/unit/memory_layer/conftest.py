"""A real redis-server for the memory-layer tests: one per session on a free
loopback port, emptied (FLUSHALL) before every test."""

from __future__ import annotations

import socket

import pytest

from memory_layer.layer import MemoryLayer
from memory_layer.redis_server import start_redis, stop_redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = start_redis(port, tmp / "data", tmp / "redis.log")
    yield f"redis://127.0.0.1:{port}/0"
    stop_redis(proc)


@pytest.fixture
def layer(redis_url):
    ml = MemoryLayer(redis_url)
    ml.client.flushall()
    yield ml
    ml.close()


@pytest.fixture
def register(layer):
    """register(node_id, lease_ms=10_000) -> incarnation."""

    def _register(node_id: int, lease_ms: int = 10_000) -> int:
        return layer.membership.register(node_id, "127.0.0.1", 5432, 7000 + node_id, lease_ms)

    return _register
