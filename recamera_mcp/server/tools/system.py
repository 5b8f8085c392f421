"""The system area: get_device_status (core), and in the system toolset reboot, factory_reset (both confirmed, then
a bounded wait for the camera), backup_config and restore_config (the client's system area). Reboot, backup and
restore run the flows of ``server/system.py``, which the command line runs too."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import DEVICE_SPECIFIC_AREAS, ConfigArea, DeviceStatus, DeviceTimeout, ReCameraClient, Revert
from recamera_mcp.server import system
from recamera_mcp.server.confirm import AskTool, ConfirmTokenArg, Pending, require_confirmation
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
        ask = AskTool(ctx, "reboot", confirm_token)
        out = await system.reboot(
            client, ask, wait=wait, policy=state.options.restart_wait, progress=progress_to(ctx),
            on_restart=lambda c: forget_streams(state, c),
        )  # fmt: skip
        return ask.input_required or out


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
        return await system.backup(client, state.files, dest_dir, reveal_secrets=reveal, progress=progress_to(ctx))


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
        state = server_state(ctx)
        client = await state.sessions.client(host)
        ask = AskTool(ctx, "restore_config", confirm_token)

        def record(key: str, revert: Revert | None) -> None:
            state.changes.record(key, "restore_config", revert)

        out = await system.restore(
            client, path, areas, ask, policy=state.options.restart_wait, progress=progress_to(ctx),
            on_restart=lambda c: forget_streams(state, c), record=record,
        )  # fmt: skip
        return ask.input_required or out
