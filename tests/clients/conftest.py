"""A real cluster (``strata up``: Redis, storage, two compute nodes, router)
for the client suites; one per module, since starting one takes seconds."""

from __future__ import annotations

import pytest

from tests.integration.cluster import Cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("clients"), nodes=2)
    c.up()
    try:
        yield c
    finally:
        c.down()
