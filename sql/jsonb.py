"""JSON and JSONB values.

A ``jsonb`` value is held as its normalised text (``normalize``): keys sorted by
length then bytes, duplicate keys resolved last-wins, PostgreSQL's spacing
(``{"a": 1, "b": [1, 2]}``).  A ``json`` value is its input text, validated.
Text keeps a JSON ``null`` apart from SQL NULL (``None``), is hashable (GROUP BY,
DISTINCT) and is what storage can hold.  Operators work on the parsed form
(``load``): dict, list, str, int, Decimal, bool and ``None`` for a JSON null.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from .errors import INVALID_PARAMETER_VALUE, INVALID_TEXT_REPRESENTATION, SqlError

_MISSING = object()


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def load(text: str, type_name: str = "json") -> Any:
    """JSON text -> Python (22P02 on bad input)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_int=int, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise SqlError(INVALID_TEXT_REPRESENTATION, f"invalid input syntax for type {type_name}",
                       detail=f'Token "{text.strip()[:40]}" is invalid.') from None


def _key_order(k: str) -> tuple[int, bytes]:
    b = k.encode("utf-8")
    return (len(b), b)


def _string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _number(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(v, "f") if v.is_finite() else _string(str(v))
    if isinstance(v, float):
        return repr(v) if v == v and v not in (float("inf"), float("-inf")) else _string(str(v))
    return str(v)


def dump(v: Any, sort: bool = True) -> str:
    """Python -> JSON text with jsonb's layout (``sort``: jsonb key order)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (int, float, Decimal)):
        return _number(v)
    if isinstance(v, dict):
        keys = sorted(v, key=_key_order) if sort else list(v)
        return "{" + ", ".join(f"{_string(k)}: {dump(v[k], sort)}" for k in keys) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(dump(x, sort) for x in v) + "]"
    return _string(str(v))


def normalize(text: str) -> str:
    """jsonb input: text -> normalised jsonb text."""
    if "\\u0000" in text:
        raise SqlError("22P05", "unsupported Unicode escape sequence",
                       detail="\\u0000 cannot be converted to text.")
    return dump(load(text, "json"))


def validate(text: str) -> str:
    """json input: checked, kept as written."""
    load(text, "json")
    return text


def pretty(v: Any, indent: int = 0) -> str:
    pad = "    " * (indent + 1)
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{pad}{_string(k)}: {pretty(v[k], indent + 1)}" for k in sorted(v, key=_key_order)]
        return "{\n" + ",\n".join(items) + "\n" + "    " * indent + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        items = [pad + pretty(x, indent + 1) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + "    " * indent + "]"
    return dump(v)


def kind(v: Any) -> str:
    """jsonb_typeof."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float, Decimal)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "object"
    return "array"


def equal(a: Any, b: Any) -> bool:
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "object":
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if ka == "array":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def contains(a: Any, b: Any, top: bool = True) -> bool:
    """``a @> b`` (jsonb containment; a top-level array contains a scalar)."""
    ka, kb = kind(a), kind(b)
    if ka == "object":
        return kb == "object" and all(k in a and contains(a[k], v, False) for k, v in b.items())
    if ka == "array":
        if kb == "array":
            return all(any(contains(x, y, False) for x in a) if kind(y) in ("object", "array")
                       else any(equal(x, y) for x in a) for y in b)
        if top and kb not in ("object", "array"):
            return any(equal(x, b) for x in a)
        return False
    return equal(a, b)


def has_key(v: Any, key: str) -> bool:
    """``v ? key``: a top-level key, array string element or equal string scalar."""
    if isinstance(v, dict):
        return key in v
    if isinstance(v, list):
        return any(isinstance(x, str) and x == key for x in v)
    return isinstance(v, str) and v == key


def get(v: Any, key: Any) -> Any:
    """``v -> key`` on parsed values: ``_MISSING`` when absent."""
    if isinstance(key, str):
        if isinstance(v, dict):
            return v.get(key, _MISSING)
        return _MISSING
    if isinstance(v, list):
        i = key + len(v) if key < 0 else key
        return v[i] if 0 <= i < len(v) else _MISSING
    return _MISSING


def get_path(v: Any, path: Any) -> Any:
    for step in path:
        if step is None:
            return _MISSING
        if isinstance(v, list):
            try:
                step = int(str(step).strip())
            except ValueError:
                return _MISSING
        elif not isinstance(v, dict):
            return _MISSING
        v = get(v, step)
        if v is _MISSING:
            return _MISSING
    return v


def as_text(v: Any) -> str | None:
    """``->>``: a string unquoted, JSON null as SQL NULL, anything else as JSON text."""
    if v is None or v is _MISSING:
        return None
    if isinstance(v, str):
        return v
    return dump(v)


def concat(a: Any, b: Any) -> Any:
    """``a || b``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **b}
    left = a if isinstance(a, list) else [a]
    right = b if isinstance(b, list) else [b]
    return left + right


def delete(v: Any, key: Any) -> Any:
    """``v - key`` (text key, integer index or a text[] of keys)."""
    if isinstance(key, (list, tuple)):
        for k in key:
            if k is not None:
                v = delete(v, k)
        return v
    if isinstance(key, int) and not isinstance(key, bool):
        if isinstance(v, dict):
            raise SqlError(INVALID_PARAMETER_VALUE, "cannot delete from object using integer index")
        if not isinstance(v, list):
            raise SqlError(INVALID_PARAMETER_VALUE, "cannot delete from scalar")
        i = key + len(v) if key < 0 else key
        return [x for j, x in enumerate(v) if j != i]
    if isinstance(v, dict):
        return {k: x for k, x in v.items() if k != key}
    if isinstance(v, list):
        return [x for x in v if not (isinstance(x, str) and x == key)]
    raise SqlError(INVALID_PARAMETER_VALUE, "cannot delete from scalar")


def set_path(v: Any, path: list[Any], new: Any, create: bool = True) -> Any:
    """jsonb_set."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if step is None:
        raise SqlError(INVALID_PARAMETER_VALUE, "path element at position 1 is null")
    if isinstance(v, dict):
        out = dict(v)
        if step in out:
            out[step] = set_path(out[step], rest, new, create)
        elif create and not rest:
            out[step] = new
        return out
    if isinstance(v, list):
        try:
            i = int(str(step).strip())
        except ValueError:
            raise SqlError(INVALID_TEXT_REPRESENTATION,
                           f'path element at position 1 is not an integer: "{step}"') from None
        out = list(v)
        j = i + len(out) if i < 0 else i
        if 0 <= j < len(out):
            out[j] = set_path(out[j], rest, new, create)
        elif create and not rest:
            if j < 0:
                out.insert(0, new)
            else:
                out.append(new)
        return out
    if isinstance(v, (str, int, Decimal, bool)) or v is None:
        raise SqlError(INVALID_PARAMETER_VALUE, "cannot set path in scalar")
    return v


def strip_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: strip_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [strip_nulls(x) for x in v]
    return v


def from_sql(v: Any, oid: int) -> Any:
    """to_jsonb / jsonb_build_*: an SQL value of type ``oid`` -> parsed JSON."""
    from . import intervals, oids
    from .pgwire.values import date_text, time_text

    if v is None:
        return None
    if oid in (oids.JSONB, oids.JSON):
        return load(v)
    element = oids.ELEMENT_OF.get(oid)
    if element is not None:
        return [from_sql(x, element) for x in v]
    if isinstance(v, bool) or isinstance(v, (int, Decimal)):
        return v
    if isinstance(v, float):
        return Decimal(repr(v)) if v == v and abs(v) != float("inf") else str(v)
    if oid == oids.INTERVAL:
        return intervals.text(v)
    if isinstance(v, dt.datetime):
        s = f"{date_text(v)}T{time_text(v.time())}"
        if v.tzinfo is not None:
            from .timestamps import to_session

            local = to_session(v)
            s = f"{date_text(local)}T{time_text(local.time())}" + offset_text(local, iso=True)
        return s
    if isinstance(v, dt.date):
        return date_text(v)
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return str(v)


def offset_text(ts: dt.datetime, iso: bool = False) -> str:
    """``+00`` / ``+05:30`` (``iso``: always ``+HH:MM``)."""
    off = ts.utcoffset() or dt.timedelta(0)
    secs = int(off.total_seconds())
    sign = "-" if secs < 0 else "+"
    secs = abs(secs)
    hh, rem = divmod(secs, 3600)
    mm, ss = divmod(rem, 60)
    out = f"{sign}{hh:02d}"
    if mm or ss or iso:
        out += f":{mm:02d}"
    if ss:
        out += f":{ss:02d}"
    return out
