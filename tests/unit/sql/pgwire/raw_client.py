"""A minimal frontend speaking raw protocol 3.0, for wire scripts that real
drivers do not produce (row limits, Flush before Sync, oversize messages)."""

from __future__ import annotations

import struct

import trio

from sql.pgwire import codec


def startup_packet(user: str = "strata", code: int = codec.PROTOCOL_3_0) -> bytes:
    body = struct.pack("!i", code) + f"user\0{user}\0database\0strata\0\0".encode()
    return struct.pack("!i", len(body) + 4) + body


def parse(name: str, sql: str, type_oids: list[int] = ()) -> bytes:
    body = f"{name}\0{sql}\0".encode() + struct.pack(f"!h{len(type_oids)}I", len(type_oids),
                                                     *type_oids)
    return codec.message(b"P", body)


def bind(portal: str, stmt: str, params: list[bytes | None] = (),
         result_formats: list[int] = ()) -> bytes:
    body = f"{portal}\0{stmt}\0".encode() + struct.pack("!hh", 0, len(params))
    for p in params:
        body += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    body += struct.pack(f"!h{len(result_formats)}h", len(result_formats), *result_formats)
    return codec.message(b"B", body)


def describe(kind: str, name: str) -> bytes:
    return codec.message(b"D", f"{kind}{name}\0".encode())


def execute(portal: str, max_rows: int = 0) -> bytes:
    return codec.message(b"E", f"{portal}\0".encode() + struct.pack("!i", max_rows))


def query(sql: str) -> bytes:
    return codec.message(b"Q", f"{sql}\0".encode())


SYNC = codec.message(b"S")
FLUSH = codec.message(b"H")
TERMINATE = codec.message(b"X")


class RawClient:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.reader = codec.MessageReader(stream)

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        client = cls(await trio.open_tcp_stream("127.0.0.1", port))
        await client.send(startup_packet())
        await client.until(b"Z")
        return client

    async def send(self, *msgs: bytes) -> None:
        await self.stream.send_all(b"".join(msgs))

    async def recv(self) -> tuple[bytes, bytes]:
        with trio.fail_after(5):
            return await self.reader.read_message()

    async def until(self, last: bytes) -> list[tuple[bytes, bytes]]:
        """Messages up to and including the first of type ``last``."""
        out = []
        while True:
            msg = await self.recv()
            out.append(msg)
            if msg[0] == last:
                return out

    async def until_any(self, lasts: bytes) -> list[tuple[bytes, bytes]]:
        """Messages up to and including the first whose type is in ``lasts``."""
        out = []
        while True:
            msg = await self.recv()
            out.append(msg)
            if msg[0] in lasts:
                return out


def types(msgs: list[tuple[bytes, bytes]]) -> str:
    return "".join(m[0].decode() for m in msgs)


def error_code(body: bytes) -> str:
    for field in body.split(b"\0"):
        if field[:1] == b"C":
            return field[1:].decode()
    raise AssertionError("no SQLSTATE in ErrorResponse")


def cancel_request(pid: int, secret: int) -> bytes:
    return struct.pack("!iiII", 16, codec.CANCEL_REQUEST, pid, secret)


def ssl_request() -> bytes:
    return struct.pack("!ii", 8, codec.SSL_REQUEST)


def copy_data(data: bytes) -> bytes:
    return codec.message(b"d", data)


COPY_DONE = codec.message(b"c")
