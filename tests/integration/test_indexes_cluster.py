"""Secondary indexes on a real cluster: an index made on one compute node is
used and enforced on the other, a unique index holds between concurrent
transactions on different nodes (the second waits on the entry's row lock, then
sees the first's committed entry), and entries survive the kill -9 of the node
that wrote them."""

import threading
import time

import psycopg
import pytest


def _retry_connect(cluster, node: int, deadline_s: float = 30):
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return cluster.connect(cluster.node_port(node), autocommit=True)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_unique_index_across_nodes_and_after_kill9(cluster):
    with cluster.connect(cluster.node_port(1), autocommit=True) as n1, \
            cluster.connect(cluster.node_port(2), autocommit=True) as n2:
        n1.execute("create table ix_t (id int primary key, email text, grp int)")
        n1.execute("insert into ix_t values (1, 'a@x', 1), (2, 'b@x', 1), (3, null, 2)")
        n1.execute("create unique index ix_t_email on ix_t (email)")
        n1.execute("create index ix_t_grp on ix_t (grp)")
        # the other node: the index is used and enforced by the very next statement
        with pytest.raises(psycopg.errors.UniqueViolation) as info:
            n2.execute("insert into ix_t values (4, 'a@x', 3)")
        assert 'unique constraint "ix_t_email"' in str(info.value)
        n2.execute("insert into ix_t values (5, 'c@x', 2), (6, null, 2)")
        assert n2.execute("select id from ix_t where email = 'c@x'").fetchall() == [(5,)]
        assert n1.execute("select id from ix_t where grp = 2 order by id").fetchall() == [(3,), (5,), (6,)]
        n1.execute("update ix_t set email = 'z@x' where id = 1")
        n2.execute("insert into ix_t values (7, 'a@x', 1)")  # freed by the update

        # concurrent inserts of one value on two nodes: the second waits, then fails
        n1.execute("begin")
        n1.execute("insert into ix_t values (8, 'race@x', 1)")
        outcome = {}

        def other():
            with cluster.connect(cluster.node_port(2), autocommit=True) as c:
                try:
                    c.execute("insert into ix_t values (9, 'race@x', 1)")
                    outcome["result"] = "inserted"
                except psycopg.Error as e:
                    outcome["result"] = e.sqlstate

        t = threading.Thread(target=other)
        t.start()
        time.sleep(1.0)
        assert "result" not in outcome  # blocked on the entry's row lock
        n1.execute("commit")
        t.join(30)
        assert outcome.get("result") == "23505"

    old = cluster.kill9("compute-1")
    cluster.wait_restarted("compute-1", old)
    with _retry_connect(cluster, 2) as n2:
        assert n2.execute("select id from ix_t where email = 'race@x'").fetchall() == [(8,)]
        assert n2.execute("select id from ix_t where grp = 1 order by id").fetchall() == [(1,), (2,), (7,), (8,)]
        with pytest.raises(psycopg.errors.UniqueViolation):
            n2.execute("insert into ix_t values (10, 'race@x', 1)")
    with _retry_connect(cluster, 1) as n1:
        n1.execute("drop index ix_t_email")
        n1.execute("insert into ix_t values (10, 'race@x', 1)")
        assert n1.execute("select count(*) from ix_t where email = 'race@x'").fetchone() == (2,)
