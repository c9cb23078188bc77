"""Imports go one way (DESIGN.md): router, compute -> sql, memory_layer, storage;
deploy -> everything; storage and memory_layer import no other project package;
sql imports none."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = {"sql", "compute", "memory_layer", "storage", "router", "deploy"}
ALLOWED = {
    "storage": set(),
    "memory_layer": set(),
    "sql": set(),
    "compute": {"sql", "memory_layer", "storage"},
    "router": {"sql", "memory_layer", "storage"},
    "deploy": PACKAGES - {"deploy"},
}


def imported_packages(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PACKAGES


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_imports_follow_the_layering(package):
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"package {package} has no modules"
    bad = []
    for f in files:
        for imp in imported_packages(f) - {package} - ALLOWED[package]:
            bad.append(f"{f.relative_to(ROOT)} imports {imp}")
    assert not bad, "\n".join(bad)


def test_checker_sees_a_violation(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("from compute.node import Node\nimport sql.types\n")
    assert imported_packages(f) == {"compute", "sql"}
