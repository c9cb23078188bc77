"""Local row locks: exclusive, held to commit or rollback, wound-wait on conflict.

Row locks live on the node that owns the row's page (DESIGN.md): a transaction
runs on one node, so no lock ever crosses nodes.  Lock names are
``(table_id, key)``.  All state is touched only from the node's trio thread.
"""

from __future__ import annotations

from typing import Hashable

import trio

from compute.waits import Waiter

LOCK_WAIT_S = 5.0


class _Lock:
    __slots__ = ("holder", "released")

    def __init__(self, holder: Waiter) -> None:
        self.holder = holder
        self.released = trio.Event()


class LockManager:
    def __init__(self) -> None:
        self._locks: dict[Hashable, _Lock] = {}

    async def acquire(self, name: Hashable, tx: Waiter, max_wait_s: float = LOCK_WAIT_S) -> None:
        while True:
            lock = self._locks.get(name)
            if lock is None:
                self._locks[name] = _Lock(tx)
                return
            if lock.holder is tx:
                return
            if tx.older_than(lock.holder.age):
                lock.holder.wound()
            with tx.blocking(max_wait_s, "a row lock"):
                await lock.released.wait()

    def release_all(self, names, tx: Waiter) -> None:
        for name in names:
            lock = self._locks.get(name)
            if lock is not None and lock.holder is tx:
                del self._locks[name]
                lock.released.set()

    def held(self) -> int:
        return len(self._locks)
