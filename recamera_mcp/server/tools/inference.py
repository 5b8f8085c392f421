"""AI toolset: turning inference on or off, with a model and a frame rate."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_ai import InferenceOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

WAIT_S = 30.0


@tool("ai", "Configure inference", read_only=False, idempotent=True)
async def configure_inference(
    host: Host,
    enabled: bool,
    ctx: Context[Any, Any],
    model: Annotated[str | None, Field(description="Model file; default the current")] = None,
    fps: Annotated[int | None, Field(ge=0, le=120)] = None,
) -> InferenceOutput:
    """Turn inference on/off (optionally another model or fps); waits for the status it reaches (running or
    error)."""
    with tool_errors(f"configure_inference on {host}"):
        client = await server_state(ctx).sessions.client(host)

        async def progress(waited: float, status: str) -> None:
            await ctx.report_progress(min(waited, WAIT_S), WAIT_S, f"inference {status} ({waited:.0f} s)")

        result = await client.inference.configure(enabled, model, fps, wait_s=WAIT_S, progress=progress)
        return InferenceOutput(host=client.address.key, **result.model_dump())
