"""Storage: slot status, storage control (every ``sAction``), the slot selection, and the file relay.

``POST /record/storage/control`` ``{sAction, sSlotDevPath?, dSlotConfig?, lFilesOrDirectoriesToRemove?, ...}``
(``sSlotDevPath`` defaults to the selected slot). The task mode differs by firmware generation:

- ``legacy``: optional ``sTaskType`` ``SYNC`` | ``ASYNC`` (both run at once: FORMAT and FREE_UP finish before the
  answer). ``sTask`` or ``sTaskUID`` answer 30022 "Invalid parameter: sTask ...".
- ``2026``: ``sTask`` = ``SYNC`` (the default) | ``ASYNC_SUBMIT`` | ``ASYNC_STATUS`` | ``ASYNC_CANCEL``;
  ``sTaskType`` answers 30022 "Invalid parameter: sTaskType, use sTask ...".

  - FORMAT and FREE_UP only as ``ASYNC_SUBMIT`` (in SYNC: 30022 "... submit it with sTask ASYNC_SUBMIT ...").
    The preconditions are checked at once (30001 FREE_UP needs CONFIGURED, 30016 busy) and the answer is
    ``{"code": 0, "message": "success", "sTaskUID": "<uuid>"}``; the task then runs (see ``storage_tasks.py``).
  - ``ASYNC_STATUS`` / ``ASYNC_CANCEL`` with ``sTaskUID`` (``sAction``, ``sSlotDevPath`` optional, must match the
    task) answer ``{"code": 0, "message": "success", "dTask": {...}}``. An unknown ``sTaskUID`` answers 30002
    (HTTP 404) "No such task", a missing one 30022; canceling a finished task answers 30001.
  - EJECT, CONFIG, RELAY, RELAY_STATUS, UNRELAY, REMOVE_FILES_OR_DIRECTORIES run SYNC only (ASYNC_SUBMIT: 30022).
  - While a task runs on a slot, FORMAT, FREE_UP, EJECT and REMOVE_FILES_OR_DIRECTORIES on it answer 30016.

The relay (raw ``GET /storage/relay/<uuid>/<path>``) behaves like the device's nginx location: a directory path
(ending in ``/``) answers ``autoindex_format json`` (directories first, then by name; dot files such as ``.thumb``
are hidden from listings as nginx hides them, but can be listed and fetched by their path); a file path streams the
file with ``Range`` support. A directory without the trailing slash answers 301 to the slashed path. Unknown or
expired relays answer 404; paths with ``..``, ``.``, absolute paths, backslashes or NUL answer 400; a symlink that
leads out of the data directory answers 404. Nothing outside the slot's data directory is ever served.

There is no mount action: an ejected card comes back when the camera boots (``ON_BOOT``).
"""

from __future__ import annotations

import os
from email.utils import formatdate
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.dialects import is_legacy
from recamera_mcp.simulator.errors import Module, busy, invalid, not_permitted
from recamera_mcp.simulator.routes.common import data, device_of, read_object, success
from recamera_mcp.simulator.routes.storage_state import SlotState, resolve_inside, storage_area
from recamera_mcp.simulator.routes.storage_tasks import ASYNC_ACTIONS, tasks_of
from recamera_mcp.simulator.schemas.base import apply_write
from recamera_mcp.simulator.schemas.recording import STORAGE_CONFIG
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
ACTIONS = (
    "FORMAT",
    "FREE_UP",
    "EJECT",
    "CONFIG",
    "RELAY",
    "RELAY_STATUS",
    "UNRELAY",
    "REMOVE_FILES_OR_DIRECTORIES",
)
CONTROL_KEYS = frozenset({"sAction", "sSlotDevPath", "dSlotConfig", "lFilesOrDirectoriesToRemove"})
TASK_MODES = ("SYNC", "ASYNC_SUBMIT", "ASYNC_STATUS", "ASYNC_CANCEL")
"""``sTask`` of the 2026 firmware."""
MEDIA_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


# ---- storage config ----------------------------------------------------------------------------------------------
async def write_storage_config(request: Request) -> Response:
    """``POST /record/storage/config``: select the slot to record to (``null`` disables every slot)."""
    state = device_of(request)
    body = await read_object(request, _M)
    choice = body.get("dSelectSlotToEnable", ...)
    area = storage_area(state)
    with state.lock:
        if choice is None:
            new = apply_write(STORAGE_CONFIG, {k: v for k, v in body.items() if k != "dSelectSlotToEnable"})
            new["dSelectSlotToEnable"] = None
        else:
            if isinstance(choice, dict):
                body = {**body, "dSelectSlotToEnable": {"sByDevPath": "", "sByUUID": "", **choice}}
            new = apply_write(STORAGE_CONFIG, body)
            selection = new["dSelectSlotToEnable"]
            slot = area.find(selection)
            if slot is None:
                raise invalid(_M, f"No storage slot matches {selection}")
            for key, value in (("sByDevPath", slot.dev_path), ("sByUUID", slot.uuid)):
                if selection[key] and selection[key] != value:
                    raise invalid(_M, "sByDevPath and sByUUID name different slots")
            if slot.state < SlotState.MOUNTED:
                raise not_permitted(_M, f"{slot.dev_path} cannot be enabled: {slot.state.name}")
        state.configs[STORAGE_CONFIG.path] = new
        area.apply_selection()
    return success()


