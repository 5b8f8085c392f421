"""``recamera-mcp``: the command line (serve the MCP server, run the simulator, demo, discover)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# (command, help, module with add_arguments(parser) and run(args) -> int); modules are imported lazily.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("serve", "run the MCP server (stdio by default, or --transport http)", "recamera_mcp.server.cli"),
    ("sim", "serve simulated reCamera devices (no hardware needed)", "recamera_mcp.simulator.cli"),
    ("demo", "walk the playbooks on simulated cameras through a real MCP client", "recamera_mcp.demo"),
    ("discover", "find the reCameras of a subnet (verified by /system/key)", "recamera_mcp.discovery.cli"),
    ("pins", "list the pinned camera keys and certificates, or accept a changed one", "recamera_mcp.server.pins_cli"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recamera-mcp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, module in COMMANDS:
        command = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``recamera-mcp`` console script."""
    args = build_parser().parse_args(argv)
    code: int = importlib.import_module(args._module).run(args)
    return code
