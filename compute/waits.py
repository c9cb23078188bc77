"""Wound-wait: how a transaction blocks without deadlocking (invariant 8).

Every transaction has an age (``start_ts``, a wall-clock time with the node id
as tie-break, comparable across nodes).  Row-lock waits on one node are checked
for cycles instead (``compute.locks``: no abort without a real deadlock).  When a
transaction needs a page that transactions on another node pin:
* if the waiter is older, it *wounds* the holder and waits for it: a wounded
  holder that is waiting itself is cancelled out of that wait with 40P01, and
  one that is running fails with 40P01 as soon as it would wait (``blocking``);
  if it never waits again it commits, and the older waiter goes on;
* if the waiter is younger, it waits, but never longer than ``max_wait_s``
  (then it fails with 40P01 itself).
No cycle of waits survives: around any cycle some transaction waits for a
younger one, and that younger one, waiting too, has been wounded out of its
wait.  (Wounding only what would wait, rather than every younger holder, lets
short conflicting transactions such as pgbench's tpcb-like ones commit.)
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import trio

from compute import metrics
from sql.errors import DEADLOCK_DETECTED, SqlError


class Waiter:
    """The wait-related state of one transaction."""

    def __init__(self, node_id: int, start_ts: float | None = None) -> None:
        self.age = (start_ts if start_ts is not None else time.time(), node_id)
        self.wounded = False
        self._scope: trio.CancelScope | None = None
        self._aborted = False
        self.waiting_for: Waiter | None = None
        """The holder of the row lock this transaction waits for (compute.locks)."""

    def _count_abort(self, reason: str) -> None:
        if not self._aborted:
            self._aborted = True
            metrics.abort(reason)

    def older_than(self, age: tuple[float, int]) -> bool:
        return self.age < age

    def wound(self) -> None:
        self.wounded = True
        if self._scope is not None:
            self._scope.cancel()

    def check(self) -> None:
        """Fail (40P01) if wounded: called when about to wait."""
        if self.wounded:
            self._count_abort("wounded")
            raise SqlError(
                DEADLOCK_DETECTED,
                "deadlock detected",
                detail="transaction was wounded by an older transaction (wound-wait)",
            )

    def deadlock(self, what: str) -> None:
        self._count_abort("deadlock")
        raise SqlError(DEADLOCK_DETECTED, "deadlock detected",
                       detail=f"this transaction would close {what}")

    @contextmanager
    def blocking(self, max_wait_s: float, what: str) -> Iterator[None]:
        """Run a wait that wounding (or the time limit) interrupts with 40P01."""
        self.check()
        with trio.move_on_after(max_wait_s) as scope:
            self._scope = scope
            try:
                yield
            finally:
                self._scope = None
        self.check()
        if scope.cancelled_caught:
            self._count_abort("wait_timeout")
            raise SqlError(
                DEADLOCK_DETECTED,
                "deadlock detected",
                detail=f"gave up waiting for {what} after {max_wait_s:.1f} s",
            )
