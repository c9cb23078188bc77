"""INSERT ... ON CONFLICT DO UPDATE racing from two compute nodes on the same
keys through psycopg: every acknowledged upsert is in the final value, and no
23505 escapes (the loser of the insert race takes the update path)."""

from __future__ import annotations

import threading
import time

import psycopg

DURATION_S = 6.0
RETRYABLE = {"40001", "40P01"}
KEYS = 3


def _upserts(cluster, port: int, node: int, stop: threading.Event, result: dict) -> None:
    acked = {k: 0 for k in range(KEYS)}
    email_acked = returned = retried = 0
    i = 0
    with cluster.connect(port, autocommit=True) as conn:
        while not stop.is_set():
            i += 1
            k = i % KEYS
            try:
                row = conn.execute(
                    "INSERT INTO counters VALUES (%s, 1) "
                    "ON CONFLICT (k) DO UPDATE SET n = counters.n + excluded.n RETURNING k, n",
                    (k,),
                ).fetchone()
                acked[k] += 1
                returned += row is not None and row[0] == k and row[1] >= 1
                conn.execute(
                    "INSERT INTO emails VALUES (%s, 'same@x', 1) "
                    "ON CONFLICT (email) DO UPDATE SET hits = emails.hits + 1",
                    (node * 1_000_000 + i,),
                )
                email_acked += 1
            except psycopg.Error as e:
                if e.sqlstate not in RETRYABLE:
                    result["error"] = f"{e.sqlstate}: {e}"
                    return
                retried += 1
    result.update(acked=acked, email_acked=email_acked, returned=returned, retried=retried)


def test_upserts_from_two_nodes_on_the_same_keys(cluster):
    with cluster.connect(autocommit=True) as conn:
        conn.execute("CREATE TABLE counters (k INT PRIMARY KEY, n BIGINT NOT NULL)")
        conn.execute("CREATE TABLE emails (id BIGINT PRIMARY KEY, email TEXT, hits INT NOT NULL)")
        conn.execute("CREATE UNIQUE INDEX emails_email ON emails (email)")

    stop = threading.Event()
    results: list[dict] = [{}, {}]
    threads = [
        threading.Thread(target=_upserts, args=(cluster, cluster.node_port(n), n, stop, results[n - 1]))
        for n in (1, 2)
    ]
    for t in threads:
        t.start()
    time.sleep(DURATION_S)
    stop.set()
    for t in threads:
        t.join(60)
    for r in results:
        assert "error" not in r, r
        assert sum(r["acked"].values()) > 0, results
        assert r["returned"] == sum(r["acked"].values()), r

    expected = {k: results[0]["acked"][k] + results[1]["acked"][k] for k in range(KEYS)}
    hits = results[0]["email_acked"] + results[1]["email_acked"]
    for port in (cluster.node_port(1), cluster.node_port(2)):
        with cluster.connect(port, autocommit=True) as conn:
            rows = conn.execute("SELECT k, n FROM counters ORDER BY k").fetchall()
            assert dict(rows) == {k: n for k, n in expected.items() if n}, (rows, expected)
            emails = conn.execute("SELECT email, hits FROM emails").fetchall()
            assert emails == [("same@x", hits)], (emails, hits)
