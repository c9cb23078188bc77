"""What PostgreSQL clients call when they introspect: system-information and
catalog functions, ``COLLATE``, casts to the catalog types (oid, regclass,
regtype, regnamespace, name, "char", arrays) and ``generate_series`` in FROM.
The operators they use (``~``, ``OPERATOR(schema.op)``, ``= ANY(array)``,
arrays and subscripts) are in ``sql.pg_operators``.

Everything is registered into the expression compiler (``sql.expr.register``);
a handler that does not recognise its node passes it to the handler that was
registered before it, so this module only adds cases.  ``pg_catalog.f(...)`` is
``f(...)``.

Functions that read the catalog (pg_get_indexdef, ``::regclass``, ...) take the
execution's ``sql.pg_catalog.Snapshot`` from ``env.state.cache``; compiling one
marks the query (``planner.uses_catalog``) so ``QueryPlan.run`` loads it.
Settings functions read ``sql.settings.current()`` at execution time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlglot import exp

from . import oids
from . import pg_catalog as C
from . import settings as gucs
from . import types as T
from .api import SqlType
from .errors import (
    FEATURE_NOT_SUPPORTED,
    INVALID_TEXT_REPRESENTATION,
    UNDEFINED_FUNCTION,
    UNDEFINED_TABLE,
    SqlError,
)
from .expr import _HANDLERS, Compiled, Compiler, _text, register
from .pgvalues import PgArray, RegOid, to_oid
from .physical import Operator
from .runtime import Env

UNDEFINED_OBJECT = "42704"
Handler = Callable[[Compiler, Any, SqlType | None], Compiled]


def _chain(node_type: type, handler: Callable[[Compiler, Any, SqlType | None, Handler | None], Compiled]) -> None:
    prev = _HANDLERS.get(node_type)
    register(node_type, lambda c, node, hint: handler(c, node, hint, prev))


def _fallback(c: Compiler, node: exp.Expression, hint: SqlType | None, prev: Handler | None) -> Compiled:
    if prev is not None:
        return prev(c, node, hint)
    if isinstance(node, (exp.Func, exp.Anonymous)):
        return c._unknown_function(node)
    raise SqlError(FEATURE_NOT_SUPPORTED, f"unsupported expression: {node.sql('postgres')}")


def snapshot(c: Compiler) -> None:
    """Mark the statement being planned as reading the catalog snapshot."""
    if c.planner is None:
        raise SqlError(FEATURE_NOT_SUPPORTED, "catalog functions are only supported in queries")
    c.planner.uses_catalog = True


def _snap(p: Any) -> C.Snapshot:
    return p.state.cache[C.SNAPSHOT_KEY]


def _typ(oid: int) -> SqlType:
    return T.simple(oid)


# -- the function table


@dataclass(frozen=True)
class Function:
    impl: Callable[..., Any]
    rettype: int
    argtypes: tuple[int, ...]
    min_args: int
    strict: bool = True
    catalog: bool = False  # impl(snapshot, *args)
    volatile: bool = True  # never folded at plan time


FUNCTIONS: dict[str, Function] = {}


def function(name: str, rettype: int, *argtypes: int, min_args: int | None = None, strict: bool = True,
             catalog: bool = False):
    def wrap(impl: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name] = Function(impl, rettype, tuple(argtypes),
                                   len(argtypes) if min_args is None else min_args, strict, catalog)
        return impl

    return wrap


def compile_call(c: Compiler, name: str, args: list[exp.Expression]) -> Compiled:
    f = FUNCTIONS[name]
    if not f.min_args <= len(args) <= len(f.argtypes):
        compiled = [c.compile(a) for a in args]
        raise SqlError(UNDEFINED_FUNCTION, f"function {name}({', '.join(a.type.name for a in compiled)}) does not exist",
                       hint="No function matches the given name and argument types.")
    compiled = [c.with_hint(a, _typ(t)) for a, t in zip(args, f.argtypes, strict=False)]
    compiled = [_as(a, t) for a, t in zip(compiled, f.argtypes, strict=False)]
    fns = [a.fn for a in compiled]
    impl, is_strict = f.impl, f.strict
    if f.catalog:
        snapshot(c)

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            vals = [g(row, p) for g in fns]
            if is_strict and None in vals:
                return None
            return impl(_snap(p), *vals)
    else:
        def fn(row: tuple, p: Sequence[Any]) -> Any:
            vals = [g(row, p) for g in fns]
            if is_strict and None in vals:
                return None
            return impl(*vals)

    return Compiled(fn, _typ(f.rettype))


def _as(a: Compiled, oid: int) -> Compiled:
    """An argument converted to the parameter type where PostgreSQL casts implicitly."""
    if a.oid == oid or oid in oids.ELEMENT_OF or T.category(oid) == "S" and T.category(a.oid) == "S":
        return a
    if oid in oids.OID_TYPES and T.category(a.oid) in "NS":
        f = a.fn
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else to_oid(v), _typ(oid))
    if oid in T.INT_TYPES and a.oid in T.INT_TYPES | oids.OID_TYPES:
        return a
    if T.comparable(a.oid, oid) or T.category(oid) == "S":
        return a
    raise SqlError(UNDEFINED_FUNCTION, f"function argument of type {a.type.name} does not match {oids.TYPE_NAME[oid]}")


# -- session and server information

function("version", oids.TEXT)(lambda: gucs.VERSION)
function("current_database", oids.NAME)(lambda: gucs.DATABASE)
function("current_catalog", oids.NAME)(lambda: gucs.DATABASE)
function("current_user", oids.NAME)(lambda: gucs.USER)
function("session_user", oids.NAME)(lambda: gucs.USER)
function("pg_backend_pid", oids.INT4)(os.getpid)
function("pg_is_in_recovery", oids.BOOL)(lambda: False)
function("pg_encoding_to_char", oids.NAME, oids.INT4)(lambda e: "UTF8" if e == 6 else "")
function("pg_get_userbyid", oids.NAME, oids.OID)(
    lambda o: gucs.USER if o == C.ROLE_OID else f"unknown (OID={o})")


def _search_path() -> list[str]:
    raw = gucs.current().get("search_path", "")
    names = [s.strip().strip('"') for s in raw.split(",") if s.strip()]
    return [n for n in names if n in C.NAMESPACES.values()]


@function("current_schema", oids.NAME)
def _current_schema() -> str | None:
    path = [n for n in _search_path() if n != "pg_catalog"]
    return path[0] if path else None


@function("current_schemas", oids.ARRAY_OF[oids.NAME], oids.BOOL)
def _current_schemas(implicit: bool) -> PgArray:
    path = _search_path()
    if implicit and "pg_catalog" not in path:
        path = ["pg_catalog", *path]
    return PgArray(path)


@function("current_setting", oids.TEXT, oids.TEXT, oids.BOOL, min_args=1)
def _current_setting(name: str, missing_ok: bool = False) -> str | None:
    return gucs.get(gucs.current(), name, missing_ok)


@function("set_config", oids.TEXT, oids.TEXT, oids.TEXT, oids.BOOL, strict=False)
def _set_config(name: str | None, value: str | None, is_local: bool | None) -> str:
    if name is None:
        raise SqlError("22004", "SET requires parameter name")
    return gucs.assign(gucs.current(), name, value)


# -- visibility and privileges: every object is visible, the one role may do anything

@function("pg_table_is_visible", oids.BOOL, oids.OID, catalog=True)
def _table_is_visible(snap: C.Snapshot, oid: int) -> bool | None:
    found = snap.relname(oid)
    return None if found is None else found[0] in (C.PG_CATALOG, C.PUBLIC)


for _name in ("pg_type_is_visible", "pg_function_is_visible", "pg_collation_is_visible"):
    function(_name, oids.BOOL, oids.OID)(lambda oid: True)
for _name in ("has_table_privilege", "has_schema_privilege", "has_database_privilege",
              "has_column_privilege", "has_sequence_privilege", "has_function_privilege"):
    function(_name, oids.BOOL, oids.TEXT, oids.TEXT, oids.TEXT, oids.TEXT, min_args=2)(lambda *a: True)
function("pg_relation_is_publishable", oids.BOOL, oids.OID)(lambda oid: False)

# -- comments: Strata has none
for _name, _n in (("obj_description", 2), ("shobj_description", 2), ("col_description", 2)):
    function(_name, oids.TEXT, oids.OID, oids.TEXT if _name != "col_description" else oids.INT4,
             min_args=1, strict=False)(lambda *a: None)

# -- object definitions


def _pretty_args(name: str, *types: int, catalog: bool = True):
    return function(name, oids.TEXT, *types, min_args=1, catalog=catalog)


@_pretty_args("pg_get_indexdef", oids.OID, oids.INT4, oids.BOOL)
def _get_indexdef(snap: C.Snapshot, oid: int, column: int = 0, pretty: bool = False) -> str | None:
    return C.get_indexdef(snap, oid, column)


@_pretty_args("pg_get_constraintdef", oids.OID, oids.BOOL)
def _get_constraintdef(snap: C.Snapshot, oid: int, pretty: bool = False) -> str | None:
    return C.get_constraintdef(snap, oid, pretty)


function("pg_get_expr", oids.TEXT, oids.PG_NODE_TREE, oids.OID, oids.BOOL, min_args=2)(
    lambda expr, relid, pretty=False: expr)
"""Stored expressions (pg_attrdef.adbin) are kept as deparsed SQL text already."""
for _name in ("pg_get_viewdef", "pg_get_triggerdef", "pg_get_partkeydef", "pg_get_statisticsobjdef_columns",
              "pg_get_ruledef", "pg_get_functiondef"):
    function(_name, oids.TEXT, oids.TEXT, oids.TEXT, min_args=1, strict=False)(lambda *a: None)


@function("pg_get_serial_sequence", oids.TEXT, oids.TEXT, oids.TEXT, catalog=True)
def _get_serial_sequence(snap: C.Snapshot, table: str, column: str) -> str | None:
    return snap.serial_sequence_name(str(table), column)


@_pretty_args("pg_get_viewdef", oids.OID, oids.BOOL)
def _get_viewdef(snap: C.Snapshot, oid: int, pretty: bool = False) -> str | None:
    t = snap.by_oid.get(oid)
    return C.view_definition(t) if t is not None and t.is_view else None


# -- types


def format_type(oid: int, typmod: int | None) -> str:
    element = oids.ELEMENT_OF.get(oid)
    if element is not None:
        return format_type(element, typmod) + "[]"
    name = oids.TYPE_NAME.get(oid)
    if name is None:
        return "???"
    if typmod is not None and typmod >= 0:
        if oid in (oids.VARCHAR, oids.BPCHAR):
            return f"{name}({typmod - 4})"
        if oid == oids.NUMERIC:
            v = typmod - 4
            return f"numeric({v >> 16},{v & 0xFFFF})"
    if oid == oids.BPCHAR and typmod is not None and typmod < 0:
        return "bpchar"
    return name


function("format_type", oids.TEXT, oids.OID, oids.INT4, strict=False)(
    lambda oid, typmod: None if oid is None else format_type(oid, typmod))


def type_oid(name: str) -> int | None:
    key = " ".join(name.strip().lower().split())
    if key.startswith("pg_catalog."):
        key = key[len("pg_catalog."):]
    key = key.strip('"') if key != '"char"' else key
    m = re.fullmatch(r"(.+?)\s*\(\s*\d+(\s*,\s*\d+)?\s*\)", key)
    if m:
        key = m.group(1)
    if key.endswith("[]"):
        element = type_oid(key[:-2])
        return oids.ARRAY_OF.get(element) if element is not None else None
    return C.TYPE_BY_NAME.get(key)


def regtype(oid: int) -> RegOid:
    if oid == 0:
        return RegOid(0, "-")  # as regtypeout prints InvalidOid
    return RegOid(oid, format_type(oid, None) if oid in oids.TYPE_NAME else str(oid))


@function("to_regtype", oids.REGTYPE, oids.TEXT)
def _to_regtype(name: str) -> RegOid | None:
    oid = type_oid(name)
    return None if oid is None else regtype(oid)


@function("to_regclass", oids.REGCLASS, oids.TEXT, catalog=True)
def _to_regclass(snap: C.Snapshot, name: str) -> RegOid | None:
    oid = snap.relation_oid(name)
    return None if oid is None else regclass(snap, oid)


def regclass(snap: C.Snapshot, oid: int) -> RegOid:
    found = snap.relname(oid)
    if found is None:
        return RegOid(oid, "-" if oid == 0 else str(oid))  # PostgreSQL prints InvalidOid as '-'
    ns, name = found
    shown = C.quote_ident(name) if ns in (C.PG_CATALOG, C.PUBLIC) else f"{C.NAMESPACES[ns]}.{C.quote_ident(name)}"
    return RegOid(oid, shown)


# -- arrays


def _array_arg(c: Compiler, node: exp.Expression) -> Compiled:
    a = c.compile(node)
    if a.oid not in oids.ELEMENT_OF and not (a.oid == oids.UNKNOWN and a.const):
        raise SqlError(UNDEFINED_FUNCTION, f"function argument of type {a.type.name} is not an array")
    if a.oid == oids.UNKNOWN:
        return c.with_hint(node, _typ(oids.ARRAY_OF[oids.TEXT]))
    return a


@function("array_to_string", oids.TEXT, oids.ARRAY_OF[oids.TEXT], oids.TEXT, oids.TEXT, min_args=2, strict=False)
def _array_to_string(arr: Sequence[Any] | None, sep: str | None, null: str | None = None) -> str | None:
    if arr is None or sep is None:
        return None
    return sep.join(_text(v) if v is not None else null for v in arr if v is not None or null is not None)


function("array_upper", oids.INT4, oids.ARRAY_OF[oids.TEXT], oids.INT4)(
    lambda arr, dim: len(arr) if dim == 1 and len(arr) else None)
function("array_lower", oids.INT4, oids.ARRAY_OF[oids.TEXT], oids.INT4)(
    lambda arr, dim: 1 if dim == 1 and len(arr) else None)
function("array_length", oids.INT4, oids.ARRAY_OF[oids.TEXT], oids.INT4)(
    lambda arr, dim: len(arr) if dim == 1 and len(arr) else None)
function("cardinality", oids.INT4, oids.ARRAY_OF[oids.TEXT])(len)
function("quote_ident", oids.TEXT, oids.TEXT)(C.quote_ident)

_ARRAY_FUNCS = {"array_to_string", "array_upper", "array_lower", "array_length", "cardinality"}


# -- handlers


def _call(c: Compiler, name: str, node: exp.Expression, args: list[exp.Expression], hint, prev) -> Compiled:
    if name in _ARRAY_FUNCS and args:
        first = _array_arg(c, args[0])
        rest = compile_call(c, name, [exp.Null(), *args[1:]])  # checks the count and the other arguments
        g, impl = first.fn, FUNCTIONS[name]
        fns = [c.with_hint(a, _typ(t)).fn for a, t in zip(args[1:], impl.argtypes[1:], strict=False)]

        def fn(row: tuple, p: Sequence[Any]) -> Any:
            vals = [g(row, p), *(h(row, p) for h in fns)]
            if impl.strict and None in vals:
                return None
            return impl.impl(*vals)

        return Compiled(fn, rest.type)
    return compile_call(c, name, args)


def _anonymous(c: Compiler, node: exp.Anonymous, hint, prev) -> Compiled:
    name = node.name.lower()
    if name in FUNCTIONS:
        return _call(c, name, node, list(node.expressions), hint, prev)
    return _fallback(c, node, hint, prev)


_NAMED = {exp.CurrentVersion: "version", exp.CurrentSchema: "current_schema",
          exp.CurrentDatabase: "current_database", exp.CurrentUser: "current_user",
          exp.SessionUser: "session_user"}


def _named(c: Compiler, node: exp.Expression, hint, prev) -> Compiled:
    return compile_call(c, _NAMED[type(node)], [])


def _array_to_string_node(c: Compiler, node: exp.ArrayToString, hint, prev) -> Compiled:
    args = [node.this, node.expression, *([node.args["null"]] if node.args.get("null") else [])]
    return _call(c, "array_to_string", node, args, hint, prev)


def _dot(c: Compiler, node: exp.Dot, hint, prev) -> Compiled:
    """``pg_catalog.f(...)``: the function f."""
    if isinstance(node.this, exp.Identifier) and node.this.name.lower() == "pg_catalog" and isinstance(
        node.expression, (exp.Func, exp.Anonymous)
    ):
        return c.compile(node.expression, hint)
    return _fallback(c, node, hint, prev)


def _collate(c: Compiler, node: exp.Collate, hint, prev) -> Compiled:
    """Strata compares strings by code point: every collation behaves as "C"."""
    return c.compile(node.this, hint)


def _bytestring(c: Compiler, node: exp.ByteString, hint, prev) -> Compiled:
    """E'...' escape strings: sqlglot has already decoded the escapes."""
    return Compiled(lambda row, p, v=node.this: v, T.simple(oids.UNKNOWN), True)


# -- casts to the catalog types


def _cast_target(to: exp.Expression) -> int | None:
    """The catalog type a cast names, or None for the engine's own types."""
    if isinstance(to, exp.ObjectIdentifier):
        return type_oid(to.name)
    if not isinstance(to, exp.DataType):
        return None
    if to.this == exp.DataType.Type.NAME:
        return oids.NAME
    if to.this == exp.DataType.Type.USERDEFINED:
        kind = to.args.get("kind")
        text = kind.sql("postgres") if kind is not None else ""
        if isinstance(kind, exp.Identifier) and kind.quoted and kind.name == "char":
            return oids.CHAR
        return type_oid(text)
    if to.this == exp.DataType.Type.ARRAY and to.expressions:
        element = _cast_target(to.expressions[0])
        if element is None:
            try:
                element = T.from_datatype(to.expressions[0]).oid
            except SqlError:
                return None
        return oids.ARRAY_OF.get(element)
    return None


