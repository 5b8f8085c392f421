"""Device-side capture (30xxx): ``/record/capture/{start,status,stop}``, a snapshot path that needs no RTSP.

It works whether RTSP runs or not (no GStreamer, ``rtsp.iEnabled`` 0): the frames come from the simulator's scene
(:mod:`recamera_mcp.simulator.scene`), not from the RTSP feed.

``POST /record/capture/start {"sOutput", "sFormat", "iVideoLengthSeconds"}`` answers
``{"code": 0, "message": "success", "sID"}`` and captures in the background:

- ``sOutput`` (required): an absolute directory inside a mounted slot's data directory, i.e.
  ``<sMountPath>/<sDataDirName>`` or a folder below it, e.g. ``/mnt/sd/DCIM/capture`` (both names from
  ``GET /record/storage/status``); a trailing ``/`` is ignored and missing folders are created. Anything else
  (relative, empty, ``.``/``..``/empty parts, backslash, NUL, not under a mounted slot's data directory, an existing
  file) answers **30022** "Invalid output directory: ..." (HTTP 400). The slot must be at least ``CONFIGURED``, as
  for a relay: else 30001 (HTTP 400).
- ``sFormat``: ``JPG`` (default), ``RAW`` or ``MP4`` (upper case); ``iVideoLengthSeconds``: an integer, 1~600 for
  ``MP4`` (required there), ignored for the others (default 0). Wrong values or unknown keys answer 30022.
- While a capture runs, a start answers **30016** "A capture is already in progress" (HTTP 409).

The file is ``<sOutput>/<YYYY-MM-DD HH-MM-SS NNNNN>.jpg|.raw|.mp4`` (local time of the start; ``NNNNN`` the running
number recordings use too), so it is listed and downloaded through the relay at
``/storage/relay/<uuid>/<sOutput below the data directory>/<sFileName>``. It appears only once complete (it is
written under a hidden name first). ``JPG``: a 640 x 360 JPEG of the scene at ``iTimestamp``, with the capture's
sequence number (1, 2, ... per camera) in the frame-counter blocks; ``RAW``: the same frame as packed BGR24 bytes
(640 * 360 * 3 = 691200 bytes, no header); ``MP4``: ``iVideoLengthSeconds`` of the scene at 10 fps (mp4v).
A JPG or RAW capture takes ``settings.capture_s``; an MP4 takes its length.

``GET /record/capture/status`` answers ``{"dLastCapture": null | {sID, sOutputDirectory, sFormat,
iVideoLengthSeconds, sStatus, iTimestamp, sFileName}, "bReadyToStartNew", "bStopRequested"}``: ``sStatus`` is
``WRITING`` while it runs, then one of ``COMPLETED``, ``FAILED``, ``INTERRUPTED``, ``CANCELED``; ``iTimestamp`` is
the start in epoch **milliseconds** (the instant a JPG shows); ``sFileName`` is the file name only, ``""`` when
no file was kept; ``sOutputDirectory`` is ``sOutput`` without a trailing slash. ``bReadyToStartNew`` is false while
a capture runs; ``bStopRequested`` is true from a stop until that capture ended.

``POST /record/capture/stop`` ends the running capture as ``CANCELED`` (a JPG or RAW keeps no file; an MP4 keeps
the frames written so far); with none running it answers 30001 "No capture in progress".
``INTERRUPTED``: the slot dropped below ``CONFIGURED`` (eject, another slot selected) or the camera went down
(reboot) during the capture; no file is kept. ``FAILED``: the fault ``capture_fail`` (the next capture fails, no
file), or the file could not be written (OpenCV without an MP4 writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator import samples, scene
from recamera_mcp.simulator.errors import Module, SimError, busy, invalid, not_permitted
from recamera_mcp.simulator.routes.common import data, device_of, read_object
from recamera_mcp.simulator.routes.storage_state import Slot, SlotState, StorageArea, resolve_inside, storage_area
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
FORMATS = {"JPG": "jpg", "RAW": "raw", "MP4": "mp4"}
MAX_VIDEO_S = 600
VIDEO_FPS = 10
KEYS = frozenset({"sOutput", "sFormat", "iVideoLengthSeconds"})


@dataclass
class Capture:
    """One capture, as ``dLastCapture`` reports it."""

    id: str
    directory: str
    fmt: str
    length_s: int
    started_ms: int
    folder: Path
    slot: Slot
    index: int = 0
    """The camera's index in its fleet (the scene depends on it)."""
    status: str = "WRITING"
    file_name: str = ""

    def wire(self) -> dict[str, Any]:
        return {
            "sID": self.id,
            "sOutputDirectory": self.directory,
            "sFormat": self.fmt,
            "iVideoLengthSeconds": self.length_s,
            "sStatus": self.status,
            "iTimestamp": self.started_ms,
            "sFileName": self.file_name,
        }


