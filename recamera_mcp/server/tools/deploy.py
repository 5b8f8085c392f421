"""AI toolset: ``deploy_model``, the whole chain from a model file (or a SenseCraft model) to running inference."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recamera_mcp.client import DeployFailed
from recamera_mcp.server.deploy import deploy, deploy_failure
from recamera_mcp.server.models_ai import DeployOutput, InfoParam
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.sensecraft import cloud_errors, offer_sign_in, sign_in_needed
from recamera_mcp.server.tools.session import Host


@tool("ai", "Deploy a model to a camera", read_only=False, destructive=True, idempotent=True)
async def deploy_model(
    host: Host,
    ctx: Context[Any, Any],
    model_path: Annotated[str | None, Field(description="Absolute path of a .onnx or .rknn")] = None,
    sensecraft_model_id: Annotated[str | None, Field(description="Or a converted cloud model")] = None,
    info: InfoParam = None,
    classes: Annotated[list[str] | None, Field(description="Labels (sets info.classes)")] = None,
    enable: bool = True,
) -> DeployOutput:
    """Convert (.onnx) -> upload -> set info -> point inference at it -> enable -> check it runs; a re-run skips
    finished stages."""
    async with cloud_errors(ctx, f"deploy_model to {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)

        async def progress(percent: float, message: str) -> None:
            await ctx.report_progress(percent, 100.0, message)

        try:
            return await deploy(
                client, state.cloud, model_path=model_path, sensecraft_model_id=sensecraft_model_id, info=info,
                classes=classes, enable=enable, progress=progress,
            )  # fmt: skip
        except DeployFailed as exc:
            auth = sign_in_needed(exc)
            if auth is not None:
                await offer_sign_in(ctx, auth.authorize_url)
            raise ToolError(deploy_failure(f"deploy_model to {client.address.key}", exc)) from None
