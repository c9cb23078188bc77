"""Extended-query state: prepared statements, portals, and their message bodies.

Owns the pure half of the extended protocol (no I/O, no backend calls):
parsing Parse/Bind/Describe/Execute/Close bodies, the ``Prepared`` and
``Portal`` records, and per-portal result encoding (format codes resolved
against the column types, binary falling back to text where ``values`` has
no binary encoder; the RowDescription then says text for that column).

Invariants:
  * a ``Portal`` holds the materialised rows of one execution and a cursor
    ``pos`` into them; Execute with a row limit advances ``pos`` and the rest
    stays in the portal until fetched or closed;
  * the parameter type list of a ``Prepared`` is as long as Parse gave it;
    a parameter beyond it, or with OID 0, is "unknown" (text stays ``str``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from sql.errors import PROTOCOL_VIOLATION, SqlError

from . import values
from .api import QueryResult, ResultColumn, StatementDescription
from .codec import ProtocolViolation, read_cstring

_I16 = struct.Struct("!h")
_I32 = struct.Struct("!i")


@dataclass
class Prepared:
    sql: str
    param_oids: list[int]
    description: StatementDescription | None = None
    """Filled lazily by the first Describe (or a binary parameter of unknown type)."""

    @property
    def is_empty(self) -> bool:
        return not self.sql.strip()


@dataclass
class Portal:
    statement: Prepared
    params: list[object]
    result_formats: list[int]
    result: QueryResult | None = None
    pos: int = 0
    encoders: list = field(default_factory=list)
    formats: list[int] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.result is not None and self.pos >= len(self.result.rows)


def resolve_formats(columns: list[ResultColumn], requested: list[int]) -> list[int]:
    """Per-column format codes actually sent (binary only where supported)."""
    n = len(requested)
    out = []
    for i, col in enumerate(columns):
        fmt = requested[i if n > 1 else 0] if n else 0
        if fmt == 1 and values.binary_encoder(col.type_oid) is None:
            fmt = 0
        out.append(fmt)
    return out


def encoders_for(columns: list[ResultColumn], formats: list[int]) -> list:
    return [values.binary_encoder(c.type_oid) if f == 1 else values.text_encoder(c.type_oid)
            for c, f in zip(columns, formats, strict=True)]


# ---------------------------------------------------------------- message bodies


def _violation(what: str) -> SqlError:
    return SqlError(PROTOCOL_VIOLATION, f"invalid {what} message format")


def parse_parse(body: bytes) -> tuple[str, str, list[int]]:
    """Parse: (statement name, query, parameter type OIDs)."""
    try:
        name, pos = read_cstring(body, 0)
        query, pos = read_cstring(body, pos)
        (n,) = _I16.unpack_from(body, pos)
        type_oids = list(struct.unpack_from(f"!{n}I", body, pos + 2))
    except (struct.error, ValueError, ProtocolViolation):
        raise _violation("Parse") from None
    return name, query, type_oids


@dataclass
class BindMessage:
    portal: str
    statement: str
    param_formats: list[int]
    raw_params: list[bytes | None]
    result_formats: list[int]

    def param_format(self, i: int) -> int:
        n = len(self.param_formats)
        return self.param_formats[i if n > 1 else 0] if n else 0


def parse_bind(body: bytes) -> BindMessage:
    try:
        portal, pos = read_cstring(body, 0)
        statement, pos = read_cstring(body, pos)
        (n,) = _I16.unpack_from(body, pos)
        param_formats = list(struct.unpack_from(f"!{n}h", body, pos + 2))
        pos += 2 + 2 * n
        (n,) = _I16.unpack_from(body, pos)
        pos += 2
        raw: list[bytes | None] = []
        for _ in range(n):
            (size,) = _I32.unpack_from(body, pos)
            pos += 4
            if size < 0:
                raw.append(None)
            else:
                if pos + size > len(body):
                    raise ValueError("short parameter")
                raw.append(body[pos:pos + size])
                pos += size
        (n,) = _I16.unpack_from(body, pos)
        result_formats = list(struct.unpack_from(f"!{n}h", body, pos + 2))
    except (struct.error, ValueError, ProtocolViolation):
        raise _violation("Bind") from None
    return BindMessage(portal, statement, param_formats, raw, result_formats)


def parse_target(body: bytes, what: str) -> tuple[str, str]:
    """Describe / Close: (kind 'S' or 'P', name)."""
    try:
        kind = chr(body[0])
        name, _ = read_cstring(body, 1)
    except (IndexError, ValueError, ProtocolViolation):
        raise _violation(what) from None
    if kind not in "SP":
        raise _violation(what)
    return kind, name


def parse_execute(body: bytes) -> tuple[str, int]:
    """Execute: (portal name, max rows; 0 means all)."""
    try:
        name, pos = read_cstring(body, 0)
        (max_rows,) = _I32.unpack_from(body, pos)
    except (struct.error, ValueError, ProtocolViolation):
        raise _violation("Execute") from None
    return name, max(0, max_rows)
