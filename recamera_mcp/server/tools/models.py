"""AI toolset: the models on a camera (list, info, set_info, delete, algorithms) and the resumable upload."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import ReCameraClient, ValidationError
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_ai import InferenceBrief, InfoParam, ModelsOutput, ModelUploadOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

ModelName = Annotated[str | None, Field(description="Model file on the camera")]


class ModelsAction(StrEnum):
    LIST = "list"
    INFO = "info"
    SET_INFO = "set_info"
    DELETE = "delete"
    ALGORITHMS = "algorithms"


def _need(name: str | None, action: str) -> str:
    if not name:
        raise ValidationError(f"{action} needs name", "give the model's file name (models action=list shows them)")
    return name


async def _inference(client: ReCameraClient) -> InferenceBrief:
    state = await client.inference.state()
    return InferenceBrief(enabled=bool(state.get("iEnable")), status=state.get("sStatus"), model=state.get("sModel"))


@tool("ai", "Models on a camera", read_only=False, destructive=True)
async def models(
    host: Host,
    action: ModelsAction,
    ctx: Context[Any, Any],
    name: ModelName = None,
    info: InfoParam = None,
    confirm_token: ConfirmTokenArg = None,
) -> ModelsOutput | InputRequiredResult:
    """AI models on the camera: list (active, info, size), info, set_info (given fields only), delete (two
    calls), algorithms."""
    with tool_errors(f"models {action} on {host}"):
        client = await server_state(ctx).sessions.client(host)
        key, action = client.address.key, ModelsAction(action)
        out = ModelsOutput(host=key, action=action.value, name=name)
        if action == ModelsAction.LIST:
            out.models, out.inference = await client.models.models(), await _inference(client)
        elif action == ModelsAction.ALGORITHMS:
            out.algorithms = await client.models.algorithms()
        elif action == ModelsAction.INFO:
            await client.models.find(_need(name, "info"))
            out.info = await client.models.typed_info(_need(name, "info"))
        elif action == ModelsAction.SET_INFO:
            if info is None:
                raise ValidationError("set_info needs info", "give the fields to change, e.g. {classes: [...]}")
            written = await client.models.set_info(_need(name, "set_info"), info.to_client())
            out.info, out.changes = written.info, written.changes
        else:
            plan = await client.models.plan_delete(_need(name, "delete"))
            args = {"action": "delete", "name": plan.name}
            decision = await require_confirmation(ctx, "models", key, args, confirm_token, plan.summary, plan)
            if isinstance(decision, Pending):
                return decision.input_required or out.model_copy(
                    update={"done": False, "plan": plan, "confirmation": decision.request}
                )
            out.plan, out.models = plan, await client.models.delete(plan)
        return out


@tool("ai", "Upload a model to a camera", read_only=False, destructive=True, idempotent=True)
async def upload_model(
    host: Host,
    file_path: Annotated[str, Field(description="Absolute path of the .rknn file")],
    ctx: Context[Any, Any],
    name: Annotated[str | None, Field(description="Name on the camera; default the file's")] = None,
    info: InfoParam = None,
) -> ModelUploadOutput:
    """Upload an .rknn model (resumable, progress; replaces one of the same name), verify it, set its info."""
    with tool_errors(f"upload_model {file_path} to {host}"):
        client = await server_state(ctx).sessions.client(host)

        async def progress(done: int, total: int, note: str) -> None:
            shown = note or f"{done / 1e6:.1f} of {total / 1e6:.1f} MB"
            await ctx.report_progress(done, total, f"uploading {name or file_path}: {shown}")

        result = await client.models.upload(
            file_path, name, info=info.to_client() if info is not None else None, progress=progress
        )
        return ModelUploadOutput(host=client.address.key, **result.model_dump())
