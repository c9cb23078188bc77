"""PostgreSQL protocol 3.0 framing and backend message encoders.

Owns the bytes: ``MessageReader`` cuts the client's byte stream into startup
packets (length-prefixed, no type byte) and regular messages (type byte +
int32 length that counts itself), and the encoder functions below build
complete backend messages as ``bytes``.  Nothing here does I/O except the reader's
``receive_some`` calls, and nothing here knows about SQL.

Invariants:
  * a message longer than ``max_message_size`` is never buffered: its body is
    read and dropped, and ``MessageTooLarge`` is raised after it, so the
    stream stays in sync and the session can report 54000 and go on;
  * a declared length below 4 is a protocol violation (``ProtocolViolation``):
    the stream cannot be re-synchronised, the session must end.

Hot path: ``data_row`` and ``command_complete`` are called once per row and
once per statement; they avoid per-field struct calls where they can.
"""

from __future__ import annotations

import struct

import trio

from sql import oids

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3_0 = 196608  # 3 << 16

DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024
MAX_STARTUP_PACKET_SIZE = 10000  # as PostgreSQL's MAX_STARTUP_PACKET_LENGTH
RECEIVE_SIZE = 65536

_I32 = struct.Struct("!i")
_I16 = struct.Struct("!h")
_HEADER = struct.Struct("!ci")
_pack_i32 = _I32.pack
_pack_i16 = _I16.pack
_pack_header = _HEADER.pack


class ProtocolViolation(Exception):
    """The byte stream is not valid protocol; the connection must end."""


