"""Fencing (invariant 6): a compute node paused past its lease (SIGSTOP) loses its
pages to a survivor, whose claim bumps the paused node's stream epoch.  Woken
up (SIGCONT), the zombie gets every append refused, its clients get errors, it
exits and the supervisor restarts it; nothing it did after fencing is visible."""

from __future__ import annotations

import os
import signal
import threading
import time

import psycopg

LEASE_S = 2.0  # compute nodes' default lease


def test_paused_node_is_fenced_and_its_late_commits_refused(cluster):
    with cluster.connect(cluster.node_port(1), autocommit=True) as conn:
        conn.execute("CREATE TABLE z (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")
        conn.execute("INSERT INTO z VALUES (1, 'node1-before')")  # node 1 owns page (z, 0)

    zombie = cluster.process("compute-1")["pid"]
    late = cluster.connect(cluster.node_port(1), autocommit=True)  # a client of the zombie
    os.kill(zombie, signal.SIGSTOP)
    outcome: dict = {}
    try:
        # the zombie's client sends a commit into the paused node; it is answered only after SIGCONT
        def zombie_commit():
            try:
                late.execute("INSERT INTO z VALUES (2, 'zombie-after-fence')")
                outcome["zombie"] = "acknowledged"
            except psycopg.Error as e:
                outcome["zombie"] = f"error {e.sqlstate}"

        t = threading.Thread(target=zombie_commit)
        t.start()
        time.sleep(LEASE_S + 1.0)
        # a survivor takes the page: the lease expired, so its claim fences stream 1
        with cluster.connect(cluster.node_port(2), autocommit=True) as conn:
            conn.execute("INSERT INTO z VALUES (3, 'node2-after-fence')")
    finally:
        os.kill(zombie, signal.SIGCONT)
    t.join(30)
    late.close()
    assert outcome.get("zombie", "").startswith("error"), outcome

    # the zombie exits by itself and the supervisor starts a new incarnation
    cluster.wait_restarted("compute-1", zombie)
    for node in (1, 2):
        with cluster.connect(cluster.node_port(node)) as conn:
            rows = dict(conn.execute("SELECT id, who FROM z").fetchall())
        assert rows == {1: "node1-before", 3: "node2-after-fence"}, (node, rows)
