"""EXPLAIN on a real cluster names the compute node that owns each page a scan reads."""


def test_explain_shows_the_owner_of_each_scanned_page(cluster):
    p1, p2 = cluster.node_port(1), cluster.node_port(2)
    with cluster.connect(p1, autocommit=True) as n1, cluster.connect(p2, autocommit=True) as n2:
        n1.execute("create table ex_t (id int primary key, v text)")
        # ids 0..63 live on page 0 and 64..127 on page 1 (64-key range pages)
        n1.execute("insert into ex_t values " + ", ".join(f"({i}, 'x')" for i in range(64)))
        n2.execute("insert into ex_t values " + ", ".join(f"({i}, 'y')" for i in range(64, 128)))
        plan = [r[0] for r in n2.execute("explain select * from ex_t where id between 10 and 100")]
        pages = [line.strip() for line in plan if line.strip().startswith("Pages:")]
        assert pages == ["Pages: 1 on node 1 (page 0), 1 on node 2 (page 1)"], plan
        point = [r[0] for r in n1.execute("explain select v from ex_t where id = 70")]
        assert any("Index Scan using ex_t_pkey on ex_t" in line for line in point), point
        assert "Pages: 1 on node 2 (page 1)" in [line.strip() for line in point], point
        # EXPLAIN itself moves no page: node 2 still owns page 1
        again = [r[0] for r in n2.execute("explain select * from ex_t where id = 70")]
        assert "Pages: 1 on node 2 (page 1)" in [line.strip() for line in again], again
