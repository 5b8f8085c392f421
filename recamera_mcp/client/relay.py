"""Recordings through the storage relay: listing, streamed and resumable download, thumbnails.

``POST /record/storage/control {"sAction": "RELAY"}`` opens (or refreshes) a relay for a slot whose state is at least
CONFIGURED and answers its directory (a UUID). Then raw ``GET /storage/relay/<uuid>/<dir>/`` lists a folder as nginx
autoindex JSON and raw ``GET /storage/relay/<uuid>/<file>`` serves a file with ``Range``. A relay expires 300 s after
its last use: an expired one answers 404, so on a 404 :class:`Relay` asks for the relay again, and retries only when
the directory changed (a real 404 stays a 404).

Paths are relative to the slot's data directory (``DCIM``): ``"/"`` is its root, ``"2025-10-16/x.mp4"`` a file.
:func:`normalize_relay_path` refuses ``..``, ``.``, backslashes, NUL and other escapes before any request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
import os
import re
import tempfile
import time
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import DeviceApiError, DeviceTimeout, DeviceUnreachable, ValidationError
from recamera_mcp.client.recording import CONTROL_PATH, StorageNotReady, get_storage_status, not_serving_hint

if TYPE_CHECKING:
    from recamera_mcp.client._client import ReCameraClient

__all__ = [
    "DownloadResult",
    "RecordingEntry",
    "RecordingList",
    "Relay",
    "Thumbnail",
    "download_recording",
    "get_thumbnail",
    "list_recordings",
    "normalize_relay_path",
]

log = logging.getLogger(__name__)

RELAY_PREFIX = "/storage/relay"
THUMB_DIR = ".thumb"
VIDEO_EXTS = (".mp4", ".mov", ".mkv", ".avi", ".h264", ".h265")
IMAGE_EXTS = (".jpg", ".jpeg", ".png")
ProgressFn = Callable[[int, int | None], Awaitable[None]]
"""``progress(bytes_done, total_or_None)``."""


def normalize_relay_path(path: str) -> str:
    """The path relative to the data directory (``""`` is the root; a trailing ``/`` is kept).

    Refuses (:class:`ValidationError`) anything that could leave the relay directory: ``..``, ``.``, ``~``,
    backslashes, NUL or control characters, URLs, and ``//`` or drive-letter prefixes.
    """
    if not isinstance(path, str):
        raise ValidationError("the path must be a string", 'e.g. "/" or "2025-10-16/"', field="path")
    bad = (
        any(ord(c) < 32 or c == "\x7f" for c in path)
        or "\\" in path
        or "://" in path
        or path.startswith(("//", "~"))
        or re.match(r"^[A-Za-z]:", path) is not None
    )
    parts = path.split("/")
    if bad or any(part in ("..", ".") for part in parts):
        raise ValidationError(
            f"refused path {path!r}: it must stay inside the recordings folder",
            'give a path relative to the recordings root as list_recordings shows it, e.g. "2025-10-16/" '
            '(no "..", no absolute device paths, no backslashes)',
            field="path",
        )
    trailing = path.endswith("/") and path.strip("/") != ""
    inner = "/".join(part for part in parts if part)
    return inner + ("/" if trailing else "")


def _http_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


class Relay:
    """The relay of one slot (default the selected one), opened lazily and refreshed when it expired."""

    def __init__(self, client: ReCameraClient, slot: str | None = None) -> None:
        self.client = client
        self.wanted = slot
        self.slot = slot
        self.directory: str | None = None
        self.refreshes = 0

    async def open(self) -> str:
        """Check the slot state, then ``RELAY``; raises :class:`StorageNotReady` with the fix when it cannot serve."""
        status = await get_storage_status(self.client)
        slot = status.slot(self.wanted)
        if not slot.serves_files:
            raise StorageNotReady(
                f"the recordings on {slot.dev_path} cannot be reached: the slot is {slot.state} (the relay needs "
                "CONFIGURED or later)",
                not_serving_hint(slot),
            )
        self.slot = slot.dev_path
        self.directory = await self._relay()
        return self.directory

    async def _relay(self) -> str:
        answer = await self.client.send_json("POST", CONTROL_PATH, {"sAction": "RELAY", "sSlotDevPath": self.slot})
        relay = answer.get("dRelayStatus")
        directory = relay.get("sRelayDirectory") if isinstance(relay, dict) else None
        if not isinstance(directory, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", directory):
            raise DeviceApiError(
                f"{self.client.address.key} answered RELAY without a usable sRelayDirectory", "try again",
                status_code=200,
            )  # fmt: skip
        return directory

    async def refresh(self) -> bool:
        """Ask for the relay again; True when the directory changed (the old one had expired)."""
        if self.directory is None:
            await self.open()
            return True
        old = self.directory
        try:
            self.directory = await self._relay()
        except DeviceApiError:
            self.slot = self.wanted  # the slot changed state or selection: look again
            self.directory = None
            await self.open()
        if self.directory != old:
            self.refreshes += 1
            log.info("%s: relay expired, refreshed", self.client.address.key)
            return True
        return False

    def url(self, rel: str) -> str:
        assert self.directory is not None, "open() the relay first"
        return f"{RELAY_PREFIX}/{self.directory}/{quote(rel, safe='/')}"

    async def get(self, rel: str) -> tuple[int, bytes]:
        """GET a small thing (a listing, a thumbnail): (status, body), with the transparent refresh on expiry."""
        if self.directory is None:
            await self.open()
        for attempt in (0, 1):
            response = await self.client.request("GET", self.url(rel), raw=True, check=False)
            if response.status_code == 404 and attempt == 0 and await self.refresh():
                continue
            return response.status_code, response.content
        raise AssertionError("unreachable")  # pragma: no cover

    async def listing(self, rel_dir: str) -> list[dict[str, Any]] | None:
        """The autoindex entries of a folder, or None when it does not exist."""
        folder = rel_dir.strip("/")
        status, body = await self.get(folder + "/" if folder else "")
        if status == 404:
            return None
        if status == 400:
            raise ValidationError(f"the device refused the path {rel_dir!r}", "use a path inside the recordings",
                                  field="path")  # fmt: skip
        if status != 200:
            raise DeviceApiError(f"listing {rel_dir!r} failed with HTTP {status}", "try again", status_code=status)
        try:
            entries = json.loads(body)
        except ValueError:
            entries = None
        if not isinstance(entries, list):
            raise DeviceApiError(f"listing {rel_dir!r} did not answer autoindex JSON", "try again", status_code=status)
        return [e for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]

    async def files_under(self, rel: str, depth: int = 4) -> list[tuple[str, int, float]]:
        """Every file at or below ``rel`` as (path, size, mtime); :class:`ValidationError` when it does not exist."""
        rel = rel.strip("/")
        if rel:
            parent, _, name = rel.rpartition("/")
            entries = await self.listing(parent)
            entry = next((e for e in entries or [] if e["name"] == name), None)
            if entry is None:
                raise ValidationError(
                    f"no such file or folder: {rel}", "list_recordings shows what exists", field="paths"
                )
            if entry.get("type") != "directory":
                return [item for item in await self._walk(parent, 0) if item[0] == rel]
        return await self._walk(rel, depth)

    async def _walk(self, folder: str, depth: int) -> list[tuple[str, int, float]]:
        """Files below ``folder``; a video's size includes its thumbnail (deleted with it)."""
        found: list[tuple[str, int, float]] = []
        entries = await self.listing(folder) or []
        thumbs: dict[str, int] = {}
        if any(_kind(e) == "video" for e in entries):
            listed = await self.listing(f"{folder}/{THUMB_DIR}" if folder else THUMB_DIR) or []
            thumbs = {e["name"]: int(e.get("size") or 0) for e in listed if e.get("type") == "file"}
        for entry in entries:
            path = f"{folder}/{entry['name']}" if folder else entry["name"]
            if entry.get("type") == "directory":
                if depth > 0:
                    found += await self._walk(path, depth - 1)
            elif entry.get("type") == "file":
                size = int(entry.get("size") or 0) + thumbs.get(f"{entry['name']}.thumb.jpg", 0)
                found.append((path, size, _http_time(entry.get("mtime")) or 0.0))
        return found


