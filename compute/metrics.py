"""A compute node's Prometheus metrics (prometheus-client).

Owns the metric objects and the optional HTTP exporter (``--metrics-port``).
Counters are process-wide (one compute node per process).  Exported:

    strata_txn_aborts_total{reason}     transactions aborted by the deadlock rule
                                        (wounded | wait_timeout | handoff_busy | deadlock)
    strata_recovered_pages_total        pages this node recovered for failed nodes
    strata_redo_records_total           log records read by its recovery workers
    strata_memory_rebuilds_total        rejoins after the memory layer lost its keys
    strata_owned_pages                  pages owned now
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

ABORTS = Counter("strata_txn_aborts", "Transactions aborted by the global deadlock rule (40P01)",
                 ["reason"])
RECOVERED_PAGES = Counter("strata_recovered_pages", "Pages recovered for failed nodes")
REDO_RECORDS = Counter("strata_redo_records", "Log records read by recovery workers")
REBUILDS = Counter("strata_memory_rebuilds", "Rejoins after the memory layer lost its keys")
OWNED_PAGES = Gauge("strata_owned_pages", "Pages owned by this node")


def abort(reason: str) -> None:
    ABORTS.labels(reason).inc()


class NodeMetrics:
    def __init__(self, node) -> None:
        OWNED_PAGES.set_function(lambda: len(node.pages.owned))

    def recovered(self, pages: int, records: int) -> None:
        RECOVERED_PAGES.inc(pages)
        REDO_RECORDS.inc(records)

    def rebuilt(self) -> None:
        REBUILDS.inc()

    @staticmethod
    def serve(host: str, port: int) -> None:
        """Expose /metrics over HTTP (a daemon thread of prometheus-client)."""
        start_http_server(port, addr=host)
