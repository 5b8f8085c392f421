"""fleet: one action on many cameras (status, the same config change, diagnose), one row per camera."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from recamera_mcp.client import ConfigArea, ValidationError
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.fleet import expand_hosts, for_each
from recamera_mcp.server.models_diagnose import FleetOutput, FleetRow
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.diagnose import diagnose_host
from recamera_mcp.server.tools.registry import tool

Action = Literal["status", "update_config", "diagnose"]


async def _status(state: ServerState, host: str) -> FleetRow:
    client = await state.sessions.client(host)
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


async def _update(state: ServerState, host: str, area: ConfigArea, changes: dict[str, Any], dry_run: bool) -> FleetRow:
    client = await state.sessions.client(host)
    result = await client.config.update(area, changes, dry_run=dry_run)
    state.changes.record(client.address.key, "fleet", result.revert)  # undo_last_change works per camera
    data = {"changes": [c.model_dump() for c in result.changes]}
    lost = [c.field for c in result.changes if c.kept is False and not dry_run]
    if lost:
        return FleetRow(host=client.address.key, status="failed", reason=f"the camera did not keep {lost}", data=data)
    if dry_run:
        return FleetRow(host=client.address.key, status="changed" if result.changes else "unchanged", data=data)
    return FleetRow(host=client.address.key, status="changed" if result.written else "unchanged", data=data)


async def _diagnose(state: ServerState, host: str, symptom: Any) -> FleetRow:
    result = await diagnose_host(state, host, symptom)
    worst = [f for f in result.findings if f.severity != "info"]
    return FleetRow(
        host=result.host,
        status="ok",
        data={"critical": sum(f.severity == "critical" for f in worst), "top": worst[0].title if worst else None},
    )


@tool("system", "Act on many cameras", read_only=False, idempotent=True)
async def fleet(
    action: Annotated[Action, Field(description="status, update_config (same change everywhere) or diagnose")],
    hosts: Annotated[
        list[str] | str,
        Field(description="Hosts, or a range/subnet (10.0.0.10-40, 10.0.0.0/24[:port]) discovered first"),
    ],
    ctx: Context[Any, Any],
    area: Annotated[ConfigArea | None, Field(description="For update_config")] = None,
    changes: Annotated[dict[str, Any] | None, Field(description="For update_config: only the fields to change")] = None,
    dry_run: bool = False,
) -> FleetOutput:
    """One action on many cameras at once; one row per camera (changed/unchanged/failed with the reason, read back
    after a write); a failure never stops the others."""
    started = time.monotonic()
    state = server_state(ctx)
    with tool_errors(f"fleet {action}"):
        targets = await expand_hosts(hosts)
        if action == "update_config" and (area is None or not changes):
            raise ValidationError("update_config needs area and changes", "give both", field="changes")

        async def progress(done: int, total: int, message: str) -> None:
            await ctx.report_progress(done, total, message)

        async def work(host: str) -> FleetRow:
            if action == "status":
                return await _status(state, host)
            if action == "diagnose":
                return await _diagnose(state, host, "general")
            assert area is not None and changes is not None
            return await _update(state, host, ConfigArea(area), changes, dry_run)

        rows = await for_each(targets, work, progress=progress, what=action)
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
