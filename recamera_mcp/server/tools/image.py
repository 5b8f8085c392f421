"""Image toolset: tune_image (ISP with a guaranteed commit), reset_image (destructive), snapshot (image content,
by RTSP or the camera's own capture, optionally with the detections drawn)."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Image
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, InputRequiredResult, TextContent
from pydantic import Field

from recamera_mcp.client import SafeFile
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.files import IMAGE_SUFFIXES, LocalFiles
from recamera_mcp.server.models_image import ResetImageOutput, SnapshotOutput, TuneImageOutput, snapshot_output
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host
from recamera_mcp.snapshot import DEFAULT_DISCARD
from recamera_mcp.snapshot_sources import take_snapshot

Scene = Annotated[
    Literal["current", "general", "day", "night"], Field(description="Profile to edit; current: the one in use")
]
Group = dict[str, Any] | None
"""A group of ISP fields in the device's key names. The schema stays loose (the keys, ranges and enums are in the
reference section image and in the completions of the image resource); the client validates every key and value
before the first write and names the valid ones when one is wrong."""


@tool("image", "Tune the camera image (ISP)", read_only=False, idempotent=True)
async def tune_image(
    host: Host,
    ctx: Context[Any, Any],
    scene: Scene = "current",
    adjustment: Annotated[Group, Field(description="iBrightness iContrast iHue iSaturation iSharpness 0-100")] = None,
    exposure: Annotated[Group, Field(description="sExposureMode iExposureGain sExposureTime ...")] = None,
    backlight: Annotated[Group, Field(description="sBLCRegion sHDR sHLC: one open; levels")] = None,
    white_balance: Annotated[Group, Field(description="sWhiteBlanceStyle iWhiteBalanceCT")] = None,
    enhancement: Annotated[Group, Field(description="Denoise")] = None,
    video_adjustment: Annotated[Group, Field(description="Rotation, flip; all profiles")] = None,
    night_to_day: Annotated[Group, Field(description="Day/night switching; all profiles")] = None,
) -> TuneImageOutput:
    """Change image settings in device keys, e.g. adjustment={"iBrightness": 70}; all keys and ranges:
    api_reference(section="image"). Runs edit, writes, commit (always), save; reports before/after."""
    with tool_errors(f"tune_image on {host}"):
        client = await server_state(ctx).sessions.client(host)
        result = await client.image.tune(
            scene,
            adjustment=adjustment,
            exposure=exposure,
            backlight=backlight,
            white_balance=white_balance,
            enhancement=enhancement,
            video_adjustment=video_adjustment,
            night_to_day=night_to_day,
        )
        server_state(ctx).changes.record(client.address.key, "tune_image", result.revert)
        if not result.ok:
            raise ToolError(f"tune_image on {client.address.key} failed: {result.summary()}")
        return TuneImageOutput(
            host=client.address.key,
            profile=result.profile,
            profile_name=result.profile_name,
            changes=result.changes,
            other_changes=result.other_changes,
            left_edit_mode=result.left_edit_mode,
            saved=result.saved,
            steps=result.steps,
            notes=result.notes,
        )


@tool("image", "Reset the camera image to factory values", read_only=False, destructive=True, idempotent=True)
async def reset_image(
    host: Host, ctx: Context[Any, Any], confirm_token: ConfirmTokenArg = None
) -> ResetImageOutput | InputRequiredResult:
    """Put every image (ISP) setting of all three profiles, rotation/flip and day/night switching back to the
    factory values. Asks for confirmation first."""
    with tool_errors(f"reset_image on {host}"):
        client = await server_state(ctx).sessions.client(host)
        key = client.address.key
        decision = await require_confirmation(
            ctx,
            "reset_image",
            key,
            {"host": key},
            confirm_token,
            "reset every image setting to the factory values",
            {"affected": "profiles general, day and night; rotation/flip; day/night switching"},
        )
        if isinstance(decision, Pending):
            return decision.input_required or ResetImageOutput(host=key, reset=False, confirmation=decision.request)
        done = await client.image.reset()
        return ResetImageOutput(host=key, reset=done.reset, note=done.note)


@tool("image", "Take a camera snapshot", read_only=True, local_writes=("save_to",))
async def snapshot(
    host: Host,
    ctx: Context[Any, Any],
    stream: Annotated[Literal["main", "sub"], Field(description="RTSP stream to read")] = "main",
    discard_frames: Annotated[
        int, Field(ge=0, le=2000, description="Stale frames to skip after opening; below 120 shows the past")
    ] = DEFAULT_DISCARD,
    save_to: Annotated[
        str | None, Field(description="Keep the full-size JPEG: file or folder/ under the server's files root")
    ] = None,
    keep_warm: Annotated[bool, Field(description="Keep the stream open ~30 s so the next snapshot is instant")] = False,
    source: Annotated[
        Literal["auto", "rtsp", "capture"],
        Field(description="auto: RTSP, else the camera's own capture (no RTSP needed)"),
    ] = "auto",
    overlay: Annotated[bool, Field(description="Draw the current detections (boxes, labels, confidence)")] = False,
) -> Annotated[CallToolResult, SnapshotOutput]:
    """What the camera sees now, as a JPEG image (<= 1280 px) plus resolution, source and timings."""
    with tool_errors(f"snapshot of {host}"):
        state = server_state(ctx)
        if save_to is not None and state.options.read_only:
            raise ToolError("snapshot: save_to is off on a read-only server (it writes a local file)")
        client = await state.sessions.client(host)
        sink = _snapshot_file(state.files, save_to) if save_to is not None else None
        try:
            shot = await take_snapshot(
                client,
                source,
                stream,
                overlay=overlay,
                discard_frames=discard_frames,
                save_to=sink,
                warm=state.warm_readers if keep_warm else None,
            )
        finally:
            if sink is not None:
                sink.close()
        out = snapshot_output(client.address.key, stream, shot)
        data = out.model_dump(mode="json")
        image = Image(data=shot.jpeg, format="jpeg").to_image_content()
        return CallToolResult(content=[image, TextContent(type="text", text=json.dumps(data))], structured_content=data)


def _snapshot_file(files: LocalFiles, save_to: str) -> SafeFile:
    """Where ``snapshot(save_to=...)`` writes: a folder (``x/``, ``.`` or an existing folder) gets a time-stamped
    name, else the last part is the file name (``.jpg`` added when missing)."""
    text = save_to.strip().replace("\\", "/")
    stamp = time.strftime("snapshot-%Y%m%d-%H%M%S.jpg")
    if not text or text.endswith("/") or files.is_folder(text):
        folder, name = text, stamp
    else:
        folder, _, name = text.rpartition("/")
        if name in (".", ".."):
            folder, name = text, stamp
        elif not name.lower().endswith(IMAGE_SUFFIXES):
            name += ".jpg"
    return files.target(folder or None, name, suffixes=IMAGE_SUFFIXES, what="snapshot")
