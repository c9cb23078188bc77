"""The router's TCP proxy: one client connection -> one compute node.

    client ──SSLRequest──▶ router ──'S' + TLS (certificate configured) / 'N'──▶ client
    client ──Startup────▶ router ──pick()──▶ node (connect; on failure the next)
                                   ──Startup──▶ node
    client ◀══════ bytes spliced both ways, unchanged ══════▶ node
                   (node's startup reply watched for BackendKeyData -> CancelMap)
    client ──CancelRequest(pid, secret)──▶ router ──same packet──▶ the node that issued it

Owns: accepting clients, the startup phase (``router.startup``), choosing a
node through a ``NodePicker`` and splicing bytes until either side closes.

Invariants:
  * a whole client connection stays on one node, so every transaction runs on
    one node (DESIGN.md invariant 8) and results reach the client unchanged;
  * a node whose connect fails is skipped for this client; when every node
    fails the client gets ErrorResponse FATAL 57P03 "no compute node available";
  * a CancelRequest goes, unchanged, to the node whose BackendKeyData
    carried that (pid, secret) (``router.cancel``); an unknown key is dropped.
    A key is forgotten when its client connection ends.
"""

from __future__ import annotations

import functools
import ssl
import sys
from typing import Awaitable, Callable

import trio

from router.api import Address, NodePicker
from router.cancel import CancelMap, KeyWatcher, cancel_key
from router.startup import FirstPacket, StartupError, read_first_packet
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


async def _pump_watching(source: trio.abc.ReceiveStream, sink: trio.abc.SendStream,
                         done: trio.CancelScope, on_key: Callable[[tuple[int, int]], None]) -> None:
    """Node -> client: like ``_pump``, but shows the startup reply to a
    ``KeyWatcher`` first (the bytes are forwarded unchanged)."""
    watcher = KeyWatcher()
    try:
        while not watcher.done:
            data = await source.receive_some(RECEIVE_SIZE)
            if not data:
                done.cancel()
                return
            key = watcher.feed(data)
            if key is not None:
                on_key(key)
            await sink.send_all(data)
    except _STREAM_ERRORS:
        done.cancel()
        return
    await _pump(source, sink, done)


async def splice(a: trio.abc.Stream, b: trio.abc.Stream,
                 on_key: Callable[[tuple[int, int]], None] | None = None) -> None:
    """Copy bytes a->b and b->a until either side closes or fails.  With
    ``on_key``, ``b`` is a node and its BackendKeyData is reported."""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_pump, a, b, nursery.cancel_scope)
        if on_key is None:
            nursery.start_soon(_pump, b, a, nursery.cancel_scope)
        else:
            nursery.start_soon(_pump_watching, b, a, nursery.cancel_scope, on_key)


async def forward_cancel(packet: bytes, cancels: CancelMap,
                         connect: Connect = _open_tcp) -> bool:
    """Send a CancelRequest to the node that issued its key; False if unknown."""
    key = cancel_key(packet)
    node = cancels.node_for(key) if key is not None else None
    if node is None:
        return False
    with trio.move_on_after(CONNECT_TIMEOUT_S):
        try:
            stream = await connect(*node)
            async with stream:
                await stream.send_all(packet)
                while await stream.receive_some(RECEIVE_SIZE):  # the node closes
                    pass
        except _STREAM_ERRORS:
            pass
    return True


async def handle_client(client: trio.abc.Stream, picker: NodePicker,
                        connect: Connect = _open_tcp, cancels: CancelMap | None = None,
                        ssl_context: ssl.SSLContext | None = None) -> None:
    cancels = cancels if cancels is not None else CancelMap()
    async with client:
        try:
            first = await read_first_packet(client, ssl_context)
        except (StartupError, trio.TooSlowError, *_STREAM_ERRORS):
            return
        if first.stream is not None and first.stream is not client:
            tls_client = first.stream  # TLS: close with close_notify, not a bare EOF
            try:
                await _serve_started(tls_client, first, picker, connect, cancels)
            finally:
                with trio.move_on_after(1), trio.CancelScope(shield=True):
                    try:
                        await tls_client.aclose()
                    except _STREAM_ERRORS:
                        pass
            return
        await _serve_started(client, first, picker, connect, cancels)


async def _serve_started(client: trio.abc.Stream, first: FirstPacket, picker: NodePicker,
                         connect: Connect, cancels: CancelMap) -> None:
    """After the first packet: forward a cancel, or connect a node and splice."""
    if first.kind == "cancel":
        await forward_cancel(first.packet, cancels, connect)
        return
    chosen = await connect_to_node(picker, first.params, connect)
    if chosen is None:
        try:
            await client.send_all(error_response("FATAL", NO_NODE_SQLSTATE, NO_NODE_MESSAGE))
        except _STREAM_ERRORS:
            pass
        return
    address, node = chosen
    keys: list[tuple[int, int]] = []

    def learned(key: tuple[int, int]) -> None:
        keys.append(key)
        cancels.add(key, address)

    async with node:
        try:
            await node.send_all(first.packet)
            await splice(client, node, learned)
        except _STREAM_ERRORS:
            return
        finally:
            for key in keys:
                cancels.remove(key)


async def serve(host: str, port: int, picker: NodePicker, *,
                connect: Connect = _open_tcp,
                ssl_context: ssl.SSLContext | None = None,
                cancels: CancelMap | None = None,
                task_status=trio.TASK_STATUS_IGNORED) -> None:
    """Accept clients forever; ``task_status.started`` gets the bound (host, port).
    ``ssl_context``: offer TLS to clients (the router -> node hop stays plain TCP)."""
    cancel_map = cancels if cancels is not None else CancelMap()

    async def handler(stream: trio.SocketStream) -> None:
        await handle_client(stream, picker, connect, cancel_map, ssl_context)

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, handler, port, host=host))
        bound = listeners[0].socket.getsockname()[:2]
        print(f"router listening on {bound[0]}:{bound[1]}", file=sys.stdout, flush=True)
        task_status.started(bound)
