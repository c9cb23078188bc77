"""The catalog is data in a page changed by transactions (issue 4, acceptance 3):
DDL on one node is seen by the next statement on another, and survives the
kill -9 of the node that made it."""

import time

import psycopg


def test_table_made_on_node_1_is_used_on_node_2_and_survives_node_1(cluster):
    p1, p2 = cluster.node_port(1), cluster.node_port(2)
    with cluster.connect(p1, autocommit=True) as n1, cluster.connect(p2, autocommit=True) as n2:
        n1.execute("create table cat_t (id int primary key, v text not null)")
        # The very next statement, on the other node: no wait, no retry.
        n2.execute("insert into cat_t values (1, 'one'), (2, 'two')")
        assert n1.execute("select v from cat_t order by id").fetchall() == [("one",), ("two",)]
    old = cluster.kill9("compute-1")
    cluster.wait_restarted("compute-1", old)
    deadline = time.monotonic() + 30
    while True:
        try:
            with cluster.connect(cluster.node_port(2), autocommit=True) as n2:
                rows = n2.execute("select id, v from cat_t order by id").fetchall()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert rows == [(1, "one"), (2, "two")]
    with cluster.connect(cluster.node_port(1), autocommit=True) as n1:
        assert n1.execute("select count(*) from cat_t").fetchone() == (2,)
        n1.execute("drop table cat_t")
    with cluster.connect(cluster.node_port(2), autocommit=True) as n2:
        try:
            n2.execute("select * from cat_t")
            raise AssertionError("dropped table still visible on node 2")
        except psycopg.errors.UndefinedTable:
            pass
