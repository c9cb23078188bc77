"""The cluster-wide DDL lock: a global lock in the memory layer (lease + fencing token).

A transaction that changes the catalog first takes the ``ddl`` lock, so DDL
statements from different nodes queue in the memory layer instead of pulling
the catalog page back and forth and wounding each other.  Safety does not rest
on the lock (the catalog page has one writer at a time, invariant 1): the lock
is about order.  Its fencing token is checked once more before the commit: a
DDL transaction whose lease ran out (it sat idle longer than ``LEASE_MS``
inside a transaction block while another node's DDL went ahead) does not commit
(40001) rather than commit out of the order the lock promised.
"""

from __future__ import annotations

import trio

from sql.errors import SERIALIZATION_FAILURE, SqlError

NAME = "ddl"
LEASE_MS = 10_000
POLL_S = 0.02


async def acquire(node, waiter, max_wait_s: float) -> int:
    holder = f"node-{node.node_id}"
    with waiter.blocking(max_wait_s, "the cluster-wide DDL lock"):
        while True:
            try:
                token = await node.bridge.call(node.ml.locks.acquire, NAME, holder, LEASE_MS)
            except Exception as e:
                raise SqlError(SERIALIZATION_FAILURE, f"memory layer unavailable: {e}",
                               hint="retry the transaction") from None
            if token is not None:
                return token
            await trio.sleep(POLL_S)


async def confirm(node, token: int) -> None:
    """Before commit: still the holder?  (renews the lease)"""
    try:
        ok = await node.bridge.call(node.ml.locks.renew, NAME, token, LEASE_MS)
    except Exception as e:
        raise SqlError(SERIALIZATION_FAILURE, f"memory layer unavailable: {e}",
                       hint="retry the transaction") from None
    if not ok:
        raise SqlError(SERIALIZATION_FAILURE,
                       "the DDL lock's lease ran out before this transaction committed",
                       hint="retry the transaction")


async def release(node, token: int) -> None:
    try:
        await node.bridge.call(node.ml.locks.release, NAME, token)
    except Exception:
        pass  # it expires with its lease