_RELAYS: weakref.WeakKeyDictionary[ReCameraClient, Relay] = weakref.WeakKeyDictionary()


def relay_for(client: ReCameraClient) -> Relay:
    """The client's relay of the selected slot, kept between calls (an expired one is refreshed on use)."""
    relay = _RELAYS.get(client)
    if relay is None:
        relay = _RELAYS[client] = Relay(client)
    return relay


# ---- listing -----------------------------------------------------------------------------------------------------
class RecordingEntry(BaseModel):
    name: str
    path: str = Field(description="Relative to the recordings root; give it to download_recording / get_thumbnail")
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


def _kind(entry: dict[str, Any]) -> Literal["directory", "video", "image", "file"]:
    if entry.get("type") == "directory":
        return "directory"
    name = entry["name"].lower()
    if name.endswith(VIDEO_EXTS):
        return "video"
    return "image" if name.endswith(IMAGE_EXTS) else "file"


def thumb_of(rel: str) -> str:
    """Where a video's thumbnail sits: ``{dir}/.thumb/{video}.thumb.jpg``."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/{THUMB_DIR}/{name}.thumb.jpg" if folder else f"{THUMB_DIR}/{name}.thumb.jpg"


async def list_recordings(
    client: ReCameraClient, path: str = "/", limit: int = 100, offset: int = 0, relay: Relay | None = None
) -> RecordingList:
    """One folder of recordings, newest first, paginated, with thumbnail paths where they exist."""
    if not 1 <= limit <= 1000:
        raise ValidationError(f"limit must be 1..1000, got {limit}", "use e.g. limit=100", field="limit")
    if offset < 0:
        raise ValidationError(f"offset must be >= 0, got {offset}", "start at 0", field="offset")
    folder = normalize_relay_path(path).strip("/")
    relay = relay or relay_for(client)
    entries = await relay.listing(folder)
    if entries is None:
        raise DeviceApiError(
            f"no folder {path!r} in the recordings", 'list the parent folder (path="/" is the root)', status_code=404
        )
    ordered = sorted(entries, key=lambda e: (_http_time(e.get("mtime")) or 0.0, e["name"]), reverse=True)
    page = ordered[offset : offset + limit]
    thumbs: set[str] = set()
    if any(_kind(e) == "video" for e in page):
        status, body = await relay.get(f"{folder}/{THUMB_DIR}/" if folder else f"{THUMB_DIR}/")
        if status == 200:
            listed = json.loads(body)
            thumbs = {e["name"] for e in listed if isinstance(e, dict) and isinstance(e.get("name"), str)}
    items = []
    for entry in page:
        rel = f"{folder}/{entry['name']}" if folder else entry["name"]
        kind = _kind(entry)
        stamp = _http_time(entry.get("mtime"))
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


def _file_rel(path: str) -> str:
    rel = normalize_relay_path(path)
    if not rel or rel.endswith("/"):
        raise ValidationError(f"{path!r} is a folder, not a file", "give a file path from list_recordings",
                              field="path")  # fmt: skip
    return rel


async def download_recording(
    client: ReCameraClient,
    path: str,
    dest_dir: str | os.PathLike[str],
    *,
    progress: ProgressFn | None = None,
    chunk_size: int = 256 * 1024,
    max_attempts: int = 6,
    progress_interval_s: float = 0.5,
    relay: Relay | None = None,
) -> DownloadResult:
    """Stream a recording to ``dest_dir`` (never whole in memory) via ``<name>.part``, resuming with ``Range``
    after a broken connection (also across calls: an existing ``.part`` is continued), refreshing an expired
    relay, and checking the size before the file gets its name."""
    rel = _file_rel(path)
    dest = Path(dest_dir).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / rel.rsplit("/", 1)[-1]
    part = final.with_name(final.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    relay = relay or relay_for(client)
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
                    raise DeviceApiError(f"no file {path!r} in the recordings", "list_recordings shows what exists",
                                         status_code=404)  # fmt: skip
                just_refreshed = False
                if status == 416:
                    match = _CONTENT_RANGE.fullmatch(answer.headers.get("content-range", ""))
                    size = int(match[4]) if match and match[4] else None
                    if size is not None and size == offset:
                        total = size
                        break
                    offset = 0
                    part.unlink(missing_ok=True)
                    continue
                if status == 206:
                    match = _CONTENT_RANGE.fullmatch(answer.headers.get("content-range", ""))
                    if match is None or match[1] is None or int(match[1]) != offset:
                        offset = 0  # an answer for another range: start over
                        part.unlink(missing_ok=True)
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
                with part.open("ab" if offset else "wb") as out:
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
                    f"call download_recording again: it resumes from the {offset} bytes kept in {part}",
                ) from None
            resumes += 1
            log.info("%s: download of %s broke at %d bytes; resuming", client.address.key, rel, offset)
            await asyncio.sleep(min(0.2 * attempts, 1.0))
    if total is not None and offset != total:
        raise DeviceApiError(f"downloaded {offset} bytes of {path!r} but the device announced {total}",
                             "download again", status_code=200)  # fmt: skip
    os.replace(part, final)
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


async def get_thumbnail(
    client: ReCameraClient, path: str, *, max_edge: int = 1280, quality: int = 75, relay: Relay | None = None
) -> Thumbnail:
    """The device's ``.thumb`` JPEG of a video, else a frame grabbed from the video (OpenCV, in a worker thread);
    for a snapshot, the image itself. At most ``max_edge`` pixels on the long edge."""
    rel = _file_rel(path)
    relay = relay or relay_for(client)
    kind = _kind({"name": rel, "type": "file"})
    if kind == "image":
        status, body = await relay.get(rel)
        if status != 200:
            raise DeviceApiError(f"no image {path!r} in the recordings", "list_recordings shows what exists",
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
        saved = await download_recording(client, rel, tmp, relay=relay)
        frame = await asyncio.to_thread(_grab_frame, Path(saved.file))
        if frame is None:
            raise DeviceApiError(f"no frame could be read from {path!r}", "download it and open it with a player",
                                 status_code=200)  # fmt: skip
        data, width, height = await asyncio.to_thread(_shrink_jpeg, None, frame, max_edge, quality)
    return Thumbnail(path=rel, source="frame", jpeg=data, width=width, height=height)
