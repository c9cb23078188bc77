"""Fixtures: a SqlSession over a fresh MemoryTxnSource, and helpers."""

import pytest

from sql.errors import SqlError
from sql.executor import Executor
from sql.memory_txn import MemoryTxnSource
from sql.session import SqlSession


class Client:
    """Thin helper: ``q`` returns rows, ``tag`` the command tag, ``err`` the SQLSTATE."""

    def __init__(self, session: SqlSession) -> None:
        self.s = session

    async def run(self, sql, params=()):
        return await self.s.execute(sql, params)

    async def q(self, sql, params=()):
        return (await self.s.execute(sql, params)).rows

    async def tag(self, sql, params=()):
        return (await self.s.execute(sql, params)).command_tag

    async def err(self, sql, params=()):
        with pytest.raises(SqlError) as info:
            await self.s.execute(sql, params)
        return info.value.sqlstate


@pytest.fixture
def source():
    return MemoryTxnSource()


@pytest.fixture
def session(source):
    return SqlSession(source, Executor())


@pytest.fixture
def db(session):
    return Client(session)
