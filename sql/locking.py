"""SELECT ... FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE [OF t, ...].

Every row a locked table's scan returns after its pushed-down filter is locked
with ``txn.lock_row`` (held to the end of the transaction) and replaced by the
row ``lock_row`` returns, which is checked against that filter again (Read
Committed: a row changed by a transaction that committed while we waited is
seen in its new version, and dropped if it no longer qualifies).  This happens
while the scans are fetched (``TableScan.fetch``), before the rest of the plan
runs, so rows a later join or LIMIT discards are locked too (PostgreSQL locks
only the rows it returns).  ``lock_row`` takes an exclusive lock whatever the
strength, so FOR SHARE / FOR KEY SHARE block each other here.

As PostgreSQL: 0A000 with GROUP BY, aggregates, DISTINCT, window functions,
set operations or on the nullable side of an outer join; OF must name a FROM
item (42P01).  NOWAIT and SKIP LOCKED are not supported (0A000), nor locking
the rows of a derived table, view or CTE (0A000).
"""

from __future__ import annotations

from sqlglot import exp

from .errors import FEATURE_NOT_SUPPORTED, UNDEFINED_TABLE, SqlError


def strength(lock: exp.Lock) -> str:
    update, key = bool(lock.args.get("update")), bool(lock.args.get("key"))
    if update:
        return "FOR NO KEY UPDATE" if key else "FOR UPDATE"
    return "FOR KEY SHARE" if key else "FOR SHARE"


def check_query(node: exp.Select, grouped: bool, has_aggs: bool, has_windows: bool) -> str | None:
    """The clause's name (for messages) or None; 0A000 where PostgreSQL refuses it."""
    locks = node.args.get("locks")
    if not locks:
        return None
    what = strength(locks[0])
    for lock in locks:
        if lock.args.get("wait") is not None:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"{strength(lock)} NOWAIT / SKIP LOCKED is not supported")
    if node.args.get("group"):
        raise SqlError(FEATURE_NOT_SUPPORTED, f"{what} is not allowed with GROUP BY clause")
    if has_aggs or node.args.get("having") is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"{what} is not allowed with aggregate functions")
    if node.args.get("distinct") is not None:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"{what} is not allowed with DISTINCT clause")
    if has_windows:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"{what} is not allowed with window functions")
    return what


def check_setop(node: exp.Expression) -> None:
    """FOR UPDATE on a branch of UNION / INTERSECT / EXCEPT."""
    for side in (node.this, node.expression):
        while isinstance(side, exp.Subquery):
            side = side.this
        if isinstance(side, exp.Select) and side.args.get("locks"):
            what = strength(side.args["locks"][0])
            raise SqlError(FEATURE_NOT_SUPPORTED, f"{what} is not allowed with UNION/INTERSECT/EXCEPT")


def locked_aliases(node: exp.Select, aliases: list[str]) -> tuple[set[str], bool]:
    """(FROM aliases to lock, whether they were named with OF)."""
    locks = node.args.get("locks") or []
    named: set[str] = set()
    every = False
    for lock in locks:
        tables = lock.expressions
        if not tables:
            every = True
        for t in tables:
            if t.name not in aliases:
                raise SqlError(UNDEFINED_TABLE, f'relation "{t.name}" in {strength(lock)} clause not found in FROM clause')
            named.add(t.name)
    return (set(aliases) if every else named), not every
