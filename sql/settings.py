"""Run-time settings (GUCs) of a session: SET, RESET, SHOW, current_setting,
set_config and the rows of pg_settings.

A session owns a dict ``lower-case name -> value`` (``SqlSession.settings``,
which pgwire also reads to send ParameterStatus).  ``CURRENT`` is a context
variable holding the running session's dict, so functions such as
``current_setting`` read it at execution time; a cached plan never captures a
value.

The reported version is chosen on purpose: ``server_version`` "15.0 (Strata)"
(the string sql/pgwire/server.py sends at startup) and ``server_version_num``
150000.  Strata speaks PostgreSQL 15's protocol and catalog shapes, and psql 15
picks its catalog queries from this number, so the two must agree.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import (
    ACTIVE_SQL_TRANSACTION,
    FEATURE_NOT_SUPPORTED,
    INVALID_PARAMETER_VALUE,
    SYNTAX_ERROR,
    UNDEFINED_OBJECT,
    SqlError,
)
from .pg_gucs import GUCS

SERVER_VERSION = "15.0 (Strata)"
SERVER_VERSION_NUM = "150000"
VERSION = f"PostgreSQL {SERVER_VERSION} on x86_64-pc-linux-gnu, compiled by Strata (Python), 64-bit"
DATABASE = "strata"
"""The one database (pg_database, current_database()): the engine does not know
the name a client asked for at startup and serves the same data under any."""
USER = "strata"
"""The one role (pg_roles, oid 10): there are no roles yet; every object is owned by it."""

CANT_CHANGE = "55P02"


@dataclass(frozen=True)
class Setting:
    name: str  # as PostgreSQL spells it (SHOW's column name, pg_settings.name)
    default: str
    category: str = "Client Connection Defaults"
    vartype: str = "string"
    context: str = "user"
    unit: str | None = None
    short_desc: str = ""


_S = Setting
SETTINGS = {s.name.lower(): s for s in (
    _S("server_version", SERVER_VERSION, "Preset Options", context="internal",
       short_desc="Shows the server version."),
    _S("server_version_num", SERVER_VERSION_NUM, "Preset Options", "integer", "internal",
       short_desc="Shows the server version as an integer."),
    _S("server_encoding", "UTF8", "Preset Options", context="internal"),
    _S("max_identifier_length", "63", "Preset Options", "integer", "internal"),
    _S("max_index_keys", "32", "Preset Options", "integer", "internal"),
    _S("block_size", "8192", "Preset Options", "integer", "internal"),
    _S("integer_datetimes", "on", "Preset Options", "bool", "internal"),
    _S("lc_collate", "C", "Preset Options", context="internal"),
    _S("lc_ctype", "C", "Preset Options", context="internal"),
    _S("client_encoding", "UTF8"),
    _S("DateStyle", "ISO, MDY"),
    _S("IntervalStyle", "postgres", vartype="enum"),
    _S("TimeZone", "UTC"),
    _S("extra_float_digits", "1", vartype="integer"),
    _S("search_path", '"$user", public'),
    _S("default_transaction_isolation", "read committed", vartype="enum"),
    _S("transaction_isolation", "read committed", vartype="enum"),
    _S("default_transaction_read_only", "off", vartype="bool"),
    _S("transaction_read_only", "off", vartype="bool"),
    _S("statement_timeout", "0", vartype="integer", unit="ms"),
    _S("lock_timeout", "0", vartype="integer", unit="ms"),
    _S("idle_in_transaction_session_timeout", "0", vartype="integer", unit="ms"),
    _S("bytea_output", "hex", vartype="enum"),
    _S("client_min_messages", "notice", vartype="enum"),
    _S("lc_messages", "C"), _S("lc_monetary", "C"), _S("lc_numeric", "C"), _S("lc_time", "C"),
    _S("row_security", "on", vartype="bool"),
    _S("default_tablespace", ""),
    _S("xmloption", "content", vartype="enum"),
    _S("application_name", "", "Reporting and Logging"),
    _S("standard_conforming_strings", "on", "Version and Platform Compatibility", "bool"),
    _S("escape_string_warning", "on", "Version and Platform Compatibility", "bool"),
    _S("array_nulls", "on", "Version and Platform Compatibility", "bool"),
    _S("backslash_quote", "safe_encoding", "Version and Platform Compatibility", "enum"),
    _S("synchronous_commit", "on", "Write-Ahead Log", "enum"),
    _S("is_superuser", "on", "Preset Options", "bool", "internal"),
    _S("session_authorization", USER, "Preset Options", context="internal"),
    _S("max_connections", "100", "Connections and Authentication", "integer", "postmaster"),
    _S("work_mem", "4096", "Resource Usage", "integer", unit="kB"),
)}
"""Known settings; SET of any other name is remembered too (as PostgreSQL does
for a custom ``prefix.name``) and SHOW of a name never set is 42704."""

READ_ONLY = frozenset(k for k, s in SETTINGS.items() if s.context in ("internal", "postmaster"))


def defaults() -> dict[str, str]:
    return {k: s.default for k, s in SETTINGS.items()}


CURRENT: ContextVar[dict[str, str]] = ContextVar("strata_settings")


def current() -> dict[str, str]:
    """The running session's settings (defaults outside a session)."""
    try:
        return CURRENT.get()
    except LookupError:
        d = defaults()
        CURRENT.set(d)
        return d


