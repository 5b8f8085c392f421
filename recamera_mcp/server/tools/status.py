"""get_device_status: device info, load, clock and battery in one compact answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from mcp.server.mcpserver import Context

from recamera_mcp.client import ReCameraError
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models import BatteryInfo, DeviceStatus
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

PARTS = {
    "device-info": "/system/device-info",
    "resources": "/system/resource-info",
    "time": "/system/time",
    "battery": "/system/battery",
}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@tool("core", "Camera status", read_only=True)
async def get_device_status(host: Host, ctx: Context[Any, Any]) -> DeviceStatus:
    """Serial, firmware, sensor, CPU/NPU/memory/storage use, clock and battery of a camera, in one call."""
    with tool_errors(f"get_device_status on {host}"):
        client = await server_state(ctx).sessions.client(host)
        answers = await asyncio.gather(*(client.get_json(p) for p in PARTS.values()), return_exceptions=True)
        got: dict[str, dict[str, Any]] = {}
        unavailable: list[str] = []
        for name, answer in zip(PARTS, answers, strict=True):
            if isinstance(answer, dict):
                got[name] = answer
            elif isinstance(answer, ReCameraError | BaseException):
                if name == "device-info" and isinstance(answer, Exception):
                    raise answer
                unavailable.append(name)
        info, res, clock, batt = (got.get(n, {}) for n in PARTS)
        timestamp = _int(clock.get("iTimestamp"))
        return DeviceStatus(
            host=client.address.key,
            serial=info.get("sSerialNumber"),
            firmware=info.get("sFirmwareVersion"),
            sensor=info.get("sSensorModel"),
            board=info.get("sBasePlateModel"),
            cpu_pct=_int(res.get("iCpuUsage")),
            npu_pct=_int(res.get("iNpuUsage")),
            mem_pct=_int(res.get("iMemUsage")),
            storage_pct=_int(res.get("iStorageUsage")),
            mem=res.get("sMem"),
            storage=res.get("sStorage"),
            time_utc=datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp is not None else None,
            timezone=clock.get("sTimezone"),
            time_method=clock.get("sMethod"),
            battery=BatteryInfo(
                attached=bool(batt.get("isAttached")),
                charging=bool(batt.get("isCharging")),
                steps=_int(batt.get("displaySteps")) or 0,
                total_steps=_int(batt.get("totalSteps")) or 0,
            )
            if batt.get("isAttached")
            else None,
            unavailable=unavailable,
        )
