"""`strata drill --plot FILE.png`: the drill's timeline (matplotlib, Agg backend).

Top: committed transfers per second per 100 ms bin, and client errors per bin.
Bottom: p50 and p99 transfer latency (BEGIN..COMMIT, ms) of the transfers
acknowledged in the bin.
Vertical markers: the kill, and only those other moments the drill measured or
the nodes reported (detection, recovery done, first query); a missing one is
left out, never guessed.  x is seconds from the kill.
"""

from __future__ import annotations

from deploy.bank import Txn
from deploy.drill_report import ERRORS

BIN_S = 0.1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bins(events: list[Txn], kill_at: float, bin_s: float = BIN_S) -> list[dict]:
    """Per bin (by end time, relative to the kill): t, tps, errors, p50_ms, p99_ms."""
    if not events:
        return []
    first = min(e.end for e in events) - kill_at
    last = max(e.end for e in events) - kill_at
    lo = int(first // bin_s)
    out = [{"t": (lo + i) * bin_s, "ok": 0, "errors": 0, "lat": []}
           for i in range(int(last // bin_s) - lo + 1)]
    for e in events:
        b = out[int((e.end - kill_at) // bin_s) - lo]
        if e.outcome == "ok":
            b["ok"] += 1
            b["lat"].append((e.end - e.start) * 1000)
        elif e.outcome in ERRORS:
            b["errors"] += 1
    for b in out:
        lat = b.pop("lat")
        b["tps"] = b["ok"] / bin_s
        b["p50_ms"] = percentile(lat, 0.5) if lat else None
        b["p99_ms"] = percentile(lat, 0.99) if lat else None
    return out


def markers(result: dict) -> list[tuple[str, float]]:
    """(label, seconds from the kill) of every measured moment."""
    out = [("kill", 0.0)]
    per_node = result.get("failed_nodes") or result.get("memory_rebuild") or []
    for label, key in (("detected", "detection_s"), ("recovery done", "full_recovery_s"),
                       ("rebuild done", "rebuild_done_s"), ("first query", "first_query_s")):
        values = [f[key] for f in per_node if f.get(key) is not None]
        if values:
            out.append((label, max(values) if key != "detection_s" else min(values)))
    return out


def plot(path: str, events: list[Txn], kill_at: float, result: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = bins(events, kill_at)
    t = [b["t"] for b in data]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
    top.plot(t, [b["tps"] for b in data], label="commits/s", color="tab:blue")
    top.bar(t, [b["errors"] / BIN_S for b in data], width=BIN_S, color="tab:red",
            alpha=0.4, label="client errors/s")
    top.set_ylabel("per second (100 ms bins)")
    bottom.plot(t, [b["p50_ms"] for b in data], label="p50", color="tab:green")
    bottom.plot(t, [b["p99_ms"] for b in data], label="p99", color="tab:orange")
    bottom.set_ylabel("transfer latency (ms)")
    bottom.set_xlabel("seconds from the kill")
    colors = {"kill": "red", "detected": "purple", "recovery done": "green",
              "rebuild done": "green", "first query": "black"}
    for label, x in markers(result):
        for ax in (top, bottom):
            ax.axvline(x, color=colors.get(label, "gray"), linestyle="--", linewidth=1,
                       label=label if ax is top else None)
    top.legend(loc="upper right", fontsize="small")
    bottom.legend(loc="upper right", fontsize="small")
    nodes = ",".join(str(n) for n in result.get("nodes", []))
    fig.suptitle(f"strata drill {result['drill']}"
                 + (f" --nodes {nodes}" if nodes else "") + f": {result['fault']}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
