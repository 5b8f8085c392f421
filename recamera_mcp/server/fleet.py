"""Fleet work: one action on many cameras, bounded concurrency, one row per camera, progress as each one ends.

A failure on one camera is that camera's row (``failed`` with the reason); it never stops the others. Hosts come
as a list of hosts, and ranges or subnets (``192.168.1.10-40``, ``192.168.1.0/24``, optionally ``...:port``), which
are discovered first (only verified reCameras take part).
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable, Sequence

from mcp.server.mcpserver.exceptions import ToolError

from recamera_mcp.client import ReCameraError, ValidationError, parse_host
from recamera_mcp.discovery import discover
from recamera_mcp.server.models_diagnose import FleetRow

__all__ = ["MAX_HOSTS", "expand_hosts", "for_each"]

MAX_HOSTS = 1024
CONCURRENCY = 64
Progress = Callable[[int, int, str], Awaitable[None]]


def _range_and_port(item: str) -> tuple[str, int] | None:
    """``(range, port)`` when ``item`` is a range or subnet (``10.0.0.1-20``, ``10.0.0.0/24``, with ``:port``)."""
    text, _, port = item.strip().rpartition(":") if item.count(":") == 1 else (item.strip(), "", "")
    if not text:
        text, port = port, ""
    if "/" not in text and "-" not in text:
        return None
    head = text.split("/", 1)[0].split("-", 1)[0]
    try:
        ipaddress.IPv4Address(head)
    except ValueError:
        return None
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValidationError(f"bad port in {item!r}", "give ip-range:port, e.g. 192.168.1.10-40:8080", field="hosts")
    return text, int(port) if port else 80


async def expand_hosts(hosts: str | Sequence[str], *, timeout_s: float = 1.0) -> list[str]:
    """The host keys named by ``hosts`` (ranges and subnets discovered first), each once, in the given order."""
    items = [hosts] if isinstance(hosts, str) else list(hosts)
    if not items:
        raise ValidationError("no hosts given", "give a list of hosts, a range or a subnet", field="hosts")
    found: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(f"bad host {item!r}", "give host strings", field="hosts")
        ranged = _range_and_port(item)
        if ranged is None:
            found.append(parse_host(item).key)
            continue
        subnet, port = ranged
        result = await discover(subnet, port=port, timeout_s=timeout_s)
        found += [parse_host(f"{ip}:{port}").key for ip in result.recamera_ips]
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_HOSTS:
        raise ValidationError(f"{len(unique)} cameras; a fleet action takes at most {MAX_HOSTS}", "split the list",
                              field="hosts")  # fmt: skip
    return unique


async def for_each(
    hosts: list[str],
    work: Callable[[str], Awaitable[FleetRow]],
    *,
    progress: Progress | None = None,
    concurrency: int = CONCURRENCY,
    what: str = "",
) -> list[FleetRow]:
    """``work(host)`` for every host, at most ``concurrency`` at once; rows in the order of ``hosts``."""
    gate = asyncio.Semaphore(max(1, concurrency))
    rows: dict[str, FleetRow] = {}
    done = 0
    last_report = 0.0

    async def one(host: str) -> None:
        nonlocal done, last_report
        async with gate:
            try:
                rows[host] = await work(host)
            except (ReCameraError, ToolError) as exc:
                rows[host] = FleetRow(host=host, status="failed", reason=str(exc)[:500])
            except Exception as exc:  # one camera's surprise must not stop the fleet
                rows[host] = FleetRow(host=host, status="failed", reason=f"{type(exc).__name__}: {str(exc)[:400]}")
        done += 1
        now = time.monotonic()
        if progress is not None and (now - last_report > 0.2 or done == len(hosts)):
            last_report = now
            await progress(done, len(hosts), f"{what} {done}/{len(hosts)}: {host} {rows[host].status}".strip())

    await asyncio.gather(*(one(host) for host in hosts))
    return [rows[host] for host in hosts]
