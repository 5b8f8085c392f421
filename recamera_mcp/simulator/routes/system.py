"""The system area (10xxx): device info, resources, battery, the dynamic fields of ``/system/time``, and
maintenance (reboot, two-phase factory reset, firmware version, config export and import).

- ``POST /system/reboot`` answers, then the device goes down (connection refused) for ``settings.reboot_s`` and
  comes back with every session invalidated (see ``fleet.py``). A pending config import is applied on the way.
- ``POST /system/factory-reset``: an empty body answers ``sConfirmToken`` (valid ``factory_reset_token_ttl_s``,
  single use); the token back resets every config, restores the factory password with must-change (``iAuth 2``)
  and reboots.
- ``GET /config/export`` builds a real tar of the configs as JSON (one ``<path>.json`` per config object plus a
  ``manifest.json`` with the serial and firmware), served (with the login cookie) at raw ``/download/config.tar``
  for ``config_export_ttl_s``; ``POST /config/upload`` (resumable) validates such a tar strictly ("Invalid config
  archive: ...") and keeps it until the next reboot ("config import pending reboot"): any reboot applies it (a
  factory reset drops it). An import never changes what is the camera's own: :data:`DEVICE_SPECIFIC` configs
  (``/network/lan``: addresses, DNS, MAC; ``/record/storage/config``: its storage slot) stay, read-only fields
  (``rtsp.sURL``, the LAN MAC, encode ``id``) stay, the clock stays (``/system/time`` takes the method, NTP server
  and zone but not ``iTimestamp``), and the manifest's serial and firmware are ignored. Never in an export: the
  password, the login secret, the HTTPS certificate, Wi-Fi networks, models and recordings.
"""

from __future__ import annotations

import io
import json
import math
import secrets
import tarfile
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.dialects import installed_version
from recamera_mcp.simulator.errors import Module, SimError, invalid
from recamera_mcp.simulator.routes.common import data, device_of, read_object, success
from recamera_mcp.simulator.routes.config import ConfigHooks
from recamera_mcp.simulator.routes.diagnosis import pin_resources
from recamera_mcp.simulator.routes.uploads import Upload, resumable
from recamera_mcp.simulator.schemas import ALL_SPECS, apply_write
from recamera_mcp.simulator.state import DeviceState


async def device_info(request: Request) -> Response:
    state = device_of(request)
    return data(
        {
            "sBasePlateModel": "Base Board-V1.0,Expand Board-V1.0",
            "sFirmwareVersion": firmware_version(state),
            "sSensorModel": "SC850SL",
            "sSerialNumber": state.settings.serial,
            "sDeviceName": f"reCamera2-{state.settings.serial[-4:]}",
        }
    )


def _wave(state: DeviceState, period: float, lo: int, hi: int) -> int:
    phase = (time.time() - state.boot_time) / period + state.index
    return int(lo + (hi - lo) * (0.5 + 0.5 * math.sin(phase)))


async def resource_info(request: Request) -> Response:
    state = device_of(request)
    mem_total = 4 * 1024 * 1024
    mem_used = _wave(state, 60, 900_000, 1_600_000)
    storage_total = 29_000_000
    storage_used = 3_400_000
    return data(
        {
            "iCpuUsage": _wave(state, 20, 8, 45),
            "iNpuUsage": _wave(state, 30, 0, 60),
            "iMemUsage": mem_used * 100 // mem_total,
            "iMemUsed": mem_used,
            "iMemTotal": mem_total,
            "sMem": f"{mem_used / 1024 / 1024:.1f}G/{mem_total / 1024 / 1024:.1f}G",
            "iStorageUsage": storage_used * 100 // storage_total,
            "iStorageUsed": storage_used,
            "iStorageTotal": storage_total,
            "sStorage": f"{storage_used / 1024 / 1024:.1f}G/{storage_total / 1024 / 1024:.1f}G",
        }
        | pin_resources(state, mem_total)
    )


async def battery(request: Request) -> Response:
    return data({"isAttached": False, "displaySteps": 0, "totalSteps": 4, "isCharging": False})


