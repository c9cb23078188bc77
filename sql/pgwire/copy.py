"""COPY ... FROM STDIN / TO STDOUT: the statement, and rows <-> COPY data.

Pure (no I/O, no backend): ``parse_copy`` reads a COPY statement with
sqlglot's postgres tokenizer and parser (the target -- table, column list or
``(query)`` -- through ``sqlglot.parse_one``; the option list, which sqlglot
does not parse for every PostgreSQL spelling, from the tokens), and the
classes below turn COPY data into rows and rows into COPY data in the three
PostgreSQL formats:

  text    one line per row, fields split by DELIMITER (tab), backslash
          escapes, NULL spelled ``\\N``;
  csv     RFC 4180 quoting, NULL an unquoted empty field, optional HEADER;
  binary  ``PGCOPY\\n\\377\\r\\n\\0`` header, int16 field count per tuple,
          int32 length (-1 NULL) + the type's binary send format, -1 trailer.

Parsers are fed CopyData bodies as they come (a row may span bodies, a body
may hold many rows) and return complete rows; ``finish`` returns the rest.
Text and CSV rows are lists of ``str | None``; binary rows lists of
``bytes | None``.  Bad data raises ``SqlError`` (22P04, as PostgreSQL).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.tokens import TokenType

from sql.errors import FEATURE_NOT_SUPPORTED, SYNTAX_ERROR, SqlError

BAD_COPY_FILE_FORMAT = "22P04"
BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_BINARY_HEADER = BINARY_SIGNATURE + struct.pack("!ii", 0, 0)
_BINARY_TRAILER = struct.pack("!h", -1)

_IS_COPY = re.compile(r"(?is)\s*copy\b")


def is_copy(sql: str) -> bool:
    return _IS_COPY.match(sql) is not None


@dataclass
class CopyStatement:
    direction: str
    """"in" (FROM STDIN) or "out" (TO STDOUT)."""
    table: str | None
    """The table as SQL (quoting kept), None for ``COPY (query) TO``."""
    columns: list[str] | None
    """Column names as SQL identifiers, None for all columns."""
    query: str | None = None
    format: str = "text"
    delimiter: str = "\t"
    null: str = "\\N"
    header: bool = False
    quote: str = '"'
    escape: str = '"'

    @property
    def binary(self) -> bool:
        return self.format == "binary"

    def select_sql(self) -> str:
        """The SELECT whose rows COPY TO sends (and whose columns COPY FROM fills)."""
        if self.query is not None:
            return self.query
        return f"SELECT {', '.join(self.columns) if self.columns else '*'} FROM {self.table}"

    def insert_sql(self, column_names: list[str], n_rows: int) -> str:
        """A parameterised multi-row INSERT (``$1, $2`` spaced: sqlglot's
        tokenizer reads ``$1,$2`` as a dollar-quoted string)."""
        width = len(column_names)
        rows = ", ".join(
            "(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")"
            for r in range(n_rows))
        return f"INSERT INTO {self.table} ({', '.join(column_names)}) VALUES {rows}"


def _syntax(msg: str) -> SqlError:
    return SqlError(SYNTAX_ERROR, msg)


def parse_copy(sql: str) -> CopyStatement:
    """A COPY statement that reads STDIN or writes STDOUT; raises SqlError."""
    try:
        tokens = Postgres().tokenize(sql)
    except sqlglot.errors.TokenError:
        raise _syntax("syntax error in COPY statement") from None
    end = next((i for i, t in enumerate(tokens)
                if t.text.upper() in ("STDIN", "STDOUT", "PROGRAM")
                or t.token_type == TokenType.STRING), None)
    if end is None or tokens[end].text.upper() not in ("STDIN", "STDOUT"):
        raise SqlError(FEATURE_NOT_SUPPORTED,
                       "COPY to or from a file or program is not supported; "
                       "use STDIN / STDOUT (psql \\copy)")
    head = sql[: tokens[end].end + 1]
    try:
        node = sqlglot.parse_one(head, read="postgres")
    except sqlglot.errors.SqlglotError:
        raise _syntax("syntax error in COPY statement") from None
    if not isinstance(node, exp.Copy):
        raise _syntax("syntax error in COPY statement")
    direction = "in" if node.args.get("kind") else "out"
    if (direction == "in") != (tokens[end].text.upper() == "STDIN"):
        raise _syntax("COPY FROM goes with STDIN and COPY TO with STDOUT")
    target = node.this
    stmt = CopyStatement(direction, None, None)
    if isinstance(target, exp.Subquery):
        if direction == "in":
            raise _syntax("COPY FROM needs a table, not a query")
        stmt.query = target.this.sql(dialect="postgres")
    elif isinstance(target, exp.Schema):
        stmt.table = target.this.sql(dialect="postgres")
        stmt.columns = [c.sql(dialect="postgres") for c in target.expressions]
    elif isinstance(target, exp.Table):
        stmt.table = target.sql(dialect="postgres")
    else:
        raise _syntax("syntax error in COPY statement")
    _apply_options(stmt, _options(tokens[end + 1:]))
    return stmt


def _options(tokens) -> list[tuple[str, str | None]]:
    """``[WITH] ( name [value], ... )`` or the legacy ``[WITH] name [AS] value ...``."""
    toks = [t for t in tokens if t.token_type != TokenType.SEMICOLON]
    if toks and toks[0].text.upper() == "WITH":
        toks = toks[1:]
    out: list[tuple[str, str | None]] = []
    if toks and toks[0].token_type == TokenType.L_PAREN:
        if toks[-1].token_type != TokenType.R_PAREN:
            raise _syntax("syntax error in COPY options")
        item: list = []
        for t in toks[1:-1] + [None]:
            if t is None or t.token_type == TokenType.COMMA:
                if item:
                    out.append((item[0].text.upper(), item[1].text if len(item) > 1 else None))
                item = []
            else:
                item.append(t)
        return out
    i = 0
    while i < len(toks):  # legacy syntax
        name = toks[i].text.upper()
        i += 1
        if name in ("DELIMITER", "NULL", "QUOTE", "ESCAPE", "ENCODING"):
            if i < len(toks) and toks[i].text.upper() == "AS":
                i += 1
            if i >= len(toks):
                raise _syntax(f"COPY option {name} needs a value")
            out.append((name, toks[i].text))
            i += 1
        elif name in ("BINARY", "CSV"):
            out.append(("FORMAT", name.lower()))
        else:
            out.append((name, None))
    return out


_TRUE = {None, "true", "on", "1", "yes"}
_FALSE = {"false", "off", "0", "no"}


def _apply_options(stmt: CopyStatement, options: list[tuple[str, str | None]]) -> None:
    values = dict(options)
    fmt = (values.get("FORMAT") or "text").lower()
    if fmt not in ("text", "csv", "binary"):
        raise SqlError(FEATURE_NOT_SUPPORTED, f'COPY format "{fmt}" not recognized')
    stmt.format = fmt
    if fmt == "csv":
        stmt.delimiter, stmt.null = ",", ""
    for name, value in options:
        if name == "FORMAT" or name == "ENCODING":
            continue
        if name == "HEADER":
            v = (value or "true").lower() if value is not None else None
            if v not in _TRUE and v not in _FALSE and v != "match":
                raise _syntax(f"{name} requires a Boolean value")
            stmt.header = v not in _FALSE
        elif name in ("DELIMITER", "NULL", "QUOTE", "ESCAPE") and value is not None:
            setattr(stmt, name.lower(), value)
        elif name == "FREEZE":
            # A loading hint (rows frozen on arrival); Strata has no tuple
            # visibility to freeze, so it is accepted and changes nothing.
            v = (value or "true").lower() if value is not None else "true"
            if v not in _TRUE and v not in _FALSE:
                raise _syntax(f"{name} requires a Boolean value")
        elif name in ("FORCE_QUOTE", "FORCE_NOT_NULL", "FORCE_NULL", "OIDS"):
            raise SqlError(FEATURE_NOT_SUPPORTED, f"COPY option {name} is not supported")
        else:
            raise _syntax(f'option "{name.lower()}" not recognized')
    if fmt == "csv" and "ESCAPE" not in values:
        stmt.escape = stmt.quote
    if fmt != "binary" and len(stmt.delimiter) != 1:
        raise SqlError(FEATURE_NOT_SUPPORTED, "COPY delimiter must be a single one-byte character")
    if fmt == "binary" and stmt.header:
        raise SqlError(FEATURE_NOT_SUPPORTED, "cannot specify HEADER in BINARY mode")


def bad_data(msg: str) -> SqlError:
    return SqlError(BAD_COPY_FILE_FORMAT, msg)


# ---------------------------------------------------------------- parsers (COPY FROM)


class TextParser:
    """Text format: one row per line."""

    def __init__(self, stmt: CopyStatement) -> None:
        self._delim = stmt.delimiter
        self._null = stmt.null
        self._skip_header = stmt.header
        self._buf = b""
        self.done = False

    def feed(self, data: bytes) -> list[list[str | None]]:
        self._buf += data
        cut = self._buf.rfind(b"\n")
        if cut < 0:
            return []
        lines, self._buf = self._buf[:cut].split(b"\n"), self._buf[cut + 1:]
        return self._rows(lines)

    def finish(self) -> list[list[str | None]]:
        rest, self._buf = self._buf, b""
        return self._rows([rest]) if rest else []

    def _rows(self, lines: list[bytes]) -> list[list[str | None]]:
        out = []
        for raw in lines:
            if self.done:
                break
            line = _decode(raw[:-1] if raw.endswith(b"\r") else raw)
            if self._skip_header:
                self._skip_header = False
                continue
            if line == "\\.":
                self.done = True
                break
            out.append(self._fields(line))
        return out

    def _fields(self, line: str) -> list[str | None]:
        fields: list[str | None] = []
        for raw in _split_unescaped(line, self._delim):
            fields.append(None if raw == self._null else _unescape(raw))
        return fields


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SqlError("22021", 'invalid byte sequence for encoding "UTF8"') from None


def _split_unescaped(line: str, delim: str) -> list[str]:
    if "\\" not in line:
        return line.split(delim)
    out, start, i = [], 0, 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == delim:
            out.append(line[start:i])
            start = i + 1
        i += 1
    out.append(line[start:])
    return out


_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_UNESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.S)


def _unescape_one(m: re.Match) -> str:
    s = m.group(1)
    if s[0] == "x" and len(s) > 1:
        return chr(int(s[1:], 16))
    if s[0] in "01234567":
        return chr(int(s, 8) & 0xFF)
    return _ESCAPES.get(s, s)


def _unescape(field: str) -> str:
    return _UNESCAPE.sub(_unescape_one, field) if "\\" in field else field


class CsvParser:
    """CSV format: quoted fields may hold delimiters, quotes and newlines;
    an unquoted empty field (or one equal to NULL) is NULL."""

    def __init__(self, stmt: CopyStatement) -> None:
        self._delim = stmt.delimiter
        self._quote = stmt.quote
        self._escape = stmt.escape
        self._null = stmt.null
        self._skip_header = stmt.header
        self._buf = ""
        self._pending = b""
        self.done = False

    def feed(self, data: bytes) -> list[list[str | None]]:
        data = self._pending + data
        cut = data.rfind(b"\n") + 1  # decode whole lines only (UTF-8 safe)
        self._pending = data[cut:]
        self._buf += _decode(data[:cut])
        return self._parse(final=False)

    def finish(self) -> list[list[str | None]]:
        self._buf += _decode(self._pending)
        self._pending = b""
        rows = self._parse(final=True)
        if self._buf:
            raise bad_data("unterminated CSV quoted field")
        return rows

    def _parse(self, final: bool) -> list[list[str | None]]:
        out = []
        buf, pos, n = self._buf, 0, len(self._buf)
        while pos < n and not self.done:
            parsed = self._record(buf, pos, final)
            if parsed is None:
                break
            fields, pos = parsed
            if self._skip_header:
                self._skip_header = False
                continue
            if fields == ["\\."]:
                self.done = True
                break
            out.append(fields)
        self._buf = "" if self.done else buf[pos:]
        return out

    def _record(self, buf: str, pos: int, final: bool):
        """One record starting at ``pos``: (fields, next pos) or None if incomplete."""
        fields: list[str | None] = []
        n = len(buf)
        q, esc, delim = self._quote, self._escape, self._delim
        while True:
            if pos < n and buf[pos] == q:  # quoted field
                parts = []
                i = pos + 1
                while True:
                    if i >= n:
                        return None
                    c = buf[i]
                    if c == esc and esc != q and i + 1 < n and buf[i + 1] in (q, esc):
                        parts.append(buf[i + 1])
                        i += 2
                        continue
                    if c == q:
                        if esc == q and i + 1 < n and buf[i + 1] == q:
                            parts.append(q)  # "" inside quotes
                            i += 2
                            continue
                        if esc == q and i + 1 >= n and not final:
                            return None  # could be the first half of ""
                        i += 1
                        break
                    if (c == esc or c == q) and i + 1 >= n and not final:
                        return None
                    parts.append(c)
                    i += 1
                fields.append("".join(parts))
                pos = i
            else:
                i = pos
                while i < n and buf[i] not in (delim, "\n"):
                    i += 1
                if i >= n and not final:
                    return None
                raw = buf[pos:i]
                if raw.endswith("\r") and (i >= n or buf[i] == "\n"):
                    raw = raw[:-1]
                fields.append(None if raw == self._null else raw)
                pos = i
            if pos >= n:
                if not final:
                    return None
                return fields, pos
            if buf[pos] == delim:
                pos += 1
                continue
            if buf[pos] == "\r" and pos + 1 < n and buf[pos + 1] == "\n":
                pos += 1
            if buf[pos] == "\n":
                return fields, pos + 1
            raise bad_data("unexpected character after CSV quoted field")


class BinaryParser:
    """Binary format: checks the signature, returns raw field bytes."""

    def __init__(self, stmt: CopyStatement) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._header_done = False
        self.done = False

    def feed(self, data: bytes) -> list[list[bytes | None]]:
        self._buf += data
        out = []
        if not self._header_done and not self._header():
            return out
        while not self.done:
            row = self._tuple()
            if row is None:
                break
            out.append(row)
        del self._buf[: self._pos]
        self._pos = 0
        return out

    def finish(self) -> list[list[bytes | None]]:
        rows = self.feed(b"")
        if not self.done and (self._buf or not self._header_done):
            raise bad_data("unexpected EOF in COPY data")
        return rows

    def _header(self) -> bool:
        buf = self._buf
        if len(buf) < 19:
            return False
        if bytes(buf[:11]) != BINARY_SIGNATURE:
            raise bad_data("COPY file signature not recognized")
        (ext,) = struct.unpack_from("!i", buf, 15)
        if len(buf) < 19 + ext:
            return False
        self._pos = 19 + ext
        self._header_done = True
        return True

    def _tuple(self) -> list[bytes | None] | None:
        buf, pos = self._buf, self._pos
        if len(buf) - pos < 2:
            return None
        (count,) = struct.unpack_from("!h", buf, pos)
        if count == -1:
            self._pos = pos + 2
            self.done = True
            return None
        pos += 2
        fields: list[bytes | None] = []
        for _ in range(count):
            if len(buf) - pos < 4:
                return None
            (size,) = struct.unpack_from("!i", buf, pos)
            pos += 4
            if size < 0:
                fields.append(None)
                continue
            if len(buf) - pos < size:
                return None
            fields.append(bytes(buf[pos:pos + size]))
            pos += size
        self._pos = pos
        return fields


def parser_for(stmt: CopyStatement):
    if stmt.format == "csv":
        return CsvParser(stmt)
    if stmt.format == "binary":
        return BinaryParser(stmt)
    return TextParser(stmt)


# ---------------------------------------------------------------- formatters (COPY TO)


_TEXT_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                 "\t": "\\t", "\v": "\\v"}


def text_row(fields: list[str | None], stmt: CopyStatement) -> bytes:
    """One text-format line; ``fields`` are the values' text output."""
    delim, parts = stmt.delimiter, []
    table = _TEXT_ESCAPES if delim in _TEXT_ESCAPES else {**_TEXT_ESCAPES, delim: "\\" + delim}
    for f in fields:
        if f is None:
            parts.append(stmt.null)
        elif any(c in f for c in table):
            parts.append("".join(table.get(c, c) for c in f))
        else:
            parts.append(f)
    return (delim.join(parts) + "\n").encode("utf-8")


def csv_row(fields: list[str | None], stmt: CopyStatement) -> bytes:
    delim, q, esc = stmt.delimiter, stmt.quote, stmt.escape
    parts = []
    for f in fields:
        if f is None:
            parts.append(stmt.null)
        elif (f == stmt.null or f == "\\." or any(c in f for c in (delim, q, "\n", "\r"))
              or (esc != q and esc in f)):
            inner = f.replace(esc, esc + esc) if esc != q else f
            parts.append(q + inner.replace(q, esc + q) + q)
        else:
            parts.append(f)
    return (delim.join(parts) + "\n").encode("utf-8")


def binary_header() -> bytes:
    return _BINARY_HEADER


def binary_row(fields: list[bytes | None]) -> bytes:
    parts = [struct.pack("!h", len(fields))]
    for f in fields:
        parts.append(b"\xff\xff\xff\xff" if f is None else struct.pack("!i", len(f)) + f)
    return b"".join(parts)


def binary_trailer() -> bytes:
    return _BINARY_TRAILER
