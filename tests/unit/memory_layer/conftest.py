"""The memory layer over the shared real redis-server (tests/unit/conftest.py),
emptied (FLUSHALL) before every test."""

from __future__ import annotations

import pytest

from memory_layer.layer import MemoryLayer


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
