"""The startup phase of one pgwire connection, up to (not including) ReadyForQuery.

    client                                 server
    SSLRequest / GSSENCRequest  ------->
                                <-------  'N' (no TLS, no GSS encryption yet)
    StartupMessage (3.x, params) ------>
                                <-------  [NegotiateProtocolVersion]
                                <-------  AuthenticationOk (trust)
                                <-------  ParameterStatus * n, BackendKeyData

A CancelRequest is read and the connection closed: real cancellation (the
key registry and interrupting the target session) is later work.

Authentication is "trust": the documented development default, meant for
loopback listeners.  TLS and SCRAM are not implemented yet.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import struct
from dataclasses import dataclass

import trio

from . import codec

log = logging.getLogger("strata.pgwire")

MAX_NEGOTIATIONS = 2  # an SSLRequest and a GSSENCRequest, in either order

_pids = itertools.count(1000)


class StartupRefused(Exception):
    """The client must be sent ``response`` (a FATAL ErrorResponse) and closed."""

    def __init__(self, response: bytes) -> None:
        super().__init__("startup refused")
        self.response = response


@dataclass
class StartupInfo:
    params: dict[str, str]
    pid: int
    secret: int
    protocol_minor: int = 0

    @property
    def user(self) -> str:
        return self.params.get("user", "")


async def read_startup(stream: trio.abc.Stream, reader: codec.MessageReader) -> StartupInfo | None:
    """Negotiate SSL/GSS away and read the StartupMessage.  ``None`` for a
    CancelRequest (the caller closes).  Raises ``StartupRefused``."""
    for _ in range(MAX_NEGOTIATIONS + 1):
        body = await reader.read_startup_packet()
        (code,) = struct.unpack_from("!i", body)
        if code in (codec.SSL_REQUEST, codec.GSSENC_REQUEST):
            await stream.send_all(b"N")
            continue
        if code == codec.CANCEL_REQUEST:
            log.info("CancelRequest received; cancellation is not implemented yet")
            return None
        return _startup_message(code, body)
    raise codec.ProtocolViolation("too many SSL/GSS negotiation requests")


def _startup_message(code: int, body: bytes) -> StartupInfo:
    major, minor = code >> 16, code & 0xFFFF
    if major != 3:
        raise StartupRefused(codec.error_response(
            "FATAL", "0A000",
            f"unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0"))
    params = codec.parse_startup_params(body)
    if not params.get("user"):
        raise StartupRefused(codec.error_response(
            "FATAL", "28000", "no PostgreSQL user name specified in startup packet"))
    params.setdefault("database", params["user"])
    return StartupInfo(params, next(_pids), secrets.randbits(31), minor)


def startup_reply(info: StartupInfo, server_version: str,
                  extra_status: dict[str, str] | None = None) -> list[bytes]:
    """Everything sent after the StartupMessage, before ReadyForQuery."""
    out: list[bytes] = []
    unrecognized = [k for k in info.params if k.startswith("_pq_.")]
    if info.protocol_minor > 0 or unrecognized:
        out.append(codec.negotiate_protocol_version(0, unrecognized))
    out.append(codec.AUTHENTICATION_OK)
    status = {
        "server_version": server_version,
        "server_encoding": "UTF8",
        "client_encoding": "UTF8",
        "DateStyle": "ISO, MDY",
        "IntervalStyle": "postgres",
        "integer_datetimes": "on",
        "TimeZone": "UTC",
        "standard_conforming_strings": "on",
        "application_name": info.params.get("application_name", ""),
        "is_superuser": "on",
        "session_authorization": info.user,
        **(extra_status or {}),
    }
    out += [codec.parameter_status(k, v) for k, v in status.items()]
    out.append(codec.backend_key_data(info.pid, info.secret))
    return out
