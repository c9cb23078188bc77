"""SqlError: every error a client sees, with its PostgreSQL SQLSTATE.

Raise ``SqlError(SQLSTATE_CONSTANT, "message")`` anywhere (sql, compute, router);
the pgwire session turns it into an ErrorResponse and the session continues.
"""

from __future__ import annotations

SYNTAX_ERROR = "42601"
UNDEFINED_TABLE = "42P01"
UNDEFINED_COLUMN = "42703"
UNDEFINED_FUNCTION = "42883"
DUPLICATE_TABLE = "42P07"
DUPLICATE_COLUMN = "42701"
AMBIGUOUS_COLUMN = "42702"
DATATYPE_MISMATCH = "42804"
INVALID_TABLE_DEFINITION = "42P16"
GROUPING_ERROR = "42803"
INVALID_TEXT_REPRESENTATION = "22P02"
NUMERIC_VALUE_OUT_OF_RANGE = "22003"
DIVISION_BY_ZERO = "22012"
STRING_DATA_RIGHT_TRUNCATION = "22001"
INVALID_DATETIME_FORMAT = "22007"
DATETIME_FIELD_OVERFLOW = "22008"
NOT_NULL_VIOLATION = "23502"
UNIQUE_VIOLATION = "23505"
CARDINALITY_VIOLATION = "21000"
FEATURE_NOT_SUPPORTED = "0A000"
ACTIVE_SQL_TRANSACTION = "25001"
NO_ACTIVE_SQL_TRANSACTION = "25P01"
INVALID_SAVEPOINT_SPECIFICATION = "3B001"
IN_FAILED_SQL_TRANSACTION = "25P02"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
PROTOCOL_VIOLATION = "08P01"
CONNECTION_FAILURE = "08006"
ADMIN_SHUTDOWN = "57P01"
CANNOT_CONNECT_NOW = "57P03"
QUERY_CANCELED = "57014"
INVALID_PARAMETER_VALUE = "22023"
INVALID_SQL_STATEMENT_NAME = "26000"
INVALID_CURSOR_NAME = "34000"
UNDEFINED_OBJECT = "42704"
PROGRAM_LIMIT_EXCEEDED = "54000"
INTERNAL_ERROR = "XX000"


class SqlError(Exception):
    def __init__(
        self,
        sqlstate: str,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        severity: str = "ERROR",
    ) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.message = message
        self.detail = detail
        self.hint = hint
        self.severity = severity

    def __repr__(self) -> str:
        return f"SqlError({self.sqlstate!r}, {self.message!r})"
