"""The startup phase of pgwire, as far as the router needs it.

Owns reading the client's first packets: an SSLRequest or GSSENCRequest is
answered with ``N`` (the router speaks plain TCP; the client then goes on in
clear or gives up) and the next packet is read; a CancelRequest or a
StartupMessage is returned to the caller as raw bytes, untouched, so the
proxy can forward it byte for byte.

Invariant: nothing past the returned packet is consumed from the client
stream (reads ask for exactly the bytes still missing), so the splice that
follows starts at the client's next message.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import trio

from sql.pgwire.codec import (
    CANCEL_REQUEST,
    GSSENC_REQUEST,
    MAX_STARTUP_PACKET_SIZE,
    SSL_REQUEST,
    parse_startup_params,
)

MAX_NEGOTIATIONS = 2  # an SSLRequest and a GSSENCRequest, in either order


class StartupError(Exception):
    """The client closed or sent something that is not a startup packet."""


@dataclass
class FirstPacket:
    kind: str
    """"startup" or "cancel"."""
    packet: bytes
    """The whole packet including its length word, to forward unchanged."""
    params: dict[str, str] = field(default_factory=dict)
    """StartupMessage parameters (user, database, ...); empty for a cancel."""


async def _read_exact(stream: trio.abc.ReceiveStream, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        data = await stream.receive_some(n - len(buf))
        if not data:
            raise StartupError("client closed during startup")
        buf += data
    return bytes(buf)


async def read_packet(stream: trio.abc.ReceiveStream) -> bytes:
    """One length-prefixed startup-phase packet, length word included."""
    head = await _read_exact(stream, 4)
    (length,) = struct.unpack("!i", head)
    if length < 8 or length > MAX_STARTUP_PACKET_SIZE:
        raise StartupError(f"invalid startup packet length {length}")
    return head + await _read_exact(stream, length - 4)


async def read_first_packet(stream: trio.abc.Stream) -> FirstPacket:
    """Negotiate away SSL/GSS encryption and return the startup or cancel packet."""
    for _ in range(MAX_NEGOTIATIONS + 1):
        packet = await read_packet(stream)
        (code,) = struct.unpack_from("!i", packet, 4)
        if code in (SSL_REQUEST, GSSENC_REQUEST):
            await stream.send_all(b"N")
            continue
        if code == CANCEL_REQUEST:
            return FirstPacket("cancel", packet)
        if code >> 16 != 3:
            raise StartupError(f"unsupported protocol version {code >> 16}.{code & 0xFFFF}")
        try:
            params = parse_startup_params(packet[4:])
        except (ValueError, UnicodeDecodeError) as exc:
            raise StartupError(f"malformed startup packet: {exc}") from exc
        return FirstPacket("startup", packet, params)
    raise StartupError("too many encryption negotiation requests")
