"""The pgwire listener: one trio task per client connection.

    serve_pgwire(host, port, backend_factory, *, auth, ssl_context, ...)
        trio.serve_tcp --> _serve_connection(stream)
            startup.read_startup        SSLRequest 'S' (TLS) or 'N', GSS 'N',
                                        CancelRequest -> registry.cancel, StartupMessage
            auth.authenticate           trust, or the SCRAM-SHA-256 exchange
            backend = backend_factory()  (zero-argument; may return an awaitable)
            startup.startup_reply       AuthenticationOk, ParameterStatus, BackendKeyData
            registry.register(pid, secret, session)
            session.Session.run         simple + extended query until Terminate/EOF
            finally: unregister; await backend.close()   (always, shielded)

``task_status.started`` receives trio's listeners, so ``port=0`` works in
tests: ``listeners[0].socket.getsockname()[1]`` is the bound port.

Configuration not given as arguments comes from the environment
(``config_from_env``), so ``python -m compute`` picks it up unchanged:
``STRATA_PG_AUTH`` / ``STRATA_PG_PASSWORD_FILE`` / ``STRATA_PG_PASSWORDS``
(see auth.py) and ``STRATA_PG_TLS_CERT`` / ``STRATA_PG_TLS_KEY`` (PEM files;
TLS is offered when a certificate is set).
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import os
import ssl
from functools import partial
from typing import Awaitable, Callable, Mapping, Union

import trio

from sql.errors import PROTOCOL_VIOLATION, SqlError

from . import codec
from .api import Backend
from .auth import TRUST, AuthConfig, AuthFailed, authenticate
from .cancel import CancelRegistry
from .session import Session
from .startup import CancelKey, StartupRefused, read_startup, startup_reply

log = logging.getLogger("strata.pgwire")

BackendFactory = Callable[[], Union[Backend, Awaitable[Backend]]]
CLOSE_TIMEOUT_S = 10
AUTH_TIMEOUT_S = 60  # as PostgreSQL's authentication_timeout
SERVER_VERSION = "15.0 (Strata)"
"""Reported as ``server_version``; why 15 is written down in README.md."""


def tls_context(cert_file: str, key_file: str | None = None) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2+) from PEM files."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


def tls_from_env(env: Mapping[str, str] | None = None) -> ssl.SSLContext | None:
    env = os.environ if env is None else env
    cert = env.get("STRATA_PG_TLS_CERT")
    return tls_context(cert, env.get("STRATA_PG_TLS_KEY") or None) if cert else None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def serve_pgwire(host: str, port: int, backend_factory: BackendFactory, *,
                       task_status=trio.TASK_STATUS_IGNORED,
                       server_version: str = SERVER_VERSION,
                       max_message_size: int = codec.DEFAULT_MAX_MESSAGE_SIZE,
                       extra_status: dict[str, str] | None = None,
                       auth: AuthConfig | None = None,
                       ssl_context: ssl.SSLContext | None | bool = None,
                       cancel_registry: CancelRegistry | None = None) -> None:
    """Serve PostgreSQL clients on ``host:port`` until cancelled.

    ``extra_status`` adds ParameterStatus messages to every startup reply
    (a compute node reports ``strata_node_id`` so clients see where they are).
    ``auth`` None reads ``AuthConfig.from_env()``; ``ssl_context`` None reads
    the environment, False disables TLS."""
    if auth is None:
        auth = AuthConfig.from_env()
    if ssl_context is None:
        ssl_context = tls_from_env()
    if auth.method == TRUST and not _is_loopback(host):
        log.warning("pgwire on %s:%s uses trust authentication (development default); "
                    "set STRATA_PG_AUTH=scram-sha-256 for non-loopback listeners", host, port)
    handler = partial(_serve_connection, backend_factory=backend_factory,
                      server_version=server_version, max_message_size=max_message_size,
                      extra_status=dict(extra_status or {}), auth=auth,
                      ssl_context=ssl_context or None,
                      registry=cancel_registry if cancel_registry is not None else CancelRegistry())
    await trio.serve_tcp(handler, port, host=host, task_status=task_status)


async def _serve_connection(stream: trio.SocketStream, **kwargs) -> None:
    tls: list[trio.abc.Stream] = []  # the TLS stream, once negotiated
    async with stream:
        try:
            await _handle(stream, tls, **kwargs)
        except (codec.ClientClosed, trio.BrokenResourceError, trio.ClosedResourceError,
                trio.TooSlowError):
            pass
        except codec.ProtocolViolation as e:
            await _send_quietly(tls[0] if tls else stream,
                                codec.error_response("FATAL", PROTOCOL_VIOLATION, str(e)))
        finally:
            if tls:  # close_notify, so a TLS client sees a clean end
                with trio.move_on_after(1), trio.CancelScope(shield=True):
                    try:
                        await tls[0].aclose()
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        pass


async def _handle(stream: trio.abc.Stream, tls: list[trio.abc.Stream], *,
                  backend_factory: BackendFactory,
                  server_version: str, max_message_size: int, extra_status: dict[str, str],
                  auth: AuthConfig, ssl_context: ssl.SSLContext | None,
                  registry: CancelRegistry) -> None:
    reader = codec.MessageReader(stream, max_message_size)
    try:
        with trio.fail_after(AUTH_TIMEOUT_S):
            negotiated = await read_startup(stream, reader, ssl_context)
            stream, reader = negotiated.stream, negotiated.reader
            if negotiated.tls:
                tls.append(stream)
            info = negotiated.request
            if isinstance(info, CancelKey):
                if not registry.cancel(info.pid, info.secret):
                    log.info("CancelRequest for unknown backend %d ignored", info.pid)
                return
            await authenticate(stream, reader, info.user, auth)
    except (StartupRefused, AuthFailed) as e:
        await _send_quietly(stream, e.response)
        return
    try:
        backend = backend_factory()
        if inspect.isawaitable(backend):
            backend = await backend
    except SqlError as e:
        await _send_quietly(stream, codec.error_response("FATAL", e.sqlstate, e.message))
        return
    except Exception as e:
        log.exception("pgwire: backend_factory failed")
        await _send_quietly(stream, codec.error_response("FATAL", "XX000", str(e)))
        return
    try:
        session = Session(stream, reader, backend)
        try:
            reply = startup_reply(info, server_version, extra_status,
                                  getattr(backend, "settings", None))
        except StartupRefused as e:  # a bad startup parameter: FATAL after AuthenticationOk
            await _send_quietly(stream, e.response)
            return
        session.emit_many(reply)
        session.sync_reported_settings()
        registry.register(info.pid, info.secret, session)
        try:
            await session.run()
        finally:
            registry.unregister(info.pid)
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT_S):
            try:
                await backend.close()
            except Exception:
                log.exception("pgwire: backend.close() failed")


async def _send_quietly(stream: trio.abc.SendStream, data: bytes) -> None:
    try:
        await stream.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
