"""SELECT ... FOR UPDATE across compute nodes: a second transaction's FOR UPDATE
of the same row (on the other node) waits until the first commits, then reads
the committed new version (Read Committed).  A view made on one node is used
on the other (catalog data).

The first transaction writes before the second starts waiting: a waiter keeps
the row's page pinned on its node (compute.txn.lock_row), so a later write of
the holder would need that page back and end in 40P01."""

from __future__ import annotations

import threading
import time


def _wait_for_lock(conn, sql: str, result: dict) -> threading.Thread:
    def run() -> None:
        try:
            result["row"] = conn.execute(sql).fetchone()
            result["at"] = time.monotonic()
        except Exception as e:  # reported by the main thread
            result["error"] = repr(e)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_for_update_on_one_node_waits_for_the_other_nodes_commit(cluster):
    p1, p2 = cluster.node_port(1), cluster.node_port(2)
    with cluster.connect(p1, autocommit=True) as setup:
        setup.execute("create table acct (id int primary key, bal int not null)")
        setup.execute("insert into acct values (1, 100), (2, 200)")
        setup.execute("create view rich as select id, bal from acct where bal >= 150")
    with cluster.connect(p1) as n1, cluster.connect(p2) as n2:
        # 1. node 1 locks and changes row 1; node 2's FOR UPDATE waits, then sees 150
        assert n1.execute("select bal from acct where id = 1 for update").fetchone() == (100,)
        n1.execute("update acct set bal = 150 where id = 1")
        result: dict = {}
        t = _wait_for_lock(n2, "select bal from acct where id = 1 for update", result)
        time.sleep(1.5)
        assert t.is_alive(), f"FOR UPDATE on node 2 did not wait: {result}"
        committed = time.monotonic()
        n1.commit()
        t.join(timeout=60)
        assert not t.is_alive() and "error" not in result, result
        assert result["row"] == (150,) and result["at"] >= committed

        # 2. node 2 now holds row 1 by FOR UPDATE alone: node 1's FOR SHARE waits for it
        result = {}
        t = _wait_for_lock(n1, "select bal from acct where id = 1 for share", result)
        time.sleep(1.5)
        assert t.is_alive(), f"FOR SHARE on node 1 did not wait: {result}"
        committed = time.monotonic()
        n2.commit()
        t.join(timeout=60)
        assert not t.is_alive() and "error" not in result, result
        assert result["row"] == (150,) and result["at"] >= committed
        n1.commit()

        # 3. the view, created through node 1, read on node 2
        assert n2.execute("select id from rich order by id").fetchall() == [(1,), (2,)]
        n2.commit()
