"""The system area: get_device_status (core), and in the system toolset reboot, factory_reset (both confirmed, then
a bounded wait for the camera), backup_config and restore_config (the client's system area)."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import (
    DEVICE_SPECIFIC_AREAS,
    MAX_BACKUP_BYTES,
    ConfigArea,
    DeviceApiError,
    DeviceStatus,
    DeviceTimeout,
    NotSupported,
    ReCameraClient,
    RestorePlan,
    ValidationError,
    inspect_config_archive,
    parse_backup,
)
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.local_files import local_file
from recamera_mcp.server.models_system import BackupOutput, FactoryResetOutput, RebootOutput, RestoreOutput
from recamera_mcp.server.permissions import ask_switch
from recamera_mcp.server.progress import progress_to
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

Wait = Annotated[bool, Field(description="Wait until the camera is back (bounded, with progress)")]


async def device_status(state: ServerState, host: str) -> DeviceStatus:
    """The status of ``host`` (logs in like every tool); shared by the tool and the device status resource."""
    with tool_errors(f"get_device_status on {host}"):
        client = await state.sessions.client(host)
        return await client.system.status()


@tool("core", "Camera status", read_only=True)
async def get_device_status(host: Host, ctx: Context[Any, Any]) -> DeviceStatus:
    """Serial, firmware, sensor, CPU/NPU/memory/storage use, clock and battery of a camera, in one call."""
    return await device_status(server_state(ctx), host)


async def forget_streams(state: ServerState, client: ReCameraClient) -> None:
    """The camera restarted: its warm RTSP readers are dead (the client already forgot its storage relay)."""
    await asyncio.to_thread(state.warm_readers.drop_host, client.address.host)


@tool("system", "Reboot a camera", read_only=False, destructive=True)
async def reboot(
    host: Host, ctx: Context[Any, Any], confirm_token: ConfirmTokenArg = None, wait: Wait = True
) -> RebootOutput | InputRequiredResult:
    """Restart a camera (asks for confirmation first); with wait, returns once it is back and logged in again."""
    with tool_errors(f"reboot of {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)
        key = client.address.key
        summary = "restart the camera: it is offline about a minute; recording, streams and inference stop meanwhile"
        decision = await require_confirmation(ctx, "reboot", key, {"host": key}, confirm_token, summary)
        if isinstance(decision, Pending):
            return decision.input_required or RebootOutput(host=key, rebooted=False, confirmation=decision.request)
        started = await client.system.reboot()
        await forget_streams(state, client)
        if not wait:
            return RebootOutput(host=key, rebooted=True)
        back = await client.system.wait_restart(state.options.restart_wait, progress=progress_to(ctx), started=started)
        return RebootOutput(
            host=key, rebooted=True, back=back.logged_in, down_s=back.down_s, elapsed_s=back.elapsed_s,
            firmware=back.firmware,
        )  # fmt: skip


def _subnet(host: str) -> str | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@tool("system", "Factory-reset a camera", read_only=False, destructive=True)
async def factory_reset(
    host: Host, ctx: Context[Any, Any], confirm_token: ConfirmTokenArg = None
) -> FactoryResetOutput | InputRequiredResult:
    """Erase every setting and the password (asks for confirmation first), then wait for the camera to come back.
    The factory password must be changed at the next login; the camera may come back on another address."""
    with tool_errors(f"factory_reset of {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)
        key = client.address.key
        lan = await client.config.get(ConfigArea.LAN)
        found = lan.get("dIpv4")
        ipv4: dict[str, Any] = found if isinstance(found, dict) else {}
        find = f"discover_devices(subnet={_subnet(client.address.host) or '<its subnet>'!r})"
        details = {
            "erased": "every setting (network, video, image, recording, notifications, Wi-Fi, HTTP API key)",
            "password": "back to the factory one: the next login must change it",
            "address": f"now {ipv4.get('sV4Address') or client.address.host} ({ipv4.get('sV4Method') or '?'}); "
            f"afterwards it uses DHCP and may come back on another address: find it with {find}",
        }
        summary = "factory reset: erase every setting and the password, then the camera restarts"
        decision = await require_confirmation(ctx, "factory_reset", key, {"host": key}, confirm_token, summary, details)
        if isinstance(decision, Pending):
            return decision.input_required or FactoryResetOutput(host=key, reset=False, confirmation=decision.request)
        started = await client.system.factory_reset()
        # the user confirmed the reset: the camera may come back with a new login key and certificate, its own
        server_state(ctx).pins.forget(client.pin_key)
        await forget_streams(state, client)
        session = state.sessions.get_or_none(key)
        if session is not None:  # the configured password no longer works: never try it (lockouts are real)
            session.blocked = (
                f"{key} was factory reset: log in with the factory password (login(host, password=...)), then "
                "change_password"
            )
        login = f"login(host={key!r}, password=<the factory password>), then change_password (the device demands it)"
        try:
            back = await client.system.wait_restart(
                state.options.restart_wait, login=False, progress=progress_to(ctx), started=started,
                what="factory reset",
            )  # fmt: skip
        except DeviceTimeout:
            return FactoryResetOutput(
                host=key, reset=True, back=False,
                next_steps=[f"it did not come back at {key}: it probably has a new address (DHCP); find it with "
                            f"{find}", f"then {login}"],
            )  # fmt: skip
        return FactoryResetOutput(
            host=key, reset=True, back=True, elapsed_s=back.elapsed_s,
            next_steps=[login, f"if it moves to another address later (DHCP), find it with {find}"],
        )  # fmt: skip


def _stamp(created_utc: str) -> str:
    return created_utc.replace("-", "").replace(":", "").replace("+0000", "Z").replace("+00:00", "Z")


@tool("system", "Back up a camera's configuration", read_only=False, idempotent=False)
async def backup_config(
    host: Host,
    ctx: Context[Any, Any],
    dest_dir: Annotated[str | None, Field(description="Folder under the server's files root (default: root)")] = None,
    reveal_secrets: Annotated[bool, Field(description="Ask to keep passwords and keys in the JSON")] = False,
) -> BackupOutput | InputRequiredResult:
    """Save the camera's own config export (.tar) and a readable JSON of every config area (secrets masked)."""
    with tool_errors(f"backup_config of {host}"):
        state = server_state(ctx)
        state.files.folder(dest_dir)  # a folder outside the files root is refused before anything is read
        client = await state.sessions.client(host)
        reveal = await ask_switch(
            ctx, "reveal_secrets", reveal_secrets, tool="backup_config", host=client.address.key, args={},
            what="write the camera's passwords and keys unmasked into a backup file",
        )  # fmt: skip
        if isinstance(reveal, InputRequiredResult):
            return reveal
        await ctx.report_progress(0, 2, "reading every config area")
        backup = await client.system.backup(reveal_secrets=reveal)
        base = f"{backup.serial or client.address.host}-{_stamp(backup.created_utc)}"
        with state.files.target(dest_dir, f"{base}.json", suffixes=(".json",), what="backup") as sink:
            json_path = sink.write_bytes(backup.model_dump_json(indent=2).encode())  # 0600, like every file here
        await ctx.report_progress(1, 2, "downloading the device's config archive")
        note = None
        try:
            with state.files.target(dest_dir, f"{base}.tar", suffixes=(".tar",), what="backup") as sink:
                archive = await client.system.export_config(sink)
        except (DeviceApiError, NotSupported) as exc:
            archive, note = None, f"the device's own archive could not be saved: {exc}"
        return BackupOutput(
            host=client.address.key, json_path=str(json_path), archive_path=archive.path if archive else None,
            archive_bytes=archive.size_bytes if archive else None, areas=len(backup.areas),
            unavailable=backup.unavailable, secrets_masked=backup.secrets_masked, serial=backup.serial,
            firmware=backup.firmware, created_utc=backup.created_utc, note=note,
        )  # fmt: skip


