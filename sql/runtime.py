"""Run-time context of one query execution, passed where compiled expressions
take their parameters.

``Env`` *is* the tuple of bound parameter values (so ``p[i]`` still reads $i+1)
and also carries:

* ``outer`` - the row of the enclosing query while a correlated subquery runs
  (``up`` is the enclosing Env, for references two or more levels up);
* ``state`` - per-execution ``RunState``: rows each table scan fetched before the
  operators ran, and results of uncorrelated subqueries and CTEs (computed once).

Operators run synchronously over rows fetched up front: every table access is
awaited in ``QueryPlan.run`` before the operator tree is evaluated.
"""

from __future__ import annotations

from typing import Any, Sequence


class RunState:
    def __init__(self) -> None:
        self.fetched: dict[int, list[tuple]] = {}
        self.cache: dict[int, Any] = {}
        self.cancelled = False
        """Set when the statement is cancelled while its operators run in a worker thread."""


class Env(tuple):
    outer: tuple
    up: "Env | None"
    state: RunState

    @staticmethod
    def root(params: Sequence[Any]) -> "Env":
        env = Env(params)
        env.outer = ()
        env.up = None
        env.state = RunState()
        return env

    def child(self, outer: tuple) -> "Env":
        """The Env a correlated subquery runs in for one row of this query."""
        env = Env(self)
        env.outer = outer
        env.up = self
        env.state = self.state
        return env

    def outer_row(self, depth: int) -> tuple:
        env: Env = self
        for _ in range(depth - 1):
            assert env.up is not None
            env = env.up
        return env.outer
