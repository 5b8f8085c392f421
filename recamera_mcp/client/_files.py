"""Recorded files through the storage relay: a folder listing, a streamed and resumable download, thumbnails.

Used by the recording area (``cam.recording.list`` / ``download`` / ``thumbnail``); the relay itself is the
storage area's (``_relay.py``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import DeviceApiError, DeviceTimeout, DeviceUnreachable, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._localfile import SafeFile, safe_file_name
from recamera_mcp.client._relay import THUMB_DIR, Relay, entry_kind, http_time, normalize_relay_path, thumb_of

__all__ = [
    "DownloadResult",
    "ProgressFn",
    "RecordingEntry",
    "RecordingList",
    "Thumbnail",
    "download_file",
    "file_rel",
    "list_folder",
    "thumbnail_of",
]

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int | None], Awaitable[None]]
"""``progress(bytes_done, total_or_None)``."""


def _json_list(body: bytes) -> list[Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return []
    return value if isinstance(value, list) else []


class RecordingEntry(BaseModel):
    name: str
    path: str = Field(description="Relative to the recordings root; give it to a download or a thumbnail")
    kind: Literal["directory", "video", "image", "file"]
    size: int | None = Field(default=None, description="Bytes (files only)")
    time: str | None = Field(default=None, description="Last modified, ISO 8601 UTC")
    thumbnail: str | None = Field(default=None, description="Path of the video's thumbnail, when the device made one")


class RecordingList(BaseModel):
    slot: str
    path: str
    total: int = Field(description="Entries in this folder")
    offset: int
    entries: list[RecordingEntry] = Field(description="Newest first")
    next_offset: int | None = Field(default=None, description="Offset of the next page; None: this was the last")


async def list_folder(relay: Relay, path: str = "/", limit: int = 100, offset: int = 0) -> RecordingList:
    """One folder of recordings, newest first, paginated, with thumbnail paths where they exist."""
    if not 1 <= limit <= 1000:
        raise ValidationError(f"limit must be 1..1000, got {limit}", "use e.g. limit=100", field="limit")
    if offset < 0:
        raise ValidationError(f"offset must be >= 0, got {offset}", "start at 0", field="offset")
    folder = normalize_relay_path(path).strip("/")
    entries = await relay.listing(folder)
    if entries is None:
        raise DeviceApiError(
            f"no folder {path!r} in the recordings", 'list the parent folder (path="/" is the root)', status_code=404
        )
    ordered = sorted(entries, key=lambda e: (http_time(e.get("mtime")) or 0.0, e["name"]), reverse=True)
    page = ordered[offset : offset + limit]
    thumbs: set[str] = set()
    if any(entry_kind(e) == "video" for e in page):
        status, body = await relay.get(f"{folder}/{THUMB_DIR}/" if folder else f"{THUMB_DIR}/")
        listed = _json_list(body) if status == 200 else []
        thumbs = {e["name"] for e in listed if isinstance(e, dict) and isinstance(e.get("name"), str)}
    items = []
    for entry in page:
        rel = f"{folder}/{entry['name']}" if folder else entry["name"]
        kind = entry_kind(entry)
        stamp = http_time(entry.get("mtime"))
        items.append(
            RecordingEntry(
                name=entry["name"],
                path=rel + ("/" if kind == "directory" else ""),
                kind=kind,
                size=entry.get("size") if isinstance(entry.get("size"), int) else None,
                time=dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds") if stamp else None,
                thumbnail=thumb_of(rel) if kind == "video" and f"{entry['name']}.thumb.jpg" in thumbs else None,
            )
        )
    end = offset + len(page)
    return RecordingList(
        slot=relay.slot or "",
        path="/" + folder + ("/" if folder else ""),
        total=len(ordered),
        offset=offset,
        entries=items,
        next_offset=end if end < len(ordered) else None,
    )


# ---- download ----------------------------------------------------------------------------------------------------
class DownloadResult(BaseModel):
    path: str
    file: str = Field(description="Where the file was saved")
    size: int
    resumes: int = Field(default=0, description="Times the transfer broke and was resumed with a Range request")
    relay_refreshes: int = 0
    seconds: float


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)|bytes \*/(\d+)")


def file_rel(path: str) -> str:
    """The relay path of a file (a folder or a path leaving the recordings: :class:`ValidationError`)."""
    rel = normalize_relay_path(path)
    if not rel or rel.endswith("/"):
        raise ValidationError(f"{path!r} is a folder, not a file", "give a file path from the listing",
                              field="path")  # fmt: skip
    return rel


async def download_file(
    client: Funnel,
    relay: Relay,
    path: str,
    dest: str | os.PathLike[str] | SafeFile,
    *,
    progress: ProgressFn | None = None,
    chunk_size: int = 256 * 1024,
    max_attempts: int = 6,
    progress_interval_s: float = 0.5,
) -> DownloadResult:
    """Stream a recording to ``dest`` (never whole in memory) via ``<name>.part``, resuming with ``Range`` after a
    broken connection (also across calls: an existing ``.part`` is continued), refreshing an expired relay, and
    checking the size before the file gets its name.

    ``dest``: a :class:`SafeFile` (the caller chose folder and name), or a folder (created if missing), where the
    file gets the camera's name made safe (:func:`safe_file_name`) and a number if that name is taken. The file is
    never written through a link and never replaces an existing one (see ``_localfile.py``)."""
    rel = file_rel(path)
    if isinstance(dest, SafeFile):
        sink, owned = dest, False
    else:
        folder = Path(dest).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        sink, owned = SafeFile(folder, safe_file_name(rel, what="recording")), True
    try:
        return await _download(client, relay, rel, path, sink, progress, chunk_size, max_attempts, progress_interval_s)
    finally:
        if owned:
            sink.close()


async def _download(
    client: Funnel,
    relay: Relay,
    rel: str,
    path: str,
    sink: SafeFile,
    progress: ProgressFn | None,
    chunk_size: int,
    max_attempts: int,
    progress_interval_s: float,
) -> DownloadResult:
    offset = sink.part_size()
    if relay.directory is None:
        await relay.open()
    started = time.monotonic()
    total: int | None = None
    resumes = attempts = 0
    last_report = 0.0
    just_refreshed = False  # a 404 right after a refresh is final: no endless RELAY / GET loop
    while True:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            async with client.stream("GET", relay.url(rel), headers=headers, raw=True) as answer:
                status = answer.status_code
                if status == 404:
                    if not just_refreshed and await relay.refresh():
                        just_refreshed = True
                        continue
                    raise DeviceApiError(f"no file {path!r} in the recordings", "list the folder to see what exists",
                                         status_code=404)  # fmt: skip
                just_refreshed = False
                if status == 416:
                    match = _CONTENT_RANGE.fullmatch(answer.headers.get("content-range", ""))
                    size = int(match[4]) if match and match[4] else None
                    if size is not None and size == offset:
                        total = size
                        break
                    offset = 0
                    sink.discard()
                    continue
                if status == 206:
                    match = _CONTENT_RANGE.fullmatch(answer.headers.get("content-range", ""))
                    if match is None or match[1] is None or int(match[1]) != offset:
                        offset = 0  # an answer for another range: start over
                        sink.discard()
                        continue
                    total = int(match[3]) if match[3] != "*" else None
                elif status == 200:
                    offset = 0  # the device ignored Range (or nothing was saved yet): from the start
                    length = answer.headers.get("content-length")
                    total = int(length) if length and length.isdigit() else None
                else:
                    await answer.read()
                    raise DeviceApiError(f"downloading {path!r} failed with HTTP {status}", "try again",
                                         status_code=status)  # fmt: skip
                with sink.open_part(append=offset > 0) as out:
                    async for chunk in answer.iter_bytes(chunk_size):
                        out.write(chunk)
                        offset += len(chunk)
                        now = time.monotonic()
                        if progress is not None and now - last_report >= progress_interval_s:
                            last_report = now
                            await progress(offset, total)
            if total is None or offset >= total:
                break
            raise DeviceUnreachable(f"the download of {path!r} ended early at {offset} of {total} bytes", "resume")
        except (DeviceUnreachable, DeviceTimeout) as exc:
            attempts += 1
            if attempts >= max_attempts:
                raise DeviceUnreachable(
                    f"downloading {path!r} broke {attempts} times ({exc.message})",
                    f"download again: it resumes from the {offset} bytes kept in {sink.part_name}",
                ) from None
            resumes += 1
            log.info("%s: download of %s broke at %d bytes; resuming", client.address.key, rel, offset)
            await asyncio.sleep(min(0.2 * attempts, 1.0))
    if total is not None and offset != total:
        raise DeviceApiError(f"downloaded {offset} bytes of {path!r} but the device announced {total}",
                             "download again", status_code=200)  # fmt: skip
    final = sink.commit()
    if progress is not None:
        await progress(offset, offset)
    return DownloadResult(
        path=rel,
        file=str(final),
        size=offset,
        resumes=resumes,
        relay_refreshes=relay.refreshes,
        seconds=round(time.monotonic() - started, 3),
    )


# ---- thumbnails --------------------------------------------------------------------------------------------------
class Thumbnail(BaseModel):
    path: str
    source: Literal["thumbnail", "frame", "image"] = Field(
        description="thumbnail: the device's .thumb JPEG; frame: grabbed from the video; image: the snapshot itself"
    )
    jpeg: bytes
    width: int
    height: int


def _shrink_jpeg(data: bytes | None, frame: Any, max_edge: int, quality: int) -> tuple[bytes, int, int]:
    import cv2
    import numpy as np

    if frame is None:
        frame = cv2.imdecode(np.frombuffer(data or b"", np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise DeviceApiError("the device sent an image that cannot be decoded", "try again", status_code=200)
    height, width = frame.shape[:2]
    scale = max_edge / max(height, width)
    if scale < 1:
        frame = cv2.resize(frame, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
        height, width = frame.shape[:2]
    elif data is not None:
        return data, width, height
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes JPEG
        raise DeviceApiError("JPEG encoding failed", "try again", status_code=200)
    return encoded.tobytes(), width, height


def _grab_frame(video: Path) -> Any:
    import cv2

    capture = cv2.VideoCapture(str(video))
    try:
        frames = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0
        if frames > 10:
            capture.set(cv2.CAP_PROP_POS_FRAMES, int(frames // 10))
        ok, frame = capture.read()
        return frame if ok else None
    finally:
        capture.release()


async def thumbnail_of(
    client: Funnel, relay: Relay, path: str, *, max_edge: int = 1280, quality: int = 75
) -> Thumbnail:
    """The device's ``.thumb`` JPEG of a video, else a frame grabbed from the video (OpenCV, in a worker thread);
    for a snapshot, the image itself. At most ``max_edge`` pixels on the long edge."""
    rel = file_rel(path)
    kind = entry_kind({"name": rel, "type": "file"})
    if kind == "image":
        status, body = await relay.get(rel)
        if status != 200:
            raise DeviceApiError(f"no image {path!r} in the recordings", "list the folder to see what exists",
                                 status_code=status)  # fmt: skip
        data, width, height = await asyncio.to_thread(_shrink_jpeg, body, None, max_edge, quality)
        return Thumbnail(path=rel, source="image", jpeg=data, width=width, height=height)
    if kind != "video":
        raise ValidationError(f"{path!r} is neither a video nor an image", "give a .mp4 or .jpg path", field="path")
    status, body = await relay.get(thumb_of(rel))
    if status == 200 and body:
        data, width, height = await asyncio.to_thread(_shrink_jpeg, body, None, max_edge, quality)
        return Thumbnail(path=rel, source="thumbnail", jpeg=data, width=width, height=height)
    with tempfile.TemporaryDirectory(prefix="recamera-thumb-") as tmp:
        saved = await download_file(client, relay, rel, tmp)
        frame = await asyncio.to_thread(_grab_frame, Path(saved.file))
        if frame is None:
            raise DeviceApiError(f"no frame could be read from {path!r}", "download it and open it with a player",
                                 status_code=200)  # fmt: skip
        data, width, height = await asyncio.to_thread(_shrink_jpeg, None, frame, max_edge, quality)
    return Thumbnail(path=rel, source="frame", jpeg=data, width=width, height=height)