AREA_NAMES = ", ".join(a.value for a in DEVICE_SPECIFIC_AREAS)


@tool("system", "Restore a configuration backup", read_only=False, destructive=True)
async def restore_config(
    host: Host,
    src_path: Annotated[str, Field(description="A backup_config .json (or the device's .tar)")],
    ctx: Context[Any, Any],
    areas: Annotated[list[str] | None, Field(description=f"Config areas; default all but {AREA_NAMES}")] = None,
    confirm_token: ConfirmTokenArg = None,
) -> RestoreOutput | InputRequiredResult:
    """Apply a backup of this or another camera, area by area; the first call shows the diff and asks for
    confirmation. This camera's address and storage slot stay unless named in areas."""
    with tool_errors(f"restore_config onto {host}"):
        path = local_file(src_path)
        with path.open("rb") as handle:
            is_json = handle.read(1) == b"{"
        if not is_json:
            return await _import_archive(ctx, host, path, areas, confirm_token)
        if path.stat().st_size > MAX_BACKUP_BYTES:
            raise ValidationError(f"{path.name} is too large for a backup", "give a backup_config .json")
        raw = path.read_bytes()
        backup = parse_backup(raw)
        client = await server_state(ctx).sessions.client(host)
        key = client.address.key
        plan = await client.system.restore(backup, areas, dry_run=True, source=path.name)
        if not any(a.changes for a in plan.areas):
            return RestoreOutput(host=key, done=True, plan=plan)
        digest = hashlib.sha256(raw).hexdigest()
        args = {"src": str(path), "sha256": digest, "areas": sorted(areas) if areas is not None else None}
        shown = {a.area: [f"{c.field}: {c.before!r} -> {c.after!r}" for c in a.changes][:10] for a in plan.areas}
        details = {k: v for k, v in shown.items() if v}
        summary = f"restore {path.name} (from {backup.host}, {backup.created_utc}): {plan.summary}"
        decision = await require_confirmation(ctx, "restore_config", key, args, confirm_token, summary, details)
        if isinstance(decision, Pending):
            return decision.input_required or RestoreOutput(
                host=key, done=False, plan=plan, confirmation=decision.request
            )
        done = await client.system.restore(backup, areas, dry_run=False, source=path.name)
        for area in done.areas:  # each area is one step of undo_last_change
            server_state(ctx).changes.record(key, "restore_config", area.revert)
        return RestoreOutput(host=key, done=True, plan=done)


