"""Planning the FROM clause: sources, predicate pushdown and join order.

Sources are tables (with an access path from ``sql.access``), CTEs and
subqueries in FROM.  For a FROM of only comma joins, CROSS JOINs and INNER
JOINs, the WHERE and ON conditions form one pool of conjuncts:

* a conjunct that reads one source is pushed into that source (a filter on its
  scan, and the conjunct may pick its access path: pk get or range);
* an equality whose sides read disjoint sources becomes a hash-join key;
* anything else (several sources, subqueries) is applied as soon as every
  source it reads has been joined, or after all joins.

Join order is greedy, left-deep: start with the source with the most selective
pushed filter (an equality with a constant beats any filter beats none), then
repeatedly add a source connected to the joined set by an equality (else by
any condition, else a cross join), preferring selective ones.

With an outer join (LEFT/RIGHT/FULL) the joins keep their written order; ON
conditions are the join conditions (equalities become hash keys) and the WHERE
is applied after all joins.  USING and NATURAL become ON conditions plus merged
columns appended to each row (sql.joinusing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlglot import exp

from . import joinusing, locking, oids
from . import types as T
from .access import choose, conjuncts
from .api import SqlType
from .errors import DATATYPE_MISMATCH, FEATURE_NOT_SUPPORTED, SYNTAX_ERROR, SqlError
from .expr import Compiler
from .joins import HashJoin, NestedLoopJoin
from .physical import Filter, Operator, Project, TableScan
from .scope import Level, Scope
from .values_list import plan_values


@dataclass
class Source:
    index: int
    alias: str
    columns: list[tuple[str, SqlType]]
    table: Any = None  # TableDef for a base table
    op: Operator | None = None  # planned operator for a CTE or subquery
    pushed: list[exp.Expression] = field(default_factory=list)
    func: bool = False  # a function in FROM (generate_series)


@dataclass
class Pred:
    node: exp.Expression
    sources: frozenset[int]
    post: bool = False  # has a subquery or could not be attributed: apply after all joins
    sides: tuple[frozenset[int], frozenset[int]] | None = None  # sources of each side of an equality


class FromPlanner:
    def __init__(self, ctx: Any, outer: Scope | None, level: Level) -> None:
        self.ctx, self.outer, self.level = ctx, outer, level
        self._on: dict[int, exp.Expression | None] = {}
        self.lock: set[str] = set()
        """Aliases whose rows SELECT ... FOR UPDATE locks (sql.locking)."""
        self.lock_named = False

    # -- sources
    def source(self, index: int, node: exp.Expression) -> Source:
        alias_node = node.args.get("alias")
        alias = alias_node.name if alias_node is not None and alias_node.name else None
        renames = [c.name for c in alias_node.columns] if alias_node is not None and alias_node.columns else []
        if isinstance(node, exp.Table) and isinstance(node.this, (exp.Func, exp.Anonymous)):
            op, cols = self.ctx.table_function(node, Scope(None, [], parent=self.outer, level=self.level))
            src = Source(index, alias or cols[0][0], list(cols), op=op, func=True)
        elif isinstance(node, exp.Table):
            cte = self.ctx.cte(node.name, self.level) if not node.db else None
            if cte is not None:
                op, cols = cte
                src = Source(index, alias or node.name, list(cols), op=op)
            else:
                table = self.ctx.table(node)
                if table.is_view:
                    op, cols = self.ctx.view(table)
                    src = Source(index, alias or table.name, list(cols), op=op)
                else:
                    src = Source(index, alias or table.name, [(c.name, c.type) for c in table.columns],
                                 table=table)
        elif isinstance(node, exp.Subquery):
            if alias is None:
                raise SqlError(SYNTAX_ERROR, "subquery in FROM must have an alias")
            op, cols = self.ctx.plan_query(node.this, None)
            src = Source(index, alias, list(cols), op=op)
        elif isinstance(node, exp.Values) and alias is not None:  # (VALUES ...) AS t(cols)
            op, cols = plan_values(node, self.ctx, self.outer, self.level)
            src = Source(index, alias, list(cols), op=op)
        else:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported FROM item: {node.sql('postgres')}")
        if renames:
            if len(renames) > len(src.columns):
                raise SqlError(
                    "42P10", f'table "{src.alias}" has {len(src.columns)} columns available but {len(renames)} columns specified'
                )
            src.columns = [(renames[i] if i < len(renames) else n, t) for i, (n, t) in enumerate(src.columns)]
        return src

    def scope_of(self, sources: list[Source]) -> Scope:
        cols: list[tuple[str, SqlType]] = []
        quals: list[str | None] = []
        for s in sources:
            cols.extend(s.columns)
            quals.extend([s.alias] * len(s.columns))
        table = sources[0].alias if len(sources) == 1 else None
        return Scope(table, cols, qualifiers=quals, parent=self.outer, level=self.level)

    def compiler(self, scope: Scope) -> Compiler:
        return Compiler(scope, self.ctx.params, planner=self.ctx)

    def leaf(self, src: Source) -> Operator:
        """The source's operator with its pushed conjuncts applied."""
        scope = self.scope_of([src])
        where = _and(src.pushed)
        pred = require_bool(self.compiler(scope), where) if where is not None else None
        if src.table is not None:
            path = choose(where, src.table, self.ctx.params, src.alias)
            locked = src.alias in self.lock
            op: Operator = TableScan(src.table, path, locked, pred if locked else None)
            self.ctx.scans.append(op)
        else:
            assert src.op is not None
            if src.alias in self.lock and (self.lock_named or not src.func):
                raise SqlError(FEATURE_NOT_SUPPORTED, "FOR UPDATE of a derived table, view or CTE is not supported")
            op = src.op
        if pred is not None:
            op = Filter(op, pred)
        return op

    # -- predicates
    def attribute(self, node: exp.Expression, scope: Scope, sources: list[Source]) -> Pred:
        if any(isinstance(n, (exp.Subquery, exp.Exists, exp.Query)) for n in node.walk()):
            return Pred(node, frozenset(), post=True)
        starts, pos = [], 0
        for s in sources:
            starts.append(pos)
            pos += len(s.columns)
        found: set[int] = set()
        for col in node.find_all(exp.Column):
            try:
                depth, i, _ = scope.resolve(col.name, col.table or None)
            except SqlError:
                return Pred(node, frozenset(), post=True)
            if depth == 0:
                found.add(max(k for k, st in enumerate(starts) if st <= i))
        return Pred(node, frozenset(sources[k].index for k in found))

    # -- entry
    def plan(self, node: exp.Select, where: list[exp.Expression]) -> tuple[Operator, Scope, list[exp.Expression]]:
        from_ = node.args["from_"]
        joins = node.args.get("joins") or []
        items = [from_.this] + [j.this for j in joins]
        sources = [self.source(i, n) for i, n in enumerate(items)]
        seen: set[str] = set()
        for s in sources:
            if s.alias in seen:
                raise SqlError("42712", f'table name "{s.alias}" specified more than once')
            seen.add(s.alias)
        _check_on_visibility(sources, joins)
        if node.args.get("locks"):
            self.lock, self.lock_named = locking.locked_aliases(node, [s.alias for s in sources])
            _check_nullable(sources, joins, self.lock)
        using = joinusing.resolve(sources, joins)
        self._on = using.on if using is not None else {}
        if using is not None:
            where = [using.rewrite(t) for t in where]
        if any(j.side for j in joins):
            op, scope, rest = self.plan_ordered(sources, joins, where)
        else:
            pool = list(where)
            for j in joins:
                pool.extend(conjuncts(self.on_of(j)))
            op, scope, rest = self.plan_inner(sources, pool)
        if using is not None:
            op, scope = self._merge(op, scope, using, sources)
        return op, scope, rest

    def on_of(self, j: exp.Join) -> exp.Expression | None:
        return self._on.get(id(j), j.args.get("on")) if self._on else j.args.get("on")

    def _merge(self, op: Operator, scope: Scope, using: joinusing.Using, sources: list[Source]
               ) -> tuple[Operator, Scope]:
        """Append the merged USING/NATURAL columns to each row; the scope hides the
        source columns they replace from unqualified names and orders ``*``."""
        compiler = self.compiler(scope)
        merged = [(e.name, compiler.compile(e.node)) for e in using.entries if e.merged]
        fns = [c.fn for _, c in merged]
        width = len(scope.columns)

        def extend(row: tuple, p: Any) -> tuple:
            return row + tuple([f(row, p) for f in fns])

        op = Project(op, [extend], flat=True, width=width + len(fns))
        columns = scope.columns + [(n, c.type) for n, c in merged]
        quals = scope.qualifiers + [joinusing.MERGED] * len(merged)
        hidden = frozenset(i for i, (n, _) in enumerate(scope.columns) if (quals[i], n) in using.consumed)
        star, k = [], width
        for e in using.entries:
            if e.merged:
                star.append(k)
                k += 1
            else:
                assert isinstance(e.node, exp.Column)
                star.append(next(i for i, (n, _) in enumerate(scope.columns)
                                 if n == e.name and quals[i] == e.node.table))
        table = sources[0].alias if len(sources) == 1 else None
        return op, Scope(table, columns, qualifiers=quals, parent=self.outer, level=self.level,
                         hidden=hidden, star=star)

    def plan_inner(
        self, sources: list[Source], pool: list[exp.Expression]
    ) -> tuple[Operator, Scope, list[exp.Expression]]:
        full = self.scope_of(sources)
        preds = [self.attribute(n, full, sources) for n in pool]
        post = [p.node for p in preds if p.post or not p.sources]
        multi = [p for p in preds if not p.post and len(p.sources) > 1]
        for p in preds:
            if not p.post and len(p.sources) == 1:
                sources[next(iter(p.sources))].pushed.append(p.node)
        for p in multi:
            if isinstance(p.node, exp.EQ):
                p.sides = tuple(self.attribute(side, full, sources).sources
                                for side in (p.node.this, p.node.expression))
        rank = {s.index: _selectivity(s) for s in sources}
        remaining = {s.index: s for s in sources}
        first = min(remaining.values(), key=lambda s: (rank[s.index], s.index))
        del remaining[first.index]
        joined = [first]
        done = {first.index}
        op = self.leaf(first)
        pending = list(multi)
        while remaining:
            nxt = self._next(remaining, done, pending, rank)
            del remaining[nxt.index]
            ready = [p for p in pending if p.sources <= done | {nxt.index}]
            pending = [p for p in pending if not p.sources <= done | {nxt.index}]
            op = self._join(op, joined, nxt, ready)
            joined.append(nxt)
            done.add(nxt.index)
        if [s.index for s in joined] != [s.index for s in sources]:
            op = _reorder(op, joined, sources)
        return op, self.scope_of(sources), post

    def _next(self, remaining: dict[int, Source], done: set[int], pending: list[Pred], rank: dict) -> Source:
        equi: set[int] = set()
        other: set[int] = set()
        for p in pending:
            missing = p.sources - done
            if len(missing) == 1:
                (equi if p.sides is not None else other).update(missing)
        for cands in (equi, other, set(remaining)):
            if cands:
                return min((remaining[i] for i in cands), key=lambda s: (rank[s.index], s.index))
        raise AssertionError("no source left to join")

    def _join(self, op: Operator, joined: list[Source], nxt: Source, ready: list[Pred]) -> Operator:
        left_ids = {s.index for s in joined}
        lkeys, rkeys, rest = [], [], []
        left_scope = right_scope = None
        for p in ready:
            keys = None
            if p.sides is not None:
                left_scope = left_scope or self.scope_of(joined)
                right_scope = right_scope or self.scope_of([nxt])
                keys = self._equi_keys(p.node, p.sides, left_ids, nxt.index, left_scope, right_scope)
            if keys is None:
                rest.append(p.node)
            else:
                lkeys.append(keys[0])
                rkeys.append(keys[1])
        residual = None
        if rest:
            residual = require_bool(self.compiler(self.scope_of([*joined, nxt])), _and(rest))
        right = self.leaf(nxt)
        if lkeys:
            return HashJoin(op, right, lkeys, rkeys, "inner", residual)
        return NestedLoopJoin(op, right, "inner", residual)

    def _equi_keys(self, node: exp.Expression, sides: tuple, left_ids: set[int], right_id: int,
                   left_scope: Scope, right_scope: Scope):
        """(left key fn, right key fn) when ``node`` is an equality of a joined-side
        expression and a new-source expression of comparable types, else None."""
        a, b = node.this, node.expression
        if sides[0] and sides[0] <= left_ids and sides[1] == {right_id}:
            pass
        elif sides[1] and sides[1] <= left_ids and sides[0] == {right_id}:
            a, b = b, a
        else:
            return None
        ca = self.compiler(left_scope).compile(a)
        cb = self.compiler(right_scope).compile(b)
        if not T.comparable(ca.oid, cb.oid):
            return None
        return ca.fn, cb.fn

    def plan_ordered(
        self, sources: list[Source], joins: list[exp.Join], where: list[exp.Expression]
    ) -> tuple[Operator, Scope, list[exp.Expression]]:
        """Written order.  A comma starts a new chain of joins (``a, b RIGHT JOIN c``
        is ``a x (b RIGHT JOIN c)``); the chains are then crossed, left to right."""
        chains: list[tuple[list[Source], list[exp.Join]]] = [([sources[0]], [])]
        for src, j in zip(sources[1:], joins, strict=True):
            if _is_comma(j):
                chains.append(([src], []))
            else:
                chains[-1][0].append(src)
                chains[-1][1].append(j)
        op = self._plan_chain(*chains[0])
        for chain in chains[1:]:
            op = NestedLoopJoin(op, self._plan_chain(*chain), "inner", None)
        return op, self.scope_of(sources), list(where)

    def _plan_chain(self, sources: list[Source], joins: list[exp.Join]) -> Operator:
        op = self.leaf(sources[0])
        joined = [sources[0]]
        for src, j in zip(sources[1:], joins, strict=True):
            side = (j.side or "").lower()
            kind = side if side in ("left", "right", "full") else "inner"
            on = self.on_of(j)
            if on is None and kind != "inner":
                raise SqlError(SYNTAX_ERROR, f"syntax error at or near \"{j.this.sql('postgres')}\"")
            left_scope, right_scope = self.scope_of(joined), self.scope_of([src])
            combined = self.scope_of([*joined, src])
            lkeys, rkeys, rest = [], [], []
            ids = {s.index for s in joined}
            for c in conjuncts(on):
                keys = None
                pred = self.attribute(c, combined, [*joined, src])
                if isinstance(c, exp.EQ) and not pred.post:
                    sides = tuple(self.attribute(side, combined, [*joined, src]).sources
                                  for side in (c.this, c.expression))
                    keys = self._equi_keys(c, sides, ids, src.index, left_scope, right_scope)
                if keys is None:
                    rest.append(c)
                else:
                    lkeys.append(keys[0])
                    rkeys.append(keys[1])
            residual = require_bool(self.compiler(combined), _and(rest)) if rest else None
            right = self.leaf(src)
            if lkeys:
                op = HashJoin(op, right, lkeys, rkeys, kind, residual)
            else:
                op = NestedLoopJoin(op, right, kind, residual)
            joined.append(src)
        return op


