"""The router's boundary: how a client connection is given a compute node.

    client --startup packet--> router.proxy --pick(params)--> NodePicker
                                     |                          |
                                     +---- TCP splice ----> compute node (pgwire)

A ``NodePicker`` sees the client's startup parameters (user, database,
application_name, ...) and returns the address of the compute node to try next.
The proxy passes the set of nodes whose connect already failed for this client
as ``exclude``; the picker returns ``None`` when no node is left to try.

Pickers: ``router.affinity.AffinityPicker`` (the default: the sessions of one
application share a node, so their hot pages stay there) and
``router.picker.RoundRobinPicker``.  Per-transaction routing (send each
transaction to the node owning its pages, DESIGN.md "Routing and placement")
would add switching at transaction boundaries in the proxy.
"""

from __future__ import annotations

from typing import AbstractSet, Mapping, Protocol

Address = tuple[str, int]
"""(host, port) of a compute node's pgwire listener."""


class NodePicker(Protocol):
    def pick(self, startup_params: Mapping[str, str],
             exclude: AbstractSet[Address] = frozenset()) -> Address | None:
        """The next node to connect this client to, never one in ``exclude``;
        ``None`` when every node is excluded."""
        ...


def parse_address(text: str) -> Address:
    """``"host:port"`` -> ``(host, port)``; raises ValueError on bad input."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host:
        raise ValueError(f"bad node address {text!r}: expected HOST:PORT")
    port_no = int(port)
    if not 0 < port_no < 65536:
        raise ValueError(f"bad port in node address {text!r}")
    return host.strip("[]"), port_no


def parse_addresses(text: str) -> list[Address]:
    """``"h1:p1,h2:p2"`` -> a list of addresses (empty items ignored)."""
    return [parse_address(item) for item in text.split(",") if item.strip()]
