"""``recamera-mcp discover``: find the reCameras of a subnet, with a progress bar and a table (or ``--json``)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recamera_mcp.discovery.scan import DiscoveryError, DiscoveryResult, ProgressCallback, discover
from recamera_mcp.discovery.targets import TargetError, merge_consecutive, parse_target_set


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "subnet",
        nargs="+",
        help="CIDR (192.168.1.0/24), range (192.168.1.10-40 or 192.168.1.10-192.168.1.40) or IP; several allowed",
    )
    parser.add_argument("--port", type=int, default=80, help="HTTP port to probe (default 80)")
    parser.add_argument("--timeout", type=float, default=1.0, help="per-host timeout in seconds (default 1.0)")
    parser.add_argument("--method", choices=("auto", "nmap", "tcp"), default="auto", help="host enumeration")
    parser.add_argument("--allow-large", action="store_true", help="allow more than a /16 (65,536 addresses)")
    parser.add_argument("--allow-public", action="store_true", help="allow addresses that are not private")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (no progress bar)")


def render(result: DiscoveryResult, console: Console) -> None:
    """The human form: one row per host that answered HTTP, then a summary."""
    table = Table(title=f"reCamera discovery: {result.targets} port {result.port}")
    for column in ("IP", "reCamera", "URL", "response ms"):
        table.add_column(column, justify="right" if column == "response ms" else "left")
    cameras = {c.ip: c for c in result.cameras}
    for ip in result.reachable_ips:
        camera = cameras.get(ip)
        if camera is not None:
            table.add_row(ip, "[green]yes[/green]", camera.base_url, f"{camera.response_ms:.1f}")
        else:
            table.add_row(ip, "[yellow]no[/yellow]", f"http://{ip}:{result.port}", "")
    console.print(table)
    console.print(
        f"{len(result.recamera_ips)} reCamera(s), {len(result.non_recamera_ips)} other HTTP host(s), "
        f"{len(result.unreachable_or_timeout_ips)} unreachable or timed out, of {result.hosts_total} addresses "
        f"in {result.duration_s:.2f} s (method {result.method})"
    )
    if result.unreachable_or_timeout_ips and len(result.unreachable_or_timeout_ips) <= 4096:
        console.print(
            f"[dim]unreachable or timeout: {', '.join(merge_consecutive(result.unreachable_or_timeout_ips))}[/dim]"
        )


async def _discover(args: argparse.Namespace, progress: ProgressCallback | None) -> DiscoveryResult:
    return await discover(
        args.subnet,
        timeout_s=args.timeout,
        port=args.port,
        method=args.method,
        allow_large=args.allow_large,
        allow_public=args.allow_public,
        progress=progress,
    )


async def _discover_with_bar(args: argparse.Namespace) -> DiscoveryResult:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("discovering", total=None)

        async def progress(done: int, total: int, message: str) -> None:
            bar.update(task, completed=done, total=total, description=message)

        return await _discover(args, progress)


def run(args: argparse.Namespace) -> int:
    """Run the discovery; exit 0 when it ran (even with no camera found), 2 on a refused or invalid target."""
    try:
        parse_target_set(args.subnet, allow_large=args.allow_large, allow_public=args.allow_public)  # fail early
        if args.json:
            result = asyncio.run(_discover(args, None))
            print(result.model_dump_json(indent=2))
        else:
            render(asyncio.run(_discover_with_bar(args)), Console())
    except (TargetError, DiscoveryError) as exc:
        print(f"recamera-mcp discover: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
