"""INTERVAL values: a tuple ``(months, days, microseconds)`` kept apart as
PostgreSQL keeps them (a month is not 30 days until two intervals are compared).

* ``parse`` reads PostgreSQL's input forms: ``'1 year 2 mons 3 days 04:05:06'``,
  ``'1 day 2 hours'``, ``'01:02:03'``, ``'-1 mon'``, ``'2 days ago'``, ``'@ 1 day'``,
  fractional units (``'1.5 days'``), ISO 8601 ``'P1Y2M3DT4H5M6S'`` and ``'1-2'``.
* ``text`` prints IntervalStyle ``postgres`` (``EncodeInterval``).
* ``span`` is the comparison/ordering value (30-day months, 24-hour days).
* ``add_to`` adds an interval to a date/timestamp (months clamp the day).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from .errors import (
    DATETIME_FIELD_OVERFLOW,
    INVALID_DATETIME_FORMAT,
    SqlError,
)

Interval = tuple  # (months, days, microseconds)

US_PER_SEC = 1_000_000
US_PER_DAY = 86_400 * US_PER_SEC
ZERO: Interval = (0, 0, 0)

_UNITS = {
    "millennium": ("m", 12000), "millennia": ("m", 12000), "millenniums": ("m", 12000), "mil": ("m", 12000),
    "mils": ("m", 12000), "century": ("m", 1200), "centuries": ("m", 1200), "cent": ("m", 1200),
    "c": ("m", 1200), "decade": ("m", 120), "decades": ("m", 120), "dec": ("m", 120), "decs": ("m", 120),
    "year": ("m", 12), "years": ("m", 12), "y": ("m", 12), "yr": ("m", 12), "yrs": ("m", 12),
    "month": ("m", 1), "months": ("m", 1), "mon": ("m", 1), "mons": ("m", 1),
    "week": ("d", 7), "weeks": ("d", 7), "w": ("d", 7),
    "day": ("d", 1), "days": ("d", 1), "d": ("d", 1),
    "hour": ("u", 3600 * US_PER_SEC), "hours": ("u", 3600 * US_PER_SEC), "h": ("u", 3600 * US_PER_SEC),
    "hr": ("u", 3600 * US_PER_SEC), "hrs": ("u", 3600 * US_PER_SEC),
    "minute": ("u", 60 * US_PER_SEC), "minutes": ("u", 60 * US_PER_SEC), "min": ("u", 60 * US_PER_SEC),
    "mins": ("u", 60 * US_PER_SEC), "m": ("u", 60 * US_PER_SEC),
    "second": ("u", US_PER_SEC), "seconds": ("u", US_PER_SEC), "sec": ("u", US_PER_SEC),
    "secs": ("u", US_PER_SEC), "s": ("u", US_PER_SEC),
    "millisecond": ("u", 1000), "milliseconds": ("u", 1000), "ms": ("u", 1000), "msec": ("u", 1000),
    "msecs": ("u", 1000), "microsecond": ("u", 1), "microseconds": ("u", 1), "us": ("u", 1),
    "usec": ("u", 1), "usecs": ("u", 1),
}
_TOKEN = re.compile(
    r"\s*(?:(?P<time>[+-]?\d+:\d{1,2}(?::\d{1,2}(?:\.\d*)?)?)"
    r"|(?P<ym>[+-]?\d+-\d+)"
    r"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))\s*(?P<unit>[a-z]+)?"
    r"|(?P<word>ago|@))",
)
_ISO = re.compile(
    r"P(?:(?P<Y>[+-]?[\d.]+)Y)?(?:(?P<M>[+-]?[\d.]+)M)?(?:(?P<W>[+-]?[\d.]+)W)?(?:(?P<D>[+-]?[\d.]+)D)?"
    r"(?:T(?:(?P<h>[+-]?[\d.]+)H)?(?:(?P<m>[+-]?[\d.]+)M)?(?:(?P<s>[+-]?[\d.]+)S)?)?"
)


def bad(text: Any) -> SqlError:
    return SqlError(INVALID_DATETIME_FORMAT, f'invalid input syntax for type interval: "{text}"')


class _Acc:
    """Accumulates fields; fractions spill down (months -> 30 days -> 24 hours)."""

    def __init__(self) -> None:
        self.months = 0
        self.days = 0
        self.us = 0

    def add(self, kind: str, value: Decimal, scale: int) -> None:
        if kind == "m":
            total = value * scale
            whole = int(total)
            self.months += whole
            self.add("d", (total - whole) * 30, 1)
        elif kind == "d":
            total = value * scale
            whole = int(total)
            self.days += whole
            self.us += int((total - whole) * US_PER_DAY)
        else:
            self.us += int((value * scale).to_integral_value())

    def result(self) -> Interval:
        return (self.months, self.days, self.us)


def parse(text: str) -> Interval:
    s = text.strip().lower()
    if not s:
        raise bad(text)
    if s.startswith("p"):
        return _parse_iso(text, s.upper())
    acc, pos, ago, seen = _Acc(), 0, False, False
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None or m.end() == pos:
            if s[pos:].strip() == "":
                break
            raise bad(text)
        pos = m.end()
        if m.group("word"):
            ago = ago or m.group("word") == "ago"
            continue
        seen = True
        if m.group("time"):
            t = m.group("time")
            neg = t.startswith("-")
            parts = t.lstrip("+-").split(":")
            h, mi = int(parts[0]), int(parts[1])
            sec = Decimal(parts[2]) if len(parts) > 2 else Decimal(0)
            if mi > 59 or sec >= 60:
                raise SqlError(DATETIME_FIELD_OVERFLOW, f'interval field value out of range: "{text}"')
            us = (h * 3600 + mi * 60) * US_PER_SEC + int(sec * US_PER_SEC)
            acc.us += -us if neg else us
        elif m.group("ym"):
            y = m.group("ym")
            neg = y.startswith("-")
            yy, mm = (int(x) for x in y.lstrip("+-").split("-"))
            acc.months += -(yy * 12 + mm) if neg else yy * 12 + mm
        else:
            unit = m.group("unit")
            value = Decimal(m.group("num"))
            if unit is None:
                acc.add("u", value, US_PER_SEC)
                continue
            spec = _UNITS.get(unit)
            if spec is None:
                raise bad(text)
            acc.add(spec[0], value, spec[1])
    if not seen:
        raise bad(text)
    r = acc.result()
    return negate(r) if ago else r


def _parse_iso(text: str, s: str) -> Interval:
    m = _ISO.fullmatch(s)
    if m is None or s in ("P", "PT") or s.endswith("T"):
        raise bad(text)
    acc = _Acc()
    try:
        for key, kind, scale in (("Y", "m", 12), ("M", "m", 1), ("W", "d", 7), ("D", "d", 1),
                                 ("h", "u", 3600 * US_PER_SEC), ("m", "u", 60 * US_PER_SEC),
                                 ("s", "u", US_PER_SEC)):
            if m.group(key):
                acc.add(kind, Decimal(m.group(key)), scale)
    except ArithmeticError:
        raise bad(text) from None
    return acc.result()


def with_unit(text: str, unit: str) -> Interval:
    """``INTERVAL '2' DAY``: a bare number counts ``unit``s."""
    s = text.strip()
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", s):
        return parse(f"{s} {unit.lower()}")
    return parse(s)


def from_value(value: Any) -> Interval:
    """An interval from text, a (months, days, us) tuple or a timedelta."""
    if isinstance(value, tuple) and len(value) == 3:
        return (int(value[0]), int(value[1]), int(value[2]))
    if isinstance(value, dt.timedelta):
        return (0, value.days, value.seconds * US_PER_SEC + value.microseconds)
    if isinstance(value, str):
        return parse(value)
    raise bad(value)


def negate(v: Interval) -> Interval:
    return (-v[0], -v[1], -v[2])


def add(a: Interval, b: Interval) -> Interval:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def sub(a: Interval, b: Interval) -> Interval:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def span(v: Interval) -> int:
    """Microseconds with 30-day months: how PostgreSQL compares intervals."""
    return (v[0] * 30 + v[1]) * US_PER_DAY + v[2]


def mul(v: Interval, factor: float | int | Decimal) -> Interval:
    """interval_mul: fractional months spill into days, fractional days into time."""
    f = float(factor)
    if math.isnan(f) or math.isinf(f):
        raise SqlError("22008", "interval out of range")
    m_f = v[0] * f
    months = math.trunc(m_f)
    month_rem_days = (m_f - months) * 30
    d_f = v[1] * f
    days = math.trunc(d_f)
    sec_rem = (d_f - days + month_rem_days - math.trunc(month_rem_days)) * 86400
    if abs(sec_rem) >= 86400:
        days += math.trunc(sec_rem / 86400)
        sec_rem -= math.trunc(sec_rem / 86400) * 86400
    days += math.trunc(month_rem_days)
    us = round(v[2] * f + sec_rem * US_PER_SEC)
    return (months, days, us)


def div(v: Interval, factor: float | int | Decimal) -> Interval:
    if float(factor) == 0:
        raise SqlError("22012", "division by zero")
    return mul(v, 1 / float(factor))


def justify_hours(days: int, us: int) -> Interval:
    """timestamp - timestamp: whole days out of the time part (same sign)."""
    d = int(us / US_PER_DAY) if us >= 0 else -int(-us / US_PER_DAY)
    return (0, days + d, us - d * US_PER_DAY)


def _add_months(d: dt.date | dt.datetime, months: int) -> Any:
    if not months:
        return d
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise SqlError("22008", "timestamp out of range")
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return d.replace(year=year, month=month + 1, day=day)


def add_to(ts: dt.datetime, v: Interval) -> dt.datetime:
    """timestamp + interval: months (day clamped), then days, then time.  An aware
    timestamp adds months and days in its own zone's wall time."""
    try:
        if ts.tzinfo is not None and (v[0] or v[1]):
            zone = ts.tzinfo
            local = ts.replace(tzinfo=None)
            local = _add_months(local, v[0]) + dt.timedelta(days=v[1])
            ts = local.replace(tzinfo=zone)
            if hasattr(zone, "key"):
                ts = ts.astimezone(dt.timezone.utc).astimezone(zone)
        else:
            ts = _add_months(ts, v[0]) + dt.timedelta(days=v[1])
        return ts + dt.timedelta(microseconds=v[2])
    except OverflowError:
        raise SqlError("22008", "timestamp out of range") from None


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def text(v: Interval) -> str:
    """IntervalStyle postgres (EncodeInterval)."""
    months, days, us = v
    year, mon = _trunc_div(months, 12), months - _trunc_div(months, 12) * 12
    parts: list[str] = []
    is_before = False
    for value, unit in ((year, "year"), (mon, "mon"), (days, "day")):
        if value == 0:
            continue
        sign = "+" if is_before and value > 0 else ""
        parts.append(f"{sign}{value} {unit}{'' if value == 1 else 's'}")
        is_before = value < 0
    if not parts or us != 0:
        minus = us < 0
        a = abs(us)
        hour, rem = divmod(a, 3600 * US_PER_SEC)
        minute, rem = divmod(rem, 60 * US_PER_SEC)
        sec, frac = divmod(rem, US_PER_SEC)
        f = ("." + f"{frac:06d}".rstrip("0")) if frac else ""
        sign = "-" if minus else ("+" if is_before else "")
        parts.append(f"{sign}{hour:02d}:{minute:02d}:{sec:02d}{f}")
    return " ".join(parts)


def iso_text(v: Interval) -> str:
    """to_jsonb / json output of an interval is its text."""
    return text(v)
