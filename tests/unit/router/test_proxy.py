"""router.proxy against fake compute nodes: tiny trio TCP servers that read a
startup packet, answer a canned pgwire response and then echo."""

from __future__ import annotations

import functools
import struct

import pytest
import trio

from router.picker import RoundRobinPicker
from router.proxy import serve
from sql.pgwire.codec import SSL_REQUEST

AUTH_OK = b"R\x00\x00\x00\x08\x00\x00\x00\x00"
READY = b"Z\x00\x00\x00\x05I"


def startup_packet(**params: str) -> bytes:
    body = struct.pack("!i", 196608)
    for key, value in params.items():
        body += key.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def ssl_request() -> bytes:
    return struct.pack("!ii", 8, SSL_REQUEST)


async def read_exact(stream: trio.abc.ReceiveStream, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        data = await stream.receive_some(n - len(buf))
        assert data, "stream closed early"
        buf += data
    return buf


class FakeNode:
    """Reads one startup packet, records it, answers AUTH_OK + READY + a
    per-node tag, then echoes every byte back."""

    def __init__(self, tag: bytes) -> None:
        self.tag = tag
        self.startups: list[bytes] = []
        self.port = 0

    async def handler(self, stream: trio.SocketStream) -> None:
        async with stream:
            (length,) = struct.unpack("!i", await read_exact(stream, 4))
            self.startups.append(struct.pack("!i", length) + await read_exact(stream, length - 4))
            await stream.send_all(AUTH_OK + READY + self.tag)
            try:
                while data := await stream.receive_some(65536):
                    await stream.send_all(data)
            except trio.BrokenResourceError:
                pass

    async def start(self, nursery: trio.Nursery) -> FakeNode:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, self.handler, 0, host="127.0.0.1"))
        self.port = listeners[0].socket.getsockname()[1]
        return self

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port


def unused_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_router(nursery: trio.Nursery, nodes) -> int:
    _, port = await nursery.start(serve, "127.0.0.1", 0, RoundRobinPicker(nodes))
    return port


async def test_startup_is_forwarded_and_bytes_are_spliced(nursery):
    node = await FakeNode(b"<n1>").start(nursery)
    port = await start_router(nursery, [node.address])
    client = await trio.open_tcp_stream("127.0.0.1", port)
    async with client:
        packet = startup_packet(user="strata", database="strata")
        await client.send_all(packet)
        assert await read_exact(client, len(AUTH_OK + READY) + 4) == AUTH_OK + READY + b"<n1>"
        big = bytes(range(256)) * 1024  # larger than one 64 KiB read
        async with trio.open_nursery() as inner:
            inner.start_soon(client.send_all, big)
            assert await read_exact(client, len(big)) == big
    assert node.startups == [packet]


async def test_ssl_request_is_refused_with_N_then_startup_proceeds(nursery):
    node = await FakeNode(b"").start(nursery)
    port = await start_router(nursery, [node.address])
    async with await trio.open_tcp_stream("127.0.0.1", port) as client:
        await client.send_all(ssl_request())
        assert await read_exact(client, 1) == b"N"
        await client.send_all(startup_packet(user="u"))
        assert await read_exact(client, len(AUTH_OK + READY)) == AUTH_OK + READY
    assert len(node.startups) == 1


async def test_round_robin_and_dead_node_is_skipped(nursery):
    n1 = await FakeNode(b"1").start(nursery)
    n2 = await FakeNode(b"2").start(nursery)
    dead = ("127.0.0.1", unused_port())
    port = await start_router(nursery, [n1.address, dead, n2.address])
    seen = []
    for _ in range(4):
        async with await trio.open_tcp_stream("127.0.0.1", port) as client:
            await client.send_all(startup_packet(user="u"))
            seen.append(await read_exact(client, len(AUTH_OK + READY) + 1))
    assert [s[-1:] for s in seen] == [b"1", b"2", b"1", b"2"]


async def test_no_node_available_gets_error_response_57P03(nursery):
    port = await start_router(nursery, [("127.0.0.1", unused_port())])
    async with await trio.open_tcp_stream("127.0.0.1", port) as client:
        await client.send_all(startup_packet(user="u"))
        reply = b""
        while data := await client.receive_some(65536):
            reply += data
    assert reply[:1] == b"E"
    (length,) = struct.unpack("!i", reply[1:5])
    assert len(reply) == 1 + length
    fields = dict((f[:1], f[1:].decode()) for f in reply[5:].split(b"\0") if f)
    assert fields[b"C"] == "57P03"
    assert fields[b"S"] == "FATAL"
    assert fields[b"M"] == "no compute node available"


async def test_cancel_request_is_closed(nursery):
    node = await FakeNode(b"").start(nursery)
    port = await start_router(nursery, [node.address])
    async with await trio.open_tcp_stream("127.0.0.1", port) as client:
        await client.send_all(struct.pack("!iiii", 16, 80877102, 1, 2))
        assert await client.receive_some(10) == b""
    assert node.startups == []


@pytest.mark.parametrize("bad", [b"\x00\x00\x00\x02", struct.pack("!ii", 8, 2 << 16)])
async def test_garbage_startup_is_closed(nursery, bad):
    node = await FakeNode(b"").start(nursery)
    port = await start_router(nursery, [node.address])
    async with await trio.open_tcp_stream("127.0.0.1", port) as client:
        await client.send_all(bad)
        assert await client.receive_some(10) == b""
    assert node.startups == []
