"""to_char(date/timestamp/timestamptz/interval, pattern): PostgreSQL's template
patterns (YYYY MM DD HH24 HH12 MI SS MS US AM/PM Mon Month Dy Day DDD D ID Q WW
IW J TZ OF YY Y, the FM prefix, "quoted" text); anything else is copied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import oids
from . import timestamps as TS

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# longest first, so HH24 wins over HH and MONTH over MON
_TOKENS = sorted([
    "YYYY", "YYY", "YY", "Y", "MM", "DDD", "DD", "D", "ID", "HH24", "HH12", "HH", "MI", "SS", "MS", "US",
    "AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.", "MONTH", "Month", "month", "MON", "Mon", "mon",
    "DAY", "Day", "day", "DY", "Dy", "dy", "Q", "WW", "IW", "J", "TZ", "tz", "OF", "SSSS", "SSSSS",
    "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "CC", "IYYY",
], key=len, reverse=True)


def _case(name: str, token: str) -> str:
    if token.isupper():
        return name.upper()
    if token.islower():
        return name.lower()
    return name


def _field(token: str, v: dt.datetime, tzname: str, offset: str) -> tuple[str, bool]:
    """(text, padded): padded values lose their padding under FM."""
    hour12 = v.hour % 12 or 12
    if token == "YYYY":
        return f"{v.year:04d}", True
    if token == "IYYY":
        return f"{v.isocalendar()[0]:04d}", True
    if token == "YYY":
        return f"{v.year % 1000:03d}", True
    if token == "YY":
        return f"{v.year % 100:02d}", True
    if token == "Y":
        return str(v.year % 10), False
    if token == "CC":
        return f"{(v.year + 99) // 100:02d}", True
    if token == "MM":
        return f"{v.month:02d}", True
    if token == "DDD":
        return f"{v.timetuple().tm_yday:03d}", True
    if token == "DD":
        return f"{v.day:02d}", True
    if token == "D":
        return str((v.weekday() + 1) % 7 + 1), False
    if token == "ID":
        return str(v.isoweekday()), False
    if token == "HH24":
        return f"{v.hour:02d}", True
    if token in ("HH12", "HH"):
        return f"{hour12:02d}", True
    if token == "MI":
        return f"{v.minute:02d}", True
    if token == "SS":
        return f"{v.second:02d}", True
    if token in ("SSSS", "SSSSS"):
        return str(v.hour * 3600 + v.minute * 60 + v.second), False
    if token == "MS":
        return f"{v.microsecond // 1000:03d}", True
    if token == "US":
        return f"{v.microsecond:06d}", True
    if token.startswith("FF"):
        n = int(token[2])
        return f"{v.microsecond:06d}"[:n], True
    if token.replace(".", "").upper() in ("AM", "PM"):
        pm = v.hour >= 12
        word = ("P.M." if pm else "A.M.") if "." in token else ("PM" if pm else "AM")
        return (word if token.isupper() else word.lower()), False
    if token.upper() == "MONTH":
        return _case(_MONTHS[v.month - 1], token).ljust(9), True
    if token.upper() == "MON":
        return _case(_MONTHS[v.month - 1][:3], token), False
    if token.upper() == "DAY":
        return _case(_DAYS[v.weekday()], token).ljust(9), True
    if token.upper() == "DY":
        return _case(_DAYS[v.weekday()][:3], token), False
    if token == "Q":
        return str((v.month - 1) // 3 + 1), False
    if token == "WW":
        return f"{(v.timetuple().tm_yday - 1) // 7 + 1:02d}", True
    if token == "IW":
        return f"{v.isocalendar()[1]:02d}", True
    if token == "J":
        return str(v.toordinal() + 1721425), False
    if token.upper() == "TZ":
        return (tzname if token.isupper() else tzname.lower()), False
    if token == "OF":
        return offset, False
    return token, False


def to_char(value: Any, pattern: str, oid: int) -> str:
    from .jsonb import offset_text

    tzname, offset = "", ""
    if oid == oids.INTERVAL:
        months, days, us = value
        secs, micro = divmod(us, 1_000_000)
        v = dt.datetime(2000, 1, 1) + dt.timedelta(seconds=secs % 86400, microseconds=micro)
        v = _IntervalStamp(v, months, days, secs)
    elif isinstance(value, dt.datetime):
        v = value
        if value.tzinfo is not None:
            v = TS.to_session(value)
            offset = offset_text(v)
            tzname = v.tzname() or offset
            if tzname.startswith(("+", "-")):
                tzname = offset
    else:
        v = dt.datetime(value.year, value.month, value.day)
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == '"':
            j = pattern.find('"', i + 1)
            j = n if j < 0 else j
            out.append(pattern[i + 1:j].replace("\\", ""))
            i = j + 1
            continue
        fm = pattern.startswith("FM", i)
        k = i + 2 if fm else i
        for token in _TOKENS:
            if pattern.startswith(token, k):
                if isinstance(v, _IntervalStamp):
                    text, padded = v.field(token)
                else:
                    text, padded = _field(token, v, tzname, offset)
                if fm and padded:
                    text = text.strip() if token.upper() in ("MONTH", "DAY") else (text.lstrip("0") or "0")
                out.append(text)
                i = k + len(token)
                break
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


class _IntervalStamp:
    """An interval's fields for to_char (hours are not wrapped at 24)."""

    def __init__(self, v: dt.datetime, months: int, days: int, secs: int) -> None:
        self.v, self.months, self.days, self.secs = v, months, days, secs

    def field(self, token: str) -> tuple[str, bool]:
        if token == "HH24":
            return f"{int(self.secs / 3600):02d}", True
        if token == "DD":
            return f"{self.days:02d}", True
        if token == "MM":
            return f"{self.months % 12:02d}", True
        if token == "YYYY":
            return f"{self.months // 12:04d}", True
        return _field(token, self.v, "", "")
