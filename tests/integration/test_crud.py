"""Acceptance 2 (issue 2): CRUD of 10,000 rows through the router, checked
against a Python model of the table, with psycopg and with psql."""

from __future__ import annotations

import random
import subprocess
from decimal import Decimal

N_ROWS = 10_000
BATCH = 500


def _model_rows(rng: random.Random) -> dict[int, tuple]:
    return {
        k: (k, f"name-{k}", Decimal(rng.randrange(0, 10**6)) / 100, rng.random() < 0.5)
        for k in range(1, N_ROWS + 1)
    }


def _fetch(conn, sql, params=()):
    return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def test_crud_matches_model(cluster):
    rng = random.Random(2)
    model = _model_rows(rng)
    with cluster.connect(autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL,"
            " price NUMERIC(10,2), flag BOOLEAN DEFAULT false)"
        )
        keys = sorted(model)
        for i in range(0, N_ROWS, BATCH):
            chunk = keys[i:i + BATCH]
            values = ",".join(
                f"({k}, '{model[k][1]}', {model[k][2]}, {'true' if model[k][3] else 'false'})" for k in chunk
            )
            cur = conn.execute(f"INSERT INTO items (id, name, price, flag) VALUES {values}")
            assert cur.rowcount == len(chunk)

        # by key
        for k in rng.sample(keys, 200):
            assert _fetch(conn, "SELECT id, name, price, flag FROM items WHERE id = %s", (k,)) == [model[k]]
        assert _fetch(conn, "SELECT * FROM items WHERE id = %s", (N_ROWS + 7,)) == []
        # by range
        for _ in range(20):
            lo = rng.randrange(1, N_ROWS)
            hi = lo + rng.randrange(0, 700)
            got = _fetch(conn, "SELECT id, name, price, flag FROM items WHERE id BETWEEN %s AND %s ORDER BY id",
                         (lo, hi))
            assert got == [model[k] for k in keys if lo <= k <= hi]
        # in full
        assert _fetch(conn, "SELECT id, name, price, flag FROM items ORDER BY id") == [model[k] for k in keys]
        assert _fetch(conn, "SELECT count(*), sum(id) FROM items") == [(N_ROWS, sum(keys))]

        # update some
        upd = rng.sample(keys, 300)
        for k in upd[:200]:
            conn.execute("UPDATE items SET price = price + 1, name = %s WHERE id = %s", (f"upd-{k}", k))
            model[k] = (k, f"upd-{k}", model[k][2] + 1, model[k][3])
        cur = conn.execute("UPDATE items SET flag = NOT flag WHERE id > 9900")
        assert cur.rowcount == 100
        for k in range(9901, N_ROWS + 1):
            model[k] = model[k][:3] + (not model[k][3],)
        # delete some
        dele = rng.sample(keys, 250)
        for k in dele[:150]:
            assert conn.execute("DELETE FROM items WHERE id = %s", (k,)).rowcount == 1
            del model[k]
        cur = conn.execute("DELETE FROM items WHERE id >= 5000 AND id < 5100")
        expected = sum(1 for k in range(5000, 5100) if k in model)
        assert cur.rowcount == expected
        for k in range(5000, 5100):
            model.pop(k, None)

        assert _fetch(conn, "SELECT id, name, price, flag FROM items ORDER BY id") == [
            model[k] for k in sorted(model)
        ]
        assert _fetch(conn, "SELECT id, name FROM items WHERE id < 300 ORDER BY id DESC LIMIT 5 OFFSET 2") == [
            model[k][:2] for k in sorted((k for k in model if k < 300), reverse=True)[2:7]
        ]


def test_psql_through_router(cluster):
    def psql(sql: str) -> str:
        out = subprocess.run(
            ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", cluster.dsn(), "-c", sql],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    psql("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)")
    psql("INSERT INTO kv VALUES ('a', 1), ('b', 2), ('c', 3)")
    psql("UPDATE kv SET v = v * 10 WHERE k = 'b'")
    psql("DELETE FROM kv WHERE k = 'c'")
    assert psql("SELECT k, v FROM kv ORDER BY k") == "a|1\nb|20\n"
    assert psql("SELECT count(*) FROM kv") == "2\n"
