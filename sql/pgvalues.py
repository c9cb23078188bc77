"""Python values of the catalog types (see ``sql.oids``): arrays, the vector
types of pg_index, and OID aliases that print as names.

* ``PgArray`` (a tuple) is any array value; ``str()`` is PostgreSQL's array text
  output (``{a,b}``, elements quoted when needed, NULL unquoted), so the wire
  codec's default text encoder prints it as PostgreSQL does.
* ``PgVector`` (a tuple) is int2vector / oidvector: printed space-separated.
* ``RegOid`` (an int) is a regclass / regtype / regnamespace value: compares
  and hashes as its OID, prints as the object's name.
"""

from __future__ import annotations

import re
from functools import cmp_to_key
from typing import Any

from . import oids


def _elem_text(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "t" if v else "f"
    s = str(v)
    if s == "" or s.upper() == "NULL" or re.search(r'[{},"\\\s]', s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


class PgArray(tuple):
    def __str__(self) -> str:
        return "{" + ",".join(_elem_text(v) for v in self) + "}"


class PgVector(tuple):
    def __str__(self) -> str:
        return " ".join(str(v) for v in self)


class RegOid(int):
    """An OID that prints as a name (regclass, regtype, regnamespace)."""

    label: str

    def __new__(cls, oid: int, label: str) -> "RegOid":
        v = super().__new__(cls, oid)
        v.label = label
        return v

    def __str__(self) -> str:
        return self.label

    __repr__ = __str__


_ELEM = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,{}"]*?))\s*(,|\})')


def parse_array(text: str, element: int) -> PgArray:
    """A one-dimensional array literal ``{...}`` (22P02 otherwise)."""
    from . import types as T
    from .errors import INVALID_TEXT_REPRESENTATION, SqlError

    s = text.strip()
    if not s.startswith("{") or not s.endswith("}"):
        raise SqlError(INVALID_TEXT_REPRESENTATION, f'malformed array literal: "{text}"')
    if s == "{}":
        return PgArray()
    out: list[Any] = []
    pos = 1
    while pos < len(s):
        m = _ELEM.match(s, pos)
        if m is None:
            raise SqlError(INVALID_TEXT_REPRESENTATION, f'malformed array literal: "{text}"')
        if m.group(1) is not None:
            out.append(T.coerce(re.sub(r"\\(.)", r"\1", m.group(1)), T.simple(element)))
        else:
            raw = m.group(2)
            out.append(None if raw.upper() == "NULL" else T.coerce(raw, T.simple(element)))
        pos = m.end()
        if m.group(3) == "}":
            break
    return PgArray(out)


def to_oid(value: Any) -> int:
    """Text or number -> an OID (uint32; 22P02 / 22003 as PostgreSQL)."""
    from .errors import INVALID_TEXT_REPRESENTATION, NUMERIC_VALUE_OUT_OF_RANGE, SqlError

    if isinstance(value, bool):
        raise SqlError(INVALID_TEXT_REPRESENTATION, f'invalid input syntax for type oid: "{value}"')
    if isinstance(value, int):
        n = int(value)
    else:
        s = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", s):
            raise SqlError(INVALID_TEXT_REPRESENTATION, f'invalid input syntax for type oid: "{value}"')
        n = int(s)
    if n < -(2**31) or n > 2**32 - 1:
        raise SqlError(NUMERIC_VALUE_OUT_OF_RANGE, f'value "{value}" is out of range for type oid')
    return n & 0xFFFFFFFF


def coerce_catalog(value: Any, oid: int) -> Any:
    """types.coerce for the catalog types: OIDs and arrays."""
    if oid in oids.OID_TYPES:
        return value if isinstance(value, RegOid) else to_oid(value)
    element = oids.ELEMENT_OF.get(oid)
    if element is not None:
        if isinstance(value, (list, tuple)):
            return PgArray(value)
        return parse_array(str(value), element)
    return value


def array_cmp(a: Any, b: Any) -> int:
    """btarraycmp: element-wise, NULL equal to NULL and greater than any value."""
    for x, y in zip(a, b, strict=False):
        if x is None or y is None:
            if x is None and y is None:
                continue
            return 1 if x is None else -1
        if x != y:
            return -1 if x < y else 1
    return (len(a) > len(b)) - (len(a) < len(b))


array_sort_key = cmp_to_key(array_cmp)
"""Sort key of an array value (sql.physical.Sort)."""