def _cast(c: Compiler, node: exp.Cast, hint, prev) -> Compiled:
    target = _cast_target(node.args["to"])
    if target is None:
        return _fallback(c, node, hint, prev)
    if target not in oids.OID_TYPES and target not in oids.ELEMENT_OF and target not in (oids.NAME, oids.CHAR):
        # pg_catalog.text, pg_catalog.int4, ...: the engine's own cast
        return prev(c, exp.Cast(this=node.this, to=exp.DataType.build(oids.TYPE_NAME[target], dialect="postgres")), hint)
    t = _typ(target)
    if isinstance(node.this, exp.Parameter) and target in (oids.REGCLASS, oids.REGTYPE, oids.REGPROC,
                                                         oids.REGNAMESPACE):
        # $1::regclass: the value is a name (SQLAlchemy binds 'pg_catalog.pg_class'), so the
        # parameter is bound as text and converted by name here (PostgreSQL's regclassin)
        a = c.compile(node.this, _typ(oids.TEXT))
    else:
        a = c.compile(node.this, t)
    f = a.fn
    if target in oids.ELEMENT_OF:
        element = _typ(oids.ELEMENT_OF[target])
        if a.oid in oids.ELEMENT_OF:
            return Compiled(lambda row, p: None if (v := f(row, p)) is None
                            else PgArray(T.coerce(x, element) for x in v), t)
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else T.coerce(_text(v), t), t)
    if target in (oids.NAME, oids.CHAR):
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else _text(v)[: 63 if target == oids.NAME else 1], t)
    if T.category(a.oid) not in "NSU":
        raise SqlError("42846", f"cannot cast type {a.type.name} to {t.name}")
    text_in = T.category(a.oid) in "SU"
    if target == oids.REGCLASS:
        snapshot(c)

        def to_regclass(row: tuple, p: Sequence[Any]) -> Any:
            v = f(row, p)
            if v is None:
                return None
            snap = _snap(p)
            if text_in and not re.fullmatch(r"\s*\d+\s*", str(v)):
                oid = snap.relation_oid(str(v))
                if oid is None:
                    raise SqlError(UNDEFINED_TABLE, f'relation "{v}" does not exist')
                return regclass(snap, oid)
            return regclass(snap, to_oid(v))

        return Compiled(to_regclass, t)
    if target == oids.REGTYPE:
        def to_regtype(row: tuple, p: Sequence[Any]) -> Any:
            v = f(row, p)
            if v is None:
                return None
            if text_in and not re.fullmatch(r"\s*\d+\s*", str(v)):
                oid = type_oid(str(v))
                if oid is None:
                    raise SqlError(UNDEFINED_OBJECT, f'type "{v}" does not exist')
                return regtype(oid)
            return regtype(to_oid(v))

        return Compiled(to_regtype, t)
    if target == oids.REGNAMESPACE:
        by_name = {n: o for o, n in C.NAMESPACES.items()}

        def to_regnamespace(row: tuple, p: Sequence[Any]) -> Any:
            v = f(row, p)
            if v is None:
                return None
            if text_in and not re.fullmatch(r"\s*\d+\s*", str(v)):
                if str(v) not in by_name:
                    raise SqlError("3F000", f'schema "{v}" does not exist')
                return RegOid(by_name[str(v)], str(v))
            oid = to_oid(v)
            return RegOid(oid, C.NAMESPACES.get(oid, str(oid)))

        return Compiled(to_regnamespace, t)
    if target == oids.REGPROC:
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else
                        RegOid(to_oid(v), "-") if not text_in or str(v).strip().isdigit() else _no_proc(v), t)
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else to_oid(v), t)


