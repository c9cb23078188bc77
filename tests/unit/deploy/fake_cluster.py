"""A cluster spec whose children are tiny TCP servers (``python -c``), so the
supervisor and the CLI can be tested without Redis, storage or compute."""

from __future__ import annotations

import sys
from pathlib import Path

from deploy import cluster
from deploy.cluster import ClusterSpec, ProcessSpec

FAKE_SERVER = """\
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("listening on", sys.argv[1], flush=True)
while True:
    c, _ = s.accept()
    c.close()
"""


def fake_spec(data_dir: Path, nodes: int = 2) -> ClusterSpec:
    ports = cluster.allocate_ports(2 + nodes)

    def proc(name: str, kind: str, port: int, **kw) -> ProcessSpec:
        return ProcessSpec(name, kind, [sys.executable, "-c", FAKE_SERVER, str(port)],
                           cluster.HOST, port, tier=cluster.TIERS[kind], **kw)

    procs = [proc("storage", "storage", ports[0])]
    procs += [proc(f"compute-{i}", "compute", ports[i], node_id=i) for i in range(1, nodes + 1)]
    procs.append(proc("router", "router", ports[-1]))
    return ClusterSpec(str(data_dir), nodes, ports[-1], procs, client_check="tcp")
