"""Peer RPC between compute nodes (page hand-off, catalog read copies, invalidation).

Wire format, both directions, over trio TCP on the node's peer port:

    u32 header_len | header (JSON object) | u32 blob_len | blob (page image or empty)

A request header has ``op``; a reply has ``ok`` and, when not ok, ``error``
(with ``sqlstate``).  One request at a time per connection; clients keep a
small pool of idle connections per peer.  JSON + raw bytes keeps the format
inspectable and free of code-executing decoders.
"""

from __future__ import annotations

import json
import struct
from typing import Awaitable, Callable

import trio

MAX_FRAME = 256 * 1024 * 1024
Handler = Callable[[dict, bytes], Awaitable[tuple[dict, bytes]]]


class PeerError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class PeerUnreachable(PeerError):
    pass


async def _read_exact(stream: trio.SocketStream, n: int, buf: bytearray) -> bytes:
    while len(buf) < n:
        chunk = await stream.receive_some(max(65536, n - len(buf)))
        if not chunk:
            raise EOFError
        buf += chunk
    out = bytes(buf[:n])
    del buf[:n]
    return out


async def read_frame(stream: trio.SocketStream, buf: bytearray) -> tuple[dict, bytes]:
    (hlen,) = struct.unpack(">I", await _read_exact(stream, 4, buf))
    if hlen > MAX_FRAME:
        raise EOFError
    header = json.loads(await _read_exact(stream, hlen, buf))
    (blen,) = struct.unpack(">I", await _read_exact(stream, 4, buf))
    if blen > MAX_FRAME:
        raise EOFError
    blob = await _read_exact(stream, blen, buf) if blen else b""
    return header, blob


def encode_frame(header: dict, blob: bytes = b"") -> bytes:
    h = json.dumps(header).encode()
    return b"".join((struct.pack(">I", len(h)), h, struct.pack(">I", len(blob)), blob))


async def serve_peers(host: str, port: int, handler: Handler, *, task_status=trio.TASK_STATUS_IGNORED):
    async def one(stream: trio.SocketStream) -> None:
        buf = bytearray()
        try:
            while True:
                header, blob = await read_frame(stream, buf)
                try:
                    reply, out = await handler(header, blob)
                except PeerError as e:
                    reply, out = {"ok": False, "error": str(e), "sqlstate": e.sqlstate}, b""
                await stream.send_all(encode_frame(reply, out))
        except (EOFError, trio.BrokenResourceError, trio.ClosedResourceError, ConnectionError):
            pass

    await trio.serve_tcp(one, port, host=host, task_status=task_status)


class PeerClient:
    def __init__(self, connect_timeout_s: float = 1.0, reply_timeout_s: float = 8.0) -> None:
        self._idle: dict[tuple[str, int], list[tuple[trio.SocketStream, bytearray]]] = {}
        self._connect_timeout_s = connect_timeout_s
        self._reply_timeout_s = reply_timeout_s
        """A peer that accepts but does not answer (paused, SIGSTOP) counts as
        unreachable: the caller retries until its lease expires."""

    async def call(self, addr: tuple[str, int], header: dict, blob: bytes = b"") -> tuple[dict, bytes]:
        pool = self._idle.setdefault(addr, [])
        if pool:
            stream, buf = pool.pop()
        else:
            try:
                with trio.fail_after(self._connect_timeout_s):
                    stream = await trio.open_tcp_stream(*addr)
            except (OSError, trio.TooSlowError) as e:
                raise PeerUnreachable(f"peer {addr[0]}:{addr[1]} unreachable: {e}") from e
            buf = bytearray()
        try:
            with trio.fail_after(self._reply_timeout_s):
                await stream.send_all(encode_frame(header, blob))
                reply, out = await read_frame(stream, buf)
        except BaseException as e:
            await stream.aclose()
            if isinstance(e, (EOFError, OSError, trio.BrokenResourceError, trio.TooSlowError)):
                raise PeerUnreachable(f"peer {addr[0]}:{addr[1]} closed the connection") from e
            raise
        pool.append((stream, buf))
        if not reply.get("ok"):
            raise PeerError(reply.get("error", "peer error"), reply.get("sqlstate"))
        return reply, out

    async def aclose(self) -> None:
        for pool in self._idle.values():
            for stream, _ in pool:
                await stream.aclose()
        self._idle.clear()
