"""CancelRequest forwarding and TLS in the router, against two real pgwire
servers (serve_pgwire + FakeBackend) and psycopg 3."""

from __future__ import annotations

import functools
import struct
import subprocess
import threading
import time

import psycopg
import pytest
import trio
from psycopg import errors

from router.__main__ import tls_context
from router.cancel import CancelMap, KeyWatcher, cancel_key
from router.picker import RoundRobinPicker
from router.proxy import serve
from sql.pgwire import codec
from sql.pgwire.server import serve_pgwire
from tests.unit.sql.pgwire.fake_backend import FakeBackend


def test_key_watcher_finds_key_across_chunks_and_stops_at_ready():
    reply = (codec.AUTHENTICATION_OK + codec.parameter_status("a", "b")
             + codec.backend_key_data(1234, 99) + codec.ready_for_query("I"))
    w = KeyWatcher()
    found = [w.feed(reply[i:i + 3]) for i in range(0, len(reply), 3)]
    assert [k for k in found if k] == [(1234, 99)] and w.key == (1234, 99)
    assert w.done
    assert w.feed(codec.backend_key_data(1, 1)) is None  # after ReadyForQuery: not parsed


def test_cancel_key_and_map():
    packet = struct.pack("!iiII", 16, codec.CANCEL_REQUEST, 7, 8)
    assert cancel_key(packet) == (7, 8)
    m = CancelMap()
    m.add((7, 8), ("h", 1))
    assert m.node_for((7, 8)) == ("h", 1) and m.node_for((7, 9)) is None
    m.remove((7, 8))
    assert len(m) == 0


async def _start_nodes(nursery, n: int) -> tuple[list[tuple[str, int]], list[list[FakeBackend]]]:
    addresses, backends = [], []
    for _ in range(n):
        made: list[FakeBackend] = []

        def factory(made=made) -> FakeBackend:
            made.append(FakeBackend({}))
            return made[-1]
        listeners = await nursery.start(functools.partial(serve_pgwire, "127.0.0.1", 0, factory))
        addresses.append(("127.0.0.1", listeners[0].socket.getsockname()[1]))
        backends.append(made)
    return addresses, backends


async def test_cancel_through_router_reaches_the_right_node(nursery):
    nodes, backends = await _start_nodes(nursery, 2)
    cancels = CancelMap()
    _, port = await nursery.start(functools.partial(
        serve, "127.0.0.1", 0, RoundRobinPicker(nodes), cancels=cancels))
    dsn = f"host=127.0.0.1 port={port} user=strata dbname=strata connect_timeout=5"

    def run():
        with psycopg.connect(dsn, autocommit=True) as c1, \
                psycopg.connect(dsn, autocommit=True) as c2:  # one per node
            assert len(cancels) == 2

            def cancel_later():
                time.sleep(0.3)
                c2.cancel_safe()  # libpq >= 17 (in-process server: see pgwire tests)
            t = threading.Thread(target=cancel_later)
            t.start()
            start = time.monotonic()
            with pytest.raises(errors.QueryCanceled):
                c2.execute("SELECT pg_sleep(30)")
            t.join()
            elapsed = time.monotonic() - start
            return elapsed, c2.execute("SELECT 3").fetchone()[0], c1.execute("SELECT 4").fetchone()[0]
    elapsed, v2, v1 = await trio.to_thread.run_sync(run)
    assert elapsed < 5 and (v1, v2) == (4, 3)
    assert [b.cancelled for made in backends for b in made] == [0, 1]
    await trio.sleep(0.1)
    assert len(cancels) == 0  # forgotten when the clients left


async def test_unknown_cancel_key_is_dropped(nursery):
    nodes, _ = await _start_nodes(nursery, 1)
    _, port = await nursery.start(functools.partial(serve, "127.0.0.1", 0, RoundRobinPicker(nodes)))
    async with await trio.open_tcp_stream("127.0.0.1", port) as s:
        await s.send_all(struct.pack("!iiII", 16, codec.CANCEL_REQUEST, 1, 2))
        with trio.fail_after(5):
            assert await s.receive_some(10) == b""


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


async def test_router_tls_and_cancel_over_tls(nursery, cert):
    nodes, backends = await _start_nodes(nursery, 1)
    ctx = tls_context(str(cert[0]), str(cert[1]))
    _, port = await nursery.start(functools.partial(
        serve, "127.0.0.1", 0, RoundRobinPicker(nodes), ssl_context=ctx))
    dsn = (f"host=127.0.0.1 port={port} user=strata dbname=strata connect_timeout=5 "
           f"sslmode=verify-full sslrootcert={cert[0]}")

    def run():
        with psycopg.connect(dsn, autocommit=True) as conn:
            tls = conn.pgconn.ssl_in_use
            t = threading.Thread(target=lambda: (time.sleep(0.3), conn.cancel_safe()))
            t.start()
            with pytest.raises(errors.QueryCanceled):
                conn.execute("SELECT pg_sleep(30)")
            t.join()
            return tls, conn.execute("SELECT 9").fetchone()[0]
    assert await trio.to_thread.run_sync(run) == (True, 9)
    assert backends[0][0].cancelled == 1
