"""The capture area (``cam.capture``): the device takes a picture itself, a snapshot path that needs no RTSP.

    still = await cam.capture.still()          # CapturedStill: JPEG bytes, device time, the file it came from

``POST /record/capture/start {"sOutput", "sFormat"}`` writes a file into a folder of the selected storage slot
(``<mount>/<data dir>/capture``); ``GET /record/capture/status`` tells when it is done (``dLastCapture.sStatus``
``COMPLETED``, ``FAILED``, ``INTERRUPTED``, ``CANCELED``) and its ``sFileName``; the file is fetched through the
storage relay and then removed again, since it was ours (``keep=True`` leaves it, listed with the recordings).
Seeed's own agent tool takes its snapshots this way: on a real camera RTSP is served only when it is enabled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import (
    DeviceApiError,
    DeviceTimeout,
    NotSupported,
    ReCameraError,
    StorageNotReady,
    ValidationError,
)
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._slots import serve_fix
from recamera_mcp.client._text import device_text
from recamera_mcp.client.storage import StorageAction, StorageAPI

__all__ = ["CaptureAPI", "CaptureStatus", "CapturedStill"]

log = logging.getLogger(__name__)

START_PATH = "/record/capture/start"
STATUS_PATH = "/record/capture/status"
STOP_PATH = "/record/capture/stop"
CAPTURE_DIR = "capture"
"""The folder below the slot's data directory the client captures into."""
TERMINAL = frozenset({"COMPLETED", "FAILED", "INTERRUPTED", "CANCELED"})
MAX_IMAGE_BYTES = 16 * 1024 * 1024


class CaptureStatus(BaseModel):
    """``GET /record/capture/status``: the last capture and whether a new one may start."""

    id: str | None = None
    status: str | None = Field(default=None, description="WRITING, COMPLETED, FAILED, INTERRUPTED or CANCELED")
    output_dir: str | None = None
    file_name: str | None = None
    format: str | None = None
    timestamp_ms: int | None = Field(default=None, description="Start of the capture, device time (epoch ms)")
    ready: bool = Field(description="A new capture may start")
    stop_requested: bool = False

    @classmethod
    def parse(cls, body: Any) -> CaptureStatus:
        body = body if isinstance(body, dict) else {}
        last = body.get("dLastCapture") if isinstance(body.get("dLastCapture"), dict) else {}
        stamp = last.get("iTimestamp")

        def text(key: str, limit: int = 256) -> str | None:
            value = last.get(key)
            return device_text(value, limit) if isinstance(value, str) and value else None

        return cls(
            id=text("sID", 128),
            status=(text("sStatus", 32) or "").upper() or None,
            output_dir=text("sOutputDirectory"),
            file_name=text("sFileName"),
            format=text("sFormat", 8),
            timestamp_ms=stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else None,
            ready=body.get("bReadyToStartNew") is not False,
            stop_requested=body.get("bStopRequested") is True,
        )


class CapturedStill(BaseModel):
    """One picture the camera took itself."""

    jpeg: bytes = Field(repr=False)
    path: str = Field(description="The file, relative to the slot's data directory")
    timestamp_ms: int | None = Field(default=None, description="When it was taken, device time (epoch ms)")
    removed: bool = Field(description="The file was deleted from the camera again")
    elapsed_s: float


def _relative(output_dir: str, data_root: str, fallback: str) -> str:
    """``sOutputDirectory`` relative to the data directory (``capture``), or ``fallback``."""
    root = data_root.rstrip("/")
    directory = output_dir.rstrip("/")
    if directory == root:
        return ""
    if directory.startswith(root + "/"):
        return directory[len(root) + 1 :]
    return fallback