def _check_nullable(sources: list[Source], joins: list[exp.Join], lock: set[str]) -> None:
    """FOR UPDATE cannot lock the NULL-extended side of an outer join."""
    chain = [sources[0]]
    for src, j in zip(sources[1:], joins, strict=True):
        if _is_comma(j):
            chain = [src]
            continue
        side = (j.side or "").lower()
        nullable = ([src] if side in ("left", "full") else []) + (chain if side in ("right", "full") else [])
        if any(s.alias in lock for s in nullable):
            raise SqlError(FEATURE_NOT_SUPPORTED, "FOR UPDATE cannot be applied to the nullable side of an outer join")
        chain.append(src)


def _is_comma(j: exp.Join) -> bool:
    return not any(v is not None for k, v in j.args.items() if k != "this")


def _check_on_visibility(sources: list[Source], joins: list[exp.Join]) -> None:
    """``FROM a, b JOIN c ON ...``: a comma binds looser than JOIN, so the ON sees b
    and c but not a (42P01, as PostgreSQL).  The join itself is planned left-deep,
    which gives the same rows for any condition that passes this check."""
    start = 0
    for i, j in enumerate(joins, start=1):
        if _is_comma(j):
            start = i
            continue
        on = j.args.get("on")
        if on is None:
            continue
        hidden = {s.alias for s in sources[:start]} - {s.alias for s in sources[start:i + 1]}
        for col in on.find_all(exp.Column):
            if col.table in hidden and not any(isinstance(a, exp.Query) for a in _ancestors(col, on)):
                raise SqlError(
                    "42P01", f'invalid reference to FROM-clause entry for table "{col.table}"',
                    hint=f'There is an entry for table "{col.table}", but it cannot be referenced '
                    "from this part of the query.",
                )


