"""Date/time operators, registered into the expression compiler:

    date + int, int + date, date - int -> date;      date - date -> integer
    date/timestamp/timestamptz +/- interval (interval + ...) -> timestamp(tz)
    timestamp - timestamp, timestamptz - timestamptz -> interval
    interval +/- interval, - interval, interval * number, number * interval,
    interval / number; comparisons of intervals (30-day months) and between
    date, timestamp and timestamptz; INTERVAL '...' [unit] literals;
    x AT TIME ZONE zone; CURRENT_DATE in the session's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from sqlglot import exp

from . import intervals as I
from . import oids
from . import timestamps as TS
from . import types as T
from .api import SqlType
from .errors import DATETIME_FIELD_OVERFLOW, SqlError
from .expr import BOOL, INT4, Compiled, Compiler, fold
from .handler_chain import chain, fallback, peek, peek_pair, strict2

DATE = T.simple(oids.DATE)
TIMESTAMP = T.simple(oids.TIMESTAMP)
TIMESTAMPTZ = T.simple(oids.TIMESTAMPTZ)
INTERVAL = T.simple(oids.INTERVAL)
STAMPS = (oids.TIMESTAMP, oids.TIMESTAMPTZ)
DATES = (oids.DATE, oids.TIMESTAMP, oids.TIMESTAMPTZ)


def _strict(fa, fb, op: Callable[[Any, Any], Any], t: SqlType) -> Compiled:
    return Compiled(strict2(fa, fb, op), t)


def _date_plus(d: dt.date, n: int) -> dt.date:
    try:
        return d + dt.timedelta(days=n)
    except OverflowError:
        raise SqlError(DATETIME_FIELD_OVERFLOW, "date out of range") from None


def _to_tz(v: Any) -> dt.datetime:
    return T.coerce(v, TIMESTAMPTZ)


def _as_stamp(d: Any) -> dt.datetime:
    return d if isinstance(d, dt.datetime) else dt.datetime(d.year, d.month, d.day)


def _add_interval(oid: int) -> Callable[[Any, Any], Any]:
    if oid == oids.TIMESTAMPTZ:
        return lambda ts, iv: I.add_to(TS.to_session(ts), iv).astimezone(dt.timezone.utc)
    return lambda ts, iv: I.add_to(_as_stamp(ts), iv)


def _stamp_diff(a: dt.datetime, b: dt.datetime) -> tuple:
    delta = a - b
    return I.justify_hours(0, (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _hinted(c: Compiler, node: exp.Expression, got: Compiled, want: SqlType) -> Compiled:
    return c.with_hint(node, want) if got.oid == oids.UNKNOWN else got


def _arith(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
    pair = peek_pair(c, node.this, node.expression)
    if pair is None:
        return fallback(c, node, hint, prev)
    a, b = pair
    kinds = {a.oid, b.oid}
    if not kinds & {oids.DATE, oids.TIMESTAMP, oids.TIMESTAMPTZ, oids.INTERVAL}:
        return fallback(c, node, hint, prev)
    add, sub = isinstance(node, exp.Add), isinstance(node, exp.Sub)
    # an untyped literal next to a date/time value: an interval (a date for date - '...')
    if a.oid == oids.UNKNOWN:
        a = _hinted(c, node.this, a, INTERVAL if b.oid != oids.DATE else INT4)
    if b.oid == oids.UNKNOWN:
        want = INTERVAL
        if a.oid == oids.DATE:
            want = DATE if sub else INT4
        b = _hinted(c, node.expression, b, want)
    x, y = a.oid, b.oid
    fa, fb = a.fn, b.fn
    if add or sub:
        sign = 1 if add else -1
        if x == oids.DATE and y in T.INT_TYPES:
            return _strict(fa, fb, lambda d, n: _date_plus(d, sign * n), DATE)
        if add and x in T.INT_TYPES and y == oids.DATE:
            return _strict(fa, fb, lambda n, d: _date_plus(d, n), DATE)
        if sub and x == y == oids.DATE:
            return _strict(fa, fb, lambda p, q: (p - q).days, INT4)
        if x in DATES and y == oids.INTERVAL:
            t = TIMESTAMPTZ if x == oids.TIMESTAMPTZ else TIMESTAMP
            plus = _add_interval(x)
            return _strict(fa, fb, (lambda d, iv: plus(d, iv)) if add else (lambda d, iv: plus(d, I.negate(iv))), t)
        if add and x == oids.INTERVAL and y in DATES:
            t = TIMESTAMPTZ if y == oids.TIMESTAMPTZ else TIMESTAMP
            plus = _add_interval(y)
            return _strict(fa, fb, lambda iv, d: plus(d, iv), t)
        if sub and x in STAMPS and y in STAMPS + (oids.DATE,) or sub and x == oids.DATE and y in STAMPS:
            conv = _to_tz if oids.TIMESTAMPTZ in (x, y) else _as_stamp
            return _strict(fa, fb, lambda p, q: _stamp_diff(conv(p), conv(q)), INTERVAL)
        if x == y == oids.INTERVAL:
            return _strict(fa, fb, I.add if add else I.sub, INTERVAL)
    elif isinstance(node, exp.Mul):
        if x == oids.INTERVAL and y in T.NUMBER_TYPES:
            return _strict(fa, fb, I.mul, INTERVAL)
        if y == oids.INTERVAL and x in T.NUMBER_TYPES:
            return _strict(fa, fb, lambda n, iv: I.mul(iv, n), INTERVAL)
    elif isinstance(node, exp.Div):
        if x == oids.INTERVAL and y in T.NUMBER_TYPES:
            return _strict(fa, fb, I.div, INTERVAL)
    op = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}.get(type(node), "%")
    raise SqlError("42883", f"operator does not exist: {a.type.name} {op} {b.type.name}",
                   hint="No operator matches the given name and argument types. "
                   "You might need to add explicit type casts.")


def _neg(c: Compiler, node: exp.Neg, hint, prev) -> Compiled:
    a = peek(c, node.this)
    if a is None or a.oid != oids.INTERVAL:
        return fallback(c, node, hint, prev)
    f = a.fn
    return Compiled(lambda row, p: None if (v := f(row, p)) is None else I.negate(v), INTERVAL)


_TESTS = {
    exp.EQ: lambda r: r == 0, exp.NEQ: lambda r: r != 0, exp.LT: lambda r: r < 0,
    exp.LTE: lambda r: r <= 0, exp.GT: lambda r: r > 0, exp.GTE: lambda r: r >= 0,
}


def _compare(c: Compiler, node: exp.Binary, hint, prev) -> Compiled:
    """Intervals compare by span; date/timestamp/timestamptz are converted to one type."""
    pair = peek_pair(c, node.this, node.expression)
    if pair is None:
        return fallback(c, node, hint, prev)
    a, b = pair
    test = _TESTS[type(node)]
    if oids.INTERVAL in (a.oid, b.oid):
        a, b = _hinted(c, node.this, a, INTERVAL), _hinted(c, node.expression, b, INTERVAL)
        if a.oid != b.oid:
            return fallback(c, node, hint, prev)
        return _strict(a.fn, b.fn, lambda x, y: test(I.span(x) - I.span(y)), BOOL)
    if a.oid != b.oid and a.oid in DATES and b.oid in DATES:
        t = TIMESTAMPTZ if oids.TIMESTAMPTZ in (a.oid, b.oid) else TIMESTAMP
        conv = _to_tz if t.oid == oids.TIMESTAMPTZ else _as_stamp

        def cmp(x: Any, y: Any) -> bool:
            p, q = conv(x), conv(y)
            return test((p > q) - (p < q))

        return _strict(a.fn, b.fn, cmp, BOOL)
    return fallback(c, node, hint, prev)


def _interval_literal(c: Compiler, node: exp.Interval, hint, prev) -> Compiled:
    unit = node.args.get("unit")
    inner = node.this
    if not (isinstance(inner, exp.Literal) and inner.is_string) and inner is not None:
        a = c.with_hint(inner, T.simple(oids.TEXT))
        u = unit.name if unit is not None else None
        f = a.fn
        return Compiled(lambda row, p: None if (v := f(row, p)) is None else
                        I.with_unit(str(v), u) if u else I.parse(str(v)), INTERVAL)
    text = inner.this if inner is not None else ""
    if unit is not None:
        return fold(lambda: I.with_unit(text, unit.name), INTERVAL)
    return fold(lambda: I.parse(text), INTERVAL)


def _at_time_zone(c: Compiler, node: exp.AtTimeZone, hint, prev) -> Compiled:
    a = c.with_hint(node.this, TIMESTAMPTZ)
    z = c.with_hint(node.args["zone"], T.simple(oids.TEXT))
    if a.oid == oids.TIMESTAMPTZ:
        return _strict(a.fn, z.fn, lambda ts, name: ts.astimezone(TS.zone(name)).replace(tzinfo=None), TIMESTAMP)
    if a.oid == oids.TIMESTAMP:
        return _strict(a.fn, z.fn, lambda ts, name: ts.replace(tzinfo=TS.zone(name)).astimezone(dt.timezone.utc),
                       TIMESTAMPTZ)
    return fallback(c, node, hint, prev)


def _current_date(c: Compiler, node: exp.CurrentDate, hint, prev) -> Compiled:
    return Compiled(lambda row, p: TS.to_local(dt.datetime.now(dt.timezone.utc)).date(), DATE)


for _cls in (exp.Add, exp.Sub, exp.Mul, exp.Div):
    chain(_cls, _arith)
for _cls in _TESTS:
    chain(_cls, _compare)
chain(exp.Neg, _neg)
chain(exp.Interval, _interval_literal)
chain(exp.AtTimeZone, _at_time_zone)
chain(exp.CurrentDate, _current_date)
