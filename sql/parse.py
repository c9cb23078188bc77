"""Parsing: statement splitting, classification, and an LRU of parsed statements.

Owns the map from SQL text to sqlglot ASTs (postgres dialect) and from sqlglot
errors to ``SqlError(42601)``.  Cached ASTs are shared: nothing downstream may
mutate them.  Transaction control and SET/SHOW are recognised from their first
words without sqlglot (they are on the hot path of every explicit transaction,
and sqlglot parses ``START TRANSACTION`` and ``SHOW`` poorly).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import sqlglot
import sqlglot.errors
from sqlglot import exp
from sqlglot.tokens import TokenType

from .errors import SYNTAX_ERROR, SqlError

logging.getLogger("sqlglot").setLevel(logging.ERROR)

_CONTROL = re.compile(
    r"\s*(?:"
    r"(?P<begin>begin|start\s+transaction)"
    r"|(?P<commit>commit|end)"
    r"|(?P<rollback>rollback|abort)"
    r"|(?P<savepoint>savepoint)"
    r"|(?P<release>release)"
    r"|(?P<set>set|reset)"
    r"|(?P<show>show)"
    r")\b(?P<rest>.*?)[\s;]*\Z",
    re.IGNORECASE | re.DOTALL,
)


def classify(sql: str) -> tuple[str, str] | None:
    """('begin'|'commit'|'rollback'|'savepoint'|'release'|'rollback_to'|'set'|'show',
    rest of the text) or None.  For the savepoint kinds the rest is the name."""
    m = _CONTROL.match(sql)
    if m is None:
        return None
    kind = next(k for k in ("begin", "commit", "rollback", "savepoint", "release", "set", "show")
                if m.group(k))
    rest = m.group("rest").strip()
    if kind == "rollback":
        to = re.match(r"(?i)(?:work\s+|transaction\s+)?to\s+(?:savepoint\s+)?(.+)\Z", rest)
        if to:
            return "rollback_to", _savepoint_name(to.group(1))
    if kind == "release":
        return kind, _savepoint_name(re.sub(r"(?i)\Asavepoint\s+", "", rest))
    if kind == "savepoint":
        return kind, _savepoint_name(rest)
    return kind, rest


def _savepoint_name(text: str) -> str:
    text = text.strip()
    if re.fullmatch(r'"(?:[^"]|"")+"', text):
        return text[1:-1].replace('""', '"')
    if re.fullmatch(r"[A-Za-z_][\w$]*", text):
        return text.lower()
    raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{text.split()[0] if text.split() else text}"')


_STATEMENT_WORDS = frozenset(
    "select insert update delete create drop with values table begin commit rollback "
    "set show explain alter truncate vacuum analyze".split()
)


def _syntax_error(err: Exception, sql: str = "") -> SqlError:
    words = sql.split(None, 1)
    first = words[0].rstrip(";(") if words else ""
    if first and first.lower() not in _STATEMENT_WORDS:
        return SqlError(SYNTAX_ERROR, f'syntax error at or near "{first}"')
    token = None
    if isinstance(err, sqlglot.errors.ParseError) and err.errors:
        token = err.errors[0].get("highlight") or None
    if token:
        return SqlError(SYNTAX_ERROR, f'syntax error at or near "{token}"')
    return SqlError(SYNTAX_ERROR, "syntax error at end of input")


_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$")


def space_parameters(sql: str) -> str:
    """``$1,$2`` -> ``$1 ,$2``: a space after every ``$n`` parameter that is
    directly followed by another character, outside strings, quoted names,
    comments and dollar-quoted strings.

    Works around sqlglot's tokenizer, which reads ``$1,$`` as the opening tag
    of a dollar-quoted string (PostgreSQL tags follow identifier rules, so a
    ``$`` followed by a digit is always a parameter).  Used only when sqlglot
    failed to tokenize a text that has such a parameter."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        if c == "'":
            escapes = i > 0 and sql[i - 1] in "eE"
            j = i + 1
            while j < n:
                if escapes and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif c == '"':
            j = sql.find('"', i + 1)
            j = n - 1 if j < 0 else j
            out.append(sql[i:j + 1])
            i = j + 1
        elif c == "-" and nxt == "-":
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif c == "/" and nxt == "*":
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(sql[i:j])
            i = j
        elif c == "$" and nxt.isdigit():
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            out.append(sql[i:j])
            if j < n and not sql[j].isspace():
                out.append(" ")
            i = j
        elif c == "$" and (m := _DOLLAR_TAG.match(sql, i)):
            end = sql.find(m.group(0), m.end())
            j = n if end < 0 else end + len(m.group(0))
            out.append(sql[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


_PARAM_THEN_CHAR = re.compile(r"\$\d+[^\s\d]")


_LEXICAL_SKIP = r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/"
"""String literals, quoted identifiers and comments: the rewrites below never look inside."""

_OID_ARRAY_TYPE = re.compile(
    rf"(?is)({_LEXICAL_SKIP})|(::\s*|\bas\s+)(?:pg_catalog\.)?(oid|regclass|regtype|regproc"
    r"|regprocedure|regnamespace|regrole|regoper|regoperator|xid|cid|tid)\s*\[\s*\]")
"""``x::oid[]``: sqlglot reads ``[]`` after these type names as a subscript;
PostgreSQL's own name for the array type, ``_oid``, parses (asyncpg sends ``$1::oid[]``)."""


_INTERVAL_WITH_TIME = re.compile(
    rf"(?is)({_LEXICAL_SKIP})|\binterval\s+('(?:[^']|'')*')"
    r"(?!\s*(?:year|month|day|hour|minute|second)s?\b)")
"""``interval '1 day 02:00'`` / ``'2 days ago'``: sqlglot keeps only '1 day'; the cast form
keeps the text (sql.intervals parses it)."""


def _parse_postgres(sql: str) -> list:
    if "'" in sql and "nterval" in sql.lower():
        sql = _INTERVAL_WITH_TIME.sub(
            lambda m: m.group(1) or f"CAST({m.group(2)} AS INTERVAL)", sql)
    try:
        return sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.TokenError:
        if not _PARAM_THEN_CHAR.search(sql):
            raise
        return sqlglot.parse(space_parameters(sql), read="postgres")
    except sqlglot.errors.ParseError:
        if not any(m.group(2) for m in _OID_ARRAY_TYPE.finditer(sql)):
            raise
        return _parse_postgres(
            _OID_ARRAY_TYPE.sub(lambda m: m.group(1) or f"{m.group(2)}_{m.group(3)}", sql))


@lru_cache(maxsize=512)
def parse_statement(sql: str) -> exp.Expression:
    """One statement's AST (cached by text).  Raises SqlError(42601)."""
    try:
        stmts = [s for s in _parse_postgres(sql) if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as e:
        from .ddl_index import parse_drop_index_list  # DROP INDEX a, b (sqlglot takes one name)

        if (drop := parse_drop_index_list(sql)) is not None:
            return drop
        raise _syntax_error(e, sql) from None
    if not stmts:
        raise SqlError(SYNTAX_ERROR, "syntax error at end of input")
    if len(stmts) > 1:
        raise SqlError(SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement")
    stmt = stmts[0]
    if not isinstance(stmt, (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.DDL, exp.Drop)):
        first = sql.split(None, 1)[0].rstrip(";")
        if first.lower() not in _STATEMENT_WORDS:
            raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{first}"')
    if isinstance(stmt, exp.Command) and str(stmt.this).upper() in ("VACUUM", "EXPLAIN"):
        return stmt  # VACUUM: a no-op (sql.ddl.MaintenancePlan); EXPLAIN: sql.explain
    if isinstance(stmt, exp.Command) and str(stmt.this).upper() == "ALTER":
        from .constraint_ddl import name_unnamed_checks  # ALTER TABLE t ADD CHECK (...)

        if (named := name_unnamed_checks(sql)) is not None:
            return parse_statement(named)
    if isinstance(stmt, exp.Command):
        word = str(stmt.this).split()[0] if stmt.this else sql.split()[0]
        raise SqlError(SYNTAX_ERROR, f'syntax error at or near "{word}"')
    return stmt


@lru_cache(maxsize=256)
def parse_expression(sql: str) -> exp.Expression:
    """A scalar expression (e.g. a column DEFAULT), cached by text."""
    try:
        return sqlglot.parse_one(f"SELECT {sql}", read="postgres").expressions[0]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as e:
        raise _syntax_error(e) from None


_TOKENIZER = sqlglot.Dialect.get_or_raise("postgres").tokenizer_class


def split(sql: str) -> list[str]:
    """Split on top-level semicolons (quotes and comments respected); drop empties."""
    if ";" not in sql:
        return [sql] if sql.strip() else []
    try:
        tokens = _TOKENIZER().tokenize(sql)
    except sqlglot.errors.TokenError as e:
        if not _PARAM_THEN_CHAR.search(sql):
            raise _syntax_error(e) from None
        sql = space_parameters(sql)
        try:
            tokens = _TOKENIZER().tokenize(sql)
        except sqlglot.errors.TokenError as e2:
            raise _syntax_error(e2) from None
    out, start = [], 0
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            out.append(sql[start : tok.start])
            start = tok.end + 1
    out.append(sql[start:])
    return [s.strip() for s in out if s.strip()]
