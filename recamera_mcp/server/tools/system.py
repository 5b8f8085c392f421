"""get_device_status: device info, load, clock and battery in one compact answer (the client's system area)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context

from recamera_mcp.client import DeviceStatus
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host


async def device_status(state: ServerState, host: str) -> DeviceStatus:
    """The status of ``host`` (logs in like every tool); shared by the tool and the device status resource."""
    with tool_errors(f"get_device_status on {host}"):
        client = await state.sessions.client(host)
        return await client.system.status()


@tool("core", "Camera status", read_only=True)
async def get_device_status(host: Host, ctx: Context[Any, Any]) -> DeviceStatus:
    """Serial, firmware, sensor, CPU/NPU/memory/storage use, clock and battery of a camera, in one call."""
    return await device_status(server_state(ctx), host)
