"""Camera commands over one camera's state: ``status``, ``get``, ``set`` and ``diagnose``.

Each calls the client area its tool calls and shapes the same result model (``server/models*.py``), so ``--json``
prints what the tool answers."""

from __future__ import annotations

import argparse
import asyncio
import json

from recamera_mcp.cli._advice import command_of
from recamera_mcp.cli._assign import assignments
from recamera_mcp.cli._command import Cli, camera_command
from recamera_mcp.cli._exit import UsageError, exit_code
from recamera_mcp.cli._render import changes_table, flatten, kv_table, shown, table
from recamera_mcp.client import SYMPTOM_CHECKS, ConfigArea, DeviceStatus
from recamera_mcp.client import diagnose as run_diagnosis
from recamera_mcp.server.models import config_output, shape_update
from recamera_mcp.server.models_diagnose import DiagnoseOutput, shape_diagnosis

__all__ = ["diagnose", "get_config", "set_config", "status"]

AREAS = [a.value for a in ConfigArea]
SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "dim"}


# ---- status ---------------------------------------------------------------------------------------------------
def _status_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hosts", nargs="+", metavar="HOST", help="camera ip[:port], hostname or URL; several allowed")


def _status_row(s: DeviceStatus) -> dict[str, object]:
    battery = f"{s.battery.steps}/{s.battery.total_steps}{' charging' if s.battery.charging else ''}" if (
        s.battery and s.battery.attached) else None  # fmt: skip
    return {
        "serial": s.serial, "firmware": s.firmware, "cpu": f"{s.cpu_pct}%" if s.cpu_pct is not None else None,
        "npu": f"{s.npu_pct}%" if s.npu_pct is not None else None, "memory": s.mem, "storage": s.storage,
        "time (UTC)": s.time_utc, "battery": battery,
    }  # fmt: skip


async def _status(cli: Cli, args: argparse.Namespace) -> int:
    async def one(host: str) -> DeviceStatus:
        client = await cli.sessions.client(host)
        return await client.system.status()

    answers = await asyncio.gather(*(one(h) for h in args.hosts), return_exceptions=True)
    found = [a for a in answers if isinstance(a, DeviceStatus)]
    failed = [(h, a) for h, a in zip(args.hosts, answers, strict=True) if isinstance(a, BaseException)]
    for host, exc in failed:
        if not isinstance(exc, Exception):
            raise exc
        cli.host = host
        cli.fail(exc)

    def human() -> None:
        if len(args.hosts) == 1 and found:
            s = found[0]
            cli.out.print(kv_table(f"{s.host}", {**_status_row(s), "sensor": s.sensor, "board": s.board,
                                                 "timezone": s.timezone, "clock": s.time_method,
                                                 "unavailable": ", ".join(s.unavailable) or None}))  # fmt: skip
        elif found:
            columns = ("serial", "firmware", "cpu", "memory", "storage", "battery")
            rows = [[s.host, *(_status_row(s)[c] for c in columns)] for s in found]
            cli.out.print(table(None, ["host", *columns], rows))

    if found:
        cli.emit(found[0] if len(args.hosts) == 1 else found, human)
    return exit_code(failed[0][1]) if failed else 0


status = camera_command(_status_args, _status)


# ---- get / set ------------------------------------------------------------------------------------------------
def _area_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="camera ip[:port], hostname or URL")
    parser.add_argument("area", metavar="AREA", choices=AREAS, help=f"one of {', '.join(AREAS)}")
    parser.add_argument("--reveal-secrets", action="store_true", help="show secrets instead of ********")


async def _get(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    area = ConfigArea(args.area)
    out = config_output(client.address.key, area, await client.config.get(area), args.reveal_secrets)
    cli.emit(out, lambda: cli.out.print(kv_table(f"{out.host} {out.area} ({out.path})", flatten(out.config))))


get_config = camera_command(_area_args, _get)


def _set_args(parser: argparse.ArgumentParser) -> None:
    _area_args(parser)
    parser.add_argument(
        "assignments", nargs="*", metavar="KEY=VALUE",
        help='fields to change in device key names: sTimezone=Europe/Berlin dIpv4.sV4Method=dhcp '
        'lInferenceSet[sID=rule-1].lClassFilter=\'["person"]\' (values are JSON when they parse)',
    )  # fmt: skip
    parser.add_argument("--changes", metavar="JSON", help="the changes as one JSON object (merged with KEY=VALUE)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")


async def _set(cli: Cli, args: argparse.Namespace) -> None:
    changes = assignments(args.assignments)
    if args.changes:
        try:
            given = json.loads(args.changes)
        except ValueError as exc:
            raise UsageError(f"--changes is not JSON: {exc}") from None
        if not isinstance(given, dict):
            raise UsageError("--changes must be a JSON object")
        changes = {**given, **changes}
    if not changes:
        raise UsageError("nothing to change: give KEY=VALUE words or --changes")
    client = await cli.sessions.client(args.host)
    area = ConfigArea(args.area)
    result = await client.config.update(area, changes, dry_run=args.dry_run, reveal_secrets=args.reveal_secrets)
    out = shape_update(client.address.key, area.value, result)

    def human() -> None:
        verb = "would change (dry run, nothing written)" if out.dry_run else "changed"
        if out.changes:
            cli.out.print(changes_table(f"{out.host} {out.area}: {verb}", out.changes, dry_run=out.dry_run))
        if out.other_changes:
            cli.out.print(changes_table("changed by the camera on its own", out.other_changes))
        if out.note:
            cli.out.print(shown(out.note, 400))

    cli.emit(out, human)


set_config = camera_command(_set_args, _set)


# ---- diagnose -------------------------------------------------------------------------------------------------
def _diagnose_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="camera ip[:port], hostname or URL")
    parser.add_argument("--symptom", default="general", choices=list(SYMPTOM_CHECKS), help="what is wrong")


def render_findings(cli: Cli, out: DiagnoseOutput) -> None:
    """The findings, worst first, each with the device values seen and the command that fixes it."""
    if not out.findings:
        cli.out.print(f"{shown(out.host)}: nothing wrong found ({len(out.checks)} checks, {out.seconds:.1f} s)")
        return
    rows = [[f.severity, f.title, command_of(f.fix) if f.fix is not None else None] for f in out.findings]
    grid = table(f"{out.host}: {out.symptom} ({len(out.checks)} checks, {out.seconds:.1f} s; --json shows the "
                 "values seen)", ("severity", "finding", "fix"), rows)  # fmt: skip
    for index, finding in enumerate(out.findings):
        grid.rows[index].style = SEVERITY_STYLE.get(finding.severity)
    cli.out.print(grid)


async def _diagnose(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.unauthenticated(args.host)
    out = shape_diagnosis(await run_diagnosis(client, args.symptom))
    cli.emit(out, lambda: render_findings(cli, out))


diagnose = camera_command(_diagnose_args, _diagnose)
