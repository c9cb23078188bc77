"""CancelRequest: the (pid, secret) -> session registry of one pgwire server.

    client A (busy) <--- 57014 ---- Session A <--- cancel() ---+
    client B: CancelRequest(pid, secret) --> registry.cancel --+

Every connection registers a ``Cancellable`` under the BackendKeyData it was
sent and removes it when it ends.  A CancelRequest whose key matches (the
secret compared in constant time) calls ``cancel()``; a wrong key, or a
session that is not running a statement, is ignored, as in PostgreSQL.

The registry belongs to one ``serve_pgwire`` call; everything runs in the
server's trio thread, so no lock.  PIDs are unique per process (a counter that
starts at a random offset, so two nodes behind one router rarely share a
pid; the router keys by (pid, secret) anyway).
"""

from __future__ import annotations

import hmac
import itertools
import secrets
import struct
from typing import Protocol

_pids = itertools.count(1000 + secrets.randbelow(1 << 20))


def new_key() -> tuple[int, int]:
    """A fresh (pid, secret) for BackendKeyData (both fit in a signed int32)."""
    return next(_pids) & 0x7FFFFFFF, secrets.randbits(31)


def parse_cancel_request(body: bytes) -> tuple[int, int]:
    """(pid, secret) from a CancelRequest body (code, pid, secret)."""
    if len(body) < 12:
        raise ValueError("short CancelRequest")
    _, pid, secret = struct.unpack_from("!iII", body)
    return pid, secret


class Cancellable(Protocol):
    def cancel(self) -> None:
        """Cancel the statement in progress, if any."""
        ...


class CancelRegistry:
    def __init__(self) -> None:
        self._sessions: dict[int, tuple[int, Cancellable]] = {}

    def register(self, pid: int, secret: int, session: Cancellable) -> None:
        self._sessions[pid] = (secret, session)

    def unregister(self, pid: int) -> None:
        self._sessions.pop(pid, None)

    def cancel(self, pid: int, secret: int) -> bool:
        """Cancel the session with this key; False when no session matches."""
        entry = self._sessions.get(pid)
        if entry is None:
            return False
        want, session = entry
        if not hmac.compare_digest(want.to_bytes(4, "big"), (secret & 0xFFFFFFFF).to_bytes(4, "big")):
            return False
        session.cancel()
        return True

    def __len__(self) -> int:
        return len(self._sessions)
