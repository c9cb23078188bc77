from tests.integration.conftest import cluster  # noqa: F401  (a real cluster per test)
