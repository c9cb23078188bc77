"""JOIN ... USING (cols) and NATURAL JOIN: merged columns as PostgreSQL.

``a JOIN b USING (id)`` joins on ``a.id = b.id`` and shows one merged ``id``
first, then the other columns of ``a``, then those of ``b``.  The merged
column is ``a.id`` for an inner or LEFT join, ``b.id`` for a RIGHT join and
``COALESCE(a.id, b.id)`` for a FULL join; ``a.id`` and ``b.id`` stay reachable
by their qualified names, but an unqualified ``id`` is the merged column.
NATURAL uses every column name the two sides share (none: a cross join).

``resolve`` walks the joins in written order (a comma starts a new chain) and
gives each USING/NATURAL join its ON condition, rewrites unqualified
references to merged columns in later ON conditions and the WHERE (to the
merged expressions, so they can still be pushed down), and lists the final
merged columns, which sql.fromclause appends to each joined row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from .errors import AMBIGUOUS_COLUMN, DUPLICATE_COLUMN, UNDEFINED_COLUMN, SqlError

MERGED = "\x00using"
"""Qualifier of merged columns: ``*`` expands them to ``"\x00using".id``, which no
query can spell, so an unqualified name still finds them but nothing else does."""


@dataclass
class Entry:
    name: str
    node: exp.Expression  # a source column (qualified) or a merged expression
    merged: bool = False


@dataclass
class Using:
    on: dict[int, exp.Expression | None] = field(default_factory=dict)
    """id(join) -> its ON condition (synthesized, or rewritten for merged names)."""
    entries: list[Entry] = field(default_factory=list)
    """The columns an unqualified * shows, in order."""
    consumed: set[tuple[str, str]] = field(default_factory=set)
    """(alias, column) of source columns merged away (qualified access only)."""

    def merged(self) -> dict[str, exp.Expression]:
        return {e.name: e.node for e in self.entries if e.merged}

    def rewrite(self, node: exp.Expression) -> exp.Expression:
        return _substitute(node, self.merged())


def _is_comma(j: exp.Join) -> bool:
    return not any(v is not None for k, v in j.args.items() if k != "this")


def _substitute(node: exp.Expression | None, merged: dict[str, exp.Expression]):
    if node is None or not merged:
        return node
    hits = [c for c in node.find_all(exp.Column)
            if not c.table and c.name in merged and not _in_subquery(c, node)]
    if not hits:
        return node
    copy = node.copy()
    for c in list(copy.find_all(exp.Column)):
        if not c.table and c.name in merged and not _in_subquery(c, copy):
            if c is copy:
                return merged[c.name].copy()
            c.replace(merged[c.name].copy())
    return copy


def _in_subquery(node: exp.Expression, root: exp.Expression) -> bool:
    p = node.parent
    while p is not None and node is not root:
        if isinstance(p, (exp.Query, exp.Subquery)):
            return True
        node, p = p, p.parent
    return False


def resolve(sources: list, joins: list[exp.Join]) -> Using | None:
    """``sources`` are sql.fromclause Sources (alias, columns) in FROM order."""
    if not any(j.args.get("using") or j.args.get("method") for j in joins):
        return None
    info = Using()
    chains: list[list[Entry]] = []
    current = _entries(sources[0])
    for src, j in zip(sources[1:], joins, strict=True):
        if _is_comma(j):
            chains.append(current)
            current = _entries(src)
            continue
        merged_so_far = {e.name: e.node for e in current if e.merged}
        right = _entries(src)
        using = j.args.get("using")
        method = str(j.args.get("method") or "").upper()
        if not using and method != "NATURAL":
            info.on[id(j)] = _substitute(j.args.get("on"), merged_so_far)
            current = current + right
            continue
        if using:
            names = [i.name for i in using]
            for n in names:
                if names.count(n) > 1:
                    raise SqlError(DUPLICATE_COLUMN, f'column name "{n}" appears more than once in USING clause')
        else:
            rnames = {e.name for e in right}
            names = [e.name for e in current if e.name in rnames]
        side = (j.side or "").lower()
        conds: list[exp.Expression] = []
        merged: list[Entry] = []
        used_left: set[int] = set()
        used_right: set[int] = set()
        for n in names:
            lk = _find(current, n, "left")
            rk = _find(right, n, "right")
            used_left.add(lk)
            used_right.add(rk)
            le, re_ = current[lk].node, right[rk].node
            for e in (le, re_):
                if isinstance(e, exp.Column) and e.table:
                    info.consumed.add((e.table, e.name))
            conds.append(exp.EQ(this=le.copy(), expression=re_.copy()))
            if side == "full":
                node: exp.Expression = exp.Coalesce(this=le.copy(), expressions=[re_.copy()])
            elif side == "right":
                node = re_
            else:
                node = le
            merged.append(Entry(n, node, True))
        on: exp.Expression = exp.true()
        for c in conds:
            on = c if on.this is True and isinstance(on, exp.Boolean) else exp.And(this=on, expression=c)
        info.on[id(j)] = on
        current = (merged + [e for k, e in enumerate(current) if k not in used_left]
                   + [e for k, e in enumerate(right) if k not in used_right])
    chains.append(current)
    info.entries = [e for chain in chains for e in chain]
    return info


def _entries(src) -> list[Entry]:
    return [Entry(n, exp.column(n, table=src.alias)) for n, _ in src.columns]


def _find(entries: list[Entry], name: str, side: str) -> int:
    found = [k for k, e in enumerate(entries) if e.name == name]
    if not found:
        raise SqlError(UNDEFINED_COLUMN, f'column "{name}" specified in USING clause does not exist in {side} table')
    if len(found) > 1:
        raise SqlError(AMBIGUOUS_COLUMN, f'common column name "{name}" appears more than once in {side} table')
    return found[0]
