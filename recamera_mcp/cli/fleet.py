"""``recamera-mcp fleet status|diagnose|firmware-check|reboot HOST...`` and ``fleet set AREA HOST... KEY=VALUE...``:
one action on many cameras through the fleet tool's own function (``server/fleet.py`` :func:`run_fleet`), a progress
bar per camera done and one table row per camera.

Exit code 0 when every camera did it, 1 when some failed (their rows say why), 2 for bad arguments, 5 when a reboot
was not confirmed (asked once at the terminal for the whole list, or ``--yes``)."""

from __future__ import annotations

import argparse
from typing import Any

from recamera_mcp.cli._assign import assignments
from recamera_mcp.cli._command import Cli, Command, TerminalConfirm, add_common, run_body
from recamera_mcp.cli._exit import DEVICE_ERROR, UsageError
from recamera_mcp.cli._render import shown, table
from recamera_mcp.client import ConfigArea
from recamera_mcp.server.fleet import FleetAction, run_fleet
from recamera_mcp.server.models_diagnose import FleetOutput, FleetRow

__all__ = ["fleet"]

ACTIONS: dict[str, FleetAction] = {
    "status": "status", "set": "update_config", "diagnose": "diagnose", "firmware-check": "firmware_check",
    "reboot": "reboot",
}  # fmt: skip
PLAIN = (
    ("status", "status of each camera"),
    ("diagnose", "a general diagnosis of each camera"),
    ("firmware-check", "current and latest firmware of each camera (starts nothing)"),
)
HOSTS_HELP = "hosts, ranges or subnets (10.0.0.10-40, 10.0.0.0/24[:port], discovered first)"


def _add(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="fleet_action", required=True, metavar="ACTION")
    for name, text in PLAIN:
        sub = actions.add_parser(name, help=text, description=text)
        sub.add_argument("hosts", nargs="+", metavar="HOST", help=HOSTS_HELP)
        add_common(sub)
    text = "restart each camera (at most 8 at once) and wait until it is back; asked once for the whole list"
    sub = actions.add_parser("reboot", help=text, description=text)
    sub.add_argument("hosts", nargs="+", metavar="HOST", help=HOSTS_HELP)
    add_common(sub, destructive=True)
    sub = actions.add_parser("set", help="the same config change on each camera (read back)",
                             description="the same read-before-write change on each camera, read back")  # fmt: skip
    sub.add_argument("area", metavar="AREA", choices=[a.value for a in ConfigArea], help="config area, as for set")
    sub.add_argument("words", nargs="+", metavar="HOST|KEY=VALUE", help=f"{HOSTS_HELP}, then the fields to change")
    sub.add_argument("--dry-run", action="store_true", help="show what would change on each camera, write nothing")
    add_common(sub)


def _summary(row: FleetRow) -> Any:
    data = row.data or {}
    if row.reason:
        return row.reason
    if "changes" in data:
        return "; ".join(f"{c['field']}: {shown(c['before'], 40)} -> {shown(c['after'], 40)}" for c in data["changes"])
    return " ".join(f"{k}={shown(v, 60)}" for k, v in data.items())


def render(cli: Cli, out: FleetOutput) -> None:
    """One row per camera, then the counts (or, for a reboot not confirmed, what it would have done)."""
    if out.confirmation is not None:
        cli.out.print(f"not done: {shown(out.confirmation.summary, 300)}")
        return
    title = f"fleet {out.action}{' (dry run)' if out.dry_run else ''}: {out.hosts} cameras in {out.seconds:.1f} s"
    cli.out.print(table(title, ("host", "status", "result"), [(r.host, r.status, _summary(r)) for r in out.results]))
    cli.out.print(", ".join(f"{n} {status}" for status, n in sorted(out.counts.items())) or "no cameras")


async def _body(cli: Cli, args: argparse.Namespace) -> int:
    action = ACTIONS[args.fleet_action]
    hosts, changes, area = list(getattr(args, "hosts", None) or []), None, None
    if action == "update_config":
        hosts = [w for w in args.words if "=" not in w]
        changes, area = assignments([w for w in args.words if "=" in w]), ConfigArea(args.area)
        if not hosts or not changes:
            raise UsageError("fleet set needs hosts and KEY=VALUE fields")
    confirm = TerminalConfirm(cli)
    async with cli.bar(f"fleet {args.fleet_action}", "count") as bar:
        out = await run_fleet(
            cli.sessions, action, hosts, area=area, changes=changes, dry_run=bool(getattr(args, "dry_run", False)),
            progress=bar.update, confirm=confirm,
        )  # fmt: skip
    cli.emit(out, lambda: render(cli, out))
    confirm.check()
    return DEVICE_ERROR if out.counts.get("failed") else 0


fleet = Command(_add, lambda args: run_body(args, _body))
