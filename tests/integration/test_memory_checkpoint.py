"""Memory checkpoints (issue 3, first part): a node pushes the images of the
pages it changed to the global buffer in Redis and records the LSN of its
stream they cover."""

from __future__ import annotations

import time

from storage.page_format import decode_page


def test_changed_pages_reach_the_global_buffer(cluster):
    with cluster.connect(cluster.node_port(1), autocommit=True) as conn:
        conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, v TEXT)")
        conn.execute("INSERT INTO m VALUES " + ",".join(f"({i}, 'v{i}')" for i in range(200)))
        conn.execute("UPDATE m SET v = 'changed' WHERE id = 7")
        table_id = None
    r = cluster.redis()
    deadline = time.monotonic() + 20
    rows: dict = {}
    while time.monotonic() < deadline:
        rows = {}
        for key in r.scan_iter(match="strata:buf:*"):
            page = decode_page(r.hget(key, "img"))
            if page.page_id[0] != 1:  # not the catalog
                table_id = page.page_id[0]
                rows.update(page.rows)
        if len(rows) == 200 and rows.get((7,)) == (7, "changed"):
            break
        time.sleep(0.2)
    assert table_id is not None and len(rows) == 200, len(rows)
    assert rows[(7,)] == (7, "changed") and rows[(8,)] == (8, "v8")
    incarnation = int(r.hget("strata:node:1", "incarnation"))
    assert int(r.hget("strata:mckpt:1", incarnation)) >= 3  # CREATE TABLE, INSERT, UPDATE: 3 records