@dataclass
class CaptureArea:
    last: Capture | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stop_requested: bool = False
    count: int = 0
    """Captures started so far (the sequence number in the frame-counter blocks)."""
    fail_next: bool = False

    def running(self) -> bool:
        return self.last is not None and self.last.status == "WRITING"


def capture_area(state: DeviceState) -> CaptureArea:
    return state.area("capture", CaptureArea)


def _bad_dir(output: object, why: str) -> SimError:
    return invalid(_M, f"Invalid output directory: {output!r} {why}")


def _output_dir(storage: StorageArea, output: object) -> tuple[str, Slot, Path]:
    """(sOutput without trailing slash, its slot, the real folder) or the device's error."""
    if not isinstance(output, str) or not output.startswith("/") or "\x00" in output or "\\" in output:
        raise _bad_dir(output, "(an absolute directory inside a slot's data directory is expected)")
    directory = output.rstrip("/") or "/"
    parts = directory.split("/")[1:]
    if any(part in ("", ".", "..") for part in parts):
        raise _bad_dir(output, "(no empty, '.' or '..' parts)")
    for slot in storage.slots.values():
        if slot.state < SlotState.MOUNTED:
            continue
        root = f"{slot.mount_path}/{samples.DATA_DIR_NAME}"
        if directory != root and not directory.startswith(root + "/"):
            if directory == slot.mount_path or directory.startswith(slot.mount_path + "/"):
                raise _bad_dir(output, f"is outside the data directory {root}")
            continue
        storage.require_configured(slot, "A capture")
        base = storage.data_dir(slot.dev_path)
        folder = resolve_inside(base, directory[len(root) + 1 :]) if directory != root else base
        if folder is None or (folder.exists() and not folder.is_dir()):
            raise _bad_dir(output, "is not a directory inside the data directory")
        return directory, slot, folder
    raise _bad_dir(output, "is not under a mounted storage slot (see sMountPath in /record/storage/status)")


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def start(request: Request) -> Response:
    state = device_of(request)
    body = await read_object(request, _M)
    unknown = set(body) - KEYS
    if unknown:
        raise invalid(_M, f"Unknown parameter: {sorted(unknown)[0]}")
    if "sOutput" not in body:
        raise invalid(_M, "Missing parameter: sOutput")
    fmt = body.get("sFormat", "JPG")
    if fmt not in FORMATS:
        raise invalid(_M, "sFormat must be JPG, RAW or MP4")
    length = body.get("iVideoLengthSeconds", 0)
    if not _int(length) or length < 0:
        raise invalid(_M, "Invalid parameter type: iVideoLengthSeconds must be an integer >= 0")
    if fmt == "MP4" and not 1 <= length <= MAX_VIDEO_S:
        raise invalid(_M, f"iVideoLengthSeconds must be 1~{MAX_VIDEO_S} for MP4")
    area = capture_area(state)
    storage = storage_area(state)
    with state.lock:
        if area.running():
            raise busy(_M, "A capture is already in progress")
        directory, slot, folder = _output_dir(storage, body["sOutput"])
        folder.mkdir(parents=True, exist_ok=True)
        area.count += 1
        capture = Capture(
            id=str(uuid.uuid4()),
            directory=directory,
            fmt=str(fmt),
            length_s=int(length) if fmt == "MP4" else 0,
            started_ms=int(time.time() * 1000),
            folder=folder,
            slot=slot,
            index=state.index,
        )
        area.last = capture
        area.stop = asyncio.Event()
        area.stop_requested = False
        fail, area.fail_next = area.fail_next, False
        state.spawn(_run(state, area, capture, area.count, fail))
    return JSONResponse({"code": 0, "message": "success", "sID": capture.id})