def _no_proc(v: Any) -> Any:
    name = str(v).split(".")[-1]
    if name in FUNCTIONS:
        return RegOid(C.PROC_BASE + sorted(FUNCTIONS).index(name), name)
    raise SqlError(UNDEFINED_FUNCTION, f'function "{v}" does not exist')


# -- generate_series in FROM


class SeriesScan(Operator):
    """``generate_series(start, stop [, step])`` as a row source (arguments may
    read the enclosing query's row, so they are evaluated per execution env)."""

    width = 1

    def __init__(self, fns: list[Any]) -> None:
        self.fns = fns

    def rows(self, env: Env) -> list[tuple]:
        vals = [f((), env) for f in self.fns]
        if None in vals:
            return []
        start, stop, step = (vals + [1])[:3]
        if step == 0:
            raise SqlError("22023", "step size cannot equal zero")
        return [(i,) for i in range(start, stop + (1 if step > 0 else -1), step)]


class _NoRows(Operator):
    """pg_partition_ancestors(rel) in FROM (psql's \\d): Strata has no partitions."""

    def __init__(self, width: int) -> None:
        self.width = width

    def rows(self, env: Env) -> list[tuple]:
        return []


function("pg_partition_ancestors", oids.REGCLASS, oids.OID)(lambda oid: None)
"""In a select list (psql's "Referenced by" query, ``x IN (SELECT pg_partition_ancestors(x)
UNION ALL VALUES (x))``): NULL, where PostgreSQL returns no row for a relation that is no partition."""


