"""check_notifications (ai): do the camera's inference results really reach its MQTT broker or HTTP endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from recamera_mcp.server.advice import problem_text
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_streams import CheckNotificationsOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host


@tool("ai", "Check result notifications (MQTT/HTTP)", read_only=True)
async def check_notifications(
    host: Host,
    ctx: Context[Any, Any],
    duration_s: Annotated[float, Field(ge=1, le=120, description="Listen this long (s)")] = 10,
) -> CheckNotificationsOutput:
    """Verify that inference results reach the configured notify target (MQTT: subscribes from here and measures
    rate and latency), or say exactly why not."""
    with tool_errors(f"check_notifications on {host}"):
        client = await server_state(ctx).sessions.client(host)
        check = await client.notify.check(duration_s, progress=ctx.report_progress)
        return CheckNotificationsOutput(
            **check.model_dump(exclude={"problems"}), problems=[problem_text(p) for p in check.problems]
        )
