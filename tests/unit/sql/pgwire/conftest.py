"""Fixtures: a pgwire server over ``FakeBackend`` on a free loopback port."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import pytest

from sql.pgwire.server import serve_pgwire

from .fake_backend import FakeBackend


@dataclass
class Served:
    port: int
    backends: list[FakeBackend] = field(default_factory=list)
    kv: dict = field(default_factory=dict)

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=strata dbname=strata connect_timeout=5"


async def start_server(nursery, **kwargs) -> Served:
    served = Served(0)

    def factory() -> FakeBackend:
        b = FakeBackend(served.kv)
        served.backends.append(b)
        return b

    listeners = await nursery.start(partial(serve_pgwire, "127.0.0.1", 0, factory, **kwargs))
    served.port = listeners[0].socket.getsockname()[1]
    return served


@pytest.fixture
async def server(nursery) -> Served:
    return await start_server(nursery)