async def remain_space(request: Request) -> Response:
    return data({"availableDisk": 25_600_000})


def _time_on_read(state: DeviceState, request: Request, obj: dict[str, Any]) -> dict[str, Any]:
    offset = float(state.extras.get("time_offset", 0.0))
    obj["iTimestamp"] = int(time.time() + offset)
    return obj


def _time_after_write(state: DeviceState, obj: dict[str, Any]) -> None:
    if obj["sMethod"] == "manual":
        state.extras["time_offset"] = obj["iTimestamp"] - time.time()
    else:
        state.extras["time_offset"] = 0.0


# ---- maintenance ----------------------------------------------------------------------------------------------
_M = Module.DEVICE
EXPORT_URL = "/download/config.tar"
MANIFEST = "manifest.json"


@dataclass
class Maintenance:
    """Per-device maintenance state: reset tokens, the last export, a config import waiting for the reboot."""

    reset_tokens: dict[str, float] = field(default_factory=dict)
    """Token -> monotonic expiry."""
    export: bytes | None = None
    export_until: float = 0.0
    pending_import: dict[str, Any] | None = None


def maintenance_of(state: DeviceState) -> Maintenance:
    return state.area("maintenance", Maintenance)


def firmware_version(state: DeviceState) -> str:
    """The running firmware version (changed by a successful upgrade)."""
    return str(state.extras.get("firmware_version", installed_version(state)))


DEVICE_SPECIFIC = frozenset({"/network/lan", "/record/storage/config"})
"""Config objects a config import leaves as they are (the camera's network addresses, its storage slot)."""


def reboot_device(state: DeviceState) -> None:
    """Go down for ``settings.reboot_s``; a pending config import is applied when the camera boots."""
    state.reboot()


def _apply_import(state: DeviceState) -> None:
    """At boot: the pending import's configs, each written over the current one (read-only fields kept)."""
    box = maintenance_of(state)
    pending, box.pending_import = box.pending_import, None
    for path, body in (pending or {}).items():
        state.configs[path] = apply_write(ALL_SPECS[path], body, state.configs[path])


# ---- reboot and factory reset --------------------------------------------------------------------------------
async def reboot(request: Request) -> Response:
    state = device_of(request)
    response = success()
    response.background = BackgroundTask(reboot_device, state)
    return response


def _factory_reset(state: DeviceState) -> None:
    with state.lock:
        version = state.extras.get("firmware_version")
        state.reset_configs()
        if version is not None:
            state.extras["firmware_version"] = version  # a reset wipes /userdata, not the installed firmware
        state.auth.password = state.settings.password
        state.auth.must_change = True
    state.reboot()


async def factory_reset(request: Request) -> Response:
    state = device_of(request)
    body = await read_object(request, _M, allow_empty=True)
    unknown = set(body) - {"sConfirmToken"}
    if unknown:
        raise invalid(_M, f"Unknown parameter: {sorted(unknown)[0]}")
    tokens = maintenance_of(state).reset_tokens
    now = time.monotonic()
    with state.lock:
        for token, until in list(tokens.items()):
            if until <= now:
                del tokens[token]
        if "sConfirmToken" not in body:
            token = secrets.token_hex(16)
            tokens[token] = now + state.settings.factory_reset_token_ttl_s
            return JSONResponse({"code": 0, "message": "success", "sConfirmToken": token})
        given = body["sConfirmToken"]
        if not isinstance(given, str) or tokens.pop(given, None) is None:
            raise SimError(int(_M) + 1, "Invalid or expired sConfirmToken: request a new one", 403)
    response = success("Factory reset started")
    response.background = BackgroundTask(_factory_reset, state)
    return response


async def version(request: Request) -> Response:
    return data({"sCurrentVersion": firmware_version(device_of(request))})


# ---- config export / import -------------------------------------------------------------------------------------
def _member_name(path: str) -> str:
    return path.strip("/") + ".json"


