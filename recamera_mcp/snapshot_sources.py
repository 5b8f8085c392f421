"""One snapshot from whichever source works, optionally with the current detections drawn on it.

``source``:

- ``rtsp``: the stream (:func:`recamera_mcp.snapshot.snapshot_device`: open, discard the stale burst, keep one);
- ``capture``: the camera takes a JPEG itself into its storage slot, the client fetches and removes it
  (``cam.capture.still()``); no RTSP needed;
- ``auto`` (default): RTSP, and the capture when RTSP is disabled on the stream, its port is closed or it delivers
  nothing. The result says which source was used and why (:attr:`Snapshot.source`, :attr:`Snapshot.why`).

``overlay=True`` listens to the inference results while the picture is taken and draws the result nearest to it in
time (the capture's device time, or the moment the RTSP frame was read) with :mod:`recamera_mcp.overlay`, on the
returned image (a saved full-size file stays clean).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recamera_mcp.client import (
    DeviceTimeout,
    DeviceUnreachable,
    FrameSize,
    NotSupported,
    Problem,
    ReCameraError,
    ResultLog,
    SafeFile,
    ValidationError,
    inference_problem,
    redact_text,
)
from recamera_mcp.overlay import draw_detections
from recamera_mcp.snapshot import (
    DEFAULT_DISCARD,
    JPEG_QUALITY,
    MAX_EDGE,
    Snapshot,
    WarmReaders,
    encode_frame,
    save_frame,
    snapshot_device,
)

if TYPE_CHECKING:
    from recamera_mcp.client import ReCameraClient

__all__ = ["SOURCES", "take_snapshot"]

SOURCES = ("auto", "rtsp", "capture")
FALLBACK = (NotSupported, DeviceUnreachable, DeviceTimeout)
"""RTSP failures after which ``auto`` takes the picture by capture instead."""
MAX_LISTED = 20
"""Detections listed in the result (all of them are drawn)."""
MAX_GAP_S = 0.5
"""A drawn result further than this from the picture's instant is flagged (objects move)."""


def _decode(jpeg: bytes) -> Any:
    import cv2
    import numpy as np

    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise NotSupported("the camera's picture could not be decoded as JPEG", "try again")
    return frame


async def _by_capture(client: ReCameraClient, save_to: str | Path | SafeFile | None) -> Snapshot:
    started = time.monotonic()
    still = await client.capture.still()
    frame = await asyncio.to_thread(_decode, still.jpeg)
    jpeg, width, height = await asyncio.to_thread(encode_frame, frame, MAX_EDGE, JPEG_QUALITY)
    saved = await asyncio.to_thread(save_frame, frame, save_to) if save_to is not None else None
    shot = Snapshot(
        jpeg=jpeg, width=width, height=height, source_width=frame.shape[1], source_height=frame.shape[0],
        frames_discarded=0, elapsed_s=round(time.monotonic() - started, 3), connect_s=0.0, warm=False,
        saved_path=saved, source="capture", taken_ms=still.timestamp_ms,
    )  # fmt: skip
    client.streams.note_frame(shot.source_width, shot.source_height)
    if not still.removed:
        shot.warnings.append(f"the captured file {still.path} could not be removed from the camera")
    return shot


async def _acquire(client: ReCameraClient, source: str, stream: str, options: dict[str, Any]) -> Snapshot:
    if source == "capture":
        shot = await _by_capture(client, options.get("save_to"))
        shot.why = "asked for"
        return shot
    try:
        shot = await snapshot_device(client, stream, **options)
    except FALLBACK as exc:
        if source == "rtsp":
            raise
        reason = redact_text(exc.message)
        try:
            shot = await _by_capture(client, options.get("save_to"))
        except ReCameraError as capture_exc:
            capture_exc.message = f"no snapshot: RTSP failed ({reason}), and so did the capture: {capture_exc.message}"
            raise
        shot.why = f"RTSP failed ({reason}); the camera took the picture itself"
        return shot
    shot.why = "asked for" if source == "rtsp" else "RTSP answered"
    if stream == "main":
        client.streams.note_frame(shot.source_width, shot.source_height)
    return shot


@contextlib.asynccontextmanager
async def _results(client: ReCameraClient, wanted: bool) -> AsyncIterator[tuple[ResultLog | None, Problem | None]]:
    """Inference results collected while the block runs (when ``wanted`` and inference is on)."""
    if not wanted:
        yield None, None
        return
    try:
        problem = inference_problem(await client.inference.state())
    except ReCameraError:
        problem = None
    if problem is not None:
        yield None, problem
        return
    async with client.streams.listening() as log:
        yield log, None


async def _draw(client: ReCameraClient, shot: Snapshot, log: ResultLog, stream: str, received: float) -> None:
    deadline = time.monotonic() + 2.0
    while not log.items and time.monotonic() < deadline and log.error is None:
        await asyncio.sleep(0.05)  # the first result of a freshly opened socket may still be on its way
    result, gap_s = log.nearest(device_ms=shot.taken_ms, received=received)
    if result is None:
        shot.warnings.append("no inference result arrived while the picture was taken: nothing drawn")
        shot.overlay = []
        return
    if result.frame is not None:
        ref = FrameSize(result.frame[0], result.frame[1], "result")
    elif shot.source == "capture" or stream == "main":
        ref = FrameSize(shot.source_width, shot.source_height, "image")
    else:
        ref = await client.streams.frame_size() or FrameSize(shot.source_width, shot.source_height, "image")
    boxed = [(label, score, box) for label, score, box in result.objects if box is not None]
    frame = await asyncio.to_thread(_decode, shot.jpeg)
    drawn = await asyncio.to_thread(draw_detections, frame, boxed, (ref.width, ref.height))
    shot.jpeg, _w, _h = await asyncio.to_thread(encode_frame, drawn, MAX_EDGE, JPEG_QUALITY)
    shot.overlay = result.detections(ref, limit=MAX_LISTED)  # all are drawn; the best are listed
    shot.overlay_ms = result.timestamp_ms
    if gap_s is not None and gap_s > MAX_GAP_S:
        shot.warnings.append(
            f"the detections drawn are from a result {gap_s:.1f} s away from the picture (none nearer)"
        )


async def take_snapshot(
    client: ReCameraClient,
    source: str = "auto",
    stream: str = "main",
    *,
    overlay: bool = False,
    discard_frames: int = DEFAULT_DISCARD,
    save_to: str | Path | SafeFile | None = None,
    warm: WarmReaders | None = None,
) -> Snapshot:
    """A snapshot by ``source`` (see the module docstring), with the current detections drawn when ``overlay``."""
    if source not in SOURCES:
        raise ValidationError(f"unknown source {source!r}", "use auto, rtsp or capture", field="source")
    options: dict[str, Any] = {"discard_frames": discard_frames, "save_to": save_to, "warm": warm}
    started = time.monotonic()
    async with _results(client, overlay) as (log, problem):
        shot = await _acquire(client, source, stream, options)
        received = time.monotonic()
        if log is not None:
            await _draw(client, shot, log, stream, received)
    if problem is not None:
        shot.overlay = []
        shot.overlay_problem = problem
    shot.elapsed_s = round(time.monotonic() - started, 3)  # the whole of it: a failed RTSP attempt, the overlay
    return shot
