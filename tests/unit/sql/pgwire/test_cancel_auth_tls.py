"""CancelRequest, SCRAM-SHA-256, TLS, NoticeResponse and ParameterStatus
after SET, with psycopg 3 and psql against serve_pgwire + FakeBackend."""

from __future__ import annotations

import os
import struct
import subprocess
import threading
import time

import psycopg
import pytest
import scramp
import trio
from psycopg import errors

from sql.pgwire import codec
from sql.pgwire.auth import AuthConfig, make_verifier, parse_password_lines, parse_verifier
from sql.pgwire.cancel import CancelRegistry
from sql.pgwire.server import tls_context

from . import raw_client as rc
from .conftest import start_server


async def in_thread(fn, *args):
    return await trio.to_thread.run_sync(fn, *args)


def _cancel_soon(conn: psycopg.Connection, delay_s: float = 0.3) -> threading.Thread:
    # cancel_safe (libpq >= 17, non-blocking): the blocking PQcancel of
    # conn.cancel() holds the GIL and would freeze this in-process server;
    # tests/clients uses conn.cancel() against a separate server process.
    def run():
        time.sleep(delay_s)
        conn.cancel_safe()
    t = threading.Thread(target=run)
    t.start()
    return t


# ---------------------------------------------------------------- cancel


async def test_cancel_interrupts_statement_and_session_survives(server):
    def run():
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            t = _cancel_soon(conn)
            start = time.monotonic()
            with pytest.raises(errors.QueryCanceled) as info:
                conn.execute("SELECT pg_sleep(30)")
            t.join()
            elapsed = time.monotonic() - start
            after = conn.execute("SELECT 7").fetchone()[0]
            return info.value.sqlstate, str(info.value), elapsed, after
    state, message, elapsed, after = await in_thread(run)
    assert state == "57014"
    assert "canceling statement due to user request" in message
    assert elapsed < 25 and after == 7  # cancelled, not run to its 30 s end
    assert server.backends[0].cancelled == 1


async def test_cancel_in_transaction_block_fails_the_block(server):
    def run():
        with psycopg.connect(server.dsn) as conn:  # not autocommit: BEGIN first
            t = _cancel_soon(conn)
            with pytest.raises(errors.QueryCanceled):
                conn.execute("SELECT pg_sleep(30)")
            t.join()
            status = conn.info.transaction_status
            conn.rollback()
            return status, conn.execute("SELECT 1").fetchone()[0]
    status, value = await in_thread(run)
    assert status == psycopg.pq.TransactionStatus.INERROR and value == 1


async def test_cancel_with_wrong_key_or_idle_session_does_nothing(server):
    c = await rc.RawClient.connect(server.port)
    stream = await trio.open_tcp_stream("127.0.0.1", server.port)
    await stream.send_all(rc.cancel_request(1, 2))  # nobody has this key
    with trio.fail_after(5):
        assert await stream.receive_some(100) == b""
    await c.send(rc.query("SELECT 5"))
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "TDCZ"


async def test_cancel_of_idle_session_is_ignored(nursery):
    registry = CancelRegistry()
    served = await start_server(nursery, cancel_registry=registry)
    c = await rc.RawClient.connect(served.port)
    assert len(registry) == 1
    (pid, secret), = [(p, s) for p, (s, _) in registry._sessions.items()]
    stream = await trio.open_tcp_stream("127.0.0.1", served.port)
    await stream.send_all(rc.cancel_request(pid, secret))
    await stream.receive_some(10)
    await c.send(rc.query("SELECT 5"))  # not cancelled: it was idle when the cancel came
    assert rc.types(await c.until(b"Z")) == "TDCZ"
    await c.send(rc.TERMINATE)
    await trio.sleep(0.1)
    assert len(registry) == 0


