"""The router's TCP proxy: one client connection -> one compute node.

    client ──SSLRequest──▶ router ──'N'──▶ client
    client ──Startup────▶ router ──pick()──▶ node (connect; on failure the next)
                                   ──Startup──▶ node
    client ◀══════ bytes spliced both ways, unchanged ══════▶ node

Owns: accepting clients, the startup phase (``router.startup``), choosing a
node through a ``NodePicker`` and splicing bytes until either side closes.

Invariants:
  * a whole client connection stays on one node, so every transaction runs on
    one node (DESIGN.md invariant 8) and results reach the client unchanged;
  * a node whose connect fails is skipped for this client; when every node
    fails the client gets ErrorResponse FATAL 57P03 "no compute node available";
  * a CancelRequest is not forwarded yet (that needs the BackendKeyData ->
    node map): the router just closes the cancel connection.
"""

from __future__ import annotations

import functools
import sys
from typing import Awaitable, Callable

import trio

from router.api import Address, NodePicker
from router.startup import StartupError, read_first_packet
from sql.pgwire.codec import error_response

RECEIVE_SIZE = 64 * 1024
CONNECT_TIMEOUT_S = 5.0
NO_NODE_SQLSTATE = "57P03"  # cannot_connect_now
NO_NODE_MESSAGE = "no compute node available"

Connect = Callable[[str, int], Awaitable[trio.abc.Stream]]
_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError, OSError)


async def _open_tcp(host: str, port: int) -> trio.abc.Stream:
    return await trio.open_tcp_stream(host, port)


async def connect_to_node(picker: NodePicker, params: dict[str, str],
                          connect: Connect = _open_tcp,
                          timeout_s: float = CONNECT_TIMEOUT_S,
                          ) -> tuple[Address, trio.abc.Stream] | None:
    """Connect to the node the picker chooses, trying the next one on failure."""
    failed: set[Address] = set()
    while (node := picker.pick(params, failed)) is not None:
        with trio.move_on_after(timeout_s):
            try:
                return node, await connect(*node)
            except OSError:
                pass
        failed.add(node)
    return None


async def _pump(source: trio.abc.ReceiveStream, sink: trio.abc.SendStream,
                done: trio.CancelScope) -> None:
    try:
        while data := await source.receive_some(RECEIVE_SIZE):
            await sink.send_all(data)
    except _STREAM_ERRORS:
        pass
    finally:
        done.cancel()


async def splice(a: trio.abc.Stream, b: trio.abc.Stream) -> None:
    """Copy bytes a->b and b->a until either side closes or fails."""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_pump, a, b, nursery.cancel_scope)
        nursery.start_soon(_pump, b, a, nursery.cancel_scope)


async def handle_client(client: trio.abc.Stream, picker: NodePicker,
                        connect: Connect = _open_tcp) -> None:
    async with client:
        try:
            first = await read_first_packet(client)
        except (StartupError, *_STREAM_ERRORS):
            return
        if first.kind == "cancel":
            return  # later: forward to the node that issued the BackendKeyData
        chosen = await connect_to_node(picker, first.params, connect)
        if chosen is None:
            try:
                await client.send_all(error_response("FATAL", NO_NODE_SQLSTATE, NO_NODE_MESSAGE))
            except _STREAM_ERRORS:
                pass
            return
        _, node = chosen
        async with node:
            try:
                await node.send_all(first.packet)
            except _STREAM_ERRORS:
                return
            await splice(client, node)


async def serve(host: str, port: int, picker: NodePicker, *,
                connect: Connect = _open_tcp,
                task_status=trio.TASK_STATUS_IGNORED) -> None:
    """Accept clients forever; ``task_status.started`` gets the bound (host, port)."""

    async def handler(stream: trio.SocketStream) -> None:
        await handle_client(stream, picker, connect)

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, handler, port, host=host))
        bound = listeners[0].socket.getsockname()[:2]
        print(f"router listening on {bound[0]}:{bound[1]}", file=sys.stdout, flush=True)
        task_status.started(bound)
