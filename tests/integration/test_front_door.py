"""Acceptance 1 (issue 2): the README's two set-up commands work as written.

The quickstart command runs for real in a copy of the project (its own fresh
virtualenv, its own cluster on a free port); the test command is the one this
suite is running under, so here we check the README, `.ci/run` and the script
agree on it.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

from tests.integration.cluster import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^    (bash \S+)$", text, flags=re.M)


def test_readme_shows_exactly_the_two_commands():
    assert _readme_commands() == ["bash deploy/quickstart.sh", "bash deploy/test.sh"]
    assert "exec bash deploy/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_quickstart_in_a_fresh_copy(tmp_path):
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    copy = tmp_path / "strata"
    for rel in tracked.stdout.splitlines():
        src = ROOT / rel
        if src.is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, copy / rel)
    port = free_port()
    env = {**os.environ, "STRATA_PORT": str(port), "STRATA_NODES": "2"}
    env.pop("VIRTUAL_ENV", None)
    try:
        out = subprocess.run(
            ["bash", "deploy/quickstart.sh"], cwd=copy, env=env, capture_output=True, text=True,
            timeout=900, stdin=subprocess.DEVNULL,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        dsn = f"postgresql://strata@127.0.0.1:{port}/strata"
        assert dsn in out.stdout
        psql = subprocess.run(["psql", "-X", "-A", "-t", dsn, "-c", "SELECT 1 + 1"],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert psql.stdout.strip() == "2", psql.stderr
    finally:
        subprocess.run([str(copy / ".venv/bin/strata"), "down", "--data-dir", str(copy / "data")],
                       cwd=copy, capture_output=True, timeout=120)
