"""Acceptance 4 (issue 2): kill -9 a compute node, then the storage node, in the
middle of a stream of acknowledged commits.  With no manual step, every
acknowledged transaction is there and no unacknowledged one is half there.

Redis too (invariant 7, the memory layer is a cache of truth): it comes back
empty, the nodes re-register as new incarnations and load pages from storage.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

PAIR_OFFSET = 1_000_000


def _writer(cluster, port: int, stop: threading.Event, acked: list[int], errors: list[str]) -> None:
    """Each transaction inserts rows i and i + PAIR_OFFSET; ``acked`` gets i once COMMIT returned."""
    i = 0
    conn = None
    while not stop.is_set():
        try:
            if conn is None:
                conn = cluster.connect(port, autocommit=True)
            i += 1
            with conn.transaction():
                conn.execute("INSERT INTO pairs VALUES (%s, %s)", (i, f"a{i}"))
                conn.execute("INSERT INTO pairs VALUES (%s, %s)", (i + PAIR_OFFSET, f"b{i}"))
            acked.append(i)
        except psycopg.Error as e:
            errors.append(f"{getattr(e, 'sqlstate', None)}: {e}")
            if conn is not None and conn.closed:
                conn = None
            time.sleep(0.05)
    if conn is not None:
        conn.close()


def _check(cluster, port: int, acked: list[int]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with cluster.connect(port) as conn:
                rows = dict(conn.execute("SELECT id, v FROM pairs").fetchall())
            break
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    missing = [i for i in acked if rows.get(i) != f"a{i}" or rows.get(i + PAIR_OFFSET) != f"b{i}"]
    assert not missing, f"{len(missing)} acknowledged transactions lost, e.g. {missing[:5]}"
    halves = [i for i in rows if i < PAIR_OFFSET and (i + PAIR_OFFSET) not in rows]
    halves += [i - PAIR_OFFSET for i in rows if i >= PAIR_OFFSET and (i - PAIR_OFFSET) not in rows]
    assert not halves, f"half-present transactions: {halves[:5]}"


@pytest.mark.parametrize("victim", ["compute-1", "storage", "redis"])
def test_kill9_loses_no_acknowledged_commit(cluster, victim):
    with cluster.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE pairs (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    port = cluster.node_port(1)
    stop = threading.Event()
    acked: list[int] = []
    errors: list[str] = []
    t = threading.Thread(target=_writer, args=(cluster, port, stop, acked, errors))
    t.start()
    try:
        deadline = time.monotonic() + 30
        while len(acked) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acked) >= 100, errors[-5:]
        old = cluster.kill9(victim)
        at_kill = len(acked)
        cluster.wait_restarted(victim, old)
        # the stream of commits resumes on the restarted cluster without a manual step
        deadline = time.monotonic() + 60
        while len(acked) < at_kill + 50 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(acked) >= at_kill + 50, f"commits did not resume: {errors[-5:]}"
    finally:
        stop.set()
        t.join(60)
    _check(cluster, cluster.node_port(2), acked)
    _check(cluster, cluster.node_port(1), acked)
    print(f"{len(acked)} acknowledged, {len(errors)} client errors around the kill")
