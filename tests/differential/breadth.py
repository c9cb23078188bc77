"""The differential grammar, extended to the SQL breadth of issue 4.

``BreadthGrammar`` adds to ``Grammar``:
* schema: secondary indexes on random columns (so the index access paths answer
  the same predicates as full scans do on PostgreSQL) and a view over t0;
* queries (about a third of them): window functions (ranking, offsets, running
  and partitioned aggregates, explicit frames), DISTINCT ON, JOIN ... USING,
  aggregates with FILTER, array_agg (compared as text), WITH RECURSIVE walks
  over a table and counters, and queries over the view.

Every generated window or DISTINCT ON ordering ends with the primary key, so the
result is deterministic on both engines.
"""

from __future__ import annotations

from tests.differential.grammar import SQL_TYPE, Col, Grammar, Query, Table

_RANKING = ["row_number()", "rank()", "dense_rank()", "percent_rank()", "cume_dist()", "ntile(3)"]


class BreadthGrammar(Grammar):
    def schema(self) -> list[str]:
        out = super().schema()
        r = self.rnd
        for t in self.tables:
            for col in r.sample(t.cols[1:], k=min(len(t.cols) - 1, r.randint(0, 2))):
                out.append(f"CREATE INDEX {t.name}_{col.ref}_idx ON {t.name} ({col.ref})")
        t0 = self.tables[0]
        ints = [c for c in t0.cols if c.type == "int" and c.ref != "k"]
        texts = [c for c in t0.cols if c.type == "text"]
        self.view = Table("v0", [Col("k", "int"), Col("vi", "int"), Col("vt", "text")])
        out.append(
            f"CREATE VIEW v0 (k, vi, vt) AS SELECT k, {ints[0].ref} % 7, upper({texts[0].ref}) "
            f"FROM t0 WHERE k % 3 <> 1"
        )
        out.insert(0, "DROP VIEW IF EXISTS v0")
        return out

    def query(self) -> Query:
        r = self.rnd
        c = r.random()
        if c < 0.10:
            return self.window_query()
        if c < 0.14:
            return self.distinct_on()
        if c < 0.18:
            return self.using_join()
        if c < 0.22:
            return self.filtered_aggregates()
        if c < 0.25:
            return self.recursive()
        if c < 0.29:
            return self.view_query()
        return super().query()

    # ---------------------------------------------------------------- helpers
    def _single(self) -> tuple[Table, list[Col]]:
        t = self.rnd.choice(self.tables)
        return t, [Col(f"a0.{c.ref}", c.type) for c in t.cols]

    def _where(self, scope: list[Col]) -> str:
        r = self.rnd
        if r.random() < 0.3:
            return " WHERE " + self.pk_predicate(scope)
        if r.random() < 0.4:
            return " WHERE " + self.expr("bool", scope, 1)
        return ""

    def _partition(self, scope: list[Col]) -> str:
        cols = [c for c in scope if c.type in ("int", "text", "bool") and not c.ref.endswith(".k")]
        if not cols or self.rnd.random() < 0.3:
            return ""
        return f"PARTITION BY {self.rnd.choice(cols).ref} "

    # ---------------------------------------------------------------- window functions
    def window_query(self) -> Query:
        r = self.rnd
        t, scope = self._single()
        k = "a0.k"
        items = [k]
        for _ in range(r.randint(1, 3)):
            part = self._partition(scope)
            desc = r.choice(["", " DESC"])
            c = r.randrange(6)
            if c == 0:
                items.append(f"{r.choice(_RANKING)} OVER ({part}ORDER BY {k}{desc})")
            elif c == 1:
                x = r.choice(scope).ref
                items.append(f"{r.choice(['rank()', 'dense_rank()'])} OVER ({part}ORDER BY {x}{desc})")
            elif c == 2:
                x = r.choice([c.ref for c in scope if c.type in ("int", "text", "num")])
                fn = r.choice([f"lag({x})", f"lead({x})", f"lag({x}, 2)", f"first_value({x})",
                               f"last_value({x})", f"nth_value({x}, 2)"])
                items.append(f"{fn} OVER ({part}ORDER BY {k}{desc})")
            elif c == 3:
                x = self.expr(r.choice(["int", "num"]), scope, 2)
                agg = r.choice(["sum", "count", "min", "max", "avg"])
                items.append(f"{agg}({x}) OVER ({part}ORDER BY {k}{desc})")
            elif c == 4:
                x = self.expr(r.choice(["int", "bigint"]), scope, 2)
                items.append(f"{r.choice(['sum', 'count', 'max'])}({x}) OVER ({part.strip()})")
            else:
                x = r.choice([c.ref for c in scope if c.type in ("int", "num")])
                lo = r.choice(["UNBOUNDED PRECEDING", "1 PRECEDING", "CURRENT ROW"])
                hi = r.choice(["CURRENT ROW", "1 FOLLOWING", "UNBOUNDED FOLLOWING"])
                items.append(f"sum({x}) OVER ({part}ORDER BY {k} ROWS BETWEEN {lo} AND {hi})")
        sql = f"SELECT {', '.join(items)} FROM {t.name} a0{self._where(scope)}"
        if r.random() < 0.5:
            return Query(sql + f" ORDER BY {', '.join(str(i + 1) for i in range(len(items)))}", True)
        return Query(sql, False)

    def distinct_on(self) -> Query:
        r = self.rnd
        t, scope = self._single()
        key = r.choice([c for c in scope if c.type in ("int", "text", "bool") and not c.ref.endswith(".k")])
        other = self.expr(r.choice(["int", "text"]), scope, 2)
        desc = r.choice(["", " DESC"])
        sql = (f"SELECT DISTINCT ON ({key.ref}) {key.ref}, a0.k, {other} FROM {t.name} a0"
               f"{self._where(scope)} ORDER BY {key.ref}, a0.k{desc}")
        return Query(sql, True)

    def using_join(self) -> Query:
        r = self.rnd
        a, b = r.choice(self.tables), r.choice(self.tables)
        kind = r.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
        ca = [Col(f"x.{c.ref}", c.type) for c in a.cols if c.ref != "k"]
        cb = [Col(f"y.{c.ref}", c.type) for c in b.cols if c.ref != "k"]
        items = ["k"] + [self.expr(r.choice(["int", "text"]), ca + cb, 2) for _ in range(r.randint(1, 2))]
        sql = f"SELECT {', '.join(items)} FROM {a.name} x {kind} {b.name} y USING (k)"
        if r.random() < 0.5:
            sql += f" WHERE {self.expr('bool', ca + cb, 2)}"
        return Query(sql, False)

    def filtered_aggregates(self) -> Query:
        r = self.rnd
        t, scope = self._single()
        items = []
        for _ in range(r.randint(1, 3)):
            cond = self.expr("bool", scope, 2)
            x = r.choice([c.ref for c in scope if c.type in ("int", "num", "bigint")])
            agg = r.choice(["count(*)", f"sum({x})", f"max({x})", f"count({x})"])
            items.append(f"{agg} FILTER (WHERE {cond})")
        if r.random() < 0.5:
            x = r.choice([c.ref for c in scope if c.type in ("int", "text")])
            items.append(f"array_agg({x} ORDER BY {x}, a0.k)::text")
        group = [c.ref for c in scope if c.type in ("bool", "int") and not c.ref.endswith(".k")]
        if group and r.random() < 0.6:
            g = r.choice(group)
            return Query(f"SELECT {g}, {', '.join(items)} FROM {t.name} a0 GROUP BY {g}", False)
        return Query(f"SELECT {', '.join(items)} FROM {t.name} a0{self._where(scope)}", False)

    def recursive(self) -> Query:
        r = self.rnd
        if r.random() < 0.4:
            n = r.randint(0, 30)
            step = r.choice(["n + 1", "n + 2", "n * 2"])
            union = r.choice(["UNION ALL", "UNION"])
            sql = (f"WITH RECURSIVE s(n) AS (SELECT 1 {union} SELECT {step} FROM s WHERE n < {n}) "
                   f"SELECT n, count(*) OVER () FROM s")
            return Query(sql, False)
        t = r.choice(self.tables)
        start = r.randint(-5, 20)
        hop = r.randint(1, 4)
        union = r.choice(["UNION ALL", "UNION"])
        text = next(c.ref for c in t.cols if c.type == "text")
        sql = (f"WITH RECURSIVE w(k, depth, path) AS ("
               f"SELECT k, 0, {text} FROM {t.name} WHERE k >= {start} AND k < {start + 3} "
               f"{union} SELECT t.k, w.depth + 1, w.path || '/' || coalesce(t.{text}, '?') "
               f"FROM {t.name} t JOIN w ON t.k > w.k AND t.k <= w.k + {hop} WHERE w.depth < 3) "
               f"SELECT k, depth, path FROM w")
        return Query(sql, False)

    def view_query(self) -> Query:
        r = self.rnd
        scope = [Col(f"v.{c.ref}", c.type) for c in self.view.cols]
        items = [self.expr(r.choice(["int", "text"]), scope, 1) for _ in range(r.randint(1, 3))]
        sql = f"SELECT {', '.join(items)} FROM v0 v"
        if r.random() < 0.5:
            sql += f" WHERE {self.expr('bool', scope, 1)}"
        if r.random() < 0.3:
            t = self.tables[0]
            sql = (f"SELECT v.k, v.vi, a.{t.cols[1].ref} FROM v0 v JOIN {t.name} a ON a.k = v.k"
                   f" WHERE v.vi IS NOT NULL")
        return Query(sql, False)


__all__ = ["BreadthGrammar", "SQL_TYPE"]
