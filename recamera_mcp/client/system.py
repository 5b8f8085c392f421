"""The system area (``cam.system``): device info, load, clock and battery.

    status = await cam.system.status()   # serial, firmware, CPU/NPU/memory/storage, clock, battery in one call

:meth:`SystemAPI.status` reads four endpoints at once; only device-info is required, a part the device does not
answer is listed in ``unavailable``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import ReCameraError
from recamera_mcp.client._funnel import Funnel

__all__ = ["BatteryInfo", "DeviceStatus", "SystemAPI"]

DEVICE_INFO = "/system/device-info"
RESOURCES = "/system/resource-info"
TIME = "/system/time"
BATTERY = "/system/battery"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) else None


class BatteryInfo(BaseModel):
    attached: bool
    charging: bool
    steps: int
    total_steps: int


class DeviceStatus(BaseModel):
    """Device info, load and clock of one camera."""

    host: str
    serial: str | None = None
    firmware: str | None = None
    sensor: str | None = None
    board: str | None = None
    cpu_pct: int | None = None
    npu_pct: int | None = None
    mem_pct: int | None = None
    storage_pct: int | None = None
    mem: str | None = Field(None, description="used/total, human readable")
    storage: str | None = None
    time_utc: str | None = Field(None, description="Device clock, ISO 8601 UTC")
    timezone: str | None = None
    time_method: str | None = Field(None, description="ntp or manual")
    battery: BatteryInfo | None = None
    unavailable: list[str] = Field(default_factory=list, description="Parts the device did not answer")


class SystemAPI:
    """Device information and state."""

    def __init__(self, funnel: Funnel) -> None:
        self._funnel = funnel

    async def device_info(self) -> dict[str, Any]:
        """``GET /system/device-info``: serial, firmware version, sensor, board."""
        info: dict[str, Any] = await self._funnel.get_object(DEVICE_INFO)
        return info

    async def resources(self) -> dict[str, Any]:
        """``GET /system/resource-info``: CPU, NPU, memory and storage use."""
        info: dict[str, Any] = await self._funnel.get_object(RESOURCES)
        return info

    async def status(self) -> DeviceStatus:
        """Serial, firmware, sensor, load, clock and battery in one call (only device-info is required)."""
        parts = {"device-info": DEVICE_INFO, "resources": RESOURCES, "time": TIME, "battery": BATTERY}
        answers = await asyncio.gather(
            *(self._funnel.get_object(path) for path in parts.values()), return_exceptions=True
        )
        got: dict[str, dict[str, Any]] = {}
        unavailable: list[str] = []
        for name, answer in zip(parts, answers, strict=True):
            if isinstance(answer, dict):
                got[name] = answer
                continue
            if name == "device-info" and isinstance(answer, Exception):
                raise answer
            if not isinstance(answer, ReCameraError) and isinstance(answer, BaseException):
                raise answer
            unavailable.append(name)
        info, res, clock, batt = (got.get(n, {}) for n in parts)
        timestamp = _int(clock.get("iTimestamp"))
        return DeviceStatus(
            host=self._funnel.address.key,
            serial=_str(info.get("sSerialNumber")),
            firmware=_str(info.get("sFirmwareVersion")),
            sensor=_str(info.get("sSensorModel")),
            board=_str(info.get("sBasePlateModel")),
            cpu_pct=_int(res.get("iCpuUsage")),
            npu_pct=_int(res.get("iNpuUsage")),
            mem_pct=_int(res.get("iMemUsage")),
            storage_pct=_int(res.get("iStorageUsage")),
            mem=_str(res.get("sMem")),
            storage=_str(res.get("sStorage")),
            time_utc=datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp is not None else None,
            timezone=_str(clock.get("sTimezone")),
            time_method=_str(clock.get("sMethod")),
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
