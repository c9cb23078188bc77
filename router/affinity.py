"""Affinity placement: the sessions of one application share a compute node.

    StartupMessage (database, user, application_name)
          |  application_name set?
          +-- no  --> round robin over the nodes (as ``RoundRobinPicker``)
          +-- yes --> the group's home node; a new group gets the node that is
                      home to the fewest groups (ties: round robin)

Why: a transaction runs on the node its connection is on, and every page it
writes must be owned by that node.  Sessions of one application touch the same
hot pages (pgbench's tpcb-like: every transaction updates the one page holding
``pgbench_branches``); spread over two nodes, those pages move between the nodes
on almost every transaction (a hand-off each time, and aborts when the waits
cross).  Kept on one node, they stay where they are: the group's pages migrate
to its home once and then every transaction finds them local.  Different
applications (different groups) still spread over the nodes.

A home whose connect fails is excluded for that client (the proxy's
``exclude``); the group moves to the node that answered, so its next sessions
follow it.  Sessions without an application_name are not grouped: nothing
says they belong together.

Not thread-safe; the proxy calls it from one trio thread.
"""

from __future__ import annotations

from typing import AbstractSet, Mapping, Sequence

from router.api import Address

Group = tuple[str, str, str]


def group_of(params: Mapping[str, str]) -> Group | None:
    """(database, user, application_name), or None without an application_name."""
    app = params.get("application_name", "")
    if not app:
        return None
    user = params.get("user", "")
    return params.get("database", user), user, app


class AffinityPicker:
    def __init__(self, nodes: Sequence[Address]) -> None:
        self.nodes: list[Address] = list(nodes)
        self.homes: dict[Group, Address] = {}
        self._next = 0

    def pick(self, startup_params: Mapping[str, str],
             exclude: AbstractSet[Address] = frozenset()) -> Address | None:
        group = group_of(startup_params)
        if group is None:
            return self._round_robin(exclude)
        home = self.homes.get(group)
        if home is not None and home not in exclude and home in self.nodes:
            return home
        home = self._least_loaded(exclude)
        if home is not None:
            self.homes[group] = home
        return home

    def _least_loaded(self, exclude: AbstractSet[Address]) -> Address | None:
        load = {n: 0 for n in self.nodes}
        for home in self.homes.values():
            if home in load:
                load[home] += 1
        count = len(self.nodes)
        best = None
        for step in range(count):
            node = self.nodes[(self._next + step) % count]
            if node not in exclude and (best is None or load[node] < load[best]):
                best = node
        if best is not None:
            self._next = (self.nodes.index(best) + 1) % count
        return best

    def _round_robin(self, exclude: AbstractSet[Address]) -> Address | None:
        count = len(self.nodes)
        for step in range(count):
            index = (self._next + step) % count
            node = self.nodes[index]
            if node not in exclude:
                self._next = (index + 1) % count
                return node
        return None
