"""``recamera-mcp``: the command line. ``serve`` runs the MCP server; ``sim``, ``demo`` and ``discover`` as before;
the other commands work a camera by hand over the same client areas and result models as the MCP tools.

Only the chosen command's module is imported, so ``recamera-mcp --help`` loads neither OpenCV nor the MCP SDK.
A table entry's module is either a module with ``add_arguments(parser)`` and ``run(args) -> int``, or
``module:name`` naming a :class:`~recamera_mcp.cli._command.Command` in it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from recamera_mcp import __version__

# (command, help, module); the modules are imported only for the command that runs.
# fmt: off
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("serve", "run the MCP server (stdio by default, or --transport http)", "recamera_mcp.server.cli"),
    ("sim", "serve simulated reCamera devices (no hardware needed)", "recamera_mcp.simulator.cli"),
    ("demo", "walk the playbooks on simulated cameras through a real MCP client", "recamera_mcp.demo"),
    ("discover", "find the reCameras of a subnet (verified by /system/key)", "recamera_mcp.discovery.cli"),
    ("pins", "list the pinned camera keys and certificates, or accept a changed one", "recamera_mcp.server.pins_cli"),
    ("status", "status of one or more cameras (as get_device_status)", "recamera_mcp.cli.device:status"),
    ("get", "read one config area (as get_config)", "recamera_mcp.cli.device:get_config"),
    ("set", "change fields of a config area, read first (as update_config)", "recamera_mcp.cli.device:set_config"),
    ("diagnose", "why a camera misbehaves: ranked findings, fixes (as diagnose)", "recamera_mcp.cli.device:diagnose"),
    ("snapshot", "save what the camera sees as a JPEG (as snapshot)", "recamera_mcp.cli.media:snapshot"),
    ("recordings", "list a folder of recordings (as list_recordings)", "recamera_mcp.cli.media:recordings"),
    ("download", "download a recording, resumable (as download_recording)", "recamera_mcp.cli.media:download"),
    ("storage", "storage slots, or format, free-up, eject, remove (as storage)", "recamera_mcp.cli.media:storage"),
    ("upload-model", "upload an .rknn model, resumable (as upload_model)", "recamera_mcp.cli.ai:upload_model"),
    ("deploy", "model file to running inference in one go (as deploy_model)", "recamera_mcp.cli.ai:deploy"),
    ("logs", "the camera's system log; --follow keeps printing (as read_logs)", "recamera_mcp.cli.live:logs"),
    ("watch", "live detections as a table that updates in place (as watch_inference)", "recamera_mcp.cli.live:watch"),
    ("firmware", "check for, install or follow a firmware upgrade (as firmware)", "recamera_mcp.cli.system:firmware"),
    ("reboot", "restart a camera and wait until it is back (as reboot)", "recamera_mcp.cli.system:reboot"),
    ("backup", "save a camera's configuration: JSON and its own archive (as backup_config)",
     "recamera_mcp.cli.system:backup"),
    ("restore", "apply a backup, area by area, after showing the diff (as restore_config)",
     "recamera_mcp.cli.system:restore"),
    ("fleet", "status, set or diagnose on many cameras (as fleet)", "recamera_mcp.cli.fleet:fleet"),
    ("doctor", "check this machine for GStreamer, nmap and an MQTT broker", "recamera_mcp.cli.doctor:doctor"),
    ("skill", "print SKILL.md, the agent skill that goes with the server", "recamera_mcp.cli.doctor:skill"),
)
# fmt: on

EPILOG = """\
exit codes: 0 ok, 1 device error, 2 usage, 3 authentication, 4 camera unreachable,
5 refused or needs confirmation (a destructive command without a terminal and without --yes).
Every camera command takes --json (the same JSON as the matching MCP tool's structured result).
Credentials as for the server: the config file (~/.config/recamera-mcp/config.toml or RECAMERA_MCP_CONFIG),
RECAMERA_PASSWORD, or a prompt that does not echo."""


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, name) if name else loaded


def _command_name(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the named ``commands`` (None: all) get their arguments, which imports their modules."""
    wanted = None if commands is None else set(commands)
    parser = argparse.ArgumentParser(
        prog="recamera-mcp",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"recamera-mcp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text, target in COMMANDS:
        command = sub.add_parser(
            name, help=help_text, description=help_text, epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        if wanted is None or name in wanted:
            _resolve(target).add_arguments(command)
        command.set_defaults(_target=target)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``recamera-mcp`` console script."""
    words = list(sys.argv[1:] if argv is None else argv)
    name = _command_name(words)
    args = build_parser([name] if name else []).parse_args(words)
    code: int = _resolve(args._target).run(args)
    return code