# ---- status and control ------------------------------------------------------------------------------------------
async def storage_status(request: Request) -> Response:
    """``GET /record/storage/status``."""
    return data(storage_area(device_of(request)).status())


def _slot_config(value: Any) -> tuple[int, bool]:
    if not isinstance(value, dict):
        raise invalid(_M, "Missing parameter: dSlotConfig (an object with iQuotaLimitBytes, bQuotaRotate)")
    unknown = set(value) - {"iQuotaLimitBytes", "bQuotaRotate"}
    if unknown:
        raise invalid(_M, f"Unknown parameter: dSlotConfig.{sorted(unknown)[0]}")
    limit = value.get("iQuotaLimitBytes", -1)
    rotate = value.get("bQuotaRotate", True)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < -1:
        raise invalid(_M, "dSlotConfig.iQuotaLimitBytes must be -1 (no limit) or a byte count >= 0")
    if not isinstance(rotate, bool):
        raise invalid(_M, "Invalid parameter type: dSlotConfig.bQuotaRotate must be boolean")
    return limit, rotate


def _paths(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise invalid(_M, "lFilesOrDirectoriesToRemove must be a non-empty list of paths relative to the data dir")
    return list(value)


def _task_mode(legacy: bool, body: dict[str, Any]) -> str:
    """The task mode the body asks for (``SYNC`` when it names none), checked in this firmware's dialect."""
    if legacy:
        for key in ("sTask", "sTaskUID"):
            if key in body:
                raise invalid(_M, f"Invalid parameter: {key} (this firmware takes sTaskType: SYNC or ASYNC)")
        if body.get("sTaskType", "SYNC") not in ("SYNC", "ASYNC"):
            raise invalid(_M, "sTaskType must be SYNC or ASYNC")
        return "SYNC"
    if "sTaskType" in body:
        raise invalid(_M, f"Invalid parameter: sTaskType, use sTask ({', '.join(TASK_MODES)})")
    mode = body.get("sTask", "SYNC")
    if mode not in TASK_MODES:
        raise invalid(_M, f"sTask must be one of {', '.join(TASK_MODES)}")
    if "sTaskUID" in body and mode not in ("ASYNC_STATUS", "ASYNC_CANCEL"):
        raise invalid(_M, "Invalid parameter: sTaskUID (only for sTask ASYNC_STATUS and ASYNC_CANCEL)")
    return str(mode)


def _task_answer(state: DeviceState, body: dict[str, Any], mode: str) -> Response:
    """``ASYNC_STATUS`` / ``ASYNC_CANCEL``."""
    uid = body.get("sTaskUID")
    if not isinstance(uid, str) or not uid:
        raise invalid(_M, f"Missing parameter: sTaskUID (the one ASYNC_SUBMIT answered) for {mode}")
    tasks = tasks_of(state)
    area = storage_area(state)
    with state.lock:
        task = tasks.find(uid)
        for key, value in (("sAction", task.action), ("sSlotDevPath", task.dev_path)):
            if key in body and body[key] != value:
                raise invalid(_M, f"{key} {body[key]!r} does not match task {uid} ({value})")
        if mode == "ASYNC_CANCEL":
            tasks.cancel(area, uid)
        return JSONResponse({"code": 0, "message": "success", "dTask": task.wire()})


async def storage_control(request: Request) -> Response:
    """``POST /record/storage/control``: one ``sAction`` on one slot (``sSlotDevPath``, default the selected)."""
    state = device_of(request)
    body = await read_object(request, _M)
    legacy = is_legacy(state)
    known = CONTROL_KEYS | ({"sTaskType", "sTask", "sTaskUID"})
    unknown = set(body) - known
    if unknown:
        raise invalid(_M, f"Unknown parameter: {sorted(unknown)[0]}")
    mode = _task_mode(legacy, body)
    if mode in ("ASYNC_STATUS", "ASYNC_CANCEL"):
        return _task_answer(state, body, mode)
    action = body.get("sAction")
    if action not in ACTIONS:
        raise invalid(_M, f"sAction must be one of {', '.join(ACTIONS)}")
    if not legacy and action in ASYNC_ACTIONS and mode != "ASYNC_SUBMIT":
        raise invalid(
            _M, f"{action} takes long: submit it with sTask ASYNC_SUBMIT, then poll ASYNC_STATUS with its sTaskUID"
        )
    if mode == "ASYNC_SUBMIT" and action not in ASYNC_ACTIONS:
        raise invalid(_M, f"{action} runs with sTask SYNC only (ASYNC_SUBMIT is for FORMAT and FREE_UP)")
    dev_path = body.get("sSlotDevPath")
    if dev_path is not None and not isinstance(dev_path, str):
        raise invalid(_M, "Invalid parameter type: sSlotDevPath must be string")
    area = storage_area(state)
    slot = area.slot_for(dev_path or None)
    running = tasks_of(state).running_on(slot.dev_path)
    if running is not None and action in ("FORMAT", "FREE_UP", "EJECT", "REMOVE_FILES_OR_DIRECTORIES"):
        raise busy(_M, f"{slot.dev_path} is busy: {running.action} task {running.uid} is {running.status}")
    if mode == "ASYNC_SUBMIT":
        task = tasks_of(state).submit(state, area, slot, action)
        return JSONResponse({"code": 0, "message": "success", "sTaskUID": task.uid})
    if action == "RELAY":
        return JSONResponse({"code": 0, "dRelayStatus": area.start_relay(slot)})
    if action == "RELAY_STATUS":
        with state.lock:
            return JSONResponse({"code": 0, "dRelayStatus": area.relay_status(slot)})
    if action == "UNRELAY":
        area.stop_relay(slot)
    elif action == "FORMAT":
        area.format(slot)
    elif action == "EJECT":
        area.eject(slot)
    elif action == "CONFIG":
        area.configure(slot, *_slot_config(body.get("dSlotConfig")))
    elif action == "FREE_UP":
        area.free_up(slot)
    else:
        area.remove(slot, _paths(body.get("lFilesOrDirectoriesToRemove")))
    return success()


# ---- relay -------------------------------------------------------------------------------------------------------
def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status)


