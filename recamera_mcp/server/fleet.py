"""Fleet work: one action on many cameras, bounded concurrency, one row per camera, progress as each one ends.

Actions: ``status``, ``update_config`` (read-before-write, read back), ``diagnose``, ``firmware_check`` (current and
latest version; starts nothing) and ``reboot`` (destructive: one confirmation for exactly the expanded host list,
then at most :data:`REBOOT_CONCURRENCY` cameras down at once, each waited for until it is back and logged in).

A failure on one camera is that camera's row (``failed`` with the reason); it never stops the others. Hosts come
as a list of hosts, and ranges or subnets (``192.168.1.10-40``, ``192.168.1.0/24``, optionally ``...:port``), which
are discovered first (only verified reCameras take part).

:func:`run_fleet` is the whole action (the ``fleet`` tool and ``recamera-mcp fleet`` both call it); it reaches the
cameras through any :class:`Clients` (the server's session registry, the command line's sessions). No MCP here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, Protocol

from recamera_mcp.client import (
    ConfigArea,
    ReCameraClient,
    ReCameraError,
    Revert,
    ValidationError,
    WaitPolicy,
    parse_host,
)
from recamera_mcp.client import diagnose as run_diagnosis
from recamera_mcp.discovery import discover
from recamera_mcp.server import system
from recamera_mcp.server.models_confirm import Confirm, ConfirmationRequest
from recamera_mcp.server.models_diagnose import FleetOutput, FleetRow, shape_diagnosis

__all__ = ["MAX_HOSTS", "REBOOT_CONCURRENCY", "Clients", "FleetAction", "expand_hosts", "for_each", "run_fleet"]

MAX_HOSTS = 1024
CONCURRENCY = 64
REBOOT_CONCURRENCY = 8
"""Cameras restarting at once in a fleet reboot: a site never loses all its cameras (or its switch's PoE budget)."""
SHOWN_HOSTS = 50
Progress = Callable[[int, int, str], Awaitable[None]]
Record = Callable[[str, Revert | None], None]
"""``record(host_key, revert)``: remember what undoes one camera's write (the server's change log)."""
FleetAction = Literal["status", "update_config", "diagnose", "firmware_check", "reboot"]


class Clients(Protocol):
    """Where a front end's device clients come from, one per host (the server's ``SessionRegistry`` is one)."""

    async def client(self, host: str) -> ReCameraClient:
        """The logged-in client for ``host``."""
        ...

    async def unauthenticated(self, host: str) -> ReCameraClient:
        """The client for ``host`` without logging in (diagnose must work when a login would fail)."""
        ...


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
    expected: tuple[type[BaseException], ...] = (ReCameraError,),
) -> list[FleetRow]:
    """``work(host)`` for every host, at most ``concurrency`` at once; rows in the order of ``hosts``. An
    ``expected`` error is the row's reason as it is; any other is named by its type."""
    gate = asyncio.Semaphore(max(1, concurrency))
    rows: dict[str, FleetRow] = {}
    done = 0
    last_report = 0.0

    async def one(host: str) -> None:
        nonlocal done, last_report
        async with gate:
            try:
                rows[host] = await work(host)
            except expected as exc:
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


async def _status(clients: Clients, host: str) -> FleetRow:
    client = await clients.client(host)
    info, load, storage, inference, recording = await asyncio.gather(  # one round trip, five small reads
        client.system.device_info(),
        client.system.resources(),
        client.storage.status(),
        client.inference.state(),
        client.config.get(ConfigArea.RECORD_GLOBAL),
    )
    slot = storage.selected()
    return FleetRow(
        host=client.address.key,
        status="ok",
        data={
            "serial": info.get("sSerialNumber"),
            "firmware": info.get("sFirmwareVersion"),
            "cpu_pct": load.get("iCpuUsage"),
            "storage": f"{slot.state} {slot.free_bytes * 100 // max(slot.size_bytes, 1)}% free" if slot else "none",
            "recording": bool(recording.get("bRuleEnabled")),
            "inference": inference.get("sStatus"),
        },
    )


async def _update(
    clients: Clients, host: str, area: ConfigArea, changes: dict[str, Any], dry_run: bool, record: Record | None
) -> FleetRow:
    client = await clients.client(host)
    result = await client.config.update(area, changes, dry_run=dry_run)
    if record is not None:
        record(client.address.key, result.revert)  # undo works per camera
    data = {"changes": [c.model_dump() for c in result.changes]}
    lost = [c.field for c in result.changes if c.kept is False and not dry_run]
    if lost:
        return FleetRow(host=client.address.key, status="failed", reason=f"the camera did not keep {lost}", data=data)
    if dry_run:
        return FleetRow(host=client.address.key, status="changed" if result.changes else "unchanged", data=data)
    return FleetRow(host=client.address.key, status="changed" if result.written else "unchanged", data=data)