def _ancestors(node: exp.Expression, stop: exp.Expression):
    n = node.parent
    while n is not None and node is not stop:
        yield n
        node, n = n, n.parent


def _reorder(op: Operator, joined: list[Source], sources: list[Source]) -> Operator:
    """Columns back in FROM order, so SELECT * and the scope see the written order."""
    start, pos = {}, 0
    for s in joined:
        start[s.index] = pos
        pos += len(s.columns)
    order = [start[s.index] + k for s in sources for k in range(len(s.columns))]
    pick = itemgetter(*order) if len(order) > 1 else (lambda r: (r[order[0]],))
    return Project(op, [lambda r, p, pick=pick: pick(r)], flat=True)


def _selectivity(s: Source) -> int:
    if any(isinstance(p, exp.EQ) and _has_constant_side(p) for p in s.pushed):
        return 0
    return 1 if s.pushed else 2


def _has_constant_side(node: exp.EQ) -> bool:
    return any(not list(side.find_all(exp.Column)) for side in (node.this, node.expression))


def _is_equi(node: exp.Expression) -> bool:
    return isinstance(node, exp.EQ)


def _and(nodes: list[exp.Expression]) -> exp.Expression | None:
    if not nodes:
        return None
    out = nodes[0]
    for n in nodes[1:]:
        out = exp.And(this=out, expression=n)
    return out


def require_bool(compiler: Compiler, node: exp.Expression) -> Any:
    c = compiler.with_hint(node, T.simple(oids.BOOL))
    if c.oid != oids.BOOL:
        raise SqlError(
            DATATYPE_MISMATCH,
            f"argument of {compiler.clause} must be type boolean, not type {oids.TYPE_NAME.get(c.oid)}",
        )
    return c.fn