def autoindex(folder: Path) -> list[dict[str, Any]]:
    """nginx ``autoindex_format json`` of ``folder``: directories first, then by name; dot files hidden."""
    entries: list[tuple[bool, str, dict[str, Any]]] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            if entry.name.startswith("."):
                continue
            info = entry.stat(follow_symlinks=False)
            if entry.is_dir(follow_symlinks=False):
                kind = "directory"
            elif entry.is_file(follow_symlinks=False):
                kind = "file"
            else:
                kind = "other"
            item: dict[str, Any] = {"name": entry.name, "type": kind, "mtime": formatdate(info.st_mtime, usegmt=True)}
            if kind == "file":
                item["size"] = info.st_size
            entries.append((kind != "directory", entry.name, item))
    return [item for _, _, item in sorted(entries, key=lambda e: (e[0], e[1]))]


async def relay_get(request: Request) -> Response:
    """Raw ``GET /storage/relay/<uuid>/<path>``: a listing (path ends in ``/``) or a file (with ``Range``)."""
    state = device_of(request)
    rel: str = request.path_params["path"]
    base = storage_area(state).use_relay(request.path_params["uuid"])
    if base is None:
        return _problem(404, "Relay not found or expired (POST /record/storage/control RELAY)")
    target = resolve_inside(base, rel)
    if target is None:
        parts = rel.split("/")
        if rel.startswith("/") or "\x00" in rel or "\\" in rel or ".." in parts or "." in parts:
            return _problem(400, "Bad Request: the path must stay inside the relay directory")
        return _problem(404, "Not Found")
    try:
        if target.is_dir():
            if rel and not rel.endswith("/"):
                return RedirectResponse(request.url.path + "/", status_code=301)
            return JSONResponse(autoindex(target))
        if not target.is_file() or rel.endswith("/"):
            return _problem(404, "Not Found")
    except OSError:  # a name too long, ...: nginx answers 404 to what it cannot open
        return _problem(404, "Not Found")
    media_type = MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream")
    return FileResponse(target, media_type=media_type)


def _expire_relays(state: DeviceState) -> None:
    storage_area(state).expire_relays()


ROUTES: list[BaseRoute] = [
    Route("/record/storage/config", write_storage_config, methods=["POST"]),
    Route("/record/storage/status", storage_status, methods=["GET"]),
    Route("/record/storage/control", storage_control, methods=["POST"]),
]

RAW_ROUTES: list[BaseRoute] = [
    Route("/storage/relay/{uuid}/{path:path}", relay_get, methods=["GET"]),
]

FAULTS = {"relay_expire": _expire_relays}


def _mount_cards(state: DeviceState) -> None:
    storage_area(state).remount()


ON_BOOT = [_mount_cards]
"""A card ejected before a reboot is mounted again when the camera comes back (the device has no mount command)."""
