import pytest

from tests.integration.cluster import Cluster


@pytest.fixture
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"), nodes=2)
    c.up()
    try:
        yield c
    finally:
        c.down()
