"""``python -m compute``: run one compute node (normally started by ``strata up``)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

import trio


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m compute", description="Run one Strata compute node.")
    p.add_argument("--node-id", type=int, required=True, help="1..2047, unique in the cluster")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, required=True, help="PostgreSQL wire protocol port")
    p.add_argument("--peer-port", type=int, required=True, help="port for page hand-offs between nodes")
    p.add_argument("--redis-url", required=True, help="memory layer, e.g. redis://127.0.0.1:6379/0")
    p.add_argument("--storage", required=True, help="storage node address HOST:PORT")
    p.add_argument("--data-dir", default=None, help="scratch directory (unused: compute nodes are stateless)")
    p.add_argument("--lease-ms", type=int, default=2000, help="membership lease (default 2000)")
    p.add_argument("--metrics-port", type=int, default=0,
                   help="serve Prometheus metrics on this port (default: off)")
    args = p.parse_args(argv)
    if args.lease_ms < 100:
        p.error("--lease-ms must be at least 100")
    if not 1 <= args.node_id < 2048:
        p.error("--node-id must be between 1 and 2047")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from compute.node import ComputeNode, NodeConfig
    from memory_layer.layer import MemoryLayer
    from sql.pgwire.server import serve_pgwire
    from sql.session import SqlSession
    from storage.grpc_client import GrpcStorage

    cfg = NodeConfig(args.node_id, args.host, args.pg_port, args.peer_port,
                     args.redis_url, args.storage, args.lease_ms)
    node = ComputeNode(cfg, MemoryLayer(args.redis_url), GrpcStorage(args.storage))
    if args.metrics_port:
        node.metrics.serve(args.host, args.metrics_port)

    async def serve_sql(host, port, node, task_status=trio.TASK_STATUS_IGNORED):
        await serve_pgwire(host, port, lambda: SqlSession(node), task_status=task_status,
                           extra_status={"strata_node_id": str(args.node_id)})

    async def run() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(node.run, serve_sql)
            with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                async for _ in signals:
                    nursery.cancel_scope.cancel()
                    break

    trio.run(run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
