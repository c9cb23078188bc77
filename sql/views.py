"""Views: CREATE [OR REPLACE] VIEW, DROP VIEW, and what DROP TABLE must check.

A view is catalog data like a table: a ``TableDef`` with ``view_sql`` set (its
defining SELECT as SQL text), its output columns and types as ``columns``, no
key and no rows, written with ``txn.put_table`` under a fresh table id, so it is
transactional, durable and seen by every compute node.  A view named in FROM
is planned as a derived table (``QueryContext.view``): the stored SQL is parsed
and planned against the current catalog, under the view's column names.

As PostgreSQL: a name clash with a relation is 42P07; OR REPLACE may only add
columns at the end (42P16 otherwise) and never replaces a table (42809); DROP
VIEW on a table and DROP TABLE on a view are 42809; dropping a relation a view
reads is 2BP01 unless CASCADE (which drops those views too).  Views are not
updatable (0A000), and a view whose definition reaches itself is 42P17.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import oids
from . import types as T
from .api import ColumnDef, TableDef, TxnContext
from .errors import (
    DUPLICATE_COLUMN,
    DUPLICATE_TABLE,
    FEATURE_NOT_SUPPORTED,
    INVALID_TABLE_DEFINITION,
    SYNTAX_ERROR,
    UNDEFINED_TABLE,
    SqlError,
)
from .parse import parse_statement
from .pgwire.api import QueryResult
from .plan import Plan
from .scope import Params

WRONG_OBJECT_TYPE = "42809"
DEPENDENT_OBJECTS_STILL_EXIST = "2BP01"


def parse_view(table: TableDef) -> exp.Expression:
    assert table.view_sql is not None
    return parse_statement(table.view_sql)


def referenced_names(node: exp.Expression) -> set[str]:
    """Relation names a query reads (CTE names it defines excluded)."""
    ctes = {c.alias for c in node.find_all(exp.CTE)}
    return {t.name for t in node.find_all(exp.Table) if t.name and t.name not in ctes and not t.db}


class CreateViewPlan(Plan):
    def __init__(self, node: exp.Create, params: Params) -> None:
        self.params = params
        schema = node.this
        table = schema.this if isinstance(schema, exp.Schema) else schema
        self.name: str = table.name
        self.names = [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else []
        self.replace = bool(node.args.get("replace"))
        self.query = node.expression
        if self.query is None or not isinstance(self.query, exp.Query):
            raise SqlError(SYNTAX_ERROR, "CREATE VIEW needs AS SELECT ...")
        if self.query.args.get("locks"):
            raise SqlError(FEATURE_NOT_SUPPORTED, "views must not contain SELECT FOR UPDATE or FOR SHARE")
        if self.query.find(exp.Parameter) is not None:
            # also makes the plan cache's constant-to-parameter shape fall back to the text
            raise SqlError("42P02", "there is no parameter $1")
        self.sql = self.query.sql("postgres")

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        from .query import plan_columns

        existing = await txn.get_table(self.name)
        if existing is not None and not self.replace:
            raise SqlError(DUPLICATE_TABLE, f'relation "{self.name}" already exists')
        if existing is not None and not existing.is_view:
            raise SqlError(WRONG_OBJECT_TYPE, f'"{self.name}" is not a view')
        qparams = Params()
        cols = await plan_columns(self.query, txn, qparams, view=self.name)
        if qparams.oids:
            raise SqlError("42P02", "there is no parameter $1")
        if len(self.names) > len(cols):
            raise SqlError(SYNTAX_ERROR, "CREATE VIEW specifies more column names than columns")
        columns = []
        for i, (n, t) in enumerate(cols):
            name = self.names[i] if i < len(self.names) else n
            if any(c.name == name for c in columns):
                raise SqlError(DUPLICATE_COLUMN, f'column "{name}" specified more than once')
            if t.oid == oids.UNKNOWN:
                t = T.simple(oids.TEXT)
            columns.append(ColumnDef(name, t))
        if existing is not None:
            _check_replace(existing, columns)
            table_id = existing.table_id
        else:
            table_id = await txn.allocate_table_id()
        await txn.put_table(TableDef(self.name, table_id, tuple(columns), (), view_sql=self.sql))
        return QueryResult("CREATE VIEW")


def _check_replace(old: TableDef, new: list[ColumnDef]) -> None:
    if len(new) < len(old.columns):
        raise SqlError(INVALID_TABLE_DEFINITION, "cannot drop columns from view")
    for a, b in zip(old.columns, new, strict=False):
        if a.name != b.name:
            raise SqlError(
                INVALID_TABLE_DEFINITION, f'cannot change name of view column "{a.name}" to "{b.name}"',
                hint="Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.")
        if a.type != b.type:
            raise SqlError(
                INVALID_TABLE_DEFINITION,
                f'cannot change data type of view column "{a.name}" from '
                f"{T.format_type(a.type)} to {T.format_type(b.type)}")


class DropViewPlan(Plan):
    def __init__(self, node: exp.Drop, params: Params) -> None:
        self.params = params
        self.if_exists = bool(node.args.get("exists"))
        self.cascade = bool(node.args.get("cascade"))
        self.names = [t.name for t in node.args.get("tables") or [node.this]]

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        for name in self.names:
            table = await txn.get_table(name)
            if table is None:
                if self.if_exists:
                    continue
                raise SqlError(UNDEFINED_TABLE, f'view "{name}" does not exist')
            if not table.is_view:
                raise SqlError(WRONG_OBJECT_TYPE, f'"{name}" is not a view',
                               hint="Use DROP TABLE to remove a table.")
            await drop_dependents(txn, table, self.cascade, dropping=set(self.names))
            if await txn.get_table(name) is not None:
                await txn.drop_table(name)
        return QueryResult("DROP VIEW")


async def dependents(txn: TxnContext, name: str) -> list[TableDef]:
    """Views that read relation ``name`` directly or through other views,
    nearest first."""
    views = [t for t in await txn.list_tables() if t.is_view]
    reads = {v.name: referenced_names(parse_view(v)) for v in views}
    out: list[TableDef] = []
    frontier = [name]
    while frontier:
        current = frontier.pop(0)
        for v in views:
            if current in reads[v.name] and v not in out and v.name != name:
                out.append(v)
                frontier.append(v.name)
    return out


async def drop_dependents(txn: TxnContext, table: TableDef, cascade: bool,
                          dropping: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """DROP of ``table`` (a table or a view): 2BP01 when a view reads it, unless
    CASCADE, which drops those views first.  Views dropped by the same statement
    do not count."""
    deps = [v for v in await dependents(txn, table.name) if v.name not in dropping]
    if not deps:
        return
    what = "view" if table.is_view else "table"
    if not cascade:
        raise SqlError(
            DEPENDENT_OBJECTS_STILL_EXIST,
            f"cannot drop {what} {table.name} because other objects depend on it",
            detail="\n".join(
                f"view {v.name} depends on {what if r == table.name else 'view'} {r}"
                for v in deps for r in [_reader(v, deps, table)]),
            hint="Use DROP ... CASCADE to drop the dependent objects too.",
        )
    for v in reversed(deps):
        await txn.drop_table(v.name)


def _reader(v: TableDef, deps: list[TableDef], root: TableDef) -> str:
    names = referenced_names(parse_view(v))
    if root.name in names:
        return root.name
    for d in deps:
        if d.name in names:
            return d.name
    return root.name


async def check_drop_table(txn: TxnContext, table: TableDef, cascade: bool) -> None:
    """Called by DROP TABLE before it drops ``table``."""
    if table.is_view:
        raise SqlError(WRONG_OBJECT_TYPE, f'"{table.name}" is not a table', hint="Use DROP VIEW to remove a view.")
    await drop_dependents(txn, table, cascade)


def not_updatable(table: TableDef, verb: str) -> SqlError:
    return SqlError(FEATURE_NOT_SUPPORTED, f'cannot {verb} view "{table.name}": views are not updatable yet')


def plan_create_view(node: exp.Create, params: Params) -> Plan:
    return CreateViewPlan(node, params)


def plan_drop_view(node: exp.Drop, params: Params) -> Plan:
    return DropViewPlan(node, params)
