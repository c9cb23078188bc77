"""Plans: what every planned statement offers the executor, plus shared helpers.

A ``Plan`` is built once from an AST and the table definitions it names, then
run many times with different parameters.  ``tables`` records the TableDefs it
was planned against so a cached plan can be re-validated against the catalog.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlglot import exp

from . import oids
from .api import SqlType, TableDef, TxnContext
from .errors import UNDEFINED_TABLE, SqlError
from .expr import Params
from .handler_chain import OUTPUT_NAMES  # column names of operator/function nodes
from .pgwire.api import QueryResult, ResultColumn


class Plan:
    tables: tuple[TableDef, ...] = ()
    params: Params
    columns: list[ResultColumn] | None = None

    async def run(self, txn: TxnContext, params: Sequence[Any]) -> QueryResult:
        raise NotImplementedError


def result_column(name: str, t: SqlType) -> ResultColumn:
    oid = oids.TEXT if t.oid == oids.UNKNOWN else t.oid
    mod = -1
    if t.oid in (oids.VARCHAR, oids.BPCHAR) and t.length is not None:
        mod = t.length + 4
    elif t.oid == oids.NUMERIC and t.precision is not None:
        mod = ((t.precision << 16) | (t.scale or 0)) + 4
    return ResultColumn(name, oid, oids.type_size(oid), mod)


def output_name(node: exp.Expression) -> str:
    """The column name PostgreSQL gives a select-list expression."""
    if isinstance(node, exp.Alias):
        return node.alias
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        return node.name
    if isinstance(node, exp.Cast):
        inner = node.this
        if isinstance(inner, exp.Column):
            return inner.name
        return output_name(inner) if isinstance(inner, exp.Func) else "?column?"
    if isinstance(node, exp.CurrentTimestamp):
        return "now"
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Case):
        return "case"
    if type(node) in OUTPUT_NAMES:
        return OUTPUT_NAMES[type(node)]
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return "?column?"



async def lookup_table(txn: TxnContext, table: exp.Table) -> TableDef:
    name = table.name
    t = await txn.get_table(name)
    if t is None:
        raise SqlError(UNDEFINED_TABLE, f'relation "{name}" does not exist')
    if t.is_view:  # INSERT/UPDATE/DELETE targets (sql.views)
        raise SqlError("0A000", f'cannot change view "{name}": views are not updatable yet')
    return t


def table_scope_columns(table: TableDef) -> list[tuple[str, SqlType]]:
    return [(c.name, c.type) for c in table.columns]
