"""The firmware flow for every front end (the ``firmware`` tool and ``recamera-mcp firmware``): check for an update,
upgrade from the network or a local .tar once confirmed and wait until the camera is back on the new version, or
read a running upgrade's status. No MCP here: confirmation, progress and the restart hook are callbacks, as in
``server/system.py``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from recamera_mcp.client import (
    DeviceTimeout,
    DeviceUnreachable,
    FirmwareCheck,
    FirmwareWait,
    ReCameraClient,
    UpgradeJob,
    inspect_firmware_file,
)
from recamera_mcp.server.models_confirm import Confirm
from recamera_mcp.server.models_firmware import FirmwareOutput
from recamera_mcp.server.system import OnRestart, Progress

__all__ = ["INSTALL_WARNING", "FirmwareAction", "firmware"]


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


class _Run:
    """One firmware call: the camera, the callbacks, the wait policy."""

    def __init__(
        self,
        client: ReCameraClient,
        confirm: Confirm,
        policy: FirmwareWait,
        progress: Progress | None,
        on_restart: OnRestart | None,
    ) -> None:
        self.client, self.confirm, self.policy = client, confirm, policy
        self.progress, self.on_restart = progress, on_restart

    async def watch(self, job: UpgradeJob, offset: float = 0.0) -> FirmwareOutput:
        """Watch the upgrade to its end; its progress fills ``offset`` .. 100 % (an upload came first)."""

        async def progress(done: float, total: float | None, message: str) -> None:
            if self.progress is not None:
                await self.progress(offset + (100 - offset) * done / (total or 100), 100, message)

        result = await self.client.firmware.watch(job, self.policy, progress)
        if self.on_restart is not None:
            await self.on_restart(self.client)
        return FirmwareOutput(
            host=self.client.address.key, action="upgrade", done=True, current=result.to_version, result=result,
            note=f"firmware {result.from_version} -> {result.to_version} in {result.elapsed_s:.0f} s",
        )  # fmt: skip

    async def status(self) -> FirmwareOutput:
        client = self.client
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
        return FirmwareOutput(
            host=key, action="status", done=not running, updating=running, progress=progress, note=note
        )

    async def network(self, action: FirmwareAction, release_url: str | None, wait: bool) -> FirmwareOutput:
        client = self.client
        key = client.address.key
        try:
            check = await client.firmware.check(release_url)
        except (DeviceUnreachable, DeviceTimeout):
            if action != FirmwareAction.UPGRADE or client.firmware.job is None:
                raise
            return await self.watch(client.firmware.job)  # cut off while it installs: wait again
        if action == FirmwareAction.UPGRADE and client.firmware.job is not None:
            return await self.watch(client.firmware.job)  # ours, its wait was cut off: finish it
        if action == FirmwareAction.CHECK or (not check.updating and not check.update_available):
            note = None if action == FirmwareAction.CHECK else f"{check.current} is the latest release: nothing to do"
            return _checked(key, action.value, check, done=True, note=note)
        if not check.updating:
            args = {"action": "upgrade", "source": release_url, "target": check.latest}
            summary = f"upgrade the firmware {check.current} -> {check.latest}: {INSTALL_WARNING}"
            request = await self.confirm(key, args, summary, None)
            if request is not None:
                return _checked(key, "upgrade", check, done=False, confirmation=request)
        job = await client.firmware.start_network(expected=None if check.updating else check.latest,
                                                  release_url=release_url)  # fmt: skip
        if not wait:
            return _checked(key, "upgrade", check, done=False, updating=True,
                            note='started: follow it with firmware(action="status")')  # fmt: skip
        return await self.watch(job)

    async def local(self, action: FirmwareAction, file: Path, wait: bool) -> FirmwareOutput:
        """check or upgrade with a local firmware .tar, checked before anything is sent."""
        client = self.client
        key = client.address.key
        checked = await inspect_firmware_file(file)
        current = (await client.system.status()).firmware
        if action == FirmwareAction.CHECK:
            return FirmwareOutput(host=key, action="check", done=True, current=current, file=checked)
        args = {"action": "upgrade", "file": checked.path, "md5": checked.md5}
        summary = f"install {checked.path} ({checked.version or 'version not given'}) over {current}: {INSTALL_WARNING}"
        request = await self.confirm(key, args, summary, checked)
        if request is not None:
            return FirmwareOutput(
                host=key, action="upgrade", done=False, current=current, file=checked, confirmation=request
            )
        name = Path(checked.path).name

        async def uploading(done: int, total: int, note: str) -> None:
            if self.progress is not None:
                shown = note or f"uploading {name}: {done / 1e6:.1f} of {total / 1e6:.1f} MB"
                await self.progress(UPLOAD_SHARE * done / max(total, 1), 100, shown)

        job = await client.firmware.start_file(checked, uploading)
        if not wait:
            return FirmwareOutput(
                host=key, action="upgrade", done=False, current=current, file=checked, updating=True,
                note='uploaded, install started: follow it with firmware(action="status")',
            )  # fmt: skip
        return await self.watch(job, UPLOAD_SHARE)


async def firmware(
    client: ReCameraClient,
    action: FirmwareAction | str,
    confirm: Confirm,
    *,
    source: str | Path | None = None,
    wait: bool = True,
    policy: FirmwareWait | None = None,
    progress: Progress | None = None,
    on_restart: OnRestart | None = None,
) -> FirmwareOutput:
    """Firmware ``check``, ``status`` or ``upgrade``: ``source`` is a local firmware .tar (a :class:`Path`), an
    http(s) release repo URL, or None (the camera's own release channel). An upgrade is confirmed first, then
    watched until the camera is back; a running upgrade is watched, never restarted."""
    run = _Run(client, confirm, policy or FirmwareWait(), progress, on_restart)
    action = FirmwareAction(action)
    if action == FirmwareAction.STATUS:
        return await run.status()
    if isinstance(source, Path):
        return await run.local(action, source, wait)
    return await run.network(action, source, wait)
