"""What the pgwire session loop needs from whoever executes SQL.

    client --bytes--> sql.pgwire.server (codec, startup, simple + extended query)
                          |
                          v  Backend (one per client connection)
                      sql.session.SqlSession (on a compute node)

The session loop owns the protocol: message framing, startup and
authentication, ReadyForQuery with ``transaction_status``, turning ``SqlError``
into ErrorResponse (any other exception becomes XX000 and the connection
stays usable), text/binary value encoding by type OID (``sql.pgwire.values``).
The backend owns SQL: splitting, parsing, planning, executing, transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type_oid: int
    type_size: int = -1
    type_modifier: int = -1


@dataclass
class QueryResult:
    command_tag: str
    """As PostgreSQL sends it: "SELECT 3", "INSERT 0 1", "UPDATE 2", "BEGIN", ..."""
    columns: list[ResultColumn] | None = None
    """None for statements that return no rows (no RowDescription is sent)."""
    rows: list[tuple] = field(default_factory=list)
    """Python values (see sql.oids); encoded by the session per column type."""


@dataclass(frozen=True)
class StatementDescription:
    param_oids: list[int]
    columns: list[ResultColumn] | None


@dataclass(frozen=True)
class Notice:
    """A NoticeResponse for the client (see ``Backend.notices``)."""
    message: str
    severity: str = "NOTICE"
    sqlstate: str = "00000"
    detail: str | None = None
    hint: str | None = None


class Backend(Protocol):
    """Required: the methods below.  Optional (looked up with ``getattr``, so
    a backend without them still works):

    ``notices: list[str | Notice]``
        appended to by the backend while it runs a statement; the session
        sends each as a NoticeResponse (a ``str`` as NOTICE 00000) before the
        statement's result, and clears the list.
    ``settings: Mapping[str, str]``
        the session's run-time parameters, keys in lower case.  After every
        call the session compares the reported ones (application_name,
        timezone, datestyle, intervalstyle, client_encoding,
        standard_conforming_strings, ...) with their values before it and
        sends ParameterStatus for each that changed (a SET of a GUC_REPORT
        parameter, as PostgreSQL does).

    Cancellation: a CancelRequest cancels the trio scope around the running
    ``execute`` / ``describe`` call (``trio.Cancelled`` is raised at the
    backend's next checkpoint); the client then gets 57014.  A backend must
    leave its state consistent when cancelled, as for any other exception.
    """

    def split(self, sql: str) -> list[str]:
        """Split a simple-query string into statements (may raise SqlError)."""
        ...

    async def execute(self, sql: str, params: Sequence[object] = ()) -> QueryResult:
        """Run one statement.  ``params`` are Python values for $1..$n; a text
        parameter whose type was not given arrives as ``str`` and is coerced
        by the engine from context.  Raises SqlError."""
        ...

    async def describe(self, sql: str, param_oids: Sequence[int]) -> StatementDescription:
        """Types of parameters ($n with oid 0 inferred) and result columns,
        without executing anything."""
        ...

    @property
    def transaction_status(self) -> str:
        """'I' idle, 'T' in a transaction block, 'E' in a failed block."""
        ...

    async def close(self) -> None:
        """Connection ended: roll back any open transaction."""
        ...
