"""Reboot, backup and restore as one flow for every front end: the ``reboot``, ``backup_config`` and
``restore_config`` tools and ``recamera-mcp reboot|backup|restore`` all call these. No MCP here.

A destructive step asks through a :data:`~recamera_mcp.server.models_confirm.Confirm` callback (the tool's: a token
or an elicitation; the command line's: the terminal); while it answers a request, nothing has happened and the
flow returns its answer undone. Progress goes to a ``progress(done, total, message)`` callback; ``on_restart(client)``
lets the front end drop what a restart kills (warm RTSP readers)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from recamera_mcp.client import (
    MAX_BACKUP_BYTES,
    DeviceApiError,
    NotSupported,
    ReCameraClient,
    RestorePlan,
    Revert,
    ValidationError,
    WaitPolicy,
    file_digest,
    inspect_config_archive,
    parse_backup,
)
from recamera_mcp.server.files import LocalFiles
from recamera_mcp.server.models_confirm import Confirm
from recamera_mcp.server.models_system import BackupOutput, RebootOutput, RestoreOutput

__all__ = ["RESTART_WAIT", "OnRestart", "Progress", "backup", "reboot", "restore"]

Progress = Callable[[float, float | None, str], Awaitable[None]]
OnRestart = Callable[[ReCameraClient], Awaitable[None]]
Record = Callable[[str, Revert | None], None]
RESTART_WAIT = WaitPolicy(interval_s=2.0, timeout_s=300.0, down_within_s=120.0)
"""reboot and factory reset: poll every 2 s, for at most 5 min, until the camera is back."""
REBOOT_SUMMARY = "restart the camera: it is offline about a minute; recording, streams and inference stop meanwhile"


async def _restarted(client: ReCameraClient, on_restart: OnRestart | None) -> None:
    if on_restart is not None:
        await on_restart(client)


async def reboot(
    client: ReCameraClient,
    confirm: Confirm,
    *,
    wait: bool = True,
    policy: WaitPolicy = RESTART_WAIT,
    progress: Progress | None = None,
    on_restart: OnRestart | None = None,
) -> RebootOutput:
    """Restart the camera once confirmed; with ``wait``, return once it is back and logged in again."""
    key = client.address.key
    request = await confirm(key, {"host": key}, REBOOT_SUMMARY, None)
    if request is not None:
        return RebootOutput(host=key, rebooted=False, confirmation=request)
    started = await client.system.reboot()
    await _restarted(client, on_restart)
    if not wait:
        return RebootOutput(host=key, rebooted=True)
    back = await client.system.wait_restart(policy, progress=progress, started=started)
    return RebootOutput(
        host=key, rebooted=True, back=back.logged_in, down_s=back.down_s, elapsed_s=back.elapsed_s,
        firmware=back.firmware,
    )  # fmt: skip


def _stamp(created_utc: str) -> str:
    return created_utc.replace("-", "").replace(":", "").replace("+0000", "Z").replace("+00:00", "Z")


async def backup(
    client: ReCameraClient,
    files: LocalFiles,
    folder: str | None = None,
    *,
    reveal_secrets: bool = False,
    progress: Progress | None = None,
) -> BackupOutput:
    """Save the camera's own config export (.tar) and a readable JSON of every config area (secrets masked unless
    ``reveal_secrets``) into ``folder`` under the files root: 0600 files, never over an existing one."""
    files.folder(folder)  # a folder outside the files root is refused before anything is read
    if progress is not None:
        await progress(0, 2, "reading every config area")
    saved = await client.system.backup(reveal_secrets=reveal_secrets)
    base = f"{saved.serial or client.address.host}-{_stamp(saved.created_utc)}"
    with files.target(folder, f"{base}.json", suffixes=(".json",), what="backup") as sink:
        json_path = sink.write_bytes(saved.model_dump_json(indent=2).encode())
    if progress is not None:
        await progress(1, 2, "downloading the device's config archive")
    note = None
    try:
        with files.target(folder, f"{base}.tar", suffixes=(".tar",), what="backup") as sink:
            archive = await client.system.export_config(sink)
    except (DeviceApiError, NotSupported) as exc:
        archive, note = None, f"the device's own archive could not be saved: {exc}"
    if progress is not None:
        await progress(2, 2, "saved")
    return BackupOutput(
        host=client.address.key, json_path=str(json_path), archive_path=archive.path if archive else None,
        archive_bytes=archive.size_bytes if archive else None, areas=len(saved.areas),
        unavailable=saved.unavailable, secrets_masked=saved.secrets_masked, serial=saved.serial,
        firmware=saved.firmware, created_utc=saved.created_utc, note=note,
    )  # fmt: skip


async def restore(
    client: ReCameraClient,
    path: Path,
    areas: list[str] | None,
    confirm: Confirm,
    *,
    policy: WaitPolicy = RESTART_WAIT,
    progress: Progress | None = None,
    on_restart: OnRestart | None = None,
    record: Record | None = None,
) -> RestoreOutput:
    """Apply a backup (a ``backup`` .json, area by area, or the device's own .tar, imported whole and applied by a
    restart) once confirmed; the diff comes first. ``record(host, revert)`` keeps what undoes each restored area."""
    with path.open("rb") as handle:
        is_json = handle.read(1) == b"{"
    if not is_json:
        return await _import_archive(client, path, areas, confirm, policy, progress, on_restart)
    if path.stat().st_size > MAX_BACKUP_BYTES:
        raise ValidationError(f"{path.name} is too large for a backup", "give a backup_config .json")
    raw = path.read_bytes()
    saved = parse_backup(raw)
    key = client.address.key
    plan = await client.system.restore(saved, areas, dry_run=True, source=path.name)
    if not any(a.changes for a in plan.areas):
        return RestoreOutput(host=key, done=True, plan=plan)
    digest = hashlib.sha256(raw).hexdigest()
    args = {"src": str(path), "sha256": digest, "areas": sorted(areas) if areas is not None else None}
    shown = {a.area: [f"{c.field}: {c.before!r} -> {c.after!r}" for c in a.changes][:10] for a in plan.areas}
    details = {k: v for k, v in shown.items() if v}
    summary = f"restore {path.name} (from {saved.host}, {saved.created_utc}): {plan.summary}"
    request = await confirm(key, args, summary, details)
    if request is not None:
        return RestoreOutput(host=key, done=False, plan=plan, confirmation=request)
    done = await client.system.restore(saved, areas, dry_run=False, source=path.name)
    for area in done.areas:  # each area is one step of undo_last_change
        if record is not None:
            record(key, area.revert)
    return RestoreOutput(host=key, done=True, plan=done)


async def _import_archive(
    client: ReCameraClient,
    path: Path,
    areas: list[str] | None,
    confirm: Confirm,
    policy: WaitPolicy,
    progress: Progress | None,
    on_restart: OnRestart | None,
) -> RestoreOutput:
    """The device's own export: checked, confirmed, uploaded (resumable), then the restart the device needs to
    apply it, waited for."""
    if areas is not None:
        raise ValidationError(
            "areas apply to a backup_config .json; the device's archive is imported whole",
            "leave areas out, or restore the .json written next to the archive",
            field="areas",
        )
    archive = await asyncio.to_thread(inspect_config_archive, path)
    key = client.address.key
    origin = f"serial {archive.serial}, firmware {archive.firmware}" if archive.serial else "origin not recorded"
    plan = RestorePlan(
        source=path.name, kind="archive", source_serial=archive.serial, source_firmware=archive.firmware,
        summary=f"the camera replaces its configuration with the archive's ({archive.members} files, {origin}) and "
        "restarts to apply it (offline about a minute)",
    )  # fmt: skip
    digest = await asyncio.to_thread(file_digest, path)
    request = await confirm(key, {"src": str(path), "sha256": digest, "kind": "archive"}, plan.summary, archive)
    if request is not None:
        return RestoreOutput(host=key, done=False, plan=plan, confirmation=request)

    async def uploading(done: int, total: int, note: str) -> None:
        if progress is not None:
            await progress(50 * done / max(total, 1), 100, note or f"uploading {path.name}: {done} of {total} bytes")

    message = await client.system.import_config(archive, uploading)
    started = await client.system.reboot()
    await _restarted(client, on_restart)

    async def restarting(done: float, total: float | None, text: str) -> None:
        if progress is not None:
            await progress(50 + 50 * done / (total or 1), 100, text)

    back = await client.system.wait_restart(policy, progress=restarting, started=started)
    plan.summary = (
        f"{message}; the camera restarted in {back.elapsed_s:.0f} s and applied it (firmware {back.firmware})"
    )
    return RestoreOutput(host=key, done=True, plan=plan)