class MessageTooLarge(Exception):
    """A message exceeded the maximum size; it was consumed and dropped."""

    def __init__(self, msg_type: bytes, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes exceeds the limit of {limit} bytes")
        self.msg_type = msg_type
        self.size = size
        self.limit = limit


class ClientClosed(Exception):
    """The client closed the connection (EOF), possibly mid-message."""


class MessageReader:
    """Buffered reader of client messages from a trio stream."""

    def __init__(self, stream: trio.abc.ReceiveStream,
                 max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        self._stream = stream
        self._buf = bytearray()
        self._pos = 0
        self.max_message_size = max_message_size

    async def _fill(self) -> None:
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        data = await self._stream.receive_some(RECEIVE_SIZE)
        if not data:
            raise ClientClosed()
        self._buf += data

    async def _read_exact(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n:
            await self._fill()
        start = self._pos
        self._pos = start + n
        return bytes(self._buf[start:self._pos])

    async def _discard(self, n: int) -> None:
        while n > 0:
            avail = len(self._buf) - self._pos
            if avail == 0:
                await self._fill()
                continue
            take = min(avail, n)
            self._pos += take
            n -= take

    def buffered(self) -> int:
        """Bytes received and not yet consumed."""
        return len(self._buf) - self._pos

    async def read_startup_packet(self) -> bytes:
        """The body (after the int32 length) of a startup-phase packet."""
        (length,) = _I32.unpack(await self._read_exact(4))
        if length < 8 or length > MAX_STARTUP_PACKET_SIZE:
            raise ProtocolViolation("invalid length of startup packet")
        return await self._read_exact(length - 4)

    async def read_message(self) -> tuple[bytes, bytes]:
        """The next (type byte, body) of a regular message."""
        buf = self._buf
        pos = self._pos
        if len(buf) - pos >= 5:
            msg_type = buf[pos:pos + 1]
            (length,) = _I32.unpack_from(buf, pos + 1)
            end = pos + 1 + length
            if 4 <= length <= self.max_message_size and end <= len(buf):
                self._pos = end
                return bytes(msg_type), bytes(buf[pos + 5:end])
        header = await self._read_exact(5)
        msg_type, length = _HEADER.unpack(header)
        if length < 4:
            raise ProtocolViolation(f"invalid message length {length}")
        if length > self.max_message_size:
            await self._discard(length - 4)
            raise MessageTooLarge(msg_type, length, self.max_message_size)
        return msg_type, await self._read_exact(length - 4)

    def peek_message(self) -> tuple[bytes, bytes] | None:
        """The next message if it is already buffered in full, not consumed."""
        buf = self._buf
        pos = self._pos
        if len(buf) - pos < 5:
            return None
        (length,) = _I32.unpack_from(buf, pos + 1)
        end = pos + 1 + length
        if length < 4 or end > len(buf):
            return None
        return bytes(buf[pos:pos + 1]), bytes(buf[pos + 5:end])


# ---------------------------------------------------------------- parsing helpers

def read_cstring(body: bytes, pos: int) -> tuple[str, int]:
    """A NUL-terminated UTF-8 string at ``pos`` and the position after it."""
    end = body.find(0, pos)
    if end < 0:
        raise ProtocolViolation("string is not NUL-terminated")
    return body[pos:end].decode("utf-8"), end + 1


def parse_startup_params(body: bytes) -> dict[str, str]:
    """key\\0value\\0...\\0 after the protocol version of a StartupMessage."""
    params: dict[str, str] = {}
    pos = 4
    while pos < len(body) and body[pos] != 0:
        key, pos = read_cstring(body, pos)
        value, pos = read_cstring(body, pos)
        params[key] = value
    return params


# ---------------------------------------------------------------- encoders

def message(msg_type: bytes, body: bytes = b"") -> bytes:
    return _pack_header(msg_type, len(body) + 4) + body


def _cstr(s: str) -> bytes:
    return s.encode("utf-8") + b"\x00"


AUTHENTICATION_OK = message(b"R", _pack_i32(0))
PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
PORTAL_SUSPENDED = message(b"s")
EMPTY_QUERY_RESPONSE = message(b"I")
READY_FOR_QUERY = {s: message(b"Z", s.encode()) for s in "ITE"}


def authentication_cleartext_password() -> bytes:
    return message(b"R", _pack_i32(3))


def authentication_sasl(mechanisms: list[str]) -> bytes:
    return message(b"R", _pack_i32(10) + b"".join(_cstr(m) for m in mechanisms) + b"\x00")


def authentication_sasl_continue(data: bytes) -> bytes:
    return message(b"R", _pack_i32(11) + data)


def authentication_sasl_final(data: bytes) -> bytes:
    return message(b"R", _pack_i32(12) + data)


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", _cstr(name) + _cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    return message(b"K", struct.pack("!II", pid & 0xFFFFFFFF, secret & 0xFFFFFFFF))


def negotiate_protocol_version(newest_minor: int, unrecognized: list[str]) -> bytes:
    body = struct.pack("!ii", newest_minor, len(unrecognized))
    return message(b"v", body + b"".join(_cstr(o) for o in unrecognized))


def ready_for_query(status: str) -> bytes:
    msg = READY_FOR_QUERY.get(status)
    return msg if msg is not None else message(b"Z", status.encode())


_FIELD_TAIL = struct.Struct("!ihihih")


def row_description(columns, formats: list[int] | None = None) -> bytes:
    """RowDescription for ``ResultColumn``s; ``formats`` is empty (all text),
    one code for every column, or one code per column.  A type size of -1
    is filled from ``sql.oids`` for fixed-size types."""
    parts = [_pack_i16(len(columns))]
    n_formats = len(formats) if formats else 0
    for i, col in enumerate(columns):
        fmt = formats[i if n_formats > 1 else 0] if n_formats else 0
        size = col.type_size if col.type_size != -1 else oids.type_size(col.type_oid)
        parts.append(_cstr(col.name))
        parts.append(_FIELD_TAIL.pack(0, 0, col.type_oid, size, col.type_modifier, fmt))
    return message(b"T", b"".join(parts))


def parameter_description(type_oids) -> bytes:
    body = b"".join(struct.pack("!I", o & 0xFFFFFFFF) for o in type_oids)
    return message(b"t", _pack_i16(len(type_oids)) + body)


_NULL_FIELD = b"\xff\xff\xff\xff"


def data_row(fields: list[bytes | None]) -> bytes:
    """DataRow of already-encoded field values (None is SQL NULL)."""
    parts = []
    append = parts.append
    for f in fields:
        if f is None:
            append(_NULL_FIELD)
        else:
            append(_pack_i32(len(f)))
            append(f)
    body = b"".join(parts)
    return _pack_header(b"D", len(body) + 6) + _pack_i16(len(fields)) + body


def command_complete(tag: str) -> bytes:
    return message(b"C", tag.encode("utf-8") + b"\x00")


def error_fields(severity: str, code: str, msg: str, detail: str | None = None,
                 hint: str | None = None, position: int | None = None) -> bytes:
    parts = [b"S", _cstr(severity), b"V", _cstr(severity), b"C", _cstr(code),
             b"M", _cstr(msg)]
    if detail:
        parts += [b"D", _cstr(detail)]
    if hint:
        parts += [b"H", _cstr(hint)]
    if position:
        parts += [b"P", _cstr(str(position))]
    parts.append(b"\x00")
    return b"".join(parts)


def error_response(severity: str, code: str, msg: str, detail: str | None = None,
                   hint: str | None = None, position: int | None = None) -> bytes:
    return message(b"E", error_fields(severity, code, msg, detail, hint, position))


def notice_response(severity: str, code: str, msg: str, detail: str | None = None,
                    hint: str | None = None) -> bytes:
    return message(b"N", error_fields(severity, code, msg, detail, hint))


def copy_response(msg_type: bytes, binary: bool, n_columns: int) -> bytes:
    """CopyInResponse (``G``) / CopyOutResponse (``H``): one overall format,
    the same for every column."""
    fmt = 1 if binary else 0
    return message(msg_type, struct.pack("!bh", fmt, n_columns) + _pack_i16(fmt) * n_columns)


def copy_data(data: bytes) -> bytes:
    return message(b"d", data)


COPY_DONE = message(b"c")


def data_rows(rows, encoders) -> list[bytes]:
    """DataRow messages for Python ``rows`` with one encoder per column
    (value -> bytes, never called with None)."""
    count = _pack_i16(len(encoders))
    out = []
    out_append = out.append
    for row in rows:
        parts = []
        append = parts.append
        for v, enc in zip(row, encoders, strict=True):
            if v is None:
                append(_NULL_FIELD)
            else:
                b = enc(v)
                append(_pack_i32(len(b)))
                append(b)
        body = b"".join(parts)
        out_append(_pack_header(b"D", len(body) + 6) + count + body)
    return out
