"""DDL from several nodes at once queues on the cluster-wide DDL lock (a global
lock in the memory layer) instead of failing with deadlocks."""

import threading

import psycopg


def test_concurrent_ddl_from_two_nodes_all_succeeds(cluster):
    errors: list[str] = []

    def create(node: int) -> None:
        dsn = f"host=127.0.0.1 port={cluster.node_port(node)} user=strata dbname=strata"
        with psycopg.connect(dsn, autocommit=True) as conn:
            for i in range(8):
                try:
                    conn.execute(f"create table ddl_{node}_{i} (id int primary key, v text)")
                    conn.execute(f"insert into ddl_{node}_{i} values (1, 'x')")
                except psycopg.Error as e:
                    errors.append(f"node {node}: {e.sqlstate} {e}")

    threads = [threading.Thread(target=create, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with cluster.connect() as conn:
        for node in (1, 2):
            for i in range(8):
                assert conn.execute(f"select v from ddl_{node}_{i}").fetchall() == [("x",)]
    # The lock was released by every commit: nobody holds it now.
    assert cluster.redis().get("strata:lock:ddl") is None
