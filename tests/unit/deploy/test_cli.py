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
