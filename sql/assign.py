"""Assigning values to table columns: target column lists, DEFAULT, SET lists.

Shared by INSERT (sql.insert), UPDATE (sql.dml) and ON CONFLICT DO UPDATE
(sql.onconflict).  An assigned expression must be assignable to the column's
type (42804 as PostgreSQL's "column ... is of type ... but expression is of
type ..."); the value itself is converted by ``types.coerce_column`` when the
row is built.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from . import oids, sequences
from . import types as T
from .api import ColumnDef, TableDef, TxnContext
from .errors import (
    DUPLICATE_COLUMN,
    FEATURE_NOT_SUPPORTED,
    SYNTAX_ERROR,
    UNDEFINED_COLUMN,
    SqlError,
)
from .expr import Compiler, Fn, Params, Scope
from .parse import parse_expression


class NextVal:
    """A ``nextval('seq')`` the INSERT evaluates itself (it awaits the sequence
    row: sql.sequences); in place of a synchronous Fn."""

    def __init__(self, name: str) -> None:
        self.name = name


def default_fn(col: ColumnDef, params: Params) -> Fn | NextVal:
    if col.default_sql is None:
        return lambda row, p: None
    node = parse_expression(col.default_sql)
    seq = sequences.nextval_target(node)
    if seq is not None:
        return NextVal(seq)
    return Compiler(Scope(None, []), params, clause="DEFAULT expressions").with_hint(node, col.type).fn


def is_default(node: exp.Expression) -> bool:
    """The DEFAULT keyword (a Var in VALUES, an unquoted column in SET)."""
    if isinstance(node, exp.Column):
        return not node.table and not node.this.quoted and node.name.upper() == "DEFAULT"
    return isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"


def target_columns(table: TableDef, names: list[str]) -> list[int]:
    out: list[int] = []
    for name in names:
        i = table.column_index(name)
        if i is None:
            raise SqlError(
                UNDEFINED_COLUMN, f'column "{name}" of relation "{table.name}" does not exist'
            )
        if i in out:
            raise SqlError(DUPLICATE_COLUMN, f'column "{name}" specified more than once')
        out.append(i)
    return out


def assign(compiler: Compiler, node: exp.Expression, col: ColumnDef) -> Fn | NextVal:
    seq = sequences.nextval_target(node)
    if seq is not None:
        T.check_assignable(oids.INT8, col.type, col.name)
        return NextVal(seq)
    c = compiler.with_hint(node, col.type)
    T.check_assignable(c.oid, col.type, col.name)
    return c.fn


def plan_set(assignments: list[exp.Expression], table: TableDef, compiler: Compiler
             ) -> list[tuple[int, Fn | NextVal]]:
    """``SET a = x, (b, c) = (y, z), d = DEFAULT`` -> [(column position, fn)];
    evaluate each with ``value``."""
    pairs: list[tuple[exp.Expression, exp.Expression]] = []
    for assignment in assignments:
        col_node, value = assignment.this, assignment.expression
        if isinstance(col_node, exp.Tuple):
            values = value.expressions if isinstance(value, exp.Tuple) else None
            if values is None:
                raise SqlError(FEATURE_NOT_SUPPORTED, "SET (columns) = (subquery) is not supported")
            if len(values) != len(col_node.expressions):
                raise SqlError(SYNTAX_ERROR, "number of columns does not match number of values")
            pairs.extend(zip(col_node.expressions, values, strict=True))
        else:
            pairs.append((col_node, value))
    out: list[tuple[int, Fn | NextVal]] = []
    seen: set[int] = set()
    for col_node, value in pairs:
        if isinstance(col_node, exp.Column) and col_node.table:
            raise SqlError(UNDEFINED_COLUMN,
                           f'column "{col_node.table}" of relation "{table.name}" does not exist')
        (pos,) = target_columns(table, [col_node.name])
        if pos in seen:
            raise SqlError(SYNTAX_ERROR, f'multiple assignments to same column "{col_node.name}"')
        seen.add(pos)
        col = table.columns[pos]
        if is_default(value):
            f = default_fn(col, compiler.params)
        else:
            sequences.check_identity_update(col)
            f = assign(compiler, value, col)
        out.append((pos, f))
    return out


async def value(f: Fn | NextVal, row: tuple, env: tuple, txn: TxnContext) -> Any:
    """What an assignment stores (before ``types.coerce_column``)."""
    if isinstance(f, NextVal):
        return await sequences.nextval(txn, f.name)
    return f(row, env)
