"""undo_last_change: put back what this server's last writes changed on a camera (``server/changes.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recamera_mcp.client import ReCameraError
from recamera_mcp.server.advice import tool_advice
from recamera_mcp.server.changes import KEPT
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models import UndoneChange, UndoOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host


@tool("core", "Undo the last camera change", read_only=False)
async def undo_last_change(
    host: Host,
    ctx: Context[Any, Any],
    steps: Annotated[int, Field(ge=1, le=KEPT, description="How many changes to undo, newest first")] = 1,
) -> UndoOutput:
    """Put back the fields this server's last writes changed (config, image), read-before-write; refuses, naming
    the field, when the camera changed it since."""
    with tool_errors(f"undo_last_change on {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)
        key = client.address.key
        pending = state.changes.latest(key, steps)
        if not pending:
            raise ToolError(
                f"undo_last_change on {key}: nothing to undo; this server made no change there since it started "
                f"(it keeps the last {KEPT} per camera, in memory)"
            )
        undone: list[UndoneChange] = []
        for change in pending:
            try:
                fields = await client.revert(change.revert)
            except ReCameraError as exc:
                if not undone:
                    raise
                done = "; ".join(f"{u.tool} of {u.target}" for u in undone)
                raise ToolError(
                    f"undo_last_change on {key}: undid {len(undone)} change(s) ({done}), then stopped: the "
                    f"{change.tool} of {change.revert.target} could not be undone: {tool_advice(exc)}"
                ) from None
            state.changes.forget(key, change)
            undone.append(UndoneChange(tool=change.tool, target=change.revert.target, changes=fields))
        return UndoOutput(host=key, undone=undone, remaining=state.changes.count(key))
