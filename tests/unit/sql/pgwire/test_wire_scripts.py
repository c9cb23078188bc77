"""Wire scripts: send these messages, expect these replies (raw protocol)."""

from __future__ import annotations

import struct

import trio

from sql.pgwire import codec

from . import raw_client as rc
from .conftest import start_server


async def test_row_limit_suspends_portal_and_keeps_rows(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.parse("", "SELECT generate_series(1, 5)"), rc.bind("", ""),
                 rc.execute("", 2), rc.execute("", 2), rc.execute("", 2), rc.SYNC)
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "12DDsDDsDCZ"
    values = [int(b[6:]) for t, b in msgs if t == b"D"]
    assert values == [1, 2, 3, 4, 5]
    assert msgs[-2][1] == b"SELECT 1\0"
    assert server.backends[0].executed.count("SELECT generate_series(1, 5)") == 1


async def test_flush_replies_before_sync(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.parse("s1", "SELECT $1", [23]), rc.describe("S", "s1"), rc.FLUSH)
    msgs = [await c.recv() for _ in range(3)]
    assert rc.types(msgs) == "1tT"
    assert msgs[1][1] == struct.pack("!hI", 1, 23)
    assert server.backends[0].executed == []  # describing never executes
    await c.send(rc.bind("", "s1", [b"41"]), rc.execute(""), rc.SYNC)
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "2DCZ"
    assert msgs[1][1][-2:] == b"41"


async def test_error_in_extended_mode_discards_until_sync(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.parse("", "FAIL 22012"), rc.bind("", ""), rc.execute(""),
                 rc.parse("", "SELECT 1"), rc.bind("", ""), rc.execute(""), rc.SYNC)
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "12EZ"
    assert rc.error_code(msgs[2][1]) == "22012"
    assert server.backends[0].executed == ["FAIL 22012"]  # the rest was discarded
    await c.send(rc.parse("", "SELECT 1"), rc.bind("", ""), rc.execute(""), rc.SYNC)
    assert rc.types(await c.until(b"Z")) == "12DCZ"


async def test_unknown_statement_and_portal(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.bind("", "nope"), rc.SYNC)
    msgs = await c.until(b"Z")
    assert rc.error_code(msgs[0][1]) == "26000"
    await c.send(rc.execute("nope"), rc.SYNC)
    assert rc.error_code((await c.until(b"Z"))[0][1]) == "34000"


async def test_backend_crash_is_xx000_and_connection_survives(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.query("CRASH"))
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "EZ" and rc.error_code(msgs[0][1]) == "XX000"
    await c.send(rc.query("SELECT 3"))
    assert rc.types(await c.until(b"Z")) == "TDCZ"


async def test_describe_portal_and_empty_statement(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.parse("", ""), rc.bind("", ""), rc.describe("P", ""), rc.execute(""),
                 rc.SYNC)
    assert rc.types(await c.until(b"Z")) == "12nIZ"
    await c.send(rc.parse("", "SELECT * FROM items"), rc.bind("", "", result_formats=[1]),
                 rc.describe("P", ""), rc.SYNC)
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "12TZ"
    assert server.backends[0].executed == []


async def test_message_too_large_is_54000_then_close(nursery):
    served = await start_server(nursery, max_message_size=1024)
    c = await rc.RawClient.connect(served.port)
    await c.send(rc.query("SELECT " + "1" * 4000))
    msgs = await c.until(b"E")
    assert rc.error_code(msgs[-1][1]) == "54000"
    with trio.fail_after(5):
        while not served.backends[0].closed:
            await trio.sleep(0.01)
    try:
        await c.recv()
        raise AssertionError("connection should be closed")
    except codec.ClientClosed:
        pass


async def test_ssl_gss_refused_then_startup(server):
    stream = await trio.open_tcp_stream("127.0.0.1", server.port)
    for code in (codec.GSSENC_REQUEST, codec.SSL_REQUEST):
        await stream.send_all(struct.pack("!ii", 8, code))
        assert await stream.receive_some(1) == b"N"
    c = rc.RawClient(stream)
    await c.send(rc.startup_packet())
    msgs = await c.until(b"Z")
    assert rc.types(msgs)[0] == "R" and rc.types(msgs)[-2:] == "KZ"
    await c.send(rc.TERMINATE)
    with trio.fail_after(5):
        assert await stream.receive_some(100) == b""


async def test_cancel_request_closes(server):
    stream = await trio.open_tcp_stream("127.0.0.1", server.port)
    await stream.send_all(struct.pack("!iiii", 16, codec.CANCEL_REQUEST, 1, 2))
    with trio.fail_after(5):
        assert await stream.receive_some(100) == b""
    assert server.backends == []


async def test_bad_protocol_version_is_refused(server):
    c = rc.RawClient(await trio.open_tcp_stream("127.0.0.1", server.port))
    await c.send(rc.startup_packet(code=2 << 16))
    msgs = await c.until(b"E")
    assert rc.error_code(msgs[0][1]) == "0A000"


def test_deallocate_is_handled_by_the_connection():
    from sql.pgwire.session import _DEALLOCATE

    assert _DEALLOCATE.match("DEALLOCATE ALL").group(1) == "ALL"
    assert _DEALLOCATE.match("deallocate prepare _pg3_0;").group(1) == "_pg3_0"
    assert _DEALLOCATE.match("SELECT 1") is None


async def test_error_before_sync_is_sent_at_once(server):
    """asyncpg sends Parse/Describe/Flush and waits: an error must not wait for Sync."""
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.parse("a", "SELECT 1"), rc.parse("a", "SELECT 1"), rc.FLUSH)
    msgs = await c.until(b"E")
    assert rc.types(msgs) == "1E" and rc.error_code(msgs[1][1]) == "42P05"
    await c.send(rc.describe("S", "a"), rc.SYNC)  # skipped until Sync
    assert rc.types(await c.until(b"Z")) == "Z"
