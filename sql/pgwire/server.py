"""The pgwire listener: one trio task per client connection.

    serve_pgwire(host, port, backend_factory)
        trio.serve_tcp --> _serve_connection(stream)
            startup.read_startup        SSL/GSS 'N', CancelRequest, StartupMessage
            backend = backend_factory()  (zero-argument; may return an awaitable)
            startup.startup_reply       AuthenticationOk, ParameterStatus, BackendKeyData
            session.Session.run         simple + extended query until Terminate/EOF
            finally: await backend.close()   (always, shielded)

``task_status.started`` receives trio's listeners, so ``port=0`` works in
tests: ``listeners[0].socket.getsockname()[1]`` is the bound port.
"""

from __future__ import annotations

import inspect
import logging
from functools import partial
from typing import Awaitable, Callable, Union

import trio

from sql.errors import PROTOCOL_VIOLATION, SqlError

from . import codec
from .api import Backend
from .session import Session
from .startup import StartupRefused, read_startup, startup_reply

log = logging.getLogger("strata.pgwire")

BackendFactory = Callable[[], Union[Backend, Awaitable[Backend]]]
CLOSE_TIMEOUT_S = 10


async def serve_pgwire(host: str, port: int, backend_factory: BackendFactory, *,
                       task_status=trio.TASK_STATUS_IGNORED,
                       server_version: str = "15.0 (Strata)",
                       max_message_size: int = codec.DEFAULT_MAX_MESSAGE_SIZE,
                       extra_status: dict[str, str] | None = None) -> None:
    """Serve PostgreSQL clients on ``host:port`` until cancelled.

    ``extra_status`` adds ParameterStatus messages to every startup reply
    (a compute node reports ``strata_node_id`` so clients see where they are)."""
    handler = partial(_serve_connection, backend_factory=backend_factory,
                      server_version=server_version, max_message_size=max_message_size,
                      extra_status=dict(extra_status or {}))
    await trio.serve_tcp(handler, port, host=host, task_status=task_status)


async def _serve_connection(stream: trio.SocketStream, *, backend_factory: BackendFactory,
                            server_version: str, max_message_size: int,
                            extra_status: dict[str, str]) -> None:
    async with stream:
        try:
            await _handle(stream, backend_factory, server_version, max_message_size,
                          extra_status)
        except (codec.ClientClosed, trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        except codec.ProtocolViolation as e:
            await _send_quietly(stream, codec.error_response("FATAL", PROTOCOL_VIOLATION, str(e)))


async def _handle(stream: trio.SocketStream, backend_factory: BackendFactory,
                  server_version: str, max_message_size: int,
                  extra_status: dict[str, str]) -> None:
    reader = codec.MessageReader(stream, max_message_size)
    try:
        info = await read_startup(stream, reader)
    except StartupRefused as e:
        await _send_quietly(stream, e.response)
        return
    if info is None:  # CancelRequest: read, nothing to do yet
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
        session.emit_many(startup_reply(info, server_version, extra_status))
        await session.run()
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
