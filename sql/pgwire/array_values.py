"""One-dimensional arrays on the wire: text output (``{1,NULL,"a b"}``, via
sql.typed_values) and the binary array format (array_send / array_recv): int32
ndim, int32 has-null flag, element OID, then per dimension int32 size and lower
bound 1, then each element as int32 length (-1 for NULL) and its bytes."""

from __future__ import annotations

import struct
from typing import Callable

from sql.errors import FEATURE_NOT_SUPPORTED, SqlError

Encoder = Callable[[object], bytes]


def text_encoder(array_oid: int) -> Encoder:
    def enc(v: object) -> bytes:
        from sql.typed_values import text_of

        return text_of(v, array_oid).encode("utf-8")

    return enc


def binary_encoder(element: int, item: Encoder) -> Encoder:
    def encode(v: object) -> bytes:
        items = list(v)  # type: ignore[call-overload]
        if not items:
            return struct.pack("!iiI", 0, 0, element)
        out = [struct.pack("!iiIii", 1, 1 if None in items else 0, element, len(items), 1)]
        for x in items:
            if x is None:
                out.append(struct.pack("!i", -1))
            else:
                b = item(x)
                out.append(struct.pack("!i", len(b)) + b)
        return b"".join(out)

    return encode


def decode_binary(b: bytes, decoders: dict[int, Callable[[bytes], object]]) -> object:
    """A binary array parameter -> PgArray of decoded elements (22P03 on bad data)."""
    from sql.pgvalues import PgArray

    try:
        ndim, _flags, element = struct.unpack_from("!iiI", b)
        if ndim == 0:
            return PgArray()
        if ndim != 1:
            raise SqlError(FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported")
        decoder = decoders.get(element)
        if decoder is None:
            raise SqlError(FEATURE_NOT_SUPPORTED, f"binary format for arrays of type {element} is not supported")
        size, _lower = struct.unpack_from("!ii", b, 12)
        pos, out = 20, []
        for _ in range(size):
            (n,) = struct.unpack_from("!i", b, pos)
            pos += 4
            if n < 0:
                out.append(None)
            else:
                out.append(decoder(b[pos:pos + n]))
                pos += n
        return PgArray(out)
    except (struct.error, ValueError, UnicodeDecodeError):
        raise SqlError("22P03", "incorrect binary data format in array parameter") from None
