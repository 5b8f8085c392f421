"""Cloud toolset: SenseCraft ONNX -> RKNN conversion and the user's cloud models.

Without a SenseCraft token the tools answer where to sign in (and, on a client that takes URL elicitations, show
the sign-in page to the user); the token itself is configured out of the agent's sight (SENSECRAFT_TOKEN or the
config file), never passed as an argument.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import ValidationError
from recamera_mcp.sensecraft import CloudAuthError
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_ai import CloudModelsOutput, ConversionOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool

CLOUD_HOST = "sensecraft"
"""The host key confirmations of cloud actions are bound to."""


@asynccontextmanager
async def cloud_errors(ctx: Context[Any, Any], action: str) -> AsyncIterator[None]:
    """Like ``tool_errors``, and for a missing or refused token: offer the sign-in page (URL elicitation on a
    legacy session whose client declared it), then answer where to sign in."""
    try:
        with tool_errors(action):
            yield
    except ToolError:
        raise
    except CloudAuthError as exc:
        await offer_sign_in(ctx, exc.authorize_url)
        raise ToolError(f"{action} failed: {exc}") from None


def sign_in_needed(exc: BaseException) -> CloudAuthError | None:
    """The cloud sign-in error behind ``exc`` (itself or its cause), if any."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CloudAuthError):
            return cause
        cause = cause.__cause__
    return None


async def offer_sign_in(ctx: Context[Any, Any], url: str) -> None:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    if not url or elicitation is None or elicitation.url is None or not ctx.session.can_send_request:
        return
    try:
        await ctx.elicit_url("Sign in to SenseCraft to convert models for your reCamera", url, uuid.uuid4().hex)
    except Exception:  # the offer is a courtesy: the error below says the same
        return


@tool("cloud", "Convert ONNX to RKNN", read_only=False, idempotent=False)
async def sensecraft_convert(
    onnx_path: Annotated[str, Field(description="Absolute path of the .onnx file")],
    ctx: Context[Any, Any],
    wait: Annotated[
        bool, Field(description="Wait (minutes) and download the .rknn; false: return the model_id")
    ] = True,
) -> ConversionOutput:
    """Convert an ONNX model to RKNN for the reCamera on the SenseCraft cloud (takes minutes; progress)."""
    async with cloud_errors(ctx, f"sensecraft_convert {onnx_path}"):
        cloud = server_state(ctx).cloud

        async def progress(done: float, total: float | None, message: str) -> None:
            await ctx.report_progress(done, total, message)

        result = await cloud.client().convert(onnx_path, wait=wait, progress=progress)
        step = (
            f"upload_model(host, file_path={result.download.path!r}) puts it on a camera"
            if result.download is not None
            else f"sensecraft_models(action='status', model_id={result.model_id!r}) until done, then 'download'"
        )
        return ConversionOutput(**result.model_dump(), next_step=step)


class CloudAction(StrEnum):
    LIST = "list"
    STATUS = "status"
    DOWNLOAD = "download"
    DELETE = "delete"


@tool("cloud", "SenseCraft cloud models", read_only=False, destructive=True)
async def sensecraft_models(
    action: CloudAction,
    ctx: Context[Any, Any],
    model_id: str | None = None,
    dest_dir: Annotated[str | None, Field(description="Absolute folder for download")] = None,
    confirm_token: ConfirmTokenArg = None,
) -> CloudModelsOutput | InputRequiredResult:
    """Your SenseCraft models: list, status, download (.rknn, MD5-checked), delete (two calls)."""
    async with cloud_errors(ctx, f"sensecraft_models {action}"):
        cloud = server_state(ctx).cloud.client()
        action = CloudAction(action)
        out = CloudModelsOutput(action=action.value)
        if action == CloudAction.LIST:
            listed = await cloud.records()
            out.total, out.models = listed.total, listed.models
            return out
        if not model_id:
            raise ValidationError(f"{action.value} needs model_id", "sensecraft_models(action='list') shows them")
        out.model = await cloud.status(model_id)
        if action == CloudAction.DOWNLOAD:

            async def progress(done: float, total: float | None, message: str) -> None:
                await ctx.report_progress(done, total, message)

            out.download = await cloud.download(model_id, dest_dir, progress)
        elif action == CloudAction.DELETE:
            summary = f"delete the SenseCraft model {model_id} ({out.model.name or 'unnamed'}, {out.model.status})"
            args = {"action": "delete", "model_id": model_id}
            decision = await require_confirmation(ctx, "sensecraft_models", CLOUD_HOST, args, confirm_token, summary)
            if isinstance(decision, Pending):
                pending = out.model_copy(update={"done": False, "confirmation": decision.request})
                return decision.input_required or pending
            await cloud.delete(model_id)
        return out
