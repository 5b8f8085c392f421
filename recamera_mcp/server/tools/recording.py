"""Recording toolset: trigger and status of the recording rules, recordings listed, downloaded and previewed
through the storage relay (the storage tool is in ``storage.py``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from mcp.server.mcpserver import Context, Image
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from recamera_mcp.server.advice import problem_text
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.files import RECORDING_SUFFIXES
from recamera_mcp.server.models_recording import (
    DownloadOutput,
    RecordingListOutput,
    RecordingStatusOutput,
    ThumbnailOutput,
    TriggerOutput,
)
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

RecPath = Annotated[str, Field(description='As list_recordings shows it ("/": root)')]


@tool("recording", "Start a recording now", read_only=False)
async def trigger_recording(host: Host, ctx: Context[Any, Any]) -> TriggerOutput:
    """Fire the HTTP recording trigger (needs recording on and the HTTP trigger selected: the error says how)."""
    with tool_errors(f"trigger_recording on {host}"):
        client = await server_state(ctx).sessions.client(host)
        result = await client.recording.trigger()
        return TriggerOutput(host=client.address.key, **result.model_dump())


@tool("recording", "Recording status", read_only=True)
async def get_recording_status(host: Host, ctx: Context[Any, Any]) -> RecordingStatusOutput:
    """Recording on/off, trigger, schedule, last event and the storage slot in use, with what stops recording."""
    with tool_errors(f"get_recording_status on {host}"):
        client = await server_state(ctx).sessions.client(host)
        status = await client.recording.status()
        return RecordingStatusOutput(
            host=client.address.key,
            **status.model_dump(exclude={"problems"}),
            problems=[problem_text(p) for p in status.problems],
        )


@tool("recording", "List recordings", read_only=True)
async def list_recordings(
    host: Host,
    ctx: Context[Any, Any],
    path: RecPath = "/",
    limit: Annotated[int, Field(ge=1, le=1000)] = 100,
    offset: Annotated[int, Field(ge=0)] = 0,
) -> RecordingListOutput:
    """One folder of the recordings (day folders at the root), newest first, with size, time and thumbnail path."""
    with tool_errors(f"list_recordings on {host}"):
        client = await server_state(ctx).sessions.client(host)
        listing = await client.recording.list(path, limit, offset)
        return RecordingListOutput(host=client.address.key, **listing.model_dump())


@tool("recording", "Download a recording", read_only=False, idempotent=False)
async def download_recording(
    host: Host,
    path: RecPath,
    ctx: Context[Any, Any],
    dest_dir: Annotated[str | None, Field(description="Folder under the server's files root (default: root)")] = None,
) -> DownloadOutput:
    """Save a recording under the server's files root, streamed; a broken transfer resumes, the size is checked;
    an existing file is never replaced (a taken name gets a number)."""
    with tool_errors(f"download_recording {path} from {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)

        async def progress(done: int, total: int | None) -> None:
            shown = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
            await ctx.report_progress(done, total, f"downloading {path}: {shown}")

        rel = client.recording.file_path(path)  # the camera-side path is checked first
        with state.files.target(dest_dir, rel, suffixes=RECORDING_SUFFIXES, what="recording") as sink:
            result = await client.recording.download(path, sink, progress=progress)
        return DownloadOutput(host=client.address.key, **result.model_dump())


@tool("recording", "Thumbnail of a recording", read_only=True)
async def get_thumbnail(
    host: Host, path: RecPath, ctx: Context[Any, Any]
) -> Annotated[CallToolResult, ThumbnailOutput]:
    """A small JPEG of a recording: the device's thumbnail, or a frame grabbed from the video when there is none."""
    with tool_errors(f"get_thumbnail {path} on {host}"):
        client = await server_state(ctx).sessions.client(host)
        thumb = await client.recording.thumbnail(path)
        out = ThumbnailOutput(
            host=client.address.key, path=thumb.path, source=thumb.source, width=thumb.width, height=thumb.height
        )
        data = out.model_dump(mode="json")
        image = Image(data=thumb.jpeg, format="jpeg").to_image_content()
        return CallToolResult(content=[image, TextContent(type="text", text=json.dumps(data))], structured_content=data)
