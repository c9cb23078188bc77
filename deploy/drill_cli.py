"""The `strata drill` command line: options, and the kill / memory / soak entry points.

Owns argument parsing only; importing it is cheap and needs no client library,
so `strata up|status|down` work where psycopg is not installed.  The drill
itself (deploy/drill.py, deploy/soak.py) needs psycopg and is imported when a
drill runs; without it the command says so in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from deploy.errors import CliError


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default="./data")
    p.add_argument("--seconds-before", type=float, default=3.0, help="load before the fault")
    p.add_argument("--seconds-after", type=float, default=5.0, help="load after recovery")
    p.add_argument("--clients", type=int, default=8, help="client connections (threads)")
    p.add_argument("--keep-down", action="store_true",
                   help="do not let the supervisor restart the killed node(s) during the drill")
    p.add_argument("--leave-held", action="store_true",
                   help="with --keep-down: leave them held at the end (`strata start` releases)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--plot", metavar="FILE.png", help="write a throughput/latency timeline")
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)


def add_parser(sub) -> None:
    drill = sub.add_parser("drill", help="recovery drills under a bank-transfer load")
    dsub = drill.add_subparsers(dest="drill", required=True)
    kill = dsub.add_parser("kill", help="kill -9 compute nodes under load")
    kill.add_argument("--nodes", required=True, help="compute node ids, e.g. 1,2")
    add_options(kill)
    kill.set_defaults(func=cmd_drill)
    memory = dsub.add_parser("memory", help="kill -9 redis-server (the memory layer) under load")
    add_options(memory)
    memory.set_defaults(func=cmd_drill, nodes="")
    soak = dsub.add_parser("soak", help="N drill cycles mixing faults; exit 1 on any violation")
    soak.add_argument("--cycles", type=int, default=5)
    add_options(soak)
    soak.set_defaults(func=cmd_soak, seconds_before=1.0, seconds_after=2.0)


def parse_nodes(text: str) -> list[int]:
    try:
        nodes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise CliError(f"--nodes {text!r}: expected ids like 1,2", 2) from None
    if not nodes and text:
        raise CliError("--nodes lists no node", 2)
    return sorted(set(nodes))


def _drill_modules():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise CliError("the drill needs psycopg: pip install 'psycopg[binary]'") from None
    from deploy import drill, soak

    return drill, soak


def options(args: argparse.Namespace):
    drill, _ = _drill_modules()
    if args.clients < 1:
        raise CliError("--clients must be at least 1", 2)
    return drill.Options(args.seconds_before, args.seconds_after, args.clients,
                         release=not args.leave_held, seed=args.seed)


def cmd_drill(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    nodes = parse_nodes(args.nodes)
    drill, _ = _drill_modules()
    from deploy import drill_report

    fault = drill.Fault("memory") if args.drill == "memory" else \
        drill.Fault("kill", nodes, keep_down=args.keep_down)
    drill.running_spec(data_dir)
    with drill.Progress(enabled=not args.json and sys.stderr.isatty()) as progress:
        result, events = drill.run(data_dir, fault, options(args), progress)
    if args.plot:
        from deploy import drill_plot

        drill_plot.plot(args.plot, events, result["kill_at"], result)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        from rich.console import Console

        drill_report.render(result, Console(soft_wrap=True))
        if args.plot:
            print(f"timeline written to {args.plot}")
    return 0 if result["ok"] else 1


def cmd_soak(args: argparse.Namespace) -> int:
    _, soak = _drill_modules()
    return soak.run_soak(args, options(args))
