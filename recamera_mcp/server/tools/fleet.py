"""fleet: one action on many cameras (status, the same config change, diagnose, firmware check, reboot), one row
per camera. A fleet reboot is confirmed once, for exactly the host list it names."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import ConfigArea, ReCameraError, Revert
from recamera_mcp.server.confirm import AskTool, ConfirmTokenArg
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.fleet import FleetAction, run_fleet
from recamera_mcp.server.models_diagnose import FleetOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.system import forget_streams


@tool("system", "Act on many cameras", read_only=False, destructive=True)
async def fleet(
    action: Annotated[
        FleetAction,
        Field(description="update_config: the same change everywhere; reboot asks first, once for the list"),
    ],
    hosts: Annotated[
        list[str] | str,
        Field(description="Hosts, or a range/subnet (10.0.0.10-40, 10.0.0.0/24[:port]) discovered first"),
    ],
    ctx: Context[Any, Any],
    area: Annotated[ConfigArea | None, Field(description="For update_config")] = None,
    changes: Annotated[dict[str, Any] | None, Field(description="For update_config: only the fields to change")] = None,
    dry_run: bool = False,
    confirm_token: ConfirmTokenArg = None,
) -> FleetOutput | InputRequiredResult:
    """One action on many cameras at once; one row per camera (changed/unchanged/failed with the reason, read back
    after a write); a failure never stops the others."""
    state = server_state(ctx)

    async def progress(done: int, total: int, message: str) -> None:
        await ctx.report_progress(done, total, message)

    def record(host: str, revert: Revert | None) -> None:
        state.changes.record(host, "fleet", revert)  # undo_last_change works per camera

    ask = AskTool(ctx, "fleet", confirm_token)
    with tool_errors(f"fleet {action}"):
        out = await run_fleet(
            state.sessions, action, hosts, area=area, changes=changes, dry_run=dry_run, progress=progress,
            record=record, expected=(ReCameraError, ToolError), confirm=ask,
            restart_wait=state.options.restart_wait, on_restart=lambda c: forget_streams(state, c),
        )  # fmt: skip
    return ask.input_required or out
