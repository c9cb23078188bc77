"""The startup phase of pgwire, as far as the router needs it.

Owns reading the client's first packets: an SSLRequest is answered ``S``
and the connection switched to TLS when the router has a certificate
(``ssl_context``), else ``N``; a GSSENCRequest is answered ``N``; then the
next packet is read; a CancelRequest or a
StartupMessage is returned to the caller as raw bytes, untouched, so the
proxy can forward it byte for byte.

Invariant: nothing past the returned packet is consumed from the client
stream (reads ask for exactly the bytes still missing), so the splice that
follows starts at the client's next message.
"""

from __future__ import annotations

import ssl
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
TLS_HANDSHAKE_TIMEOUT_S = 10


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
    stream: trio.abc.Stream | None = None
    """The client stream to go on with: a TLS stream after ``S``, else the one given."""


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


async def read_first_packet(stream: trio.abc.Stream,
                            ssl_context: ssl.SSLContext | None = None) -> FirstPacket:
    """Negotiate encryption (TLS if ``ssl_context``, never GSS) and return
    the startup or cancel packet."""
    tls = False
    for _ in range(MAX_NEGOTIATIONS + 1):
        packet = await read_packet(stream)
        (code,) = struct.unpack_from("!i", packet, 4)
        if code == SSL_REQUEST and ssl_context is not None and not tls:
            await stream.send_all(b"S")
            tls_stream = trio.SSLStream(stream, ssl_context, server_side=True)
            with trio.move_on_after(TLS_HANDSHAKE_TIMEOUT_S) as timeout:
                await tls_stream.do_handshake()
            if timeout.cancelled_caught:
                raise StartupError("TLS handshake timed out")
            stream, tls = tls_stream, True
            continue
        if code in (SSL_REQUEST, GSSENC_REQUEST):
            await stream.send_all(b"N")
            continue
        if code == CANCEL_REQUEST:
            return FirstPacket("cancel", packet, stream=stream)
        if code >> 16 != 3:
            raise StartupError(f"unsupported protocol version {code >> 16}.{code & 0xFFFF}")
        try:
            params = parse_startup_params(packet[4:])
        except (ValueError, UnicodeDecodeError) as exc:
            raise StartupError(f"malformed startup packet: {exc}") from exc
        return FirstPacket("startup", packet, params, stream)
    raise StartupError("too many encryption negotiation requests")
