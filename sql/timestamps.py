"""TIMESTAMPTZ and the session TimeZone (sql.settings ``timezone``, default UTC).

A timestamptz value is an aware ``datetime`` (an instant); it is printed in the
session's zone (``'2024-01-02 03:04:05+00'``, ``'+05:30'``), and text without an
offset, or a timestamp cast to timestamptz, is read as wall time in that zone.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import settings as gucs

UTC = dt.timezone.utc


@lru_cache(maxsize=64)
def zone(name: str) -> dt.tzinfo:
    """A TimeZone setting -> tzinfo ('UTC', 'Europe/Paris', '+02', '-5', ...)."""
    n = name.strip()
    if n.upper() in ("UTC", "GMT", "Z", "ZULU", "UCT", "ETC/UTC"):
        return UTC
    m = re.fullmatch(r"([+-]?)(\d{1,2})(?::?(\d{2}))?", n)
    if m:
        # a bare POSIX-style offset: PostgreSQL reads '+02' as 2 hours *east* for SET TIME ZONE
        secs = int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60
        return dt.timezone(dt.timedelta(seconds=-secs if m.group(1) == "-" else secs))
    try:
        return ZoneInfo(n)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def session_zone() -> dt.tzinfo:
    return zone(gucs.current().get("timezone") or "UTC")


def to_session(ts: dt.datetime) -> dt.datetime:
    """An instant in the session's zone."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(session_zone())


def from_local(ts: dt.datetime) -> dt.datetime:
    """A wall-clock timestamp read in the session's zone -> an instant (UTC)."""
    z = session_zone()
    if z is UTC:
        return ts.replace(tzinfo=UTC)
    return ts.replace(tzinfo=z).astimezone(UTC)


def to_local(ts: dt.datetime) -> dt.datetime:
    """timestamptz -> timestamp: the session's wall time."""
    return to_session(ts).replace(tzinfo=None)


_SPECIAL = {"epoch": dt.datetime(1970, 1, 1)}
_TZ_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)\s*\Z", re.IGNORECASE)


def parse(text: str, aware: bool) -> dt.datetime | None:
    """Timestamp text -> datetime (naive, or aware in UTC when ``aware``); None if bad."""
    s = text.strip()
    low = s.lower()
    if low in _SPECIAL:
        ts = _SPECIAL[low]
        return ts.replace(tzinfo=UTC) if aware else ts
    if low in ("now", "today", "yesterday", "tomorrow"):
        now = dt.datetime.now(UTC)
        if low == "now":
            return now if aware else to_local(now)
        local = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
        local += dt.timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[low])
        return from_local(local) if aware else local
    explicit_utc = _TZ_SUFFIX.search(s)
    if explicit_utc:
        s = s[: explicit_utc.start()]
    try:
        ts = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if explicit_utc and ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    if not aware:
        return ts.replace(tzinfo=None)
    if ts.tzinfo is None:
        return from_local(ts)
    return ts.astimezone(UTC)


def text(ts: dt.datetime) -> str:
    """timestamptz output: ``YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]`` in the session zone."""
    from .jsonb import offset_text
    from .pgwire.values import timestamp_text

    local = to_session(ts)
    return timestamp_text(local) + offset_text(local)


def coerce(value: Any, aware: bool) -> dt.datetime | None:
    """A value for a timestamp / timestamptz column (None when it cannot be read)."""
    if isinstance(value, dt.datetime):
        if aware:
            return from_local(value) if value.tzinfo is None else value.astimezone(UTC)
        return to_local(value) if value.tzinfo is not None else value
    if isinstance(value, dt.date):
        ts = dt.datetime(value.year, value.month, value.day)
        return from_local(ts) if aware else ts
    if isinstance(value, str):
        return parse(value, aware)
    return None
