"""EXPLAIN [ANALYZE] [VERBOSE] / EXPLAIN (option, ...) statement.

Prints the plan Strata will run, one operator per line in PostgreSQL's
indented ``->`` layout, without costs (Strata has no cost model).  Under every
scan, a ``Pages:`` line says which pages of the table (or of the index) the
scan reads and which compute node owns each of them now (from the memory
layer's page directory, ``TxnContext.page_owners``), because in Strata where a
statement runs decides how many pages move.  ``EXPLAIN ANALYZE`` also runs the
statement (inside the current transaction, as PostgreSQL does) and adds the
rows returned and the time taken.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Sequence

from sqlglot import exp

from . import oids
from .api import Bound, TableDef, TxnContext
from .errors import SYNTAX_ERROR, SqlError
from .expr import Params
from .pgwire.api import QueryResult, ResultColumn
from .plan import Plan

_COLUMN = ResultColumn("QUERY PLAN", oids.TEXT, -1, -1)
_OPTIONS = re.compile(r"^\s*\(([^)]*)\)\s*", re.S)
_WORDS = re.compile(r"^\s*(ANALYZE|ANALYSE|VERBOSE)\b\s*", re.I)
_KNOWN_OPTIONS = {"analyze", "analyse", "verbose", "costs", "buffers", "timing", "summary",
                  "settings", "wal", "format"}
_MAX_OWNER_PAGES = 32

Builder = Callable[[exp.Expression, TxnContext, Params], Any]


def split_options(text: str) -> tuple[bool, str]:
    """(analyze?, the statement) from the text after EXPLAIN."""
    analyze = False
    m = _OPTIONS.match(text)
    if m:
        for opt in filter(None, (o.strip() for o in m.group(1).split(","))):
            name, _, value = opt.partition(" ")
            if name.lower() not in _KNOWN_OPTIONS:
                raise SqlError(SYNTAX_ERROR, f'unrecognized EXPLAIN option "{name.lower()}"')
            if name.lower() in ("analyze", "analyse"):
                analyze = value.strip().lower() not in ("false", "off", "0")
            if name.lower() == "format" and value.strip().lower() != "text":
                raise SqlError("0A000", "EXPLAIN formats other than TEXT are not supported")
        text = text[m.end():]
    while m := _WORDS.match(text):
        analyze = analyze or m.group(1).lower() in ("analyze", "analyse")
        text = text[m.end():]
    return analyze, text


class ExplainPlan(Plan):
    def __init__(self, inner: Plan, analyze: bool, params: Params) -> None:
        self.inner, self.analyze, self.params = inner, analyze, params
        self.tables = inner.tables
        self.columns = [_COLUMN]

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        lines: list[str] = []
        await _render(self.inner, txn, params, lines)
        if self.analyze:
            started = time.perf_counter()
            result = await self.inner.run(txn, params)
            ms = (time.perf_counter() - started) * 1000
            lines.append(f"Result: {result.command_tag}")
            lines.append(f"Execution Time: {ms:.3f} ms")
        return QueryResult("EXPLAIN", [_COLUMN], [(line,) for line in lines])


async def plan_explain(stmt: exp.Command, txn: TxnContext, params: Params, build: Builder) -> Plan:
    from .parse import parse_statement

    analyze, text = split_options(stmt.expression.name if stmt.expression else "")
    if not text.strip():
        raise SqlError(SYNTAX_ERROR, "syntax error at end of input")
    inner = await build(parse_statement(text), txn, params)
    return ExplainPlan(inner, analyze, params)


# -- rendering -----------------------------------------------------------------

async def _render(plan: Plan, txn: TxnContext, params: Sequence[Any], lines: list[str]) -> None:
    root = getattr(plan, "root", None)
    if root is not None:
        await _operator(root, txn, params, lines, 0)
        return
    kind = type(plan).__name__.removesuffix("Plan")
    table: TableDef | None = getattr(plan, "table", None)
    if table is None:
        lines.append(f"Utility Statement ({kind})")
        return
    label = {"Insert": "Insert", "Update": "Update", "Delete": "Delete"}.get(kind, kind)
    lines.append(f"{label} on {table.name}")
    path, op = getattr(plan, "path", None), getattr(plan, "op", None)
    if op is not None:
        await _operator(op, txn, params, lines, 1)
    elif path is not None:
        await _scan(table, path, txn, params, lines, 1)
    elif label == "Insert":
        _line(lines, 1, "Values Scan", child=True)


def _line(lines: list[str], depth: int, text: str, child: bool = False) -> None:
    if child and depth > 0:
        lines.append(" " * (6 * depth - 4) + "->  " + text)
    elif child:
        lines.append(text)
    else:
        lines.append(" " * (6 * depth + 2) + text)


_LABELS = {
    "Filter": "Filter", "Sort": "Sort", "Limit": "Limit", "Slice": "Subquery Scan",
    "Distinct": "HashAggregate", "Group": "HashAggregate", "OneRow": "Result",
    "Cached": "CTE Scan", "SetOp": "SetOp", "WindowOp": "WindowAgg",
    "RecursiveUnion": "Recursive Union", "WorkTable": "WorkTable Scan",
}


async def _operator(op: Any, txn: TxnContext, params: Sequence[Any], lines: list[str], depth: int) -> None:
    name = type(op).__name__
    if name in ("TableScan", "TargetRows"):
        await _scan(op.table, op.path, txn, params, lines, depth)
        return
    children = _children(op)
    if name == "Project" and children:
        await _operator(children[0], txn, params, lines, depth)
        return
    if name in ("HashJoin", "NestedLoopJoin"):
        kind = str(getattr(op, "kind", "inner")).title()
        label = ("Hash " if name == "HashJoin" else "Nested Loop ") + (
            "Join" if kind == "Inner" else f"{kind} Join")
        label = label.replace("Nested Loop Join", "Nested Loop")
    elif name == "SetOp":
        label = f"{'HashSetOp' if op.kind != 'union' else 'Append'} {str(op.kind).title()}"
        label += "" if op.distinct else " All"
    else:
        label = _LABELS.get(name, name)
    _line(lines, depth, label, child=True)
    for child in children:
        await _operator(child, txn, params, lines, depth + 1)


def _children(op: Any) -> list[Any]:
    from .physical import Operator

    out = []
    for value in vars(op).values():
        if isinstance(value, Operator):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, Operator))
    return out


async def _scan(table: TableDef, path: Any, txn: TxnContext, params: Sequence[Any],
                lines: list[str], depth: int) -> None:
    describe = getattr(path, "describe", None)
    if describe is not None:
        label = describe()
    elif path.kind == "scan":
        label = f"Seq Scan on {table.name}"
    else:
        label = f"Index Scan using {table.name}_pkey on {table.name}"
    _line(lines, depth, label, child=True)
    if table.table_id < 0:
        return  # a pg_catalog relation: no pages
    target = getattr(path, "index_table", None) or table
    lo, hi = _bounds(path, params)
    owners = await txn.page_owners(target, lo, hi)
    _line(lines, depth, ("Index pages: " if target is not table else "Pages: ") + _owners_text(owners))


def _bounds(path: Any, params: Sequence[Any]) -> tuple[Bound | None, Bound | None]:
    try:
        if path.kind == "get" and path.key_fns:
            v = path.key_fns[0]((), params)
            return (Bound(v), Bound(v)) if v is not None else (None, None)
        if path.kind == "range":
            lo = [f((), params) for f, _ in path.lower]
            hi = [f((), params) for f, _ in path.upper]
            lo_v = max((v for v in lo if v is not None), default=None)
            hi_v = min((v for v in hi if v is not None), default=None)
            return (Bound(lo_v) if lo_v is not None else None,
                    Bound(hi_v) if hi_v is not None else None)
    except (IndexError, TypeError, SqlError):
        pass  # a $n not bound at EXPLAIN time: every page of the table
    return None, None


def _owners_text(owners: list[tuple[int, int | None]]) -> str:
    """``2 on node 1 (pages 0, 1), 1 owned by no node (page 7)``."""
    if not owners:
        return "none (nothing stored yet)"
    by_node: dict[int | None, list[int]] = {}
    for bucket, owner in owners:
        by_node.setdefault(owner, []).append(bucket)
    parts = []
    for owner in sorted(by_node, key=lambda o: (o is None, o or 0)):
        buckets = by_node[owner]
        shown = ", ".join(map(str, buckets[:_MAX_OWNER_PAGES]))
        if len(buckets) > _MAX_OWNER_PAGES:
            shown += ", ..."
        where = f"on node {owner}" if owner is not None else "owned by no node"
        parts.append(f"{len(buckets)} {where} (page{'s' if len(buckets) > 1 else ''} {shown})")
    return ", ".join(parts)
