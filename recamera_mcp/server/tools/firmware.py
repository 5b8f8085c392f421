"""The firmware tool (system toolset): check for an update, upgrade (from the network or a local .tar) after a
confirmation and wait until the camera is back on the new version, or read a running upgrade's status. The flow is
``server/firmware.py``'s, which the command line runs too."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.server import firmware as flow
from recamera_mcp.server.confirm import AskTool, ConfirmTokenArg
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.firmware import FirmwareAction
from recamera_mcp.server.local_files import local_file
from recamera_mcp.server.models_firmware import FirmwareOutput
from recamera_mcp.server.progress import progress_to
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host
from recamera_mcp.server.tools.system import Wait, forget_streams


@tool("system", "Camera firmware: check, upgrade, status", read_only=False, destructive=True)
async def firmware(
    host: Host,
    action: Annotated[FirmwareAction, Field(description="What to do")],
    ctx: Context[Any, Any],
    file_path: Annotated[
        str | None, Field(description="Upgrade from a local firmware .tar, or an http(s) release repo URL")
    ] = None,
    confirm_token: ConfirmTokenArg = None,
    wait: Wait = True,
) -> FirmwareOutput | InputRequiredResult:
    """Firmware check, status, or upgrade: confirmed first, then waits until the camera is back and reports old ->
    new version. A running upgrade is watched, never restarted."""
    with tool_errors(f"firmware {action} on {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)
        source: str | Path | None = file_path
        if file_path and action != FirmwareAction.STATUS and not file_path.lower().startswith(("http://", "https://")):
            source = local_file(file_path, "file_path")
        ask = AskTool(ctx, "firmware", confirm_token)
        out = await flow.firmware(
            client, action, ask, source=source, wait=wait, policy=state.options.firmware_wait,
            progress=progress_to(ctx), on_restart=lambda c: forget_streams(state, c),
        )  # fmt: skip
        return ask.input_required or out