async def status(request: Request) -> Response:
    area = capture_area(device_of(request))
    last = area.last
    return data(
        {
            "dLastCapture": None if last is None else last.wire(),
            "bReadyToStartNew": not area.running(),
            "bStopRequested": area.stop_requested and area.running(),
        }
    )


async def stop(request: Request) -> Response:
    area = capture_area(device_of(request))
    if not area.running():
        raise not_permitted(_M, "No capture in progress")
    area.stop_requested = True
    area.stop.set()
    return JSONResponse({"code": 0, "message": "success"})


# ---- the capture itself ----------------------------------------------------------------------------------------
def _end(state: DeviceState, capture: Capture, status: str, file_name: str = "") -> None:
    with state.lock:
        capture.status = status
        capture.file_name = file_name
        storage_area(state).changed()


async def _wait(area: CaptureArea, capture: Capture, seconds: float) -> str | None:
    """Wait ``seconds``; "CANCELED" on a stop, "INTERRUPTED" when the slot went away, else None."""
    deadline = time.monotonic() + seconds
    while True:
        if area.stop.is_set():
            return "CANCELED"
        if capture.slot.state < SlotState.CONFIGURED:
            return "INTERRUPTED"
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(area.stop.wait(), min(left, 0.05))


def _still(capture: Capture, counter: int, label: str, path: Path) -> None:
    frame = scene.render(capture.started_ms / 1000, capture.index, counter=counter, label=label)
    path.write_bytes(scene.encode_jpeg(frame) if capture.fmt == "JPG" else frame.tobytes())


async def _video(state: DeviceState, area: CaptureArea, capture: Capture, part: Path) -> str | None:
    import cv2

    writer = cv2.VideoWriter(str(part), cv2.VideoWriter.fourcc(*"mp4v"), VIDEO_FPS, scene.FRAME_SIZE)
    try:
        if not writer.isOpened():
            return "FAILED"
        for n in range(capture.length_s * VIDEO_FPS):
            t = capture.started_ms / 1000 + n / VIDEO_FPS
            frame = scene.render(t, state.index, counter=n, label=state.settings.serial)
            await asyncio.to_thread(writer.write, frame)
            due = capture.started_ms / 1000 + (n + 1) / VIDEO_FPS - time.time()
            outcome = await _wait(area, capture, max(0.0, due))
            if outcome is not None:
                return outcome
        return None
    finally:
        writer.release()


async def _run(state: DeviceState, area: CaptureArea, capture: Capture, counter: int, fail: bool) -> None:
    when = dt.datetime.fromtimestamp(capture.started_ms / 1000)
    stem = f"{when:%Y-%m-%d %H-%M-%S} {storage_area(state).next_serial() % 100000:05d}"
    name = f"{stem}.{FORMATS[capture.fmt]}"
    part = capture.folder / f".{stem}.part.{FORMATS[capture.fmt]}"  # hidden; OpenCV needs the extension
    outcome: str | None = "FAILED"
    try:
        if capture.fmt == "MP4":
            outcome = await _video(state, area, capture, part)
        else:
            outcome = await _wait(area, capture, state.settings.capture_s)
            if outcome is None and not fail:
                await asyncio.to_thread(_still, capture, counter, state.settings.serial, part)
        if fail and outcome is None:
            outcome = "FAILED"
        keep = outcome is None or (outcome == "CANCELED" and capture.fmt == "MP4" and part.exists())
        if keep:
            part.rename(capture.folder / name)
        _end(state, capture, outcome or "COMPLETED", name if keep else "")
    except asyncio.CancelledError:
        _end(state, capture, "INTERRUPTED")
        raise
    except OSError:
        _end(state, capture, "FAILED")
    finally:
        part.unlink(missing_ok=True)


# ---- faults --------------------------------------------------------------------------
def _fail_next(state: DeviceState) -> None:
    capture_area(state).fail_next = True


ROUTES: list[BaseRoute] = [
    Route("/record/capture/start", start, methods=["POST"]),
    Route("/record/capture/status", status, methods=["GET"]),
    Route("/record/capture/stop", stop, methods=["POST"]),
]

FAULTS = {"capture_fail": _fail_next}
