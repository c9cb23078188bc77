"""DDL against concurrent writers (compute/ddl_fence.py): a transaction that wrote
under a table definition a DDL replaced meanwhile cannot commit (40001), so no
acknowledged row misses an index entry or is left behind by a table rewrite."""

import psycopg
import pytest


def _writer_then_ddl(cluster, writer_port, ddl_port, ddl_sql, value) -> bool:
    """True when the writer's row was committed (then the DDL was refused)."""
    with cluster.connect(writer_port) as a, cluster.connect(ddl_port, autocommit=True) as b:
        a.execute("insert into fence_t values (%s, 'dup')", (value,))  # open transaction
        try:
            b.execute(ddl_sql)
        except psycopg.errors.DeadlockDetected:
            # across nodes the DDL may need the page the open writer holds: one of
            # the two must give way, here the DDL
            a.commit()
            return True
        with pytest.raises(psycopg.errors.SerializationFailure):
            a.commit()
        return False


def test_writers_do_not_commit_under_a_replaced_definition(cluster):
    p1, p2 = cluster.node_port(1), cluster.node_port(2)
    with cluster.connect(p1, autocommit=True) as c:
        c.execute("create table fence_t (id int primary key, v text)")
        c.execute("insert into fence_t values (1, 'dup'), (2, 'other')")
    dups = [1]
    # same node: the index is built while the writer's row is not yet committed
    assert not _writer_then_ddl(cluster, p1, p1, "create index fence_v_idx on fence_t (v)", 10)
    # other node: either the writer gets 40001 or the DDL gives way (40P01)
    if _writer_then_ddl(cluster, p2, p1, "create index fence_v2_idx on fence_t (v, id)", 11):
        dups.append(11)
    # a rewrite (ADD COLUMN) would otherwise leave the writer's row in the old table
    assert not _writer_then_ddl(cluster, p1, p1, "alter table fence_t add column n int default 7", 12)
    with cluster.connect(p2, autocommit=True) as c:
        c.execute("insert into fence_t values (13, 'dup')")  # after the DDL: maintained
        by_index = c.execute("select id from fence_t where v = 'dup' order by id").fetchall()
        by_scan = c.execute("select id from fence_t where v || '' = 'dup' order by id").fetchall()
        assert by_index == by_scan == [(i,) for i in dups + [13]]
        assert c.execute("select id, n from fence_t order by id").fetchall() == sorted(
            [(i, 7) for i in dups + [2, 13]])
        plan = [r[0] for r in c.execute("explain select id from fence_t where v = 'dup'")]
        assert any("fence_v" in line and "Index Scan" in line for line in plan), plan
