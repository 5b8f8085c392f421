"""``recamera-mcp``: the command line (serve the MCP server, run the simulator, demo, discover)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recamera-mcp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    from recamera_mcp.simulator import cli as sim_cli

    sim = sub.add_parser("sim", help="serve simulated reCamera devices (no hardware needed)")
    sim_cli.add_arguments(sim)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``recamera-mcp`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "sim":
        from recamera_mcp.simulator import cli as sim_cli

        return sim_cli.run(args)
    print(f"unknown command {args.command}", file=sys.stderr)
    return 2