_SPECIAL_SHOW = {
    # PostgreSQL's SHOW grammar spells these with spaces (SQLAlchemy sends the first).
    "transaction isolation level": "transaction_isolation",
    "time zone": "timezone",
    "session authorization": "session_authorization",
}


def _key(name: str) -> str:
    key = " ".join(name.lower().split())
    return _SPECIAL_SHOW.get(key, key)


def display_name(name: str) -> str:
    s = SETTINGS.get(_key(name))
    return s.name if s is not None else _key(name)


def get(settings: dict[str, str], name: str, missing_ok: bool = False) -> str | None:
    key = _key(name)
    if key not in settings:
        guc = GUCS.get(key)
        if guc is not None:  # a PostgreSQL parameter Strata keeps no value of: its default
            return _display_default(guc)
        if missing_ok:
            return None
        raise SqlError(UNDEFINED_OBJECT, f'unrecognized configuration parameter "{name}"')
    return settings[key]


def _display_default(guc) -> str:
    if guc.vartype == "integer" and guc.unit and guc.boot_val.lstrip("-").isdigit():
        return _show_int(int(guc.boot_val), guc.unit)
    return guc.boot_val


def assign(settings: dict[str, str], name: str, value: str | None, *, startup: bool = False) -> str:
    """SET name = value (``startup``: a startup parameter or ``-c`` option);
    ``None`` resets to the default.  Returns the new value.  As PostgreSQL: an
    unknown name without a dot is 42704, a value of the wrong form 22023, a
    parameter fixed for the session 55P02."""
    key = name.lower()
    known, guc = SETTINGS.get(key), GUCS.get(key)
    if known is None and guc is None and "." not in key:
        raise SqlError(UNDEFINED_OBJECT, f'unrecognized configuration parameter "{name}"')
    context = known.context if known is not None else guc.context if guc is not None else "user"
    if context == "internal":
        raise SqlError(CANT_CHANGE, f'parameter "{name}" cannot be changed')
    if context == "postmaster":
        raise SqlError(CANT_CHANGE,
                       f'parameter "{name}" cannot be changed without restarting the server')
    if context == "sighup":
        raise SqlError(CANT_CHANGE, f'parameter "{name}" cannot be changed now')
    if context.endswith("backend") and not startup:
        raise SqlError(CANT_CHANGE, f'parameter "{name}" cannot be set after connection start')
    if startup and key == "transaction_isolation":
        raise SqlError(ACTIVE_SQL_TRANSACTION,
                       "SET TRANSACTION ISOLATION LEVEL must be called before any query")
    if value is None:
        if known is not None:
            value = known.default
        elif guc is not None:
            settings.pop(key, None)  # back to the PostgreSQL default (``get``)
            return _display_default(guc)
        else:
            value = ""
    else:
        value = check_value(name, known.vartype if known else guc.vartype if guc else "string",
                            guc, value)
    settings[key] = value
    return value


# -- values, checked and normalised by type as PostgreSQL's parse_and_validate_value

_BOOL = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False,
         "1": True, "0": False}
_MEMORY = {"B": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}
_TIME = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_DATE_ORDERS = {"dmy": "DMY", "euro": "DMY", "european": "DMY", "mdy": "MDY", "us": "MDY",
                "noneuropean": "MDY", "non-european": "MDY", "ymd": "YMD"}


