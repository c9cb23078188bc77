"""gen_random_uuid() and the bytea functions encode / decode (hex, base64,
escape), registered into the expression compiler."""

from __future__ import annotations

import uuid

from sqlglot import exp

from . import oids
from . import types as T
from .errors import UNDEFINED_FUNCTION, SqlError
from .expr import TEXT, Compiled, Compiler
from .functions import strict
from .handler_chain import chain, fallback
from .typed_values import decode, encode

UUID = T.simple(oids.UUID)
BYTEA = T.simple(oids.BYTEA)


def _uuid(c: Compiler, node: exp.Uuid, hint, prev) -> Compiled:
    return Compiled(lambda row, p: str(uuid.uuid4()), UUID)


def _encode(c: Compiler, node: exp.Encode, hint, prev) -> Compiled:
    a = c.with_hint(node.this, BYTEA)
    if a.oid != oids.BYTEA:
        raise SqlError(UNDEFINED_FUNCTION, f"function encode({a.type.name}, unknown) does not exist",
                       hint="No function matches the given name and argument types. "
                       "You might need to add explicit type casts.")
    fmt = c.with_hint(node.args["charset"], TEXT)
    return strict([a, fmt], encode, TEXT)


def _decode(c: Compiler, node: exp.Decode, hint, prev) -> Compiled:
    a = c.with_hint(node.this, TEXT)
    charset = node.args.get("charset")
    if charset is None or T.category(a.oid) not in "SU":
        return fallback(c, node, hint, prev)
    fmt = c.with_hint(charset, TEXT)
    return strict([a, fmt], decode, BYTEA)


def _anonymous(c: Compiler, node: exp.Anonymous, hint, prev) -> Compiled:
    if node.name.lower() == "uuid_generate_v4" and not node.expressions:
        return _uuid(c, node, hint, prev)
    return fallback(c, node, hint, prev)


chain(exp.Uuid, _uuid)
chain(exp.Encode, _encode)
chain(exp.Decode, _decode)
chain(exp.Anonymous, _anonymous)
