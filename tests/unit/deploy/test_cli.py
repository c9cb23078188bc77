"""deploy.cli in-process: messages and exit codes without starting anything."""

from __future__ import annotations

from deploy import cli, cluster
from tests.unit.deploy.fake_cluster import fake_spec


def test_down_without_a_cluster_is_fine(tmp_path, capsys):
    assert cli.main(["down", "--data-dir", str(tmp_path)]) == 0
    assert "no cluster is running" in capsys.readouterr().out


def test_status_without_a_cluster_is_one_line_error(tmp_path, capsys):
    assert cli.main(["status", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("strata status: no cluster in") and err.count("\n") == 1


def test_status_of_a_stopped_cluster(tmp_path, capsys):
    cluster.write_spec(fake_spec(tmp_path))
    assert cli.main(["status", "--data-dir", str(tmp_path), "--json"]) == 0
    import json
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "down" and report["supervisor_pid"] is None
    assert not any(p["alive"] for p in report["processes"])


def test_existing_spec_fixes_nodes_and_port(tmp_path, capsys):
    cluster.write_spec(fake_spec(tmp_path, nodes=2))
    assert cli.main(["up", "--data-dir", str(tmp_path), "--nodes", "5"]) == 1
    assert "holds a cluster of 2 compute nodes" in capsys.readouterr().err
    assert cli.main(["up", "--data-dir", str(tmp_path), "--port", "1"]) == 1
    assert "holds a cluster on port" in capsys.readouterr().err


def test_bad_nodes_is_usage_error(tmp_path, capsys):
    assert cli.main(["up", "--data-dir", str(tmp_path / "new"), "--nodes", "0"]) == 2
    assert "--nodes must be at least 1" in capsys.readouterr().err


def test_drill_and_stop_without_a_cluster_are_one_line_errors(tmp_path, capsys):
    for argv in (["drill", "kill", "--nodes", "1"], ["drill", "memory"],
                 ["drill", "soak", "--cycles", "1"], ["stop", "compute-1"]):
        assert cli.main([*argv, "--data-dir", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert "no cluster is running on" in err and "strata up" in err, argv
        assert err.count("\n") == 1 and "Traceback" not in err


def test_drill_nodes_must_be_ids(tmp_path, capsys):
    assert cli.main(["drill", "kill", "--nodes", "x", "--data-dir", str(tmp_path)]) == 2
    assert "expected ids like 1,2" in capsys.readouterr().err


def test_lease_ms_goes_to_every_compute_node(tmp_path):
    spec = cluster.build_spec(tmp_path, 2, 6432, list(range(7000, 7006)), "python",
                              "redis-server", lease_ms=750)
    for proc in spec.by_kind("compute"):
        assert proc.argv[proc.argv.index("--lease-ms") + 1] == "750"
    cluster.write_spec(spec)
    again = cluster.read_spec(tmp_path)
    assert again.lease_ms == 750
    assert again.redis_url() == "redis://127.0.0.1:7000/0"


def test_lease_ms_is_fixed_once_dir_exists(tmp_path, capsys):
    spec = fake_spec(tmp_path)
    cluster.write_spec(spec)
    assert cli.main(["up", "--data-dir", str(tmp_path), "--lease-ms", "500"]) == 1
    assert "--lease-ms 2000" in capsys.readouterr().err
