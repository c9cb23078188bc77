"""JSON / JSONB operators and functions, registered into the expression compiler.

Operators: ``-> ->> #> #>> @> <@ ? ?| ?& || - #-`` and the functions
jsonb_build_object / json_build_object, jsonb_build_array / json_build_array,
to_jsonb / to_json, jsonb_typeof / json_typeof, jsonb_array_length /
json_array_length, jsonb_extract_path(_text) / json_extract_path(_text),
jsonb_set, jsonb_pretty, jsonb_strip_nulls.  Values are text (sql.jsonb).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlglot import exp

from . import jsonb as J
from . import oids
from . import types as T
from .api import SqlType
from .errors import INVALID_PARAMETER_VALUE, UNDEFINED_FUNCTION, SqlError
from .expr import BOOL, INT4, TEXT, Compiled, Compiler
from .handler_chain import chain, fallback, peek_pair, strict2

JSONB = T.simple(oids.JSONB)
JSON = T.simple(oids.JSON)
TEXT_ARRAY = T.simple(oids.ARRAY_OF[oids.TEXT])
JSON_TYPES = (oids.JSONB, oids.JSON)


def _out(t: SqlType) -> Callable[[Any], str]:
    return J.dump if t.oid == oids.JSONB else (lambda v: J.dump(v, sort=False))


def _no_op(op: str, a: SqlType, b: SqlType) -> SqlError:
    return SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {a.name} {op} {b.name}",
                    hint="No operator matches the given name and argument types. "
                    "You might need to add explicit type casts.")


def _json_operand(c: Compiler, node: exp.Expression) -> Compiled:
    a = c.compile(node)
    if a.oid == oids.UNKNOWN:  # a literal or an untyped parameter
        a = c.with_hint(node, JSONB)
    return a


def _strict2(fa, fb, op: Callable[[Any, Any], Any], t: SqlType) -> Compiled:
    return Compiled(strict2(fa, fb, op), t)


# -- -> ->> #> #>>


def _key_node(c: Compiler, node: exp.Expression) -> Compiled:
    if isinstance(node, exp.JSONPath):
        parts = [p for p in node.expressions if not isinstance(p, exp.JSONPathRoot)]
        if len(parts) == 1 and isinstance(parts[0], exp.JSONPathSubscript):
            return Compiled(lambda row, p, k=int(parts[0].this): k, INT4, True)
        if len(parts) == 1 and isinstance(parts[0], exp.JSONPathKey):
            return Compiled(lambda row, p, k=str(parts[0].this): k, TEXT, True)
        raise SqlError(UNDEFINED_FUNCTION, "unsupported JSON path")
    k = c.with_hint(node, TEXT)
    if k.oid not in T.INT_TYPES and T.category(k.oid) != "S":
        raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: jsonb -> {k.type.name}")
    return k


def _extract(c: Compiler, node: exp.Expression, hint, prev) -> Compiled:
    a = _json_operand(c, node.this)
    as_text = isinstance(node, (exp.JSONExtractScalar, exp.JSONBExtractScalar))
    if a.oid not in JSON_TYPES:
        op = {exp.JSONExtract: "->", exp.JSONExtractScalar: "->>", exp.JSONBExtract: "#>"}.get(type(node), "#>>")
        raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {a.type.name} {op} unknown",
                       hint="No operator matches the given name and argument types. "
                       "You might need to add explicit type casts.")
    out = _out(a.type)
    if isinstance(node, (exp.JSONBExtract, exp.JSONBExtractScalar)):
        k = c.with_hint(node.expression, TEXT_ARRAY)

        def step(v: Any, path: Any) -> Any:
            return J.get_path(v, path)
    else:
        k = _key_node(c, node.expression)

        def step(v: Any, key: Any) -> Any:
            return J.get(v, key)

    def op(x: str, key: Any) -> Any:
        v = step(J.load(x), key)
        if as_text:
            return J.as_text(v)
        return None if v is J._MISSING else out(v)

    return _strict2(a.fn, k.fn, op, TEXT if as_text else a.type)


# -- @> <@ ? ?| ?& || - #-


def _containment(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
    pair = peek_pair(c, node.this, node.expression)
    if pair is None or not ({pair[0].oid, pair[1].oid} & set(JSON_TYPES)):
        return fallback(c, node, hint, prev)
    a, b = _json_operand(c, node.this), _json_operand(c, node.expression)
    op = "@>" if isinstance(node, exp.ArrayContainsAll) else "<@"
    if a.oid != oids.JSONB or b.oid != oids.JSONB:
        raise _no_op(op, a.type, b.type)
    if op == "@>":
        return _strict2(a.fn, b.fn, lambda x, y: J.contains(J.load(x), J.load(y)), BOOL)
    return _strict2(a.fn, b.fn, lambda x, y: J.contains(J.load(y), J.load(x)), BOOL)


def _has_key(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
    a = _json_operand(c, node.this)
    if a.oid != oids.JSONB:
        return fallback(c, node, hint, prev)
    if isinstance(node, exp.JSONBContainsTopKey):
        k = c.with_hint(node.expression, TEXT)
        return _strict2(a.fn, k.fn, lambda x, key: J.has_key(J.load(x), key), BOOL)
    keys = c.with_hint(node.expression, TEXT_ARRAY)
    test = any if isinstance(node, exp.JSONBContainsAnyTopKeys) else all

    def op(x: str, ks: Sequence[Any]) -> bool:
        v = J.load(x)
        return test(J.has_key(v, k) for k in ks if k is not None)

    return _strict2(a.fn, keys.fn, op, BOOL)


def _concat(c: Compiler, node: exp.DPipe, hint, prev) -> Compiled:
    pair = peek_pair(c, node.this, node.expression)
    if pair is None or oids.JSONB not in (pair[0].oid, pair[1].oid):
        return fallback(c, node, hint, prev)
    a, b = _json_operand(c, node.this), _json_operand(c, node.expression)
    if a.oid != oids.JSONB or b.oid != oids.JSONB:
        raise _no_op("||", a.type, b.type)
    return _strict2(a.fn, b.fn, lambda x, y: J.dump(J.concat(J.load(x), J.load(y))), JSONB)


def _minus(c: Compiler, node: exp.Sub, hint, prev) -> Compiled:
    pair = peek_pair(c, node.this, node.expression)
    if pair is None or pair[0].oid != oids.JSONB:
        return fallback(c, node, hint, prev)
    a, k = pair
    if k.oid == oids.UNKNOWN:
        k = c.with_hint(node.expression, TEXT)
    if not (k.oid in T.INT_TYPES or T.category(k.oid) == "S" or k.oid == oids.ARRAY_OF[oids.TEXT]):
        raise _no_op("-", a.type, k.type)
    return _strict2(a.fn, k.fn, lambda x, key: J.dump(J.delete(J.load(x), key)), JSONB)


def _delete_path(c: Compiler, node: exp.JSONBDeleteAtPath, hint, prev) -> Compiled:
    a = _json_operand(c, node.this)
    if a.oid != oids.JSONB:
        raise SqlError(UNDEFINED_FUNCTION, f"operator does not exist: {a.type.name} #- text[]")
    path = c.with_hint(node.expression, TEXT_ARRAY)

    def op(x: str, p: Sequence[Any]) -> str:
        v = J.load(x)
        if not p:
            return x
        parent = J.get_path(v, p[:-1])
        if parent is J._MISSING or not isinstance(parent, (dict, list)):
            return x
        last: Any = p[-1]
        if isinstance(parent, list):
            try:
                last = int(str(last))
            except ValueError:
                return x
        return J.dump(J.set_path(v, list(p[:-1]), J.delete(parent, last), False))

    return _strict2(a.fn, path.fn, op, JSONB)


def _parse_json(c: Compiler, node: exp.ParseJSON, hint, prev) -> Compiled:
    a = c.with_hint(node.this, TEXT)
    if T.category(a.oid) not in "SU":
        return fallback(c, node, hint, prev)
    f = a.fn
    if a.const:
        from .expr import fold

        return fold(lambda: None if (v := f((), ())) is None else J.validate(v), JSON)
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else J.validate(v), JSON)


# -- functions


def _args(c: Compiler, nodes: list[exp.Expression]) -> list[Compiled]:
    out = []
    for n in nodes:
        a = c.compile(n)
        if a.oid == oids.UNKNOWN:
            a = c.with_hint(n, TEXT)
        out.append(a)
    return out


def _build_object(c: Compiler, name: str, nodes: list[exp.Expression]) -> Compiled:
    if len(nodes) % 2:
        raise SqlError(INVALID_PARAMETER_VALUE, "argument list must have even number of elements",
                       hint=f"The arguments of {name}() must consist of alternating keys and values.")
    args = _args(c, nodes)
    fns = [(a.fn, a.oid) for a in args]
    jsonb = name.startswith("jsonb")
    t = JSONB if jsonb else JSON

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        out: dict[str, Any] = {}
        pairs = []
        for i in range(0, len(fns), 2):
            (fk, ko), (fv, vo) = fns[i], fns[i + 1]
            k = fk(row, p)
            if k is None:
                raise SqlError(INVALID_PARAMETER_VALUE, "null value not allowed for object key" if jsonb
                               else f"argument {i + 1} cannot be null",
                               hint=None if jsonb else "Object keys should be text.")
            from .typed_values import text_of

            key = text_of(k, ko)
            val = J.from_sql(fv(row, p), vo)
            out[key] = val
            pairs.append((key, val))
        if jsonb:
            return J.dump(out)
        return "{" + ", ".join(f"{J.dump(k)} : {J.dump(v, sort=False)}" for k, v in pairs) + "}"

    return Compiled(fn, t)


def _build_array(c: Compiler, name: str, nodes: list[exp.Expression]) -> Compiled:
    fns = [(a.fn, a.oid) for a in _args(c, nodes)]
    jsonb = name.startswith("jsonb")

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        return J.dump([J.from_sql(f(row, p), o) for f, o in fns], sort=jsonb)

    return Compiled(fn, JSONB if jsonb else JSON)


def _to_json(c: Compiler, name: str, nodes: list[exp.Expression]) -> Compiled:
    if len(nodes) != 1:
        raise SqlError(UNDEFINED_FUNCTION, f"function {name} does not exist")
    (a,) = _args(c, nodes)
    f, oid = a.fn, a.oid
    jsonb = name == "to_jsonb"
    if oid == oids.JSON and not jsonb or oid == oids.JSONB and jsonb:
        return Compiled(f, a.type)

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        v = f(row, p)
        return None if v is None else J.dump(J.from_sql(v, oid), sort=jsonb)

    return Compiled(fn, JSONB if jsonb else JSON)


def _unary(c: Compiler, name: str, nodes: list[exp.Expression], op: Callable[[Any], Any], t: SqlType,
           extra: list[SqlType] | None = None) -> Compiled:
    want = JSONB if name.startswith("jsonb") else JSON
    if not nodes:
        raise SqlError(UNDEFINED_FUNCTION, f"function {name}() does not exist")
    a = c.with_hint(nodes[0], want)
    if a.oid != want.oid:
        raise SqlError(UNDEFINED_FUNCTION, f"function {name}({a.type.name}) does not exist",
                       hint="No function matches the given name and argument types. "
                       "You might need to add explicit type casts.")
    rest = [c.with_hint(n, x).fn for n, x in zip(nodes[1:], extra or [], strict=False)]
    fa = a.fn

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x = fa(row, p)
        if x is None:
            return None
        vals = [g(row, p) for g in rest]
        if any(v is None for v in vals):
            return None
        return op(J.load(x), *vals)

    return Compiled(fn, t)


def _array_length(v: Any) -> int:
    if not isinstance(v, list):
        raise SqlError(INVALID_PARAMETER_VALUE, "cannot get array length of a "
                       + ("non-array" if isinstance(v, dict) else "scalar"))
    return len(v)


def _extract_path(c: Compiler, name: str, nodes: list[exp.Expression]) -> Compiled:
    as_text = name.endswith("_text")
    want = JSONB if name.startswith("jsonb") else JSON
    a = c.with_hint(nodes[0], want)
    keys = [c.with_hint(n, TEXT).fn for n in nodes[1:]]
    fa, out = a.fn, _out(want)

    def fn(row: tuple, p: Sequence[Any]) -> Any:
        x = fa(row, p)
        if x is None:
            return None
        v = J.get_path(J.load(x), [k(row, p) for k in keys])
        if as_text:
            return J.as_text(v)
        return None if v is J._MISSING else out(v)

    return Compiled(fn, TEXT if as_text else want)


def _jsonb_set(c: Compiler, name: str, nodes: list[exp.Expression]) -> Compiled:
    if len(nodes) not in (3, 4):
        raise SqlError(UNDEFINED_FUNCTION, f"function {name} does not exist")
    extra = [TEXT_ARRAY, JSONB, BOOL][: len(nodes) - 1]
    return _unary(c, name, nodes, lambda v, path, new, create=True: J.dump(
        J.set_path(v, list(path), J.load(new), create)), JSONB, extra)


_FUNCTIONS: dict[str, Callable[[Compiler, str, list[exp.Expression]], Compiled]] = {
    "jsonb_build_object": _build_object, "json_build_object": _build_object,
    "jsonb_build_array": _build_array, "json_build_array": _build_array,
    "to_jsonb": _to_json, "to_json": _to_json,
    "jsonb_typeof": lambda c, n, a: _unary(c, n, a, J.kind, TEXT),
    "json_typeof": lambda c, n, a: _unary(c, n, a, J.kind, TEXT),
    "jsonb_array_length": lambda c, n, a: _unary(c, n, a, _array_length, INT4),
    "json_array_length": lambda c, n, a: _unary(c, n, a, _array_length, INT4),
    "jsonb_extract_path": _extract_path, "jsonb_extract_path_text": _extract_path,
    "json_extract_path": _extract_path, "json_extract_path_text": _extract_path,
    "jsonb_set": _jsonb_set,
    "jsonb_pretty": lambda c, n, a: _unary(c, n, a, J.pretty, TEXT),
    "jsonb_strip_nulls": lambda c, n, a: _unary(c, n, a, lambda v: J.dump(J.strip_nulls(v)), JSONB),
    "json_strip_nulls": lambda c, n, a: _unary(c, n, a, lambda v: J.dump(J.strip_nulls(v), sort=False), JSON),
}


def _anonymous(c: Compiler, node: exp.Anonymous, hint, prev) -> Compiled:
    name = node.name.lower()
    build = _FUNCTIONS.get(name)
    if build is None:
        return fallback(c, node, hint, prev)
    return build(c, name, list(node.expressions))


for _cls in (exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract, exp.JSONBExtractScalar):
    chain(_cls, _extract)
for _cls in (exp.ArrayContainsAll, exp.ArrayContainedBy):
    chain(_cls, _containment)
for _cls in (exp.JSONBContainsTopKey, exp.JSONBContainsAnyTopKeys, exp.JSONBContainsAllTopKeys):
    chain(_cls, _has_key)
chain(exp.DPipe, _concat)
chain(exp.Sub, _minus)
chain(exp.JSONBDeleteAtPath, _delete_path)
chain(exp.ParseJSON, _parse_json)
chain(exp.Anonymous, _anonymous)
