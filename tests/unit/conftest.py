"""Shared by the unit tests: one real redis-server per session on a free
loopback port (tests that use it empty it first)."""

from __future__ import annotations

import socket

import pytest

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