async def test_psql_cancel_with_sigint(server):
    proc = subprocess.Popen(["psql", "-X", "-h", "127.0.0.1", "-p", str(server.port), "-U", "strata",
                             "-d", "strata", "-c", "SELECT pg_sleep(30)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    await trio.sleep(0.5)
    proc.send_signal(2)  # psql answers SIGINT with a CancelRequest
    out, err = await in_thread(proc.communicate, None, 10)
    assert "canceling statement due to user request" in err


# ---------------------------------------------------------------- SCRAM


@pytest.fixture
async def scram_server(nursery):
    return await start_server(nursery, auth=AuthConfig.scram({"alice": "s3cret", "bob": "pw b"}))


def test_verifier_round_trip_and_file_format():
    v = make_verifier("x", iterations=4096)
    assert v.startswith("SCRAM-SHA-256$4096:")
    salt, stored, server, i = parse_verifier(v)
    assert (len(salt), len(stored), len(server), i) == (16, 32, 32, 4096)
    users = parse_password_lines(f"# users\nalice:{v}\n\n;bob:{v}")
    assert set(users) == {"alice", "bob"}
    with pytest.raises(ValueError):
        parse_verifier("md5abc")
    env = {"STRATA_PG_AUTH": "scram-sha-256", "STRATA_PG_PASSWORDS": f"carol:{v}"}
    assert AuthConfig.from_env(env).method == "scram-sha-256"
    assert set(AuthConfig.from_env(env).users) == {"carol"}
    assert AuthConfig.from_env({}).method == "trust"
    with pytest.raises(ValueError):
        AuthConfig("md5")


async def test_scram_psycopg_right_and_wrong_password(scram_server):
    dsn = f"host=127.0.0.1 port={scram_server.port} dbname=strata connect_timeout=5"

    def run():
        with psycopg.connect(dsn + " user=alice password=s3cret") as conn:
            ok = conn.execute("SELECT 1").fetchone()[0]
        errs = []
        for user, pw in (("alice", "wrong"), ("nobody", "s3cret")):
            with pytest.raises(psycopg.OperationalError) as info:
                psycopg.connect(dsn + f" user={user} password='{pw}'")
            errs.append(str(info.value))
        return ok, errs
    ok, errs = await in_thread(run)
    assert ok == 1
    assert 'password authentication failed for user "alice"' in errs[0]
    assert 'password authentication failed for user "nobody"' in errs[1]


async def _raw_scram(port: int, user: str, password: str) -> list[tuple[bytes, bytes]]:
    """The SASL exchange by hand (scramp's client), up to the server's last reply."""
    client = scramp.ScramClient(["SCRAM-SHA-256"], user, password)
    c = rc.RawClient(await trio.open_tcp_stream("127.0.0.1", port))
    await c.send(rc.startup_packet(user))
    msg_type, body = await c.recv()
    assert (msg_type, body[:4]) == (b"R", struct.pack("!i", 10)) and b"SCRAM-SHA-256" in body
    first = client.get_client_first().encode()
    await c.send(codec.message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first))
    msg_type, body = await c.recv()
    assert (msg_type, body[:4]) == (b"R", struct.pack("!i", 11))
    client.set_server_first(body[4:].decode())
    await c.send(codec.message(b"p", client.get_client_final().encode()))
    return await c.until_any(b"EZ")


async def test_scram_wrong_password_is_fatal_28p01(scram_server):
    ok = await _raw_scram(scram_server.port, "alice", "s3cret")
    assert rc.types(ok)[:2] == "RR" and rc.types(ok)[-2:] == "KZ"  # SASLFinal, AuthOk
    for user, password in (("alice", "nope"), ("nobody", "s3cret")):
        msgs = await _raw_scram(scram_server.port, user, password)
        assert rc.types(msgs) == "E"
        assert rc.error_code(msgs[0][1]) == "28P01"


async def _psql(port: int, user: str, password: str, *extra: str):
    env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"}
    return await trio.run_process(
        ["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", "strata",
         "-tA", "-c", "SELECT 42", *extra], env=env, capture_stdout=True, capture_stderr=True,
        check=False)


async def test_scram_psql_with_pgpassword(scram_server):
    ok = await _psql(scram_server.port, "bob", "pw b")
    assert ok.returncode == 0 and ok.stdout.strip() == b"42"
    bad = await _psql(scram_server.port, "bob", "wrong")
    assert bad.returncode == 2
    assert b'password authentication failed for user "bob"' in bad.stderr


# ---------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


async def test_tls_with_certificate(nursery, cert):
    cert_file, key_file = cert
    served = await start_server(nursery, ssl_context=tls_context(str(cert_file), str(key_file)),
                                auth=AuthConfig.scram({"alice": "s3cret"}))
    dsn = (f"host=127.0.0.1 port={served.port} dbname=strata user=alice password=s3cret "
           f"connect_timeout=5")

    def run():
        with psycopg.connect(dsn + f" sslmode=verify-full sslrootcert={cert_file}") as conn:
            tls = conn.pgconn.ssl_in_use
            value = conn.execute("SELECT %s", [5]).fetchone()[0]
        with psycopg.connect(dsn + " sslmode=disable") as conn:  # plain still allowed
            plain = conn.pgconn.ssl_in_use
        return tls, value, plain
    assert await in_thread(run) == (True, 5, False)
    env = {**os.environ, "PGPASSWORD": "s3cret", "PGSSLMODE": "require"}
    res = await trio.run_process(
        ["psql", "-X", "-h", "127.0.0.1", "-p", str(served.port), "-U", "alice", "-d", "strata",
         "-tA", "-c", "SELECT 3"], env=env, capture_stdout=True, capture_stderr=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == b"3"


async def test_without_certificate_sslmode_require_fails(server):
    def run():
        with pytest.raises(psycopg.OperationalError) as info:
            psycopg.connect(server.dsn + " sslmode=require")
        return str(info.value)
    assert "does not support SSL" in await in_thread(run)


async def test_ssl_request_with_trailing_plaintext_is_refused(nursery, cert):
    served = await start_server(nursery, ssl_context=tls_context(str(cert[0]), str(cert[1])))
    stream = await trio.open_tcp_stream("127.0.0.1", served.port)
    await stream.send_all(rc.ssl_request() + rc.startup_packet())  # injected after SSLRequest
    with trio.fail_after(5):
        data = await stream.receive_some(1000)
    assert data[:1] == b"E" and b"08P01" in data


# ---------------------------------------------------------------- notices, ParameterStatus


async def test_notice_and_parameter_status_after_set(server):
    def run():
        notices = []
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.add_notice_handler(lambda d: notices.append((d.severity, d.sqlstate, d.message_primary)))
            before = conn.info.parameter_status("application_name")
            conn.execute("SET application_name = 'reporting'")
            after = conn.info.parameter_status("application_name")
            conn.execute("SET TimeZone = 'Europe/Paris'")
            tz = conn.info.parameter_status("TimeZone")
            conn.execute("NOTICE hello there")
            return before, after, tz, notices
    before, after, tz, notices = await in_thread(run)
    assert (before, after, tz) == ("", "reporting", "Europe/Paris")
    assert notices == [("NOTICE", "00000", "hello there")]


async def test_notice_order_raw(server):
    c = await rc.RawClient.connect(server.port)
    await c.send(rc.query("NOTICE n1; SET datestyle = 'ISO, DMY'"))
    msgs = await c.until(b"Z")
    assert rc.types(msgs) == "NCCSZ" or rc.types(msgs) == "NCSCZ"
