"""Camera commands over the camera's life cycle: ``reboot``, ``firmware check|upgrade|status``, ``backup`` and
``restore``, through the flows the tools run (``server/system.py``, ``server/firmware.py``): the same confirmation
points (asked at the terminal, ``--yes`` for scripts), the same waits until the camera is back, the same results."""

from __future__ import annotations

import argparse
from pathlib import Path

from recamera_mcp.cli._command import Cli, TerminalConfirm, camera_command
from recamera_mcp.cli._exit import UsageError
from recamera_mcp.cli._render import changes_table, kv_table, shown, table
from recamera_mcp.server import firmware as firmware_flow
from recamera_mcp.server import system as flows
from recamera_mcp.server.files import LocalFiles
from recamera_mcp.server.firmware import FirmwareAction
from recamera_mcp.server.models_firmware import FirmwareOutput
from recamera_mcp.server.models_system import RestoreOutput

__all__ = ["backup", "firmware", "reboot", "restore"]


def _host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="camera ip[:port], hostname or URL")


def _no_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="return once it started; do not wait for the camera")


def _local_file(raw: str) -> Path:
    path = Path(raw).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    return path


# ---- reboot ---------------------------------------------------------------------------------------------------
def _reboot_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    _no_wait(parser)


async def _reboot(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    confirm = TerminalConfirm(cli)
    async with cli.bar("rebooting", "percent") as bar:
        out = await flows.reboot(client, confirm, wait=not args.no_wait, progress=bar.update)

    def human() -> None:
        if not out.rebooted:
            return
        if out.back:
            cli.out.print(f"{shown(out.host)} is back after {out.elapsed_s:.0f} s (down {out.down_s or 0:.0f} s), "
                          f"firmware {shown(out.firmware)}")  # fmt: skip
        else:
            cli.out.print(f"{shown(out.host)} is restarting (not waited for)")

    cli.emit(out, human)
    confirm.check()


reboot = camera_command(_reboot_args, _reboot, destructive=True)


# ---- firmware -------------------------------------------------------------------------------------------------
def _firmware_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("action", choices=[a.value for a in FirmwareAction], help="check, upgrade or status")
    source = "a local firmware .tar, or an http(s) release repo URL (default: the camera's own)"
    parser.add_argument("source", nargs="?", metavar="FILE|URL", help=source)
    _no_wait(parser)


def _firmware_human(cli: Cli, out: FirmwareOutput) -> None:
    if out.result is not None:
        done = out.result
        cli.out.print(f"{shown(out.host)}: firmware {shown(done.from_version)} -> {shown(done.to_version)} "
                      f"in {done.elapsed_s:.0f} s, back and logged in: {shown(done.logged_in)}")  # fmt: skip
        return
    values = {"current": out.current, "latest": out.latest, "update available": out.update_available,
              "updating": out.updating, "file": out.file.path if out.file else None,
              "file version": out.file.version if out.file else None,
              "progress": f"{out.progress.status} {out.progress.percent}%" if out.progress else None,
              "note": out.note}  # fmt: skip
    cli.out.print(kv_table(f"{out.host} firmware {out.action}", {k: v for k, v in values.items() if v is not None}))


async def _firmware(cli: Cli, args: argparse.Namespace) -> None:
    source: str | Path | None = args.source
    if args.source and args.action != "status" and not args.source.lower().startswith(("http://", "https://")):
        source = _local_file(args.source)
    client = await cli.sessions.client(args.host)
    confirm = TerminalConfirm(cli)
    async with cli.bar(f"firmware {args.action}", "percent") as bar:
        out = await firmware_flow.firmware(client, args.action, confirm, source=source, wait=not args.no_wait,
                                           progress=bar.update)  # fmt: skip
    cli.emit(out, lambda: _firmware_human(cli, out))
    confirm.check()


firmware = camera_command(_firmware_args, _firmware, destructive=True)


# ---- backup / restore -----------------------------------------------------------------------------------------
def _backup_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("-d", "--dest-dir", default=".", help="folder to save into (default: here; created)")
    parser.add_argument("--reveal-secrets", action="store_true",
                        help="keep passwords and keys in the JSON (then readable by you only)")  # fmt: skip


async def _backup(cli: Cli, args: argparse.Namespace) -> None:
    folder = Path(args.dest_dir).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    client = await cli.sessions.client(args.host)
    async with cli.bar("backing up", "count") as bar:
        # the folder a person names is the root: the tools' file rules (0600, no links, nothing overwritten) hold
        files = LocalFiles(folder)
        out = await flows.backup(client, files, reveal_secrets=args.reveal_secrets, progress=bar.update)

    def human() -> None:
        cli.out.print(shown(out.json_path, 1000))
        if out.archive_path:
            cli.out.print(shown(out.archive_path, 1000))
        masked = "secrets masked" if out.secrets_masked else "secrets kept"
        cli.note(f"{out.areas} config areas, {masked}" + (f"; {out.note}" if out.note else ""))

    cli.emit(out, human)


backup = camera_command(_backup_args, _backup)


def _restore_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("file", metavar="FILE", help="a backup .json (or the camera's own .tar export)")
    only = "restore only this config area (repeat for more; default: all but the camera's own)"
    parser.add_argument("--area", action="append", dest="areas", metavar="AREA", help=only)


def _restore_human(cli: Cli, out: RestoreOutput) -> None:
    plan = out.plan
    verb = "restored" if out.done else "would restore (nothing written)"
    for area in plan.areas:
        if area.changes:
            cli.out.print(changes_table(f"{out.host} {area.area}: {verb}", area.changes, dry_run=not out.done))
        elif area.error:
            cli.out.print(f"{shown(area.area)}: {shown(area.error, 400)}")
    if plan.left_alone:
        cli.out.print(table(None, ("left alone (the camera's own)",), [(a,) for a in plan.left_alone]))
    if plan.summary:
        cli.out.print(shown(plan.summary, 600))


async def _restore(cli: Cli, args: argparse.Namespace) -> None:
    path = _local_file(args.file)
    client = await cli.sessions.client(args.host)
    confirm = TerminalConfirm(cli)
    async with cli.bar(f"restoring {path.name}", "percent") as bar:
        out = await flows.restore(client, path, args.areas, confirm, progress=bar.update)
    cli.emit(out, lambda: _restore_human(cli, out))
    confirm.check()


restore = camera_command(_restore_args, _restore, destructive=True)
