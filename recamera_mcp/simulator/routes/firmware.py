"""Firmware upgrade (10xxx): network OTA with a confirm token, local resumable upload, progress, then the install.

- ``POST /system/firmware-upgrade?upload-type=network`` with no body or ``{"sReleaseURL"}`` (an ``http://`` or
  ``https://`` GitHub repo URL ``github.com/<owner>/<repo>``, no credentials, else "Invalid sReleaseURL, expected
  GitHub repo URL") answers ``{code, message, iUpdateAvailable, sCurrentVersion, sLatestVersion, sConfirmToken,
  sUpdating}``. The latest version is ``V1.0.11`` (or the running one, when newer). ``sConfirmToken`` is valid
  ``settings.firmware_token_ttl_s`` and single use. **``sUpdating: true``** while a download or install runs: then
  ``sConfirmToken`` is ``""`` and a client goes straight to polling. The same call (or a plain POST) with
  ``{"sConfirmToken"}`` answers "Download started" ("A download is already in progress" while one runs; an unknown
  or used token answers 403).
- ``?upload-type=resumable`` / ``?id=N`` / ``?start=N&md5sum=hex``: the shared resumable upload ("MD5 checksum
  mismatch"); the file must be a tar holding ``boot.img``, ``rootfs.img`` and ``RK_OTA_update.sh`` ("Invalid
  firmware: Missing rootfs.img"; not a tar: "Invalid firmware: not a tar archive"). An ``ota_version`` member
  (``V<a>.<b>.<c>``) names the version it installs, else the running version with its last number plus one. A
  good file answers "Upgrade started" and runs like a download.
- ``GET /system/firmware-download-progress`` (alias ``GET /system/firmware-upgrade``) answers ``{sStatus, iPercent,
  iCurrent, iTotal}`` (bytes as floats): ``idle``; ``starting`` for the first tenth of
  ``settings.upload_progress_s``; ``downloading`` up to 100 % at the end of it; then ``success`` for
  ``settings.firmware_success_s``, after which the camera **installs: it goes down** (connection refused) for
  ``settings.install_s`` and comes back on the same port with every session invalidated, progress ``idle`` and
  ``sFirmwareVersion`` (device-info, ``/system/version``) the new version. The fault ``firmware_fail`` makes the
  next download stop at 50 % with ``error`` (the version stays, a new check and confirm may follow).
  ``POST /system/firmware-download-cancel`` stops a download ("Download cancelled"; progress ``idle``). A reboot
  during a download drops it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import tarfile
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.dialects import latest_release
from recamera_mcp.simulator.errors import Module, SimError, busy, invalid
from recamera_mcp.simulator.routes.common import data, device_of, read_object, success
from recamera_mcp.simulator.routes.system import firmware_version
from recamera_mcp.simulator.routes.uploads import Upload, resumable
from recamera_mcp.simulator.state import DeviceState

_M = Module.DEVICE
DEFAULT_RELEASE_URL = "https://github.com/Seeed-Studio/reCamera-Pro-OTA"
GITHUB_REPO = re.compile(r"https?://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/?")
VERSION = re.compile(r"V(\d+)\.(\d+)\.(\d+)")
NETWORK_IMAGE_BYTES = 186_646_528.0
REQUIRED_MEMBERS = ("boot.img", "rootfs.img", "RK_OTA_update.sh")


@dataclass
class Job:
    """One download (or uploaded file) on its way to be installed."""

    target: str
    total: float
    fail: bool = False
    started: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None


@dataclass
class Firmware:
    tokens: dict[str, tuple[float, str]] = field(default_factory=dict)
    """Confirm token -> (monotonic expiry, version it installs)."""
    job: Job | None = None
    fail_next: bool = False
    installing: str | None = None
    """The version the camera installs while it is down; applied at the next boot."""


def firmware_of(state: DeviceState) -> Firmware:
    return state.area("firmware", Firmware)


def _version_key(version: str) -> tuple[int, ...]:
    match = VERSION.fullmatch(version)
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


def _bump(version: str) -> str:
    major, minor, patch = _version_key(version)
    return f"V{major}.{minor}.{patch + 1}"


def _phase(state: DeviceState, job: Job) -> tuple[str, float]:
    """(sStatus, fraction done) of ``job`` now."""
    span = max(state.settings.upload_progress_s, 1e-6)
    elapsed = time.monotonic() - job.started
    if job.fail and elapsed >= span / 2:
        return "error", 0.5
    if elapsed < span / 10:
        return "starting", 0.0
    if elapsed < span:
        return "downloading", elapsed / span
    return "success", 1.0


def progress(state: DeviceState) -> dict[str, Any]:
    """The progress answer."""
    with state.lock:
        job = firmware_of(state).job
        if job is None:
            return {"sStatus": "idle", "iTotal": 0.0, "iCurrent": 0.0, "iPercent": 0}
        status, fraction = _phase(state, job)
        return {
            "sStatus": status,
            "iTotal": job.total,
            "iCurrent": round(job.total * fraction, 1),
            "iPercent": int(fraction * 100),
        }


def updating(state: DeviceState) -> bool:
    """A download or install runs (``sUpdating``)."""
    return progress(state)["sStatus"] in ("starting", "downloading", "success")


async def _install_when_done(state: DeviceState, job: Job) -> None:
    """Wait for the download to succeed, show ``success`` a moment, then go down to install."""
    await asyncio.sleep(max(0.0, job.started + state.settings.upload_progress_s - time.monotonic()))
    if job.fail:
        return
    await asyncio.sleep(state.settings.firmware_success_s)
    with state.lock:
        box = firmware_of(state)
        if box.job is not job:
            return
        box.installing = job.target
    state.reboot(state.settings.install_s)


def _start(state: DeviceState, target: str, total: float) -> None:
    """Start a job, unless one is running (call with the lock held, on the event loop)."""
    box = firmware_of(state)
    if updating(state):
        raise busy(_M, "A download is already in progress")
    job = Job(target=target, total=total, fail=box.fail_next)
    box.fail_next = False
    box.job = job
    job.task = state.spawn(_install_when_done(state, job))


async def _network(state: DeviceState, body: dict[str, Any]) -> Response:
    unknown = set(body) - {"sReleaseURL", "sConfirmToken"}
    if unknown:
        raise invalid(_M, f"Unknown parameter: {sorted(unknown)[0]}")
    box = firmware_of(state)
    now = time.monotonic()
    with state.lock:
        for token, (until, _) in list(box.tokens.items()):
            if until <= now:
                del box.tokens[token]
        if "sConfirmToken" in body:
            entry = box.tokens.get(body["sConfirmToken"]) if isinstance(body["sConfirmToken"], str) else None
            if entry is None:
                raise SimError(int(_M) + 1, "Invalid or expired sConfirmToken: check for updates again", 403)
            _start(state, entry[1], NETWORK_IMAGE_BYTES)
            del box.tokens[body["sConfirmToken"]]
            return success("Download started")
        url = body.get("sReleaseURL", DEFAULT_RELEASE_URL)
        if not isinstance(url, str) or GITHUB_REPO.fullmatch(url) is None:
            raise invalid(_M, "Invalid sReleaseURL, expected GitHub repo URL")
        current = firmware_version(state)
        latest = max(latest_release(state), current, key=_version_key)
        running = updating(state)
        token = "" if running else secrets.token_hex(16)
        if token:
            box.tokens[token] = (now + state.settings.firmware_token_ttl_s, latest)
    return JSONResponse(
        {
            "code": 0,
            "message": "success",
            "iUpdateAvailable": int(_version_key(latest) > _version_key(current)),
            "sCurrentVersion": current,
            "sLatestVersion": latest,
            "sConfirmToken": token,
            "sUpdating": running,
        }
    )


async def _uploaded(state: DeviceState, request: Request, upload: Upload) -> Response:
    try:
        with tarfile.open(upload.path, mode="r:*") as tar:
            files = {member.name.removeprefix("./"): member for member in tar.getmembers() if member.isfile()}
            names = set(files)
            target = _bump(firmware_version(state))
            if "ota_version" in files:
                handle = tar.extractfile(files["ota_version"])
                text = handle.read(64).decode("ascii", "replace").strip() if handle else ""
                if VERSION.fullmatch(text):
                    target = text
    except tarfile.TarError as exc:
        raise invalid(_M, "Invalid firmware: not a tar archive") from exc
    for required in REQUIRED_MEMBERS:
        if required not in names:
            raise invalid(_M, f"Invalid firmware: Missing {required}")
    with state.lock:
        _start(state, target, float(upload.total))
    return success("Upgrade started")


async def upgrade(request: Request) -> Response:
    state = device_of(request)
    params = request.query_params
    if request.method == "GET":
        return data(progress(state))
    if params.get("upload-type") == "network":
        return await _network(state, await read_object(request, _M, allow_empty=True))
    if not params:
        body = await read_object(request, _M)
        if "sConfirmToken" in body:
            return await _network(state, body)
    return await resumable(request, _M, "firmware", _uploaded)


async def download_progress(request: Request) -> Response:
    return data(progress(device_of(request)))


async def cancel(request: Request) -> Response:
    state = device_of(request)
    with state.lock:
        box = firmware_of(state)
        if box.job is not None and progress(state)["sStatus"] in ("starting", "downloading"):
            if box.job.task is not None:
                box.job.task.cancel()
            box.job = None
    return success("Download cancelled")


def _booted(state: DeviceState) -> None:
    """Back from a reboot: an install takes effect; a download in progress is gone."""
    box = firmware_of(state)
    if box.installing is not None:
        state.extras["firmware_version"] = box.installing
        box.installing = None
    box.job = None


def _fail_next(state: DeviceState) -> None:
    firmware_of(state).fail_next = True


ROUTES: list[BaseRoute] = [
    Route("/system/firmware-upgrade", upgrade, methods=["GET", "POST"]),
    Route("/system/firmware-download-progress", download_progress, methods=["GET"]),
    Route("/system/firmware-download-cancel", cancel, methods=["POST"]),
]

ON_BOOT = [_booted]
FAULTS = {"firmware_fail": _fail_next}
