"""Foreign keys across compute nodes: the parent row is written on node 1 and the
child on node 2; the check reads (and locks) the parent through node 2's
TxnContext, so a missing parent is 23503 there and a referenced parent cannot be
deleted from node 1.  Constraints made by ALTER TABLE on one node hold on the other."""

import threading
import time

import psycopg
import pytest


def test_fk_check_across_nodes(cluster):
    p1, p2 = cluster.node_port(1), cluster.node_port(2)
    with cluster.connect(p1, autocommit=True) as n1, cluster.connect(p2, autocommit=True) as n2:
        n1.execute("create table fk_p (id int primary key, name text)")
        n1.execute("create table fk_c (id int primary key, p_id int references fk_p on delete cascade, "
                   "qty int check (qty > 0))")
        n1.execute("insert into fk_p values (1, 'one'), (2, 'two')")

        n2.execute("insert into fk_c values (10, 1, 5), (11, 2, 1)")
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as info:
            n2.execute("insert into fk_c values (12, 3, 1)")
        assert info.value.sqlstate == "23503"
        assert info.value.diag.message_detail == 'Key (p_id)=(3) is not present in table "fk_p".'
        with pytest.raises(psycopg.errors.CheckViolation):
            n2.execute("insert into fk_c values (13, 1, 0)")

        # a parent row that node 2 inserted in its open transaction is visible to its own check
        with n2.transaction():
            n2.execute("insert into fk_p values (3, 'three')")
            n2.execute("insert into fk_c values (12, 3, 1)")

        # cascade from node 1 deletes the child rows node 2 wrote
        n1.execute("delete from fk_p where id = 1")
        assert n2.execute("select id from fk_c order by id").fetchall() == [(11,), (12,)]

        # ALTER TABLE on node 2 is enforced on node 1
        n2.execute("alter table fk_p add constraint fk_p_name check (name <> '')")
        with pytest.raises(psycopg.errors.CheckViolation):
            n1.execute("insert into fk_p values (4, '')")
        n2.execute("alter table fk_c add column note text default 'n'")
        assert n1.execute("select id, note from fk_c order by id").fetchall() == [(11, "n"), (12, "n")]
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            n1.execute("drop table fk_p")

        # RENAME TO keeps the rows (same table id) and the references follow it
        n1.execute("alter table fk_p rename to fk_parent")
        assert n2.execute("select id from fk_parent order by id").fetchall() == [(2,), (3,)]
        n2.execute("delete from fk_parent where id = 2")  # ON DELETE CASCADE still applies
        assert n1.execute("select id, p_id from fk_c").fetchall() == [(12, 3)]
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            n1.execute("insert into fk_c values (13, 2, 1)")
        n1.execute("drop table fk_c")
        n1.execute("drop table fk_parent")


def test_parent_row_is_locked_by_the_child_insert(cluster):
    """Node 2 inserts a child in an open transaction; node 1's DELETE of the parent
    waits for that transaction and then finds the child (23503)."""
    p1, p2 = cluster.node_port(1), cluster.node_port(2)
    with cluster.connect(p1, autocommit=True) as n1, cluster.connect(p2) as n2:
        n1.execute("create table lk_p (id int primary key)")
        n1.execute("create table lk_c (id int primary key, p_id int references lk_p)")
        n1.execute("insert into lk_p values (1)")
        n2.execute("insert into lk_c values (1, 1)")  # transaction left open: lk_p row 1 locked
        outcome: list = []

        def delete_parent():
            with cluster.connect(p1, autocommit=True) as n1b:
                try:
                    n1b.execute("delete from lk_p where id = 1")
                    outcome.append("deleted")
                except psycopg.Error as e:
                    outcome.append(e.sqlstate)

        worker = threading.Thread(target=delete_parent)
        worker.start()
        time.sleep(1.0)
        assert outcome == []  # waiting for node 2's transaction
        n2.commit()
        worker.join(60)
        assert outcome == ["23503"]
        assert n1.execute("select count(*) from lk_p").fetchone() == (1,)
