"""deploy.cluster: spec building, cluster.json round trip, port allocation."""

from __future__ import annotations

import socket

import pytest

from deploy import cluster


def spec(tmp_path, nodes=3):
    ports = list(range(7000, 7000 + 2 + 2 * nodes))
    return cluster.build_spec(tmp_path, nodes, 6432, ports, "/py", "/bin/redis-server")


def test_standard_spec_has_processes_in_tier_order(tmp_path):
    s = spec(tmp_path)
    assert [p.name for p in s.processes] == ["redis", "storage", "compute-1", "compute-2",
                                             "compute-3", "router"]
    assert [p.tier for p in s.processes] == sorted(p.tier for p in s.processes)
    assert s.process("redis").ready == "redis"
    assert "--save" in s.process("redis").argv
    c2 = s.process("compute-2")
    assert (c2.node_id, c2.port, c2.peer_port) == (2, 7004, 7005)
    assert c2.argv[:4] == ["/py", "-u", "-m", "compute"]
    assert "redis://127.0.0.1:7000/0" in c2.argv and "127.0.0.1:7001" in c2.argv
    router = s.process("router")
    assert router.port == 6432
    assert router.argv[-1] == "127.0.0.1:7002,127.0.0.1:7004,127.0.0.1:7006"
    assert s.client_check == "sql"


def test_spec_rejects_bad_shapes(tmp_path):
    with pytest.raises(ValueError):
        cluster.build_spec(tmp_path, 0, 6432, [1, 2], "/py", "r")
    with pytest.raises(ValueError):
        cluster.build_spec(tmp_path, 2, 6432, [1, 2, 3], "/py", "r")


def test_cluster_json_round_trip(tmp_path):
    s = spec(tmp_path)
    cluster.write_spec(s)
    assert cluster.read_spec(tmp_path) == s
    assert cluster.read_spec(tmp_path / "nowhere") is None


def test_unknown_spec_version_is_refused(tmp_path):
    data = cluster.spec_to_json(spec(tmp_path))
    data["version"] = 99
    with pytest.raises(ValueError, match="version"):
        cluster.spec_from_json(data)


def test_layout(tmp_path):
    s = spec(tmp_path, nodes=2)
    names = {p.relative_to(tmp_path).as_posix() for p in cluster.data_dirs(s)}
    assert names == {"logs", "redis", "storage", "node-1", "node-2"}
    assert cluster.log_file(tmp_path, "router") == tmp_path / "logs" / "router.log"
    assert cluster.dsn(6432) == "postgresql://strata@127.0.0.1:6432/strata"


def test_allocate_ports_are_distinct_free_and_avoid():
    first = cluster.allocate_ports(5)
    ports = cluster.allocate_ports(8, avoid=set(first[:1]))
    assert len(set(ports)) == 8 and first[0] not in ports
    assert all(cluster.port_is_free(p) for p in ports)


def test_port_is_free_and_accepts():
    with socket.socket() as s:
        s.bind((cluster.HOST, 0))
        s.listen()
        port = s.getsockname()[1]
        assert not cluster.port_is_free(port)
        assert cluster.port_accepts(cluster.HOST, port)
    assert cluster.port_is_free(port)