async def _import_archive(
    ctx: Context[Any, Any], host: str, path: Path, areas: list[str] | None, confirm_token: str | None
) -> RestoreOutput | InputRequiredResult:
    """restore_config with the device's own export: checked, confirmed, uploaded (resumable), then the restart the
    device needs to apply it, waited for."""
    if areas is not None:
        raise ValidationError(
            "areas apply to a backup_config .json; the device's archive is imported whole",
            "leave areas out, or restore the .json written next to the archive",
            field="areas",
        )
    archive = await asyncio.to_thread(inspect_config_archive, path)
    state = server_state(ctx)
    client = await state.sessions.client(host)
    key = client.address.key
    origin = f"serial {archive.serial}, firmware {archive.firmware}" if archive.serial else "origin not recorded"
    plan = RestorePlan(
        source=path.name, kind="archive", source_serial=archive.serial, source_firmware=archive.firmware,
        summary=f"the camera replaces its configuration with the archive's ({archive.members} files, {origin}) and "
        "restarts to apply it (offline about a minute)",
    )  # fmt: skip
    digest = await asyncio.to_thread(file_sha256, path)
    args = {"src": str(path), "sha256": digest, "kind": "archive"}
    decision = await require_confirmation(ctx, "restore_config", key, args, confirm_token, plan.summary, archive)
    if isinstance(decision, Pending):
        return decision.input_required or RestoreOutput(host=key, done=False, plan=plan, confirmation=decision.request)
    report = progress_to(ctx)

    async def uploading(done: int, total: int, note: str) -> None:
        await report(50 * done / max(total, 1), 100, note or f"uploading {path.name}: {done} of {total} bytes")

    message = await client.system.import_config(archive, uploading)
    started = await client.system.reboot()
    await forget_streams(state, client)

    async def restarting(done: float, total: float | None, text: str) -> None:
        await report(50 + 50 * done / (total or 1), 100, text)

    back = await client.system.wait_restart(state.options.restart_wait, progress=restarting, started=started)
    plan.summary = (
        f"{message}; the camera restarted in {back.elapsed_s:.0f} s and applied it (firmware {back.firmware})"
    )
    return RestoreOutput(host=key, done=True, plan=plan)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
