"""Date/time functions, registered into the expression compiler:

    extract(field FROM x) / date_part(field, x)   numeric, as PostgreSQL 15's extract
    date_trunc(field, x)       timestamp, timestamptz (session zone), interval; a date
                               is truncated as timestamptz
    age(a, b), age(a)          symbolic years/months/days
    make_date, make_timestamp, make_interval, to_timestamp(epoch),
    to_char(date/timestamp/timestamptz/interval, pattern), clock_timestamp,
    statement_timestamp, transaction_timestamp, localtimestamp, justify_*

sqlglot parses date_part(...) into the same node as extract(...), so both return
numeric (PostgreSQL's date_part returns double precision: same digits for
integral fields).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from decimal import Decimal
from typing import Any, Callable

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.time import format_time

from . import intervals as I
from . import oids
from . import timestamps as TS
from . import types as T
from .api import SqlType
from .errors import (
    DATETIME_FIELD_OVERFLOW,
    FEATURE_NOT_SUPPORTED,
    INVALID_PARAMETER_VALUE,
    SqlError,
)
from .expr import FLOAT8, INT4, NUMERIC, TEXT, Compiled, Compiler
from .functions import strict
from .handler_chain import OUTPUT_NAMES, chain, fallback

UTC = dt.timezone.utc
DATE = T.simple(oids.DATE)
TIMESTAMP = T.simple(oids.TIMESTAMP)
TIMESTAMPTZ = T.simple(oids.TIMESTAMPTZ)
INTERVAL = T.simple(oids.INTERVAL)
DATES = (oids.DATE, oids.TIMESTAMP, oids.TIMESTAMPTZ)


def _unsupported_unit(unit: str, t: SqlType) -> SqlError:
    return SqlError(FEATURE_NOT_SUPPORTED, f'unit "{unit.lower()}" not supported for type {t.name}')


def _secs(us: int, scale: int = 6) -> Decimal:
    return (Decimal(us) / Decimal(1_000_000)).quantize(Decimal(1).scaleb(-scale))


def _extract_stamp(field: str, ts: dt.datetime, is_date: bool, aware: bool) -> Decimal:
    if aware:
        local = TS.to_session(ts)
    else:
        local = ts
    f = field
    if f == "EPOCH":
        base = ts if aware else ts.replace(tzinfo=UTC)
        delta = base - dt.datetime(1970, 1, 1, tzinfo=UTC)
        us = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        return Decimal(us // 1_000_000) if is_date else _secs(us)
    sec_us = local.second * 1_000_000 + local.microsecond
    simple = {
        "YEAR": local.year, "MONTH": local.month, "DAY": local.day, "HOUR": local.hour,
        "MINUTE": local.minute, "DOW": (local.weekday() + 1) % 7, "ISODOW": local.isoweekday(),
        "DOY": local.timetuple().tm_yday, "WEEK": local.isocalendar()[1], "ISOYEAR": local.isocalendar()[0],
        "QUARTER": (local.month - 1) // 3 + 1, "DECADE": local.year // 10,
        "CENTURY": (local.year + 99) // 100, "MILLENNIUM": (local.year + 999) // 1000,
        "JULIAN": local.toordinal() + 1721425, "MICROSECONDS": sec_us,
    }
    if f in simple:
        if is_date and f in ("HOUR", "MINUTE", "MICROSECONDS"):
            raise _unsupported_unit(f, DATE)
        return Decimal(simple[f])
    if is_date and f in ("SECOND", "MILLISECONDS", "TIMEZONE", "TIMEZONE_HOUR", "TIMEZONE_MINUTE"):
        raise _unsupported_unit(f, DATE)
    if f == "SECOND":
        return _secs(sec_us)
    if f == "MILLISECONDS":
        return (Decimal(sec_us) / 1000).quantize(Decimal("0.001"))
    if f in ("TIMEZONE", "TIMEZONE_HOUR", "TIMEZONE_MINUTE"):
        if not aware:
            raise _unsupported_unit(f, TIMESTAMP)
        off = int((local.utcoffset() or dt.timedelta(0)).total_seconds())
        return Decimal({"TIMEZONE": off, "TIMEZONE_HOUR": int(off / 3600),
                        "TIMEZONE_MINUTE": int(off % 3600 / 60) if off >= 0 else -int(-off % 3600 / 60)}[f])
    raise SqlError(INVALID_PARAMETER_VALUE, f'unit "{field.lower()}" not recognized for type '
                   f'{"date" if is_date else "timestamp"}')


def _extract_interval(field: str, v: tuple) -> Decimal:
    months, days, us = v
    year = int(months / 12)
    f = field
    if f == "EPOCH":
        rem = months - year * 12
        secs = Decimal(year * 31_557_600 + rem * 2_592_000 + days * 86_400)
        return (secs + _secs(us)).quantize(Decimal("0.000001"))
    hours = int(us / 3_600_000_000)
    rem = us - hours * 3_600_000_000
    minutes = int(rem / 60_000_000)
    sec_us = rem - minutes * 60_000_000
    table = {"YEAR": year, "MONTH": months - year * 12, "DAY": days, "HOUR": hours, "MINUTE": minutes,
             "MICROSECONDS": sec_us, "DECADE": int(year / 10), "CENTURY": int(year / 100),
             "MILLENNIUM": int(year / 1000), "QUARTER": (months - year * 12) // 3 + 1}
    if f in table:
        return Decimal(table[f])
    if f == "SECOND":
        return _secs(sec_us)
    if f == "MILLISECONDS":
        return (Decimal(sec_us) / 1000).quantize(Decimal("0.001"))
    raise SqlError(INVALID_PARAMETER_VALUE, f'unit "{field.lower()}" not recognized for type interval')


_FIELD_ALIASES = {"SECONDS": "SECOND", "MINUTES": "MINUTE", "HOURS": "HOUR", "DAYS": "DAY", "MONTHS": "MONTH",
                  "YEARS": "YEAR", "MILLISECOND": "MILLISECONDS", "MICROSECOND": "MICROSECONDS",
                  "MSEC": "MILLISECONDS", "USEC": "MICROSECONDS", "MON": "MONTH", "MONS": "MONTH",
                  "DAYOFWEEK": "DOW", "DAYOFYEAR": "DOY", "WEEKS": "WEEK", "DECADES": "DECADE",
                  "CENTURIES": "CENTURY"}


def _extract(c: Compiler, node: exp.Extract, hint, prev) -> Compiled:
    field = node.this.name.upper() if isinstance(node.this, (exp.Var, exp.Identifier, exp.Literal)) else None
    if field is None:
        return fallback(c, node, hint, prev)
    field = _FIELD_ALIASES.get(field, field)
    a = c.with_hint(node.expression, TIMESTAMP)
    if a.oid == oids.INTERVAL:
        return strict([a], lambda v: _extract_interval(field, v), NUMERIC)
    if a.oid not in DATES:
        raise SqlError("42883", f"function extract(unknown, {a.type.name}) does not exist")
    is_date, aware = a.oid == oids.DATE, a.oid == oids.TIMESTAMPTZ
    return strict([a], lambda v: _extract_stamp(field, v if isinstance(v, dt.datetime) else
                                                 dt.datetime(v.year, v.month, v.day), is_date, aware), NUMERIC)


# -- date_trunc

_TRUNC_ORDER = ["MICROSECONDS", "MILLISECONDS", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER",
                "YEAR", "DECADE", "CENTURY", "MILLENNIUM"]


def trunc_stamp(field: str, ts: dt.datetime) -> dt.datetime:
    f = _FIELD_ALIASES.get(field.upper(), field.upper())
    if f not in _TRUNC_ORDER:
        raise SqlError(INVALID_PARAMETER_VALUE, f'unit "{field}" not recognized for type timestamp without time zone')
    if f == "MICROSECONDS":
        return ts
    if f == "MILLISECONDS":
        return ts.replace(microsecond=ts.microsecond // 1000 * 1000)
    ts = ts.replace(microsecond=0)
    if f == "SECOND":
        return ts
    ts = ts.replace(second=0)
    if f == "MINUTE":
        return ts
    ts = ts.replace(minute=0)
    if f == "HOUR":
        return ts
    ts = ts.replace(hour=0)
    if f == "DAY":
        return ts
    if f == "WEEK":
        return ts - dt.timedelta(days=ts.weekday())
    if f == "MONTH":
        return ts.replace(day=1)
    if f == "QUARTER":
        return ts.replace(day=1, month=(ts.month - 1) // 3 * 3 + 1)
    year = ts.year
    if f == "DECADE":
        year = year // 10 * 10
    elif f == "CENTURY":
        year = (year - 1) // 100 * 100 + 1
    elif f == "MILLENNIUM":
        year = (year - 1) // 1000 * 1000 + 1
    return ts.replace(year=year, month=1, day=1)


def _trunc_interval(field: str, v: tuple) -> tuple:
    f = _FIELD_ALIASES.get(field.upper(), field.upper())
    months, days, us = v
    step = {"MICROSECONDS": 1, "MILLISECONDS": 1000, "SECOND": 1_000_000, "MINUTE": 60_000_000,
            "HOUR": 3_600_000_000}
    if f in step:
        return (months, days, int(us / step[f]) * step[f])
    if f == "DAY":
        return (months, days, 0)
    if f in ("MONTH", "QUARTER", "YEAR", "DECADE", "CENTURY", "MILLENNIUM"):
        per = {"MONTH": 1, "QUARTER": 3, "YEAR": 12, "DECADE": 120, "CENTURY": 1200, "MILLENNIUM": 12000}[f]
        return (int(months / per) * per, 0, 0)
    raise SqlError(FEATURE_NOT_SUPPORTED, f'unit "{field.lower()}" not supported for type interval')


def _date_trunc(c: Compiler, node: exp.TimestampTrunc, hint, prev) -> Compiled:
    unit = node.args.get("unit")
    if unit is None:
        return fallback(c, node, hint, prev)
    field = unit.name
    a = c.with_hint(node.this, TIMESTAMPTZ)
    if a.oid == oids.INTERVAL:
        return strict([a], lambda v: _trunc_interval(field, v), INTERVAL)
    if a.oid == oids.TIMESTAMP:
        return strict([a], lambda v: trunc_stamp(field, v), TIMESTAMP)
    if a.oid in (oids.TIMESTAMPTZ, oids.DATE):
        def tz_trunc(v: Any) -> dt.datetime:
            local = TS.to_local(T.coerce(v, TIMESTAMPTZ))
            return TS.from_local(trunc_stamp(field, local))

        return strict([a], tz_trunc, TIMESTAMPTZ)
    raise SqlError("42883", f"function date_trunc(unknown, {a.type.name}) does not exist")


# -- age, make_*, to_timestamp, clocks


def age(a: dt.datetime, b: dt.datetime) -> tuple:
    """timestamp_age: field-wise difference with borrows."""
    neg = a < b
    if neg:
        a, b = b, a
    fields = [a.microsecond - b.microsecond, a.second - b.second, a.minute - b.minute, a.hour - b.hour,
              a.day - b.day, a.month - b.month, a.year - b.year]
    us, sec, mi, hour, day, mon, year = fields
    if us < 0:
        us += 1_000_000
        sec -= 1
    if sec < 0:
        sec += 60
        mi -= 1
    if mi < 0:
        mi += 60
        hour -= 1
    if hour < 0:
        hour += 24
        day -= 1
    while day < 0:
        day += calendar.monthrange(b.year, b.month)[1]
        mon -= 1
    while mon < 0:
        mon += 12
        year -= 1
    v = (year * 12 + mon, day, ((hour * 60 + mi) * 60 + sec) * 1_000_000 + us)
    return I.negate(v) if neg else v


def _stamp_args(c: Compiler, nodes: list[exp.Expression]) -> list[Compiled]:
    args = [c.with_hint(n, TIMESTAMP) for n in nodes]
    for a in args:
        if a.oid not in DATES:
            raise SqlError("42883", f"function age({', '.join(x.type.name for x in args)}) does not exist")
    return args


def _age(c: Compiler, nodes: list[exp.Expression]) -> Compiled:
    args = _stamp_args(c, nodes)
    aware = any(a.oid == oids.TIMESTAMPTZ for a in args)

    def conv(v: Any) -> dt.datetime:
        return TS.to_local(T.coerce(v, TIMESTAMPTZ)) if aware else T.coerce(v, TIMESTAMP)

    if len(args) == 1:
        def one(v: Any) -> tuple:
            today = TS.to_local(dt.datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
            return age(today, conv(v))

        return Compiled(lambda row, p, f=args[0].fn: None if (v := f(row, p)) is None else one(v), INTERVAL)
    return strict(args, lambda x, y: age(conv(x), conv(y)), INTERVAL)


def make_date(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y if y > 0 else y + 1, m, d)
    except ValueError:
        raise SqlError(DATETIME_FIELD_OVERFLOW, f"date field value out of range: {y}-{m:02d}-{d:02d}") from None


def make_timestamp(y: int, mo: int, d: int, h: int, mi: int, s: float) -> dt.datetime:
    try:
        whole = int(s)
        return dt.datetime(y, mo, d, h, mi, whole, round((float(s) - whole) * 1_000_000))
    except ValueError:
        raise SqlError(DATETIME_FIELD_OVERFLOW,
                       f"date field value out of range: {y}-{mo:02d}-{d:02d}") from None


def make_interval(years=0, months=0, weeks=0, days=0, hours=0, mins=0, secs=0.0) -> tuple:
    us = round(float(secs) * 1_000_000) + (hours * 60 + mins) * 60_000_000
    return (years * 12 + months, weeks * 7 + days, us)


_INTERVAL_PARTS = ["year", "month", "week", "day", "hour", "minute", "second"]


def _make_interval_node(c: Compiler, node: exp.MakeInterval, hint, prev) -> Compiled:
    args = []
    for name in _INTERVAL_PARTS:
        v = node.args.get(name)
        if isinstance(v, exp.Kwarg):
            v = v.expression
        if v is None:
            args.append(Compiled(lambda row, p: 0, INT4, True))
        else:
            args.append(c.with_hint(v, FLOAT8 if name == "second" else INT4))
    return strict(args, make_interval, INTERVAL)


def _from_parts(c: Compiler, node: exp.TimestampFromParts, hint, prev) -> Compiled:
    names = ["year", "month", "day", "hour", "min", "sec"]
    nodes = [node.args.get(n) for n in names]
    if any(n is None for n in nodes):
        return fallback(c, node, hint, prev)
    args = [c.with_hint(n, FLOAT8 if i == 5 else INT4) for i, n in enumerate(nodes)]
    return strict(args, make_timestamp, TIMESTAMP)


def to_timestamp(epoch: Any) -> dt.datetime:
    f = float(epoch)
    if math.isnan(f) or math.isinf(f):
        raise SqlError(DATETIME_FIELD_OVERFLOW, "timestamp out of range")
    try:
        return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=round(f * 1_000_000))
    except OverflowError:
        raise SqlError(DATETIME_FIELD_OVERFLOW, "timestamp out of range") from None


def _unix_to_time(c: Compiler, node: exp.UnixToTime, hint, prev) -> Compiled:
    if node.args.get("scale") is not None or node.args.get("format") is not None:
        return fallback(c, node, hint, prev)
    a = c.with_hint(node.this, FLOAT8)
    if a.oid not in T.NUMBER_TYPES:
        raise SqlError("42883", f"function to_timestamp({a.type.name}) does not exist")
    return strict([a], to_timestamp, TIMESTAMPTZ)


def _clock(t: SqlType, local: bool = False) -> Callable[..., Compiled]:
    def handler(c: Compiler, *_: Any) -> Compiled:
        if local:
            return Compiled(lambda row, p: TS.to_local(dt.datetime.now(UTC)), t)
        return Compiled(lambda row, p: dt.datetime.now(UTC), t)

    return handler


def _justify(kind: str) -> Callable[[tuple], tuple]:
    def days_(v: tuple) -> tuple:
        m, d, us = v
        extra = int(d / 30)
        return (m + extra, d - extra * 30, us)

    def hours_(v: tuple) -> tuple:
        m, d, us = v
        j = I.justify_hours(d, us)
        return (m, j[1], j[2])

    return {"justify_days": days_, "justify_hours": hours_,
            "justify_interval": lambda v: days_(hours_(v))}[kind]


def _anonymous(c: Compiler, node: exp.Anonymous, hint, prev) -> Compiled:
    name = node.name.lower()
    nodes = list(node.expressions)
    if name == "age" and len(nodes) in (1, 2):
        return _age(c, nodes)
    if name == "make_date" and len(nodes) == 3:
        return strict([c.with_hint(n, INT4) for n in nodes], make_date, DATE)
    if name in ("clock_timestamp", "statement_timestamp", "transaction_timestamp") and not nodes:
        return _clock(TIMESTAMPTZ)(c)
    if name in ("justify_days", "justify_hours", "justify_interval") and len(nodes) == 1:
        return strict([c.with_hint(nodes[0], INTERVAL)], _justify(name), INTERVAL)
    if name == "date_part" and len(nodes) == 2:
        field = nodes[0]
        if isinstance(field, exp.Literal) and field.is_string:
            return _extract(c, exp.Extract(this=exp.Var(this=field.this), expression=nodes[1]), hint, prev)
    return fallback(c, node, hint, prev)


def _justify_node(kind: str):
    def handler(c: Compiler, node: exp.Expression, hint, prev) -> Compiled:
        return strict([c.with_hint(node.this, INTERVAL)], _justify(kind), INTERVAL)

    return handler


# -- to_char


def _pg_format(c: Compiler, node: exp.TimeToStr) -> Compiled:
    fmt = node.args.get("format")
    if isinstance(fmt, exp.Literal) and fmt.is_string:
        pattern = format_time(fmt.this, Postgres.INVERSE_TIME_MAPPING, Postgres.INVERSE_TIME_TRIE) or ""
        return Compiled(lambda row, p, s=pattern: s, TEXT, True)
    return c.with_hint(fmt, TEXT)


def _to_char(c: Compiler, node: exp.TimeToStr, hint, prev) -> Compiled:
    from .to_char import to_char

    a = c.with_hint(node.this, TIMESTAMP)
    pattern = _pg_format(c, node)
    if a.oid not in DATES and a.oid != oids.INTERVAL:
        raise SqlError(FEATURE_NOT_SUPPORTED, f"to_char({a.type.name}, text) is not supported")
    oid = a.oid

    def op(v: Any, fmt: str) -> str:
        return to_char(v, fmt, oid)

    return strict([a, pattern], op, TEXT)


chain(exp.Extract, _extract)
chain(exp.TimestampTrunc, _date_trunc)
chain(exp.MakeInterval, _make_interval_node)
chain(exp.TimestampFromParts, _from_parts)
chain(exp.UnixToTime, _unix_to_time)
chain(exp.TimeToStr, _to_char)
chain(exp.Localtimestamp, lambda c, node, hint, prev: _clock(TIMESTAMP, local=True)(c))
chain(exp.JustifyDays, _justify_node("justify_days"))
chain(exp.JustifyHours, _justify_node("justify_hours"))
chain(exp.JustifyInterval, _justify_node("justify_interval"))
chain(exp.Anonymous, _anonymous)

OUTPUT_NAMES.update({
    exp.TimestampTrunc: "date_trunc", exp.UnixToTime: "to_timestamp", exp.TimeToStr: "to_char",
    exp.TimestampFromParts: "make_timestamp", exp.Interval: "interval", exp.AtTimeZone: "timezone",
    exp.IntDiv: "div", exp.ArraySize: "array_length", exp.ArrayConcat: "array_cat", exp.Uuid: "gen_random_uuid",
    exp.ParseJSON: "json", exp.JustifyDays: "justify_days", exp.JustifyHours: "justify_hours",
    exp.JustifyInterval: "justify_interval",
    **{cls: "?column?" for cls in (
        exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract, exp.JSONBExtractScalar, exp.ArrayContainsAll,
        exp.ArrayContainedBy, exp.ArrayOverlaps, exp.JSONBContainsTopKey, exp.JSONBContainsAnyTopKeys,
        exp.JSONBContainsAllTopKeys, exp.JSONBDeleteAtPath)},
})