def build_config_tar(state: DeviceState) -> bytes:
    """A tar with one JSON file per config object plus a manifest."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        files = {
            MANIFEST: {"sSerialNumber": state.settings.serial, "sFirmwareVersion": firmware_version(state)},
            **{_member_name(path): obj for path, obj in state.configs.items()},
        }
        for name, obj in files.items():
            raw = json.dumps(obj, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            info.mtime = int(time.time())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


async def config_export(request: Request) -> Response:
    state = device_of(request)
    archive = build_config_tar(state)
    with state.lock:
        box = maintenance_of(state)
        box.export = archive
        box.export_until = time.monotonic() + state.settings.config_export_ttl_s
    return data({"size": len(archive), "url": EXPORT_URL})


async def config_download(request: Request) -> Response:
    """Raw ``GET /download/config.tar``: needs the login cookie; gone ``config_export_ttl_s`` after the export."""
    state = device_of(request)
    check = state.auth.verify(request.cookies.get("token"))
    if not check.ok:
        return JSONResponse({"code": 401, "message": check.message}, status_code=401)
    box = maintenance_of(state)
    if box.export is None or time.monotonic() > box.export_until:
        box.export = None
        return JSONResponse({"code": 404, "message": "Not Found"}, status_code=404)
    return Response(
        box.export,
        media_type="application/x-tar",
        headers={"Content-Disposition": 'attachment; filename="config.tar"'},
    )


def parse_config_tar(path: Any) -> dict[str, Any]:
    """The config bodies of an exported tar (device-specific ones left out), each checked with the strict write
    rule; raises the device's error."""
    by_member = {_member_name(p): p for p in ALL_SPECS}
    configs: dict[str, Any] = {}
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for member in tar.getmembers():
                if member.name == MANIFEST or member.isdir():
                    continue
                spec_path = by_member.get(member.name)
                if spec_path is None or not member.isfile():
                    raise invalid(_M, f"Invalid config archive: unexpected member {member.name!r}")
                if spec_path in DEVICE_SPECIFIC:
                    continue
                handle = tar.extractfile(member)
                if handle is None or member.size > 1024 * 1024:
                    raise invalid(_M, f"Invalid config archive: unreadable member {member.name!r}")
                try:
                    body = json.loads(handle.read())
                except ValueError as exc:
                    raise invalid(_M, f"Invalid config archive: {member.name} is not JSON") from exc
                try:
                    apply_write(ALL_SPECS[spec_path], body)  # checked now, applied at the next boot
                    configs[spec_path] = body
                except SimError as exc:
                    raise invalid(_M, f"Invalid config archive: {member.name}: {exc.message}") from exc
    except tarfile.TarError as exc:
        raise invalid(_M, "Invalid config archive: not a tar file") from exc
    if not configs:
        raise invalid(_M, "Invalid config archive: no config files")
    return configs


async def _config_uploaded(state: DeviceState, request: Request, upload: Upload) -> Response:
    configs = parse_config_tar(upload.path)
    with state.lock:
        maintenance_of(state).pending_import = configs
    return success("config import pending reboot")


async def config_upload(request: Request) -> Response:
    return await resumable(request, _M, "config", _config_uploaded)


MAINTENANCE_ROUTES: list[BaseRoute] = [
    Route("/system/reboot", reboot, methods=["POST"]),
    Route("/system/factory-reset", factory_reset, methods=["POST"]),
    Route("/system/version", version, methods=["GET"]),
    Route("/config/export", config_export, methods=["GET"]),
    Route("/config/upload", config_upload, methods=["POST"]),
]

RAW_ROUTES: list[BaseRoute] = [Route(EXPORT_URL, config_download, methods=["GET"])]


ROUTES: list[BaseRoute] = [
    *MAINTENANCE_ROUTES,
    Route("/system/device-info", device_info, methods=["GET"]),
    Route("/system/resource-info", resource_info, methods=["GET"]),
    Route("/system/battery", battery, methods=["GET"]),
    Route("/system/remain-space", remain_space, methods=["GET"]),
]

HOOKS: dict[str, ConfigHooks] = {
    "/system/time": ConfigHooks(
        on_read=_time_on_read, after_write=_time_after_write, success_message="Time set successfully"
    ),
}

ON_BOOT = [_apply_import]
