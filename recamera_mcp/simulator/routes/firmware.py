"""Firmware upgrade (10xxx): network OTA with a confirm token, local resumable upload, progress that advances.

- ``POST /system/firmware-upgrade?upload-type=network`` ``{"sReleaseURL"?}`` checks the GitHub repo URL and answers
  the versions and an ``sConfirmToken`` (valid ``settings.firmware_token_ttl_s``, single use); the same call with
  ``{"sConfirmToken"}`` starts the download ("A download is already in progress" while one runs).
- ``?upload-type=resumable`` / ``?id=N`` / ``?start=N&md5sum=hex``: the shared resumable upload; the file must be a
  tar with ``boot.img``, ``rootfs.img`` and ``RK_OTA_update.sh`` (an optional ``ota_version`` member names the
  version it installs).
- ``GET /system/firmware-upgrade`` (alias ``/system/firmware-download-progress``) answers ``{sStatus, iTotal,
  iCurrent, iPercent}``; progress goes from 0 to 100 % over ``settings.upload_progress_s``, then ``success`` and the
  new version shows in device-info. ``POST /system/firmware-download-cancel`` stops it.
"""

from __future__ import annotations

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
GITHUB_REPO = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/?")
VERSION = re.compile(r"V(\d+)\.(\d+)\.(\d+)")
NETWORK_IMAGE_BYTES = 186_646_528.0
REQUIRED_MEMBERS = ("boot.img", "rootfs.img", "RK_OTA_update.sh")


@dataclass
class Job:
    """One running (or finished) download / install."""

    target: str
    total: float
    started: float = field(default_factory=time.monotonic)
    status: str = "downloading"


@dataclass
class Firmware:
    tokens: dict[str, tuple[float, str]] = field(default_factory=dict)
    """Confirm token -> (monotonic expiry, version it installs)."""
    job: Job | None = None


def firmware_of(state: DeviceState) -> Firmware:
    return state.area("firmware", Firmware)


def _version_key(version: str) -> tuple[int, ...]:
    match = VERSION.fullmatch(version)
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


def _bump(version: str) -> str:
    major, minor, patch = _version_key(version)
    return f"V{major}.{minor}.{patch + 1}"


def progress(state: DeviceState) -> dict[str, Any]:
    """The progress answer; a download that has run its course turns into ``success`` (and installs)."""
    with state.lock:
        job = firmware_of(state).job
        if job is None:
            return {"sStatus": "idle", "iTotal": 0.0, "iCurrent": 0.0, "iPercent": 0}
        if job.status == "downloading":
            span = state.settings.upload_progress_s
            fraction = 1.0 if span <= 0 else min(1.0, (time.monotonic() - job.started) / span)
            if fraction >= 1.0:
                job.status = "success"
                state.extras["firmware_version"] = job.target
        else:
            fraction = 1.0 if job.status == "success" else 0.0
        return {
            "sStatus": job.status,
            "iTotal": job.total,
            "iCurrent": round(job.total * fraction, 1),
            "iPercent": int(fraction * 100),
        }


def _start(state: DeviceState, target: str, total: float) -> None:
    """Start a job, unless one is running (call with the lock held)."""
    box = firmware_of(state)
    if box.job is not None and progress(state)["sStatus"] == "downloading":
        raise busy(_M, "A download is already in progress")
    box.job = Job(target=target, total=total)


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
        token = secrets.token_hex(16)
        box.tokens[token] = (now + state.settings.firmware_token_ttl_s, latest)
    return JSONResponse(
        {
            "code": 0,
            "message": "success",
            "iUpdateAvailable": int(_version_key(latest) > _version_key(current)),
            "sCurrentVersion": current,
            "sLatestVersion": latest,
            "sConfirmToken": token,
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
        if progress(state)["sStatus"] == "downloading":
            firmware_of(state).job = None
    return success("Download cancelled")


ROUTES: list[BaseRoute] = [
    Route("/system/firmware-upgrade", upgrade, methods=["GET", "POST"]),
    Route("/system/firmware-download-progress", download_progress, methods=["GET"]),
    Route("/system/firmware-download-cancel", cancel, methods=["POST"]),
]