class CaptureAPI:
    """Device-side capture (JPEG stills) into the selected storage slot."""

    def __init__(self, funnel: Funnel, storage: StorageAPI) -> None:
        self._funnel = funnel
        self._storage = storage

    async def status(self) -> CaptureStatus:
        """``GET /record/capture/status``."""
        return CaptureStatus.parse(await self._funnel.get_object(STATUS_PATH))

    async def start(self, output_dir: str, fmt: str = "JPG") -> str | None:
        """Start a capture into ``output_dir`` (an absolute folder under a slot's data directory); its id."""
        if fmt not in ("JPG", "RAW"):
            raise ValidationError(f"unsupported capture format {fmt!r}", "use JPG or RAW", field="fmt")
        answer = await self._funnel.send_json("POST", START_PATH, {"sOutput": output_dir, "sFormat": fmt})
        capture_id = answer.get("sID")
        return device_text(capture_id, 128) if isinstance(capture_id, str) and capture_id else None

    async def stop(self) -> None:
        """``POST /record/capture/stop``: end the running capture (CANCELED)."""
        await self._funnel.send_json("POST", STOP_PATH, {})

    async def _ready(self) -> CaptureStatus:
        """The status once no capture runs (a still of someone else is waited for, briefly)."""
        deadline = time.monotonic() + 3.0
        while True:
            status = await self.status()
            if status.ready:
                return status
            if time.monotonic() > deadline:
                raise DeviceApiError(
                    f"{self._funnel.address.key} is busy with another capture ({status.format or '?'} into "
                    f"{status.output_dir or '?'})",
                    "wait until it ends (a video capture may take minutes), then try again",
                    status_code=409,
                )
            await asyncio.sleep(0.2)

    async def still(self, *, timeout_s: float = 15.0, keep: bool = False) -> CapturedStill:
        """Have the camera take one JPEG into the selected slot, fetch it, and remove it unless ``keep``.

        Raises :class:`StorageNotReady` (no slot that serves files, with the fix), :class:`NotSupported`
        (firmware without the capture API), :class:`DeviceTimeout`, or :class:`DeviceApiError` (the capture
        failed)."""
        started = time.monotonic()
        host = self._funnel.address.key
        try:
            await self._ready()
        except NotSupported:
            raise
        except DeviceApiError as exc:
            if exc.status_code in (404, 405):
                raise NotSupported(
                    f"{host} has no device-side capture (/record/capture answered HTTP {exc.status_code})",
                    "take the snapshot over RTSP instead (enable RTSP on the stream)",
                ) from None
            raise
        storage = await self._storage.status()
        slot = storage.slot(None)
        if not slot.serves_files or not slot.mount_path:
            hint, fix = serve_fix(slot)
            raise StorageNotReady(
                f"the camera captures into its selected storage slot, and {slot.dev_path} is {slot.state}", hint,
                fix=fix,
            )  # fmt: skip
        root = f"{slot.mount_path.rstrip('/')}/{storage.data_dir.strip('/')}"
        ours = await self.start(f"{root}/{CAPTURE_DIR}")
        deadline = started + timeout_s
        while True:
            status = await self.status()
            mine = ours is None or status.id == ours
            if mine and status.status in TERMINAL:
                break
            if time.monotonic() > deadline:
                if mine and status.status == "WRITING":
                    await self.stop()
                raise DeviceTimeout(f"{host} did not finish the capture within {timeout_s:g} s", "try again")
            await asyncio.sleep(0.15)
        if status.status != "COMPLETED" or not status.file_name:
            raise DeviceApiError(
                f"{host}: the capture ended {status.status}" + ("" if status.file_name else " without a file"),
                "try again; INTERRUPTED means the storage slot changed or the camera restarted during it",
                status_code=200,
            )
        folder = _relative(status.output_dir or "", root, CAPTURE_DIR)
        rel = f"{folder}/{status.file_name}" if folder else status.file_name
        code, body = await self._storage.relay.get(rel)
        if code != 200 or not body.startswith(b"\xff\xd8") or len(body) > MAX_IMAGE_BYTES:
            raise DeviceApiError(
                f"{host}: the captured file {rel} could not be fetched as a JPEG (HTTP {code}, {len(body)} bytes)",
                "try again",
                status_code=code,
            )
        removed = False
        if not keep:
            try:
                await self._storage.run(await self._storage.plan(StorageAction.REMOVE, [rel], slot.dev_path))
                removed = True
            except ReCameraError as exc:
                log.warning("%s: could not remove the captured %s: %s", host, rel, exc.message)
        return CapturedStill(
            jpeg=body, path=rel, timestamp_ms=status.timestamp_ms, removed=removed,
            elapsed_s=round(time.monotonic() - started, 3),
        )  # fmt: skip
