"""`$1,$2` (no space) parses: sqlglot's tokenizer would take `$1,$` for the
tag of a dollar-quoted string; PostgreSQL tags never start with a digit."""

import pytest

from sql.parse import parse_statement, space_parameters, split


@pytest.mark.parametrize("sql, spaced", [
    ("values ($1,$2)", "values ($1 ,$2 )"),
    ("select $1::int,$2", "select $1 ::int,$2"),
    ("select '$1,$2', $1,$2", "select '$1,$2', $1 ,$2"),
    ("select $a$ $1,$2 $a$, $1,$2", "select $a$ $1,$2 $a$, $1 ,$2"),
    ("select \"$1,x\", -- $1,$2\n $1,$2", "select \"$1,x\", -- $1,$2\n $1 ,$2"),
    ("select e'\\'$1,' , $10,$11", "select e'\\'$1,' , $10 ,$11"),
])
def test_space_parameters_only_outside_literals(sql, spaced):
    assert space_parameters(sql) == spaced


def test_statements_with_packed_parameters_parse():
    stmt = parse_statement("insert into t values ($1,$2)")
    assert stmt.sql(dialect="postgres") == "INSERT INTO t VALUES ($1, $2)"
    assert split("select $1,$2; select 1") == ["select $1 ,$2", "select 1"]
    # A dollar-quoted string is still one literal.
    assert "x, y" in parse_statement("select $$x, y$$").sql(dialect="postgres")
