"""A sqllogictest runner: parse ``.test`` files, run their records through a
``Driver``, compare results the way SQLite's reference runner does.

Record kinds (https://www.sqlite.org/sqllogictest/doc/trunk/about.wiki):

    statement ok | statement error       then the SQL, ended by a blank line
    query <types> [sort] [label]         then the SQL, "----", the expected values
    hash-threshold N                     results with more than N values are hashed
    halt                                 stop reading the file
    skipif <engine> / onlyif <engine>    conditions on the next record

Results are formatted per column type: ``I`` integer, ``R`` "%.3f", ``T`` text
("(empty)" for an empty string, control characters as "@"); NULL is "NULL".
``rowsort`` sorts rows and ``valuesort`` all values (as strings, like strcmp);
a hashed result is ``N values hashing to <md5 of each value + "\\n">``.

The driver is any object with ``execute(sql) -> list[tuple] | None`` that raises
on an SQL error; ``tests/logic/drivers.py`` has one over psycopg.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Protocol

ENGINE = "postgresql"


class Driver(Protocol):
    def execute(self, sql: str) -> list[tuple] | None: ...


@dataclass
class Record:
    kind: str  # "statement" | "query"
    line: int
    sql: str
    expect_error: bool = False
    types: str = ""
    sort: str = "nosort"
    label: str | None = None
    expected: list[str] = field(default_factory=list)
    hash_threshold: int = 0


@dataclass
class Outcome:
    record: Record
    ok: bool
    reason: str = ""


def parse(text: str, engine: str = ENGINE) -> list[Record]:
    """The records of one file that apply to ``engine``, up to ``halt``."""
    lines = text.split("\n")
    records: list[Record] = []
    threshold = 0
    i, n = 0, len(lines)
    skip = False
    while i < n:
        line = lines[i].rstrip("\r")
        words = line.split()
        i += 1
        if not words or words[0].startswith("#"):
            continue
        head = words[0]
        if head == "skipif":
            skip = skip or words[1] == engine
            continue
        if head == "onlyif":
            skip = skip or words[1] != engine
            continue
        if head == "halt":
            if skip:
                skip = False
                continue
            break
        if head == "hash-threshold":
            threshold = int(words[1])
            continue
        if head not in ("statement", "query"):
            raise ValueError(f"line {i}: unknown record {line!r}")
        start = i
        sql_lines: list[str] = []
        while i < n and lines[i].strip() and lines[i].rstrip("\r") != "----":
            sql_lines.append(lines[i].rstrip("\r"))
            i += 1
        expected: list[str] = []
        if i < n and lines[i].rstrip("\r") == "----":
            i += 1
            while i < n and lines[i].strip():
                expected.append(lines[i].rstrip("\r"))
                i += 1
        if skip:
            skip = False
            continue
        rec = Record(head, start, "\n".join(sql_lines), hash_threshold=threshold)
        if head == "statement":
            rec.expect_error = words[1] == "error"
        else:
            rec.types = words[1]
            rec.sort = words[2] if len(words) > 2 else "nosort"
            rec.label = words[3] if len(words) > 3 else None
            rec.expected = expected
        records.append(rec)
    return records


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "NULL"
    if kind == "I":
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, int):
            return str(value)
        if isinstance(value, (float, Decimal)):
            return str(int(value))
        try:
            return str(int(str(value).strip()))
        except ValueError:
            return "0"
    if kind == "R":
        return "%.3f" % float(value)
    text = value if isinstance(value, str) else str(value)
    if text == "":
        return "(empty)"
    return "".join(c if " " <= c <= "~" else "@" for c in text)


def result_values(rows: Iterable[tuple], types: str, sort: str) -> list[str]:
    formatted = [[format_value(v, types[j] if j < len(types) else "T") for j, v in enumerate(r)] for r in rows]
    if sort == "rowsort":
        formatted.sort()
    values = [v for r in formatted for v in r]
    if sort == "valuesort":
        values.sort()
    return values


def hash_values(values: list[str]) -> str:
    h = hashlib.md5()
    for v in values:
        h.update(v.encode())
        h.update(b"\n")
    return f"{len(values)} values hashing to {h.hexdigest()}"


def check_query(rec: Record, rows: list[tuple]) -> str:
    """'' if ``rows`` match the record, else why not."""
    if rows and len(rows[0]) != len(rec.types):
        return f"expected {len(rec.types)} columns, got {len(rows[0])}"
    values = result_values(rows, rec.types, rec.sort)
    expected = rec.expected
    hashed = len(expected) == 1 and " values hashing to " in expected[0]
    if hashed:
        got = hash_values(values)
        return "" if got == expected[0] else f"got {got}"
    if rec.hash_threshold and len(values) > rec.hash_threshold:
        got = hash_values(values)
        return "" if values == expected else f"got {got}"
    if values != expected:
        shown = " ".join(values[:12]) + (" ..." if len(values) > 12 else "")
        return f"got {len(values)} values: {shown}"
    return ""


def run_record(driver: Driver, rec: Record) -> Outcome:
    try:
        rows = driver.execute(rec.sql)
    except Exception as e:  # noqa: BLE001 - any error is a result to compare
        if rec.kind == "statement" and rec.expect_error:
            return Outcome(rec, True)
        return Outcome(rec, False, f"error: {_error_text(e)}")
    if rec.kind == "statement":
        return Outcome(rec, not rec.expect_error, "statement succeeded" if rec.expect_error else "")
    reason = check_query(rec, rows or [])
    return Outcome(rec, not reason, reason)


def _error_text(e: Exception) -> str:
    state = getattr(e, "sqlstate", None)
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"{state} {text}" if state else text


def run_file(driver: Driver, text: str) -> list[Outcome]:
    return [run_record(driver, rec) for rec in parse(text)]


def summary(outcomes: list[Outcome]) -> str:
    queries = [o for o in outcomes if o.record.kind == "query"]
    passed = sum(o.ok for o in queries)
    return f"{passed} passed, {len(queries) - passed} failed"
