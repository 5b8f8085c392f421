"""Read-only system information: device info, resources, battery; dynamic fields of ``/system/time``."""

from __future__ import annotations

import math
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.routes.common import data, device_of
from recamera_mcp.simulator.routes.config import ConfigHooks
from recamera_mcp.simulator.state import DeviceState

FIRMWARE_VERSION = "V1.0.10"


async def device_info(request: Request) -> Response:
    state = device_of(request)
    return data(
        {
            "sBasePlateModel": "Base Board-V1.0,Expand Board-V1.0",
            "sFirmwareVersion": state.extras.get("firmware_version", FIRMWARE_VERSION),
            "sSensorModel": "SC850SL",
            "sSerialNumber": state.settings.serial,
            "sDeviceName": f"reCamera2-{state.settings.serial[-4:]}",
        }
    )


def _wave(state: DeviceState, period: float, lo: int, hi: int) -> int:
    phase = (time.time() - state.boot_time) / period + state.index
    return int(lo + (hi - lo) * (0.5 + 0.5 * math.sin(phase)))


async def resource_info(request: Request) -> Response:
    state = device_of(request)
    mem_total = 4 * 1024 * 1024
    mem_used = _wave(state, 60, 900_000, 1_600_000)
    storage_total = 29_000_000
    storage_used = 3_400_000
    return data(
        {
            "iCpuUsage": _wave(state, 20, 8, 45),
            "iNpuUsage": _wave(state, 30, 0, 60),
            "iMemUsage": mem_used * 100 // mem_total,
            "iMemUsed": mem_used,
            "iMemTotal": mem_total,
            "sMem": f"{mem_used / 1024 / 1024:.1f}G/{mem_total / 1024 / 1024:.1f}G",
            "iStorageUsage": storage_used * 100 // storage_total,
            "iStorageUsed": storage_used,
            "iStorageTotal": storage_total,
            "sStorage": f"{storage_used / 1024 / 1024:.1f}G/{storage_total / 1024 / 1024:.1f}G",
        }
    )


async def battery(request: Request) -> Response:
    return data({"isAttached": False, "displaySteps": 0, "totalSteps": 4, "isCharging": False})


async def remain_space(request: Request) -> Response:
    return data({"availableDisk": 25_600_000})


def _time_on_read(state: DeviceState, request: Request, obj: dict[str, Any]) -> dict[str, Any]:
    offset = float(state.extras.get("time_offset", 0.0))
    obj["iTimestamp"] = int(time.time() + offset)
    return obj


def _time_after_write(state: DeviceState, obj: dict[str, Any]) -> None:
    if obj["sMethod"] == "manual":
        state.extras["time_offset"] = obj["iTimestamp"] - time.time()
    else:
        state.extras["time_offset"] = 0.0


ROUTES: list[BaseRoute] = [
    Route("/system/device-info", device_info, methods=["GET"]),
    Route("/system/resource-info", resource_info, methods=["GET"]),
    Route("/system/battery", battery, methods=["GET"]),
    Route("/system/remain-space", remain_space, methods=["GET"]),
]

HOOKS: dict[str, ConfigHooks] = {
    "/system/time": ConfigHooks(
        on_read=_time_on_read, after_write=_time_after_write, success_message="Time set successfully"
    ),
}