def _bad_value(name: str, value: str, hint: str | None = None) -> SqlError:
    return SqlError(INVALID_PARAMETER_VALUE, f'invalid value for parameter "{name}": "{value}"',
                    hint=hint)


def _parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in _BOOL:
        return _BOOL[v]
    hits = {b for word, b in _BOOL.items() if len(v) >= 2 and word.startswith(v)}
    hits |= {b for word, b in _BOOL.items() if len(v) == 1 and v in "tfyn" and word.startswith(v)}
    return hits.pop() if len(hits) == 1 else None


def _unit_table(unit: str) -> tuple[dict[str, float], float]:
    """(valid input units, size of the parameter's base unit) for a GUC unit."""
    base = unit.lstrip("0123456789") or unit
    mult = int(unit[: len(unit) - len(base)] or 1)
    table = _MEMORY if base in _MEMORY else _TIME
    return table, table[base] * mult


def _show_int(v: int, unit: str) -> str:
    """An integer setting as SHOW prints it: the largest unit that divides it."""
    if v <= 0 or not unit:
        return str(v)
    table, base = _unit_table(unit)
    total = v * base
    for name, size in sorted(table.items(), key=lambda kv: -kv[1]):
        if size >= base and total % size == 0:
            return f"{int(total // size)}{name}"
    return f"{v}{unit}"


def milliseconds(settings: dict[str, str], name: str) -> int:
    """A time setting (``statement_timeout``...) in ms, from its SHOW form."""
    raw = settings.get(name, "0")
    if raw == "0":
        return 0
    m = re.fullmatch(r"(-?\d+)([a-z]*)", raw)
    return int(int(m.group(1)) * _TIME.get(m.group(2) or "ms", 1)) if m else 0


def check_value(name: str, vartype: str, guc, value: str) -> str:
    if vartype == "bool":
        b = _parse_bool(value)
        if b is None:
            raise SqlError(INVALID_PARAMETER_VALUE, f'parameter "{name}" requires a Boolean value')
        return "on" if b else "off"
    if vartype in ("integer", "real"):
        return _check_number(name, vartype, guc, value)
    if vartype == "enum" and guc is not None and guc.enumvals:
        v = value.strip().lower()
        if v in guc.enumvals:
            return v
        b = _parse_bool(v) if {"on", "off"} <= set(guc.enumvals) else None
        if b is not None:
            return "on" if b else "off"
        raise _bad_value(name, value, "Available values: " + ", ".join(guc.enumvals) + ".")
    key = name.lower()
    if key == "client_encoding":
        clean = re.sub(r"[^a-z0-9]", "", value.lower())  # as PostgreSQL's clean_encoding_name
        if clean in ("utf8", "unicode"):
            return "UTF8"
        if clean == "sqlascii":  # no conversion, as PostgreSQL (interactive psql in a C locale)
            return "SQL_ASCII"
        if re.fullmatch(r"latin\d+|win\d+|windows\d+|iso8859\d+|euc\w+|koi8\w*|sjis"
                        r"|big5|gbk|uhc|gb18030|johab|mulecode|shiftjis2004|alt|cp\d+|tcvn\d*", clean):
            raise SqlError(FEATURE_NOT_SUPPORTED,
                           f"conversion between {value.strip().upper()} and UTF8 is not supported")
        raise _bad_value(name, value)
    if key == "datestyle":
        return _check_datestyle(value)
    return value


