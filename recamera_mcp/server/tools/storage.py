"""The storage tool: slot status, and the destructive storage actions in two phases (format, free_up, eject,
remove), in the recording toolset."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import StorageAction
from recamera_mcp.server.advice import problem_text
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_recording import StorageOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host


@tool("recording", "Storage status and actions", read_only=False, destructive=True)
async def storage(
    host: Host,
    action: Annotated[
        StorageAction,
        Field(
            description="status; format (erase the slot), free_up (delete oldest recordings), eject (unmount the "
            "SD card), remove (delete paths), mount (bring an ejected card back)"
        ),  # fmt: skip
    ],
    ctx: Context[Any, Any],
    paths: Annotated[
        list[str] | None, Field(description="For remove: files or folders as list_recordings shows them")
    ] = None,
    slot: Annotated[str | None, Field(description="Device path of the slot; default the one selected")] = None,
    confirm_token: ConfirmTokenArg = None,
) -> StorageOutput | InputRequiredResult:
    """Storage slots (status), or a destructive action: the first call only says what would happen (slot, size,
    files affected) and returns a confirm_token; the same call with that token acts."""
    with tool_errors(f"storage {action} on {host}"):
        client = await server_state(ctx).sessions.client(host)
        key = client.address.key
        action = StorageAction(action)
        if action == StorageAction.STATUS:
            status = await client.storage.status()
            return StorageOutput(host=key, action=action.value, done=True, slots=status.slots)
        if action == StorageAction.MOUNT:
            status, problem = await client.storage.mount(slot)
            note = problem_text(problem) if problem is not None else "the card is mounted"
            return StorageOutput(host=key, action=action.value, done=problem is None, slots=status.slots, note=note)
        plan = await client.storage.plan(action, paths, slot)
        args = {"action": action.value, "slot": plan.slot, "paths": plan.paths}
        details = plan.model_dump(mode="json", exclude={"summary", "action"})
        figures = {"files_affected": plan.files_affected, "bytes_affected": plan.bytes_affected}
        decision = await require_confirmation(
            ctx, "storage", key, args, confirm_token, plan.summary, details, plan=figures
        )  # a token is refused when the files or bytes to lose changed since the user saw them
        if isinstance(decision, Pending):
            return decision.input_required or StorageOutput(
                host=key, action=action.value, done=False, plan=plan, confirmation=decision.request
            )

        async def progress(percent: int, state: str) -> None:
            await ctx.report_progress(percent, 100, f"storage {action.value}: {state} {percent} %")

        after = await client.storage.run(plan, progress=progress)
        return StorageOutput(host=key, action=action.value, done=True, plan=plan, slots=after.slots)
