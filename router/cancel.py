"""CancelRequest routing: which compute node issued which BackendKeyData.

    node --startup reply--> KeyWatcher.feed (bytes still forwarded unchanged)
                               | BackendKeyData(pid, secret)
                               v
                            CancelMap[(pid, secret)] = node      (until the client leaves)
    client --CancelRequest(pid, secret)--> router --same packet--> that node

The watcher parses only the node's messages before the first ReadyForQuery
(authentication, ParameterStatus, BackendKeyData); after that it stops
looking and costs nothing.  A CancelRequest whose key the router never saw is
dropped, as PostgreSQL drops one with a wrong key.  Keys are matched whole
(pid and secret): two nodes may hand out the same pid.
"""

from __future__ import annotations

import struct

from router.api import Address

Key = tuple[int, int]


def cancel_key(packet: bytes) -> Key | None:
    """(pid, secret) of a whole CancelRequest packet (length word included)."""
    if len(packet) < 16:
        return None
    pid, secret = struct.unpack_from("!II", packet, 8)
    return pid, secret


class KeyWatcher:
    """Parses the node's startup reply as it streams past."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.key: Key | None = None
        self.done = False

    def feed(self, data: bytes) -> Key | None:
        """Look at the next bytes from the node; returns the key when this
        chunk completed the BackendKeyData message."""
        if self.done:
            return None
        self._buf += data
        found = None
        pos = 0
        buf = self._buf
        while len(buf) - pos >= 5:
            msg_type = buf[pos:pos + 1]
            (length,) = struct.unpack_from("!i", buf, pos + 1)
            if length < 4:
                self.done = True  # not pgwire: stop watching
                break
            end = pos + 1 + length
            if end > len(buf):
                break
            if msg_type == b"K" and length >= 12:
                found = self.key = struct.unpack_from("!II", buf, pos + 5)
            elif msg_type in (b"Z", b"E"):
                self.done = True
                break
            pos = end
        if self.done:
            self._buf = bytearray()
        else:
            del self._buf[:pos]
        return found


class CancelMap:
    def __init__(self) -> None:
        self._nodes: dict[Key, Address] = {}

    def add(self, key: Key, node: Address) -> None:
        self._nodes[key] = node

    def remove(self, key: Key) -> None:
        self._nodes.pop(key, None)

    def node_for(self, key: Key) -> Address | None:
        return self._nodes.get(key)

    def __len__(self) -> int:
        return len(self._nodes)
