"""The startup phase of one pgwire connection, up to (not including) ReadyForQuery.

    client                                 server
    SSLRequest                  ------->
                                <-------  'S' + TLS handshake  (a certificate is configured)
                                          'N'                  (none: plain TCP)
    GSSENCRequest               ------->
                                <-------  'N' (no GSS encryption)
    StartupMessage (3.x, params) ------>      or CancelRequest(pid, secret): see cancel.py
                                <-------  [NegotiateProtocolVersion]
                                <-------  [SASL exchange]      (auth.py, scram-sha-256)
                                <-------  AuthenticationOk
                                <-------  ParameterStatus * n, BackendKeyData

Invariant: after an SSLRequest answered 'S' nothing the client sent in clear
is kept: bytes already buffered behind the SSLRequest are a protocol
violation (they could be injected by a man in the middle, CVE-2021-23214).
"""

from __future__ import annotations

import logging
import ssl
import struct
from dataclasses import dataclass

import trio

from . import codec
from .cancel import new_key, parse_cancel_request

log = logging.getLogger("strata.pgwire")

MAX_NEGOTIATIONS = 2  # an SSLRequest and a GSSENCRequest, in either order
TLS_HANDSHAKE_TIMEOUT_S = 10


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


@dataclass(frozen=True)
class CancelKey:
    pid: int
    secret: int


@dataclass
class Negotiated:
    """What the startup packets asked for, and the streams to go on with
    (a TLS stream and a fresh reader once TLS was set up)."""
    stream: trio.abc.Stream
    reader: codec.MessageReader
    request: StartupInfo | CancelKey
    tls: bool = False


async def read_startup(stream: trio.abc.Stream, reader: codec.MessageReader,
                       ssl_context: ssl.SSLContext | None = None) -> Negotiated:
    """Negotiate encryption and read the StartupMessage or CancelRequest.
    Raises ``StartupRefused`` / ``codec.ProtocolViolation``."""
    tls = False
    for _ in range(MAX_NEGOTIATIONS + 1):
        body = await reader.read_startup_packet()
        (code,) = struct.unpack_from("!i", body)
        if code == codec.SSL_REQUEST and ssl_context is not None and not tls:
            if reader.buffered():
                raise codec.ProtocolViolation("received unencrypted data after SSL request")
            await stream.send_all(b"S")
            tls_stream = trio.SSLStream(stream, ssl_context, server_side=True)
            with trio.fail_after(TLS_HANDSHAKE_TIMEOUT_S):
                try:
                    await tls_stream.do_handshake()
                except trio.BrokenResourceError as e:
                    raise codec.ClientClosed() from e
            stream, tls = tls_stream, True
            reader = codec.MessageReader(tls_stream, reader.max_message_size)
            continue
        if code in (codec.SSL_REQUEST, codec.GSSENC_REQUEST):
            await stream.send_all(b"N")
            continue
        if code == codec.CANCEL_REQUEST:
            try:
                pid, secret = parse_cancel_request(body)
            except ValueError:
                raise codec.ProtocolViolation("malformed CancelRequest") from None
            return Negotiated(stream, reader, CancelKey(pid, secret), tls)
        return Negotiated(stream, reader, _startup_message(code, body), tls)
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
    pid, secret = new_key()
    return StartupInfo(params, pid, secret, minor)


REPORTED = ("server_version", "server_encoding", "client_encoding", "DateStyle",
            "IntervalStyle", "integer_datetimes", "TimeZone", "standard_conforming_strings",
            "application_name", "is_superuser", "session_authorization")
"""The GUC_REPORT parameters of PostgreSQL 15: sent at startup, and again
(ParameterStatus) whenever a SET changes one of them."""


def startup_reply(info: StartupInfo, server_version: str,
                  extra_status: dict[str, str] | None = None) -> list[bytes]:
    """Everything sent after authentication, before ReadyForQuery."""
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
