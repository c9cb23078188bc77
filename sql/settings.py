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

from .errors import SYNTAX_ERROR, UNDEFINED_OBJECT, SqlError

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
        if missing_ok:
            return None
        raise SqlError(UNDEFINED_OBJECT, f'unrecognized configuration parameter "{name}"')
    return settings[key]


def assign(settings: dict[str, str], name: str, value: str | None) -> str:
    """SET name = value; ``None`` resets to the default.  Returns the new value."""
    key = name.lower()
    if key in READ_ONLY:
        raise SqlError(CANT_CHANGE, f'parameter "{key}" cannot be changed')
    if value is None:
        known = SETTINGS.get(key)
        value = known.default if known is not None else ""
    if key in ("transaction_isolation", "default_transaction_isolation"):
        value = value.lower()
    settings[key] = value
    return value


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
    assign(settings, m.group("name").strip('"'), _value_text(m.group("value")))


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