def _check_number(name: str, vartype: str, guc, value: str) -> str:
    m = re.fullmatch(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*", value)
    unit = guc.unit if guc is not None else ""
    if m is None:
        raise _bad_value(name, value)
    num = float(m.group(1))
    if m.group(2):
        table, base = _unit_table(unit) if unit else ({}, 1)
        if m.group(2) not in table:
            hint = None
            if unit:
                hint = ('Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".'
                        if table is _MEMORY else
                        'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".')
            raise _bad_value(name, value, hint)
        num = num * table[m.group(2)] / base
    if vartype == "integer":
        if not m.group(2) and not re.fullmatch(r"\s*[+-]?\d+(\.\d*)?\s*", value):
            raise _bad_value(name, value)
        v = int(num + 0.5) if num >= 0 else -int(-num + 0.5)
        if guc is not None and guc.min_val and not int(guc.min_val) <= v <= int(guc.max_val):
            u = f" {unit}" if unit else ""
            raise SqlError(INVALID_PARAMETER_VALUE,
                           f'{v}{u} is outside the valid range for parameter "{name}" '
                           f"({guc.min_val} .. {guc.max_val})")
        return _show_int(v, unit)
    if guc is not None and guc.min_val and not float(guc.min_val) <= num <= float(guc.max_val):
        raise SqlError(INVALID_PARAMETER_VALUE,
                       f'{num:g} is outside the valid range for parameter "{name}" '
                       f"({guc.min_val} .. {guc.max_val})")
    return f"{num:g}"


def _check_datestyle(value: str) -> str:
    """DateStyle: Strata prints dates in ISO only, so only the ISO style is
    accepted (psycopg parses text dates by the DateStyle it was told); the
    field order (DMY/MDY/YMD) is remembered."""
    style, order = None, None
    for tok in (t.strip().lower() for t in value.split(",")):
        if tok in ("iso", "sql", "postgres", "german"):
            if style is not None and style != tok:
                raise SqlError(INVALID_PARAMETER_VALUE, "conflicting \"datestyle\" specifications")
            style = tok
        elif tok in _DATE_ORDERS:
            order = _DATE_ORDERS[tok]
        elif tok != "default":
            raise _bad_value("DateStyle", value)
    if style not in (None, "iso"):
        raise SqlError(FEATURE_NOT_SUPPORTED,
                       f'DateStyle "{style.capitalize()}" is not supported: dates are printed in ISO format')
    return f"ISO, {order or 'MDY'}"


_SET = re.compile(
    r"(?is)(?:session\s+|local\s+)?(?:"
    r"(?P<tz>time\s+zone)\s+(?P<tzval>.+)"
    r"|(?P<name>[\w.]+|\"[^\"]+\")\s*(?:=|\bto\b)\s*(?P<value>.+)"
    r")\Z"
)


def _value_text(raw: str) -> str | None:
    """The SET value list as PostgreSQL stores it; None for DEFAULT."""
    raw = raw.strip()
    if raw.lower() == "default":
        return None
    parts = []
    for m in re.finditer(r"\s*('(?:[^']|'')*'|\"[^\"]*\"|[^,]+?)\s*(?:,|\Z)", raw):
        item = m.group(1)
        if item.startswith("'"):
            item = item[1:-1].replace("''", "'")
        parts.append(item)
    return ", ".join(parts)


def set_statement(settings: dict[str, str], kind_word: str, rest: str) -> None:
    """``SET ...`` / ``RESET ...`` (``rest`` after the keyword)."""
    rest = rest.strip()
    if kind_word == "reset":
        name = rest.strip('"')
        if name.lower() == "all":
            for k in list(settings):
                if k not in READ_ONLY:
                    if k in SETTINGS:
                        settings[k] = SETTINGS[k].default
                    else:
                        del settings[k]
            return
        assign(settings, name, None)
        return
    if re.match(r"(?i)(session\s+characteristics\s+as\s+)?transaction\b", rest):
        m = re.search(r"(?i)isolation\s+level\s+(read\s+committed|read\s+uncommitted|repeatable\s+read|serializable)", rest)
        if m:
            assign(settings, "transaction_isolation", " ".join(m.group(1).split()))
        return
    m = _SET.match(rest)
    if m is None:
        raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{rest.split()[0] if rest else "SET"}"')
    if m.group("tz"):
        value = _value_text(m.group("tzval"))
        if value is not None and value.lower() == "local":
            value = None
        assign(settings, "timezone", value)
        return
    name = m.group("name")
    name = name[1:-1] if name.startswith('"') else name.lower()
    assign(settings, name, _value_text(m.group("value")))


def pg_settings_rows(settings: dict[str, str]) -> list[dict]:
    out = []
    for key in sorted(settings):
        s = SETTINGS.get(key) or Setting(key, "")
        out.append({
            "name": s.name, "setting": settings[key], "unit": s.unit, "category": s.category,
            "short_desc": s.short_desc, "extra_desc": None, "context": s.context,
            "vartype": s.vartype, "source": "default" if settings[key] == s.default else "session",
            "min_val": None, "max_val": None, "enumvals": None, "boot_val": s.default,
            "reset_val": s.default, "sourcefile": None, "sourceline": None, "pending_restart": False,
        })
    return out
