import pytest

from memory_layer.api import MemoryLayerUnavailable
from memory_layer.layer import MemoryLayer
from memory_layer.redis_server import find_redis_server, start_redis, stop_redis
from tests.unit.conftest import free_port


def test_find_redis_server_returns_an_executable():
    assert find_redis_server()


def test_calls_fail_with_unavailable_once_the_server_stopped(tmp_path):
    port = free_port()
    proc = start_redis(port, tmp_path / "data", tmp_path / "redis.log")
    ml = MemoryLayer(f"redis://127.0.0.1:{port}/0")
    try:
        inc = ml.membership.register(1, "h", 1, 2, 10_000)
        assert ml.directory.claim((1, 1), 1, inc).granted
        assert ml.ping()
        stop_redis(proc)
        calls = [
            ml.ping,
            lambda: ml.directory.claim((1, 1), 1, inc),
            lambda: ml.directory.transfer((1, 1), 1, inc, 1, 2, 1),
            lambda: ml.directory.lookup((1, 1)),
            ml.directory.all_entries,
            ml.directory.page_counts,
            lambda: ml.buffer.put((1, 1), 1, b"x"),
            lambda: ml.buffer.get((1, 1)),
            lambda: ml.membership.heartbeat(1, inc, 1000),
            ml.membership.members,
        ]
        for call in calls:
            with pytest.raises(MemoryLayerUnavailable):
                call()
    finally:
        stop_redis(proc)
        ml.close()


def test_start_redis_reports_a_failure_with_the_log(tmp_path):
    with pytest.raises(RuntimeError, match="redis-server"):
        start_redis(-1, tmp_path / "data", tmp_path / "redis.log", timeout_s=2)
