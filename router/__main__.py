"""``python -m router --host H --port P --nodes h1:p1,h2:p2 [--tls-cert F --tls-key F]``.

TLS for clients is on when a certificate is given (``--tls-cert``, or the
``STRATA_ROUTER_TLS_CERT`` / ``STRATA_ROUTER_TLS_KEY`` environment variables)."""

from __future__ import annotations

import argparse
import os
import ssl
import sys
from functools import partial

import trio

from router.affinity import AffinityPicker
from router.api import parse_addresses
from router.picker import RoundRobinPicker
from router.proxy import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m router",
                                     description="Strata router: pgwire proxy to compute nodes")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6432)
    parser.add_argument("--nodes", required=True,
                        help="comma-separated HOST:PORT of compute nodes' pgwire listeners")
    parser.add_argument("--tls-cert", default=os.environ.get("STRATA_ROUTER_TLS_CERT"),
                        help="PEM certificate (chain): offer TLS to clients")
    parser.add_argument("--tls-key", default=os.environ.get("STRATA_ROUTER_TLS_KEY"),
                        help="PEM private key (if not in the certificate file)")
    parser.add_argument("--placement", choices=("affinity", "round-robin"), default="affinity",
                        help="affinity: the sessions of one application (same database, user "
                             "and application_name) share a node; round-robin: every "
                             "connection goes to the next node")
    args = parser.parse_args(argv)
    ssl_context = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        nodes = parse_addresses(args.nodes)
    except ValueError as exc:
        parser.error(str(exc))
    if not nodes:
        parser.error("--nodes lists no compute node")
    try:
        picker = AffinityPicker(nodes) if args.placement == "affinity" else RoundRobinPicker(nodes)
        trio.run(partial(serve, args.host, args.port, picker,
                         ssl_context=ssl_context))
    except KeyboardInterrupt:
        return 0
    except BaseException as exc:  # trio wraps task errors in ExceptionGroups
        os_error = _first_os_error(exc)
        if os_error is None:
            raise
        print(f"router: cannot listen on {args.host}:{args.port}: {os_error.strerror}",
              file=sys.stderr)
        return 1
    return 0


def tls_context(cert_file: str, key_file: str | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file or None)
    return ctx


def _first_os_error(exc: BaseException) -> OSError | None:
    if isinstance(exc, OSError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        if (found := _first_os_error(inner)) is not None:
            return found
    return None


if __name__ == "__main__":
    sys.exit(main())
