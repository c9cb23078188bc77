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

from sql import settings as gucs
from sql.errors import FEATURE_NOT_SUPPORTED, SYNTAX_ERROR, SqlError

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


REPORTED = ("application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
            "in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser",
            "server_encoding", "server_version", "session_authorization",
            "standard_conforming_strings", "TimeZone")
"""The GUC_REPORT parameters of PostgreSQL 15: sent at startup (in this order,
as PostgreSQL does), and again (ParameterStatus) whenever a SET changes one."""

NOT_SETTINGS = ("user", "database", "options", "replication")
"""Startup parameters that are not configuration parameters."""


def split_options(options: str) -> list[str]:
    """The ``options`` startup parameter as PostgreSQL's pg_split_opts reads
    it: words separated by unescaped white space, ``\\x`` stands for ``x``."""
    words: list[str] = []
    cur: list[str] = []
    in_word, escaped = False, False
    for ch in options:
        if escaped:
            cur.append(ch)
            escaped, in_word = False, True
        elif ch == "\\":
            escaped, in_word = True, True
        elif ch.isspace():
            if in_word:
                words.append("".join(cur))
                cur, in_word = [], False
        else:
            cur.append(ch)
            in_word = True
    if in_word:
        words.append("".join(cur))
    return words


def option_settings(options: str) -> list[tuple[str, str]]:
    """``-c name=value`` / ``-cname=value`` / ``--name=value`` of the ``options``
    startup parameter as (name, value) pairs; other server switches are refused.
    Raises ``SqlError`` (42601, or 0A000 for a PostgreSQL switch Strata lacks)."""
    out: list[tuple[str, str]] = []
    words = split_options(options)
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            spec, flag = word[2:], word
        elif word.startswith("-c"):
            if len(word) > 2:
                spec, flag = word[2:], "-c " + word[2:].split("=", 1)[0]
            elif i + 1 < len(words):
                i += 1
                spec, flag = words[i], "-c " + words[i].split("=", 1)[0]
            else:
                raise SqlError(SYNTAX_ERROR, f"invalid command-line argument for server process: {word}")
        elif len(word) >= 2 and word[0] == "-" and word[1] in "BdDeEfFhijklNOpPrsStTvW":
            raise SqlError(FEATURE_NOT_SUPPORTED, f'server option "{word}" is not supported')
        else:
            raise SqlError(SYNTAX_ERROR, f"invalid command-line argument for server process: {word}")
        if "=" not in spec:
            raise SqlError(SYNTAX_ERROR, f"{flag} requires a value")
        name, value = spec.split("=", 1)
        out.append((name.replace("-", "_"), value))
        i += 1
    return out


def apply_startup_params(params: dict[str, str], settings: dict[str, str]) -> None:
    """Set the session's configuration from the startup packet as PostgreSQL's
    process_startup_options does: the ``options`` switches first, then every
    other parameter that is not user/database/replication/_pq_.* is a GUC.
    Raises ``SqlError`` (sent as FATAL: 42704 unknown, 22023 bad value, 55P02...)."""
    pairs = option_settings(params.get("options", ""))
    pairs += [(k, v) for k, v in params.items()
              if k not in NOT_SETTINGS and not k.startswith("_pq_.")]
    for name, value in pairs:
        gucs.assign(settings, name, value, startup=True)


def startup_reply(info: StartupInfo, server_version: str,
                  extra_status: dict[str, str] | None = None,
                  settings: dict[str, str] | None = None) -> list[bytes]:
    """Everything sent after authentication, before ReadyForQuery.  With the
    session's ``settings`` (``SqlSession.settings``) the startup parameters are
    applied to them first and the reported values come from them; an invalid
    one raises ``StartupRefused`` carrying AuthenticationOk and the FATAL error."""
    out: list[bytes] = []
    unrecognized = [k for k in info.params if k.startswith("_pq_.")]
    if info.protocol_minor > 0 or unrecognized:
        out.append(codec.negotiate_protocol_version(0, unrecognized))
    out.append(codec.AUTHENTICATION_OK)
    if settings is None:
        settings = gucs.defaults()
        settings["application_name"] = info.params.get("application_name", "")
    else:
        try:
            apply_startup_params(info.params, settings)
        except SqlError as e:
            raise StartupRefused(b"".join(out) + codec.error_response(
                "FATAL", e.sqlstate, e.message, e.detail, e.hint)) from None
    current = {**gucs.defaults(), **settings}
    status = {name: gucs.get(current, name, missing_ok=True) or "" for name in REPORTED}
    status["server_version"] = server_version
    status["session_authorization"] = info.user
    status.update(extra_status or {})
    out += [codec.parameter_status(k, v) for k, v in status.items()]
    out.append(codec.backend_key_data(info.pid, info.secret))
    return out
