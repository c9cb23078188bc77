"""Client authentication of a pgwire server: ``trust`` or ``scram-sha-256``.

    server                                   client
    AuthenticationSASL [SCRAM-SHA-256]  ---->
                                       <----  SASLInitialResponse (client-first)
    AuthenticationSASLContinue          ---->
                                       <----  SASLResponse (client-final)
    AuthenticationSASLFinal             ---->  (then AuthenticationOk, in startup)

``trust`` (the default) lets any user in without a password: the documented
development default, meant for listeners on loopback.  ``scram-sha-256``
checks the user's password against a stored verifier, in PostgreSQL's own
``pg_authid.rolpassword`` format::

    SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>

so a server never holds a password.  Verifiers come from a file (one
``user:verifier`` per line, ``#`` comments) or from an environment variable
holding the same lines separated by ``;`` or newlines; make one with
``python -m sql.pgwire.auth USER`` (password on stdin).

An unknown user goes through the whole exchange against a made-up verifier
and fails at the end like a wrong password (FATAL 28P01), so the reply does
not tell which users exist.  Channel binding (SCRAM-SHA-256-PLUS) is not
offered.

Configuration from the environment (``AuthConfig.from_env``), read by
``serve_pgwire`` when it is given no ``auth``:
  STRATA_PG_AUTH           trust | scram-sha-256      (default trust)
  STRATA_PG_PASSWORD_FILE  path of the user:verifier file
  STRATA_PG_PASSWORDS      user:verifier lines, ';' or newline separated
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from dataclasses import dataclass, field
from typing import Mapping

import scramp
import trio

from . import codec

TRUST = "trust"
SCRAM = "scram-sha-256"
METHODS = (TRUST, SCRAM)
MECHANISM = "SCRAM-SHA-256"
ITERATIONS = 4096
SALT_BYTES = 16  # as PostgreSQL
INVALID_PASSWORD = "28P01"
INVALID_AUTHORIZATION = "28000"

_mechanism = scramp.ScramMechanism(MECHANISM)


class AuthFailed(Exception):
    """Authentication failed; ``response`` (FATAL) is sent and the connection closed."""

    def __init__(self, response: bytes) -> None:
        super().__init__("authentication failed")
        self.response = response


AuthInfo = tuple[bytes, bytes, bytes, int]  # scramp: salt, stored key, server key, iterations


def make_verifier(password: str, iterations: int = ITERATIONS) -> str:
    """A PostgreSQL-format SCRAM-SHA-256 verifier for ``password``."""
    salt, stored, server, i = _mechanism.make_auth_info(
        password, iteration_count=iterations, salt=secrets.token_bytes(SALT_BYTES))
    b64 = base64.b64encode
    return f"{MECHANISM}${i}:{b64(salt).decode()}${b64(stored).decode()}:{b64(server).decode()}"


def parse_verifier(text: str) -> AuthInfo:
    """The inverse of ``make_verifier``; ValueError if malformed."""
    try:
        mech, head, keys = text.strip().split("$")
        iterations, salt = head.split(":")
        stored, server = keys.split(":")
        if mech != MECHANISM:
            raise ValueError(f"unsupported mechanism {mech!r}")
        b64 = base64.b64decode
        return b64(salt, validate=True), b64(stored, validate=True), \
            b64(server, validate=True), int(iterations)
    except (ValueError, TypeError) as e:
        raise ValueError(f"malformed SCRAM verifier: {e}") from None


def parse_password_lines(text: str) -> dict[str, AuthInfo]:
    """``user:verifier`` lines (``;`` also separates) -> user -> AuthInfo."""
    users: dict[str, AuthInfo] = {}
    for raw in text.replace(";", "\n").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, verifier = line.partition(":")
        if not sep or not user:
            raise ValueError(f"bad password line {line!r}: expected user:verifier")
        users[user] = parse_verifier(verifier)
    return users


@dataclass(frozen=True)
class AuthConfig:
    method: str = TRUST
    users: Mapping[str, AuthInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown auth method {self.method!r}; expected one of {METHODS}")

    @classmethod
    def scram(cls, passwords: Mapping[str, str]) -> AuthConfig:
        """From plain passwords (tests, tools): verifiers are computed here."""
        return cls(SCRAM, {u: parse_verifier(make_verifier(p)) for u, p in passwords.items()})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthConfig:
        env = os.environ if env is None else env
        method = env.get("STRATA_PG_AUTH", TRUST).strip().lower() or TRUST
        text = env.get("STRATA_PG_PASSWORDS", "")
        path = env.get("STRATA_PG_PASSWORD_FILE")
        if path:
            with open(path, encoding="utf-8") as f:
                text += "\n" + f.read()
        return cls(method, parse_password_lines(text))


def _mock_auth_info() -> AuthInfo:
    return secrets.token_bytes(SALT_BYTES), secrets.token_bytes(32), secrets.token_bytes(32), ITERATIONS


async def _read_sasl(reader: codec.MessageReader) -> bytes:
    msg_type, body = await reader.read_message()
    if msg_type != b"p":
        raise codec.ProtocolViolation(
            f"expected SASL response, got message type {msg_type!r}")
    return body


def _parse_initial(body: bytes) -> tuple[str, bytes]:
    mech, pos = codec.read_cstring(body, 0)
    if len(body) < pos + 4:
        raise codec.ProtocolViolation("malformed SASLInitialResponse")
    length = int.from_bytes(body[pos:pos + 4], "big", signed=True)
    data = body[pos + 4:] if length < 0 else body[pos + 4:pos + 4 + length]
    return mech, data


async def authenticate(stream: trio.abc.SendStream, reader: codec.MessageReader,
                       user: str, config: AuthConfig) -> None:
    """Run the configured exchange; returns when the client may go on
    (AuthenticationOk is the caller's).  Raises ``AuthFailed``."""
    if config.method == TRUST:
        return
    failed = AuthFailed(codec.error_response(
        "FATAL", INVALID_PASSWORD, f'password authentication failed for user "{user}"'))
    info = config.users.get(user)
    known = info is not None
    server = _mechanism.make_server(lambda _name: info if known else _mock_auth_info())
    await stream.send_all(codec.authentication_sasl([MECHANISM]))
    mech, data = _parse_initial(await _read_sasl(reader))
    if mech != MECHANISM:
        raise AuthFailed(codec.error_response(
            "FATAL", INVALID_AUTHORIZATION,
            "client selected an invalid SASL authentication mechanism"))
    try:
        _set_client_first(server, data.decode("utf-8"))
        await stream.send_all(codec.authentication_sasl_continue(
            server.get_server_first().encode()))
        server.set_client_final((await _read_sasl(reader)).decode("utf-8"))
    except (scramp.ScramException, UnicodeDecodeError):
        raise failed from None
    if not known:
        raise failed
    await stream.send_all(codec.authentication_sasl_final(server.get_server_final().encode()))


def _set_client_first(server, client_first: str) -> None:
    """libpq sends an empty SCRAM user name (``n=``: PostgreSQL takes the
    user from the startup packet), which scramp's parser refuses.  Parse a
    copy with a placeholder name, then put the client's own bare message
    back: it is part of the AuthMessage both sides sign."""
    head, sep, bare = client_first.partition(",")
    authzid, sep2, bare = bare.partition(",")
    if not (sep and sep2 and bare.startswith("n=,")):
        server.set_client_first(client_first)
        return
    server.set_client_first(f"{head},{authzid},n=*,{bare[3:]}")
    if getattr(server, "client_first_bare", None) != "n=*," + bare[3:]:
        raise scramp.ScramException("unexpected scramp server state")
    server.client_first_bare = bare


def main(argv: list[str] | None = None) -> int:
    """``python -m sql.pgwire.auth USER``: print ``USER:verifier`` for the
    password read from stdin (one line)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sql.pgwire.auth USER  (password on stdin)", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    print(f"{args[0]}:{make_verifier(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
