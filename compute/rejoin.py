"""Rejoining after the memory layer lost its keys (DESIGN.md "Memory layer loss").

The memory layer is a cache of truth: when Redis restarts empty, every live
node notices (its heartbeat is refused and the generation changed), then

    1. registers again: a new incarnation; the register opens the rebuild
       window (claims are refused by everybody until it closes, one lease
       after the new generation began), so no page a live node still holds
       can be granted elsewhere meanwhile;
    2. reports every page it owns with its version (one pipelined round trip,
       directory.restore_many), and drops catalog read copies (the readers
       sets are gone with Redis);
    3. takes the new incarnation, so its next memory checkpoint pushes the
       images of all its pages under it (the global buffer is empty).

Pages nobody reports fall back to storage (tier 2) when first claimed after
the window.  The node keeps its pages and commits resume once the new lease is
held: the log writer appends only while the lease is known to hold, so a node
that cannot rejoin within its lease stops committing and then exits.
A page that another node was granted anyway (only possible if this node was
slower than its lease) makes this node stop: it cannot know who wrote last.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("strata.compute.rejoin")


async def rejoin(node) -> None:
    detected_at = time.time()
    cfg = node.cfg
    sent = time.monotonic()
    incarnation = await node.bridge.call(
        node.ml.membership.register, node.node_id, cfg.host, cfg.pg_port, cfg.peer_port,
        cfg.lease_ms, cfg.lease_ms, node.log.epoch)
    generation = await node.bridge.call(node.ml.membership.generation)
    reregistered_at = time.time()
    owned = node.pages.owned
    report = [(pid, op.page.version) for pid, op in owned.items()]
    grants = await node.bridge.call(node.ml.directory.restore_many, node.node_id, incarnation,
                                    report)
    lost = [pid for pid, g in grants.items() if not g.granted]
    if lost:
        node.fatal(f"after the memory-layer loss pages {lost[:5]} were granted elsewhere")
        return
    for pid, grant in grants.items():
        op = owned.get(pid)
        if op is not None:
            op.epoch = grant.entry.epoch
    node.incarnation = incarnation
    node.generation = generation
    node.lease_renewed(sent)
    node.catalog.invalidate()
    node.forget_members()
    node.failover.forget_all()
    for pid in owned:
        node.checkpointer.changed(pid)
    node.checkpointer.wake()
    node.metrics.rebuilt()
    done_at = time.time()
    log.warning("memory layer lost its keys: rejoined as incarnation %d and reported %d pages "
                "in %.0f ms", incarnation, len(report), (done_at - detected_at) * 1000)
    try:
        await node.bridge.call(node.ml.reports.push, "rebuild", {
            "kind": "memory_rebuild", "node": node.node_id, "incarnation": incarnation,
            "detected_at": detected_at, "reregistered_at": reregistered_at,
            "pages_reported": len(report), "done_at": done_at,
        })
    except Exception as e:
        log.warning("rebuild report not stored: %s", e)
