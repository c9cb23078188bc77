"""Differential test: random tables and queries on a Strata cluster and on PostgreSQL 15.

The seed is printed (``-s`` shows it; it is also in the failure message);
``STRATA_DIFF_SEED`` replays a run, ``STRATA_DIFF_QUERIES`` changes its length
(default 2,000).  Every difference fails the test unless INTENDED.md lists it.
Reproduce a failure quickly with
``python -m tests.differential.run --seed N [--in-process]``.
"""

from __future__ import annotations

import os
import random

import pytest

from tests.differential.engines import PsycopgEngine
from tests.differential.pg15 import Postgres15, find_bindir
from tests.differential.run import run
from tests.integration.cluster import Cluster


@pytest.fixture(scope="module")
def postgres():
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL 15 server not installed (deploy/bootstrap.sh test installs postgresql-15)")
    pg = Postgres15(bindir).start()
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def strata(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("diffcluster"), nodes=1)
    c.up()
    try:
        yield c
    finally:
        c.down()


def test_differential(postgres, strata):
    seed = int(os.environ.get("STRATA_DIFF_SEED") or random.SystemRandom().randrange(2**31))
    queries = int(os.environ.get("STRATA_DIFF_QUERIES") or 2000)
    print(f"\ndifferential seed {seed} (STRATA_DIFF_SEED={seed} replays it)")
    st, pg = PsycopgEngine(strata.dsn()), PsycopgEngine(postgres.dsn())
    try:
        report = run(seed, queries, st, pg)
    finally:
        st.close()
        pg.close()
    print(report.summary())
    for reason, n in report.intended.items():
        print(f"intended ({n}): {reason[:100]}")
    assert report.queries >= queries
    if report.differences:
        shown = "\n".join(d.show() for d in report.differences[:30])
        pytest.fail(f"{report.summary()}\nreplay: STRATA_DIFF_SEED={seed}\n{shown}", pytrace=False)
