"""Local row locks: exclusive, held to commit or rollback.

Row locks live on the node that owns the row's page (DESIGN.md): a transaction
runs on one node, so no lock ever crosses nodes.  Lock names are
``(table_id, key)``.  All state is touched only from the node's trio thread.

A conflict waits, as in PostgreSQL, unless the wait would close a cycle: every
transaction waits for at most one row lock at a time (``Waiter.waiting_for``),
so the waits form chains, and a new wait that leads back to the waiter is a
real deadlock (40P01 for the waiter that would close it).  Row-lock conflicts
do not wound: wounding aborts transactions that were never in a cycle (in
pgbench's tpcb-like mix, the younger of two clients updating the same branch).
A wait is still cut short when an older transaction on another node wounds the
waiter for a page it holds (``compute.waits``), which breaks the cycles that
cross nodes.
"""

from __future__ import annotations

from typing import Hashable

import trio

from compute.waits import Waiter

LOCK_WAIT_S = 30.0
"""A safety net only: local cycles are found at once (``_fail_on_cycle``), and
waits that cross nodes are bounded by the page hand-off rules."""
MAX_CHAIN = 10_000


class LockManager:
    """Holders by lock name, and a wake-up event only for locks someone waits
    on: a million-row COPY takes a million locks, and a Python object per lock
    would make every full garbage collection walk them (seconds with the GIL
    held, longer than a lease)."""

    def __init__(self) -> None:
        self._holders: dict[Hashable, Waiter] = {}
        self._released: dict[Hashable, trio.Event] = {}

    async def acquire(self, name: Hashable, tx: Waiter, max_wait_s: float = LOCK_WAIT_S) -> None:
        while True:
            holder = self._holders.get(name)
            if holder is None:
                self._holders[name] = tx
                return
            if holder is tx:
                return
            _fail_on_cycle(tx, holder)
            released = self._released.get(name)
            if released is None:
                released = self._released[name] = trio.Event()
            tx.waiting_for = holder
            try:
                with tx.blocking(max_wait_s, "a row lock"):
                    await released.wait()
            finally:
                tx.waiting_for = None

    def release_all(self, names, tx: Waiter) -> None:
        holders, released = self._holders, self._released
        for name in names:
            if holders.get(name) is tx:
                del holders[name]
                event = released.pop(name, None)
                if event is not None:
                    event.set()
        if not holders and len(names) > 1000:
            self._holders = {}  # a dict keeps its size after deletions: start small again

    def held(self) -> int:
        return len(self._holders)


def _fail_on_cycle(tx: Waiter, holder: Waiter) -> None:
    """40P01 if ``holder`` (transitively) waits for ``tx``."""
    h: Waiter | None = holder
    for _ in range(MAX_CHAIN):
        if h is None:
            return
        if h is tx:
            tx.deadlock("a cycle of row-lock waits")
        h = h.waiting_for