async def _diagnose(clients: Clients, host: str) -> FleetRow:
    result = shape_diagnosis(await run_diagnosis(await clients.unauthenticated(host), "general"))
    worst = [f for f in result.findings if f.severity != "info"]
    return FleetRow(
        host=result.host,
        status="ok",
        data={"critical": sum(f.severity == "critical" for f in worst), "top": worst[0].title if worst else None},
    )


async def _firmware_check(clients: Clients, host: str) -> FleetRow:
    client = await clients.client(host)
    check = await client.firmware.check()
    return FleetRow(
        host=client.address.key,
        status="ok",
        data={"current": check.current, "latest": check.latest, "update_available": check.update_available,
              "updating": check.updating},
    )  # fmt: skip


async def _go_ahead(host: str, args: Any, summary: str, details: Any = None) -> ConfirmationRequest | None:
    return None  # the fleet's one confirmation covered this camera


async def _reboot(clients: Clients, host: str, policy: WaitPolicy, on_restart: system.OnRestart | None) -> FleetRow:
    client = await clients.client(host)
    out = await system.reboot(client, _go_ahead, wait=True, policy=policy, on_restart=on_restart)
    data = {"down_s": out.down_s, "elapsed_s": out.elapsed_s, "firmware": out.firmware}
    if not out.back:
        reason = f"rebooted, but not back and logged in within {policy.timeout_s:.0f} s: check it with diagnose"
        return FleetRow(host=out.host, status="failed", reason=reason, data=data)
    return FleetRow(host=out.host, status="rebooted", data=data)


async def _confirm_reboot(confirm: Confirm | None, targets: list[str]) -> ConfirmationRequest | None:
    """One confirmation for exactly this host list (its digest binds the token: another list is another plan)."""
    if confirm is None:
        raise ValueError("a fleet reboot needs a confirm callback")
    shown = targets[:SHOWN_HOSTS] + (
        [f"... and {len(targets) - SHOWN_HOSTS} more"] if len(targets) > SHOWN_HOSTS else []
    )
    summary = (
        f"restart {len(targets)} camera(s), at most {REBOOT_CONCURRENCY} at once: each is offline about a minute; "
        "recording, streams and inference stop meanwhile"
    )
    return await confirm(f"{len(targets)} cameras", {"action": "reboot", "hosts": sorted(targets)}, summary,
                         {"hosts": shown})  # fmt: skip


async def run_fleet(
    clients: Clients,
    action: FleetAction,
    hosts: str | Sequence[str],
    *,
    area: ConfigArea | str | None = None,
    changes: dict[str, Any] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    record: Record | None = None,
    expected: tuple[type[BaseException], ...] = (ReCameraError,),
    confirm: Confirm | None = None,
    restart_wait: WaitPolicy = system.RESTART_WAIT,
    on_restart: system.OnRestart | None = None,
) -> FleetOutput:
    """One action on every camera ``hosts`` names (ranges and subnets discovered first): ``status``,
    ``update_config`` (``area`` and ``changes``, read back; ``dry_run`` previews), ``diagnose``,
    ``firmware_check`` or ``reboot`` (``confirm`` asked once for the whole list; ``restart_wait`` bounds the wait
    for each camera; ``on_restart(client)`` after each reboot request). One row per camera in the given order;
    raises only for bad arguments."""
    started = time.monotonic()
    targets = await expand_hosts(hosts)
    if action == "update_config" and (area is None or not changes):
        raise ValidationError("update_config needs area and changes", "give both", field="changes")
    if action == "reboot":
        if dry_run:
            raise ValidationError("a reboot has no dry run", "leave dry_run out; the first call asks first",
                                  field="dry_run")  # fmt: skip
        request = await _confirm_reboot(confirm, targets)
        if request is not None:
            return FleetOutput(action=action, hosts=len(targets), counts={}, results=[], confirmation=request,
                               seconds=round(time.monotonic() - started, 3))  # fmt: skip

    async def work(host: str) -> FleetRow:
        if action == "status":
            return await _status(clients, host)
        if action == "diagnose":
            return await _diagnose(clients, host)
        if action == "firmware_check":
            return await _firmware_check(clients, host)
        if action == "reboot":
            return await _reboot(clients, host, restart_wait, on_restart)
        assert area is not None and changes is not None
        return await _update(clients, host, ConfigArea(area), changes, dry_run, record)

    limit = REBOOT_CONCURRENCY if action == "reboot" else CONCURRENCY
    rows = await for_each(targets, work, progress=progress, concurrency=limit, what=action, expected=expected)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return FleetOutput(
        action=action,
        hosts=len(rows),
        counts=counts,
        results=rows,
        dry_run=dry_run,
        seconds=round(time.monotonic() - started, 3),
    )