def plan_table_function(node: exp.Table, compiler: Compiler) -> tuple[Operator, list[tuple[str, SqlType]]]:
    fn = node.this
    if isinstance(fn, exp.ExplodingGenerateSeries) or (
        isinstance(fn, exp.GenerateSeries)
    ):
        args = [fn.args.get("start"), fn.args.get("end"), *([fn.args["step"]] if fn.args.get("step") else [])]
    elif isinstance(fn, exp.Anonymous) and fn.name.lower() == "generate_series":
        args = list(fn.expressions)
    elif isinstance(fn, exp.Anonymous) and fn.name.lower() == "pg_partition_ancestors":
        cols = [("relid", _typ(oids.REGCLASS)), ("depth", _typ(oids.INT8))][: 1 + bool(node.args.get("ordinality"))]
        return _NoRows(len(cols)), cols
    else:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"function in FROM is not supported: {fn.sql('postgres')}")
    compiled = [compiler.with_hint(a, _typ(oids.INT4)) for a in args]
    for a in compiled:
        if a.oid not in T.INT_TYPES:
            raise SqlError(UNDEFINED_FUNCTION, "generate_series is only supported over integers")
    t = _typ(oids.INT8) if any(a.oid == oids.INT8 for a in compiled) else _typ(oids.INT4)
    alias = node.args.get("alias")
    name = alias.name if alias is not None and alias.name else "generate_series"
    if alias is not None and alias.columns:
        name = alias.columns[0].name
    return SeriesScan([a.fn for a in compiled]), [(name, t)]


# -- registration

_chain(exp.Anonymous, _anonymous)
for _cls in _NAMED:
    _chain(_cls, _named)
_chain(exp.ArrayToString, _array_to_string_node)
_chain(exp.Dot, _dot)
_chain(exp.Collate, _collate)
_chain(exp.ByteString, _bytestring)
_chain(exp.Cast, _cast)

__all__ = ["FUNCTIONS", "plan_table_function", "format_type", "INVALID_TEXT_REPRESENTATION"]

from . import like_escape, srf  # noqa: E402,F401  (register their handlers: LIKE ... ESCAPE, unnest())
