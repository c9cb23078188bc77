"""Bounded thread bridge: how trio code calls the blocking grpcio and redis-py clients.

Every call goes through ``trio.to_thread.run_sync`` under one CapacityLimiter, so
a burst of cold-path calls cannot spawn unbounded threads.  Only cold paths
(page acquisition, hand-off, heartbeats) and the grouped log append use it;
a statement on owned pages never does.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import trio

T = TypeVar("T")


class Bridge:
    def __init__(self, limit: int = 16) -> None:
        self._limiter = trio.CapacityLimiter(limit)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter, abandon_on_cancel=True)
