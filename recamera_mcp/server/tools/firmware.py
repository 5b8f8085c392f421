"""The firmware tool (system toolset): check for an update, upgrade (from the network or a local .tar) after a
confirmation and wait until the camera is back on the new version, or read a running upgrade's status."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import (
    DeviceTimeout,
    DeviceUnreachable,
    FirmwareCheck,
    ReCameraClient,
    UpgradeJob,
    inspect_firmware_file,
)
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.local_files import local_file
from recamera_mcp.server.models_firmware import FirmwareOutput
from recamera_mcp.server.progress import Progress, progress_to
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host
from recamera_mcp.server.tools.system import Wait, forget_streams


class FirmwareAction(StrEnum):
    CHECK = "check"
    UPGRADE = "upgrade"
    STATUS = "status"


INSTALL_WARNING = "the camera installs and restarts, offline for minutes: keep it powered"
UPLOAD_SHARE = 30.0
"""Of a local-file upgrade's progress (0-100), the part the upload fills; the download/install watch the rest."""


def _checked(key: str, action: str, check: FirmwareCheck, **extra: Any) -> FirmwareOutput:
    fields: dict[str, Any] = {
        "current": check.current, "latest": check.latest, "update_available": check.update_available,
        "updating": check.updating, "progress": check.progress,
    }  # fmt: skip
    return FirmwareOutput(host=key, action=action, **{**fields, **extra})


async def _watch(
    ctx: Context[Any, Any],
    state: ServerState,
    client: ReCameraClient,
    job: UpgradeJob,
    report: Progress | None = None,
    offset: float = 0.0,
) -> FirmwareOutput:
    """Watch the upgrade to its end; its progress fills ``offset`` .. 100 % of ``report`` (an upload came first)."""
    sink = report or progress_to(ctx)

    async def progress(done: float, total: float | None, message: str) -> None:
        await sink(offset + (100 - offset) * done / (total or 100), 100, message)

    result = await client.firmware.watch(job, state.options.firmware_wait, progress)
    await forget_streams(state, client)
    return FirmwareOutput(
        host=client.address.key, action="upgrade", done=True, current=result.to_version, result=result,
        note=f"firmware {result.from_version} -> {result.to_version} in {result.elapsed_s:.0f} s",
    )  # fmt: skip


async def _status(client: ReCameraClient) -> FirmwareOutput:
    key, job = client.address.key, client.firmware.job
    try:
        progress = await client.firmware.progress()
    except (DeviceUnreachable, DeviceTimeout):
        if job is None:
            raise
        return FirmwareOutput(
            host=key, action="status", done=False, updating=True, current=job.from_version,
            note=f"the camera does not answer: it is installing {job.target_version or 'the new firmware'}; "
            'call firmware(action="upgrade") to wait until it is back',
        )  # fmt: skip
    running = progress.running or job is not None
    note = 'call firmware(action="upgrade") to wait until it is back' if running else None
    return FirmwareOutput(host=key, action="status", done=not running, updating=running, progress=progress, note=note)


@tool("system", "Camera firmware: check, upgrade, status", read_only=False, destructive=True)
async def firmware(
    host: Host,
    action: Annotated[FirmwareAction, Field(description="What to do")],
    ctx: Context[Any, Any],
    file_path: Annotated[
        str | None, Field(description="Upgrade from a local firmware .tar, or an http(s) release repo URL")
    ] = None,
    confirm_token: ConfirmTokenArg = None,
    wait: Wait = True,
) -> FirmwareOutput | InputRequiredResult:
    """Firmware check, status, or upgrade: confirmed first, then waits until the camera is back and reports old ->
    new version. A running upgrade is watched, never restarted."""
    with tool_errors(f"firmware {action} on {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)
        key = client.address.key
        action = FirmwareAction(action)
        if action == FirmwareAction.STATUS:
            return await _status(client)
        local = file_path is not None and not file_path.lower().startswith(("http://", "https://"))
        if local:
            assert file_path is not None
            return await _from_file(ctx, state, client, action, file_path, confirm_token, wait)
        try:
            check = await client.firmware.check(file_path)
        except (DeviceUnreachable, DeviceTimeout):
            if action != FirmwareAction.UPGRADE or client.firmware.job is None:
                raise
            return await _watch(ctx, state, client, client.firmware.job)  # cut off while it installs: wait again
        if action == FirmwareAction.UPGRADE and client.firmware.job is not None:
            return await _watch(ctx, state, client, client.firmware.job)  # ours, its wait was cut off: finish it
        if action == FirmwareAction.CHECK or (not check.updating and not check.update_available):
            note = None if action == FirmwareAction.CHECK else f"{check.current} is the latest release: nothing to do"
            return _checked(key, action.value, check, done=True, note=note)
        if not check.updating:
            args = {"action": "upgrade", "source": file_path, "target": check.latest}
            summary = f"upgrade the firmware {check.current} -> {check.latest}: {INSTALL_WARNING}"
            decision = await require_confirmation(ctx, "firmware", key, args, confirm_token, summary)
            if isinstance(decision, Pending):
                return decision.input_required or _checked(
                    key, "upgrade", check, done=False, confirmation=decision.request
                )
        job = await client.firmware.start_network(expected=None if check.updating else check.latest,
                                                  release_url=file_path)  # fmt: skip
        if not wait:
            return _checked(key, "upgrade", check, done=False, updating=True,
                            note='started: follow it with firmware(action="status")')  # fmt: skip
        return await _watch(ctx, state, client, job)


async def _from_file(
    ctx: Context[Any, Any],
    state: ServerState,
    client: ReCameraClient,
    action: FirmwareAction,
    file_path: str,
    confirm_token: str | None,
    wait: bool,
) -> FirmwareOutput | InputRequiredResult:
    """check or upgrade with a local firmware .tar, checked before anything is sent."""
    key = client.address.key
    checked = await inspect_firmware_file(local_file(file_path, "file_path"))
    current = (await client.system.status()).firmware
    if action == FirmwareAction.CHECK:
        return FirmwareOutput(host=key, action="check", done=True, current=current, file=checked)
    args = {"action": "upgrade", "file": checked.path, "md5": checked.md5}
    summary = f"install {checked.path} ({checked.version or 'version not given'}) over {current}: {INSTALL_WARNING}"
    decision = await require_confirmation(ctx, "firmware", key, args, confirm_token, summary, checked)
    if isinstance(decision, Pending):
        return decision.input_required or FirmwareOutput(
            host=key, action="upgrade", done=False, current=current, file=checked, confirmation=decision.request
        )
    report = progress_to(ctx)
    name = Path(checked.path).name

    async def uploading(done: int, total: int, note: str) -> None:
        shown = note or f"uploading {name}: {done / 1e6:.1f} of {total / 1e6:.1f} MB"
        await report(UPLOAD_SHARE * done / max(total, 1), 100, shown)

    job = await client.firmware.start_file(checked, uploading)
    if not wait:
        return FirmwareOutput(
            host=key, action="upgrade", done=False, current=current, file=checked, updating=True,
            note='uploaded, install started: follow it with firmware(action="status")',
        )  # fmt: skip
    return await _watch(ctx, state, client, job, report, UPLOAD_SHARE)
