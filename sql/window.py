"""Window functions: ``f(...) OVER (PARTITION BY ... ORDER BY ... frame)``.

``plan_windows`` compiles every window call of a query level against the rows
it runs over (the FROM/WHERE rows, or the grouped rows ``keys + aggregates``),
and returns a ``WindowOp`` that appends one value per call to each row, plus
the slots (call -> row position) the select list and ORDER BY compile with.

Per window (calls with an equal PARTITION BY / ORDER BY / frame share one sort):
rows are sorted by partition keys then order keys (PostgreSQL's NULL ordering),
split into partitions, and each call is evaluated per row:

* row_number, rank, dense_rank, percent_rank, cume_dist, ntile: over the
  partition and the row's peers (rows equal in every ORDER BY key);
* lag / lead (offset, default): over the partition, ignoring the frame;
* first_value, last_value, nth_value and aggregates (sql.aggregate, with
  DISTINCT / ORDER BY / FILTER): over the row's frame.  ROWS, RANGE (offsets
  need one ORDER BY column) and GROUPS, with UNBOUNDED / n PRECEDING /
  CURRENT ROW / n FOLLOWING, and EXCLUDE CURRENT ROW / GROUP / TIES.  The
  default frame is RANGE UNBOUNDED PRECEDING .. CURRENT ROW (with peers; the
  whole partition without ORDER BY).

Named windows (``WINDOW w AS (...)``, ``OVER w``, ``OVER (w ORDER BY ...)``)
are resolved by name.  The output keeps the order of the last window's sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from . import oids
from . import types as T
from .aggregate import Aggregate, is_aggregate
from .api import SqlType
from .errors import FEATURE_NOT_SUPPORTED, SqlError
from .expr import FLOAT8, INT4, INT8, Compiler, Fn, register
from .physical import Operator
from .runtime import Env

WINDOWING_ERROR = "42P20"
_RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile)
_VALUE = (exp.FirstValue, exp.LastValue, exp.NthValue, exp.Lag, exp.Lead)
WINDOW_ONLY = _RANKING + _VALUE


def _refuse(compiler: Compiler, node: exp.Window, hint: SqlType | None) -> Any:
    """A window call anywhere but a select list / ORDER BY (those compile it to a slot)."""
    raise SqlError(WINDOWING_ERROR, f"window functions are not allowed in {compiler.clause}")


register(exp.Window, _refuse)


def find_windows(nodes: list[exp.Expression]) -> list[exp.Window]:
    """Window calls of this query level (not inside subqueries), deduplicated."""
    found: list[exp.Window] = []
    stack = list(reversed(nodes))
    while stack:
        n = stack.pop()
        if isinstance(n, (exp.Subquery, exp.Exists)) or (isinstance(n, exp.Query) and not any(n is x for x in nodes)):
            continue
        if isinstance(n, exp.Window):
            inner = [x for c in n.iter_expressions() for x in c.walk() if isinstance(x, exp.Window) and x is not n]
            if inner:
                raise SqlError(WINDOWING_ERROR, "window function calls cannot be nested")
            if n not in found:
                found.append(n)
            continue
        stack.extend(reversed(list(n.iter_expressions())))
    return found


@dataclass
class Frame:
    mode: str  # rows | range | groups
    start: tuple[str, Fn | None]  # (kind, offset): kind in up, preceding, current, following, uf
    end: tuple[str, Fn | None]
    exclude: str  # "" | current | group | ties


_DEFAULT_FRAME = Frame("range", ("up", None), ("current", None), "")


class Spec:
    """One window: partition keys, order keys [(fn, desc, nulls_first)], frame."""

    def __init__(self, key: str, partition: list[Fn], order: list[tuple[Fn, bool, bool]], frame: Frame) -> None:
        self.key, self.partition, self.order, self.frame = key, partition, order, frame
        self.calls: list[tuple[int, "Call"]] = []


class Call:
    def __init__(self, node: exp.Expression, compiler: Compiler) -> None:
        fn = node
        self.kind: type = type(fn)
        self.args: list[Fn] = []
        self.agg: Aggregate | None = None
        if isinstance(fn, _RANKING):
            if isinstance(fn, exp.Ntile):
                arg = fn.this
                if arg is None:
                    raise SqlError("42883", "function ntile() does not exist")
                self.args = [compiler.with_hint(arg, INT4).fn]
                self.type = INT4
            else:
                if fn.expressions:
                    raise SqlError("42883", f"function {fn.sql_name().lower()} with arguments is not a window function")
                self.type = FLOAT8 if isinstance(fn, (exp.PercentRank, exp.CumeDist)) else INT8
        elif isinstance(fn, _VALUE):
            default = fn.args.get("default")
            if default is not None:
                c, d = compiler._common_type([fn.this, default], None)
            else:
                c = compiler.compile(fn.this)
            if c.oid == oids.UNKNOWN:
                c = compiler.with_hint(fn.this, T.simple(oids.TEXT))
            self.type = c.type
            self.args = [c.fn]
            offset = fn.args.get("offset")
            if isinstance(fn, exp.NthValue):
                if offset is None:
                    raise SqlError("42883", "function nth_value(" + oids.TYPE_NAME.get(c.oid, "?") + ") does not exist")
                self.args.append(compiler.with_hint(offset, INT4).fn)
            elif isinstance(fn, (exp.Lag, exp.Lead)):
                self.args.append(compiler.with_hint(offset, INT4).fn if offset is not None else (lambda r, p: 1))
                self.args.append(d.fn if default is not None else (lambda r, p: None))
        elif is_aggregate(fn) or isinstance(fn, exp.Filter):
            self.agg = Aggregate(fn, compiler)
            self.type = self.agg.type
        else:
            name = fn.name if isinstance(fn, exp.Anonymous) else fn.sql_name()
            raise SqlError("42809", f"function {name.lower()} is not a window function")


def _ordered(order: exp.Order | None) -> list[exp.Ordered]:
    return list(order.expressions) if order is not None else []


def _resolve(node: exp.Window, named: dict[str, exp.Window]) -> tuple[list, list, exp.Expression | None]:
    """(partition nodes, order nodes, frame spec) of a call, with a named base window."""
    partition = list(node.args.get("partition_by") or [])
    order = _ordered(node.args.get("order"))
    spec = node.args.get("spec")
    ref = node.args.get("alias")
    if ref is not None:
        base = named.get(ref.name)
        if base is None:
            raise SqlError("42704", f'window "{ref.name}" does not exist')
        bp, bo, bs = _resolve(base, named) if base.args.get("alias") is not None else (
            list(base.args.get("partition_by") or []), _ordered(base.args.get("order")), base.args.get("spec"))
        if partition:
            raise SqlError(WINDOWING_ERROR, f'cannot override PARTITION BY clause of window "{ref.name}"')
        if order and bo:
            raise SqlError(WINDOWING_ERROR, f'cannot override ORDER BY clause of window "{ref.name}"')
        if bs is not None and (order or spec is not None):
            raise SqlError(WINDOWING_ERROR, f'cannot copy window "{ref.name}" because it has a frame clause')
        partition, order, spec = bp, order or bo, spec if spec is not None else bs
    return partition, order, spec


def _bound(node: Any, side: str | None, compiler: Compiler, which: str, mode: str) -> tuple[str, Fn | None]:
    if node is None:
        return ("current", None)
    side = (side or "").lower()
    if isinstance(node, (str, exp.Var)):
        text = (node if isinstance(node, str) else node.name).upper()
        if text == "UNBOUNDED":
            if which == "start" and side == "following":
                raise SqlError(WINDOWING_ERROR, "frame start cannot be UNBOUNDED FOLLOWING")
            if which == "end" and side == "preceding":
                raise SqlError(WINDOWING_ERROR, "frame end cannot be UNBOUNDED PRECEDING")
            return ("up", None) if side == "preceding" else ("uf", None)
        if text == "CURRENT ROW":
            return ("current", None)
    if side not in ("preceding", "following"):
        raise SqlError("42601", "syntax error in window frame")
    c = compiler.compile(node) if mode == "range" else compiler.with_hint(node, INT8)
    if mode != "range" and c.oid not in T.INT_TYPES:
        raise SqlError("42804", f"argument of {mode.upper()} must be type bigint, not type {oids.TYPE_NAME.get(c.oid)}")
    return (side, c.fn)


def _frame(spec: exp.Expression | None, compiler: Compiler, n_order: int) -> Frame:
    if spec is None:
        return _DEFAULT_FRAME
    if not isinstance(spec, exp.WindowSpec):
        raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported window frame: {spec.sql('postgres')}")
    mode = str(spec.args.get("kind") or "range").lower()
    start = _bound(spec.args.get("start"), spec.args.get("start_side"), compiler, "start", mode)
    end = _bound(spec.args.get("end"), spec.args.get("end_side"), compiler, "end", mode)
    if start[0] == "following" and end[0] in ("preceding", "current"):
        raise SqlError(WINDOWING_ERROR, "frame starting from following row cannot have preceding rows")
    if start[0] == "current" and end[0] == "preceding":
        raise SqlError(WINDOWING_ERROR, "frame starting from current row cannot have preceding rows")
    if mode == "range" and (start[1] is not None or end[1] is not None) and n_order != 1:
        raise SqlError(WINDOWING_ERROR, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
    if mode == "groups" and n_order == 0:
        raise SqlError(WINDOWING_ERROR, "GROUPS mode requires an ORDER BY clause")
    excl = spec.args.get("exclude")
    exclude = ""
    if excl is not None:
        text = (excl.name if isinstance(excl, exp.Expression) else str(excl)).upper()
        exclude = {"CURRENT ROW": "current", "GROUP": "group", "TIES": "ties", "NO OTHERS": ""}.get(text, "")
    return Frame(mode, start, end, exclude)


def plan_windows(op: Operator, width: int, nodes: list[exp.Window], compiler: Compiler,
                 named_nodes: list[exp.Window] | None) -> tuple["WindowOp", dict]:
    """``compiler`` compiles over ``op``'s rows (``width`` wide); returns the operator
    and the slots {window node: (position, type)} of the appended values."""
    named: dict[str, exp.Window] = {}
    for w in named_nodes or []:
        name = w.this.name if isinstance(w.this, exp.Identifier) else w.alias
        if name in named:
            raise SqlError(WINDOWING_ERROR, f'window "{name}" is already defined')
        named[name] = w
    specs: dict[str, Spec] = {}
    slots: dict[exp.Expression, tuple[int, SqlType]] = {}
    calls: list[Call] = []
    for node in nodes:
        partition, order, frame_node = _resolve(node, named)
        key = repr((partition, order, frame_node))
        spec = specs.get(key)
        if spec is None:
            pfns = [compiler.compile(p).fn for p in partition]
            ofns = [(compiler.compile(o.this).fn, bool(o.args.get("desc")), bool(o.args.get("nulls_first")))
                    for o in order]
            frame = _frame(frame_node, compiler, len(order))
            if frame.mode == "range" and (frame.start[1] is not None or frame.end[1] is not None):
                ot = compiler.compile(order[0].this).type
                if ot.oid not in T.NUMBER_TYPES:
                    raise SqlError(FEATURE_NOT_SUPPORTED, "RANGE offsets are only supported over numbers")
            spec = specs[key] = Spec(key, pfns, ofns, frame)
        call = Call(node.this, compiler)
        spec.calls.append((len(calls), call))
        slots[node] = (width + len(calls), call.type)
        calls.append(call)
    return WindowOp(op, list(specs.values()), len(calls)), slots


def _sort_key(fns: list[tuple[Fn, bool, bool]]):
    """Sort items (row, keyvals) by keyvals in PostgreSQL order (multi-pass stable sort)."""
    def sort(items: list[tuple[tuple, list]], base: int) -> None:
        for k in reversed(range(len(fns))):
            _, desc, nulls_first = fns[k]
            flag = nulls_first == desc
            pos = base + k

            def key(item: tuple, pos: int = pos, flag: bool = flag) -> tuple:
                v = item[1][pos]
                return (flag, 0) if v is None else (not flag, v)

            items.sort(key=key, reverse=desc)
    return sort


class WindowOp(Operator):
    def __init__(self, child: Operator, specs: list[Spec], n_calls: int) -> None:
        self.child, self.specs, self.n_calls = child, specs, n_calls
        self.width = child.width + n_calls

    def rows(self, env: Env) -> list[tuple]:
        rows = self.child.rows(env)
        values: list[list[Any]] = [[None] * self.n_calls for _ in rows]
        order = list(range(len(rows)))
        for spec in self.specs:
            order = self._evaluate(spec, rows, values, env)
        return [rows[i] + tuple(values[i]) for i in order]

    def _evaluate(self, spec: Spec, rows: list[tuple], values: list[list[Any]], env: Env) -> list[int]:
        np_ = len(spec.partition)
        items = []
        for i, r in enumerate(rows):
            keys = [f(r, env) for f in spec.partition] + [f(r, env) for f, _, _ in spec.order]
            items.append((i, keys))
        _sort_key([(f, False, False) for f in spec.partition] + spec.order)(items, 0)
        out_order = [i for i, _ in items]
        start = 0
        while start < len(items):
            end = start + 1
            pkey = items[start][1][:np_]
            while end < len(items) and items[end][1][:np_] == pkey:
                end += 1
            part = items[start:end]
            self._partition(spec, [rows[i] for i, _ in part], [i for i, _ in part],
                            [k[np_:] for _, k in part], values, env)
            start = end
        return out_order

    def _partition(self, spec: Spec, prows: list[tuple], ids: list[int], okeys: list[list],
                   values: list[list[Any]], env: Env) -> None:
        n = len(prows)
        # peer groups: group index per row, first/last row of each group
        group = [0] * n
        firsts, lasts = [0], []
        for i in range(1, n):
            if okeys[i] != okeys[i - 1]:
                lasts.append(i - 1)
                firsts.append(i)
            group[i] = len(firsts) - 1
        lasts.append(n - 1)
        frame_cache: dict[tuple, list[tuple]] = {}
        running = spec.frame.start[0] == "up" and not spec.frame.exclude
        for slot, call in spec.calls:
            prefix = call.agg.prefix_folds(prows, env) if running and call.agg is not None else None
            if prefix is not None:
                for i in range(n):
                    hi = self._edge(spec, spec.frame.end, i, prows, okeys, group, firsts, lasts, env, False)
                    values[ids[i]][slot] = prefix[max(0, min(hi, n - 1) + 1)]
                continue
            agg_cache: dict[tuple, Any] = {}
            for i in range(n):
                v = self._value(spec, call, i, prows, okeys, group, firsts, lasts, env, frame_cache, agg_cache)
                values[ids[i]][slot] = v

    def _value(self, spec, call, i, prows, okeys, group, firsts, lasts, env, frame_cache, agg_cache) -> Any:
        n = len(prows)
        kind = call.kind
        if kind is exp.RowNumber:
            return i + 1
        if kind is exp.Rank:
            return firsts[group[i]] + 1
        if kind is exp.DenseRank:
            return group[i] + 1
        if kind is exp.PercentRank:
            return 0.0 if n == 1 else firsts[group[i]] / (n - 1)
        if kind is exp.CumeDist:
            return (lasts[group[i]] + 1) / n
        if kind is exp.Ntile:
            buckets = call.args[0](prows[i], env)
            if buckets is None:
                return None
            if buckets <= 0:
                raise SqlError("22014", "argument of ntile must be greater than zero")
            per, extra = divmod(n, buckets)
            big = extra * (per + 1)
            return i // (per + 1) + 1 if i < big else extra + (i - big) // per + 1
        if kind in (exp.Lag, exp.Lead):
            off = call.args[1](prows[i], env)
            if off is None:
                return None
            j = i - off if kind is exp.Lag else i + off
            return call.args[0](prows[j], env) if 0 <= j < n else call.args[2](prows[i], env)
        bounds = self._frame(spec, i, prows, okeys, group, firsts, lasts, env)
        if call.agg is not None:
            if bounds not in agg_cache:
                agg_cache[bounds] = call.agg.fold(self._frame_rows(bounds, prows, frame_cache), env)
            return agg_cache[bounds]
        frame = self._frame_rows(bounds, prows, frame_cache)
        if kind is exp.FirstValue:
            return call.args[0](frame[0], env) if frame else None
        if kind is exp.LastValue:
            return call.args[0](frame[-1], env) if frame else None
        nth = call.args[1](prows[i], env)
        if nth is None:
            return None
        if nth <= 0:
            raise SqlError("22016", "argument of nth_value must be greater than zero")
        return call.args[0](frame[nth - 1], env) if nth <= len(frame) else None

    @staticmethod
    def _frame_rows(bounds: tuple, prows: list[tuple], cache: dict) -> list[tuple]:
        rows = cache.get(bounds)
        if rows is None:
            lo, hi, skip = bounds
            rows = cache[bounds] = [prows[j] for j in range(lo, hi + 1) if j not in skip]
        return rows

    def _frame(self, spec: Spec, i, prows, okeys, group, firsts, lasts, env) -> tuple[int, int, frozenset]:
        n = len(prows)
        f = spec.frame
        lo = self._edge(spec, f.start, i, prows, okeys, group, firsts, lasts, env, True)
        hi = self._edge(spec, f.end, i, prows, okeys, group, firsts, lasts, env, False)
        lo, hi = max(lo, 0), min(hi, n - 1)
        skip: frozenset = frozenset()
        if f.exclude == "current":
            skip = frozenset((i,))
        elif f.exclude in ("group", "ties"):
            g = group[i]
            skip = frozenset(j for j in range(firsts[g], lasts[g] + 1) if f.exclude == "group" or j != i)
        return lo, hi, skip

    def _edge(self, spec: Spec, bound, i, prows, okeys, group, firsts, lasts, env, is_start: bool) -> int:
        f = spec.frame
        kind, off_fn = bound
        n = len(prows)
        if kind == "up":
            return 0
        if kind == "uf":
            return n - 1
        if kind == "current":
            if f.mode == "rows":
                return i
            g = group[i]
            return firsts[g] if is_start else lasts[g]
        assert off_fn is not None
        off = off_fn(prows[i], env)
        what = "starting" if is_start else "ending"
        if off is None:
            raise SqlError("22004", f"frame {what} offset must not be null")
        if off < 0:
            raise SqlError("22013", f"frame {what} offset must not be negative")
        sign = -1 if kind == "preceding" else 1
        if f.mode == "rows":
            return i + sign * off
        if f.mode == "groups":
            g = group[i] + sign * off
            if g < 0:
                return 0 if is_start else -1
            if g >= len(firsts):
                return n if is_start else n - 1
            return firsts[g] if is_start else lasts[g]
        # range with an offset: one numeric order key
        v = okeys[i][0]
        desc = spec.order[0][1]
        if v is None:
            g = group[i]
            return firsts[g] if is_start else lasts[g]
        target = v - off * sign if desc else v + off * sign
        rng = range(n) if is_start else range(n - 1, -1, -1)
        for j in rng:
            w = okeys[j][0]
            if w is None:
                continue
            inside = (w <= target if desc else w >= target) if is_start else (w >= target if desc else w <= target)
            if inside:
                return j
        return n if is_start else -1
