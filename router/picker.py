"""Round-robin node picker: the router's placement policy until affinity lands.

Owns a cursor over a fixed list of compute node addresses.  Each ``pick``
starts after the node handed out last, so consecutive clients spread over the
nodes; nodes in ``exclude`` (their connect failed for this client) are skipped.
Not thread-safe; the proxy calls it from one trio thread.
"""

from __future__ import annotations

from typing import AbstractSet, Mapping, Sequence

from router.api import Address


class RoundRobinPicker:
    def __init__(self, nodes: Sequence[Address]) -> None:
        self.nodes: list[Address] = list(nodes)
        self._next = 0

    def pick(self, startup_params: Mapping[str, str],
             exclude: AbstractSet[Address] = frozenset()) -> Address | None:
        count = len(self.nodes)
        for step in range(count):
            index = (self._next + step) % count
            node = self.nodes[index]
            if node not in exclude:
                self._next = (index + 1) % count
                return node
        return None
