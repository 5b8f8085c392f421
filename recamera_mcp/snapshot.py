"""RTSP snapshots with OpenCV in a worker thread: skip the stale burst with ``grab()``, decode one frame, JPEG it.

A camera's RTSP session starts with a burst of buffered (stale) frames: read right after opening, a snapshot shows
the past. :func:`snapshot` opens the stream over TCP with open/read timeouts (it never hangs), ``grab()``\\ s
``discard_frames`` frames (120 by default; grab skips the colour conversion and copy that ``read()`` does), then
``read()``\\ s one, downscales it to at most 1280 px on the long edge and encodes JPEG (quality 75).

Given a :class:`WarmReaders` registry, the capture is kept open by a background reader that keeps grabbing for
``idle_s`` seconds; a snapshot of the same URL within that window decodes the next live frame without re-opening
(one frame time). The registry belongs to its caller (the MCP server keeps one in its lifespan state).

:func:`stream_url` builds the URL from the device's own stream config (credentials inserted when the stream asks
for them; they are never shown: :func:`redact_url`). The URL always points at the camera's own host: a stream config
naming another host is not followed (the camera's host is used, and the snapshot says so), so a hostile camera
cannot send the client, with the stream password, elsewhere.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import socket
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from recamera_mcp.client import (
    ConfigArea,
    Detection,
    DeviceTimeout,
    DeviceUnreachable,
    Fix,
    NotSupported,
    Problem,
    SafeFile,
    ValidationError,
    safe_file_name,
)

if TYPE_CHECKING:
    from recamera_mcp.client import ReCameraClient

__all__ = [
    "DEFAULT_DISCARD",
    "Snapshot",
    "WarmReaders",
    "encode_frame",
    "redact_url",
    "save_frame",
    "snapshot",
    "snapshot_device",
    "stream_url",
]

log = logging.getLogger(__name__)

DEFAULT_DISCARD = 120
"""Frames to throw away after opening: the device's stale burst."""
MAX_EDGE = 1280
JPEG_QUALITY = 75
SAVE_QUALITY = 90
WARM_IDLE_S = 30.0
RTSP_PORT = 554
_STREAMS = {"main": (0, ConfigArea.STREAM_MAIN), "sub": (1, ConfigArea.STREAM_SUB)}
_OPTIONS_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
_open_lock = threading.Lock()
"""Serializes the process-global FFmpeg options around ``VideoCapture()`` (other opens may want other options)."""


@dataclass
class Snapshot:
    """One snapshot: the (downscaled) JPEG and what it took to get it."""

    jpeg: bytes
    width: int
    height: int
    source_width: int
    source_height: int
    frames_discarded: int
    elapsed_s: float
    connect_s: float
    warm: bool
    """True when a warm reader served it (no re-open, no discarding)."""
    saved_path: str | None = None
    warnings: list[str] = field(default_factory=list)
    source: str = "rtsp"
    """``rtsp`` or ``capture`` (the camera took the picture itself: no RTSP needed)."""
    why: str | None = None
    """Why that source: asked for, or what made ``auto`` fall back from RTSP."""
    taken_ms: int | None = None
    """When the picture was taken, device time (capture only)."""
    overlay: list[Detection] | None = None
    """The detections drawn on the image (``overlay=True``), boxes normalised to the image."""
    overlay_ms: int | None = None
    """Device time of the inference result drawn."""
    overlay_problem: Problem | None = None
    """Why nothing could be drawn (inference off), with its fix."""


def redact_url(url: str) -> str:
    """The URL with any user:password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def stream_url(client: ReCameraClient, stream: str = "main", notes: list[str] | None = None) -> str:
    """The RTSP URL of ``stream`` from the device's stream config, with its credentials when it requires them, on
    the camera's own host (``notes`` gets a line when the config named another host).

    Raises :class:`NotSupported` when RTSP is off on that stream (with how to turn it on). The result may hold a
    password: show only :func:`redact_url` of it.
    """
    if stream not in _STREAMS:
        raise ValidationError(f"unknown stream {stream!r}", "use main or sub", field="stream")
    index, area = _STREAMS[stream]
    config = await client.config.get(area)
    rtsp = config.get("rtsp") if isinstance(config.get("rtsp"), dict) else {}
    assert isinstance(rtsp, dict)
    if rtsp.get("iEnabled") != 1:
        other = "RTMP/ONVIF" if stream == "main" else "RTMP"
        raise NotSupported(
            f"RTSP is off on the {stream} stream of {client.address.key}",
            f'turn it on in the {area.value} config: {{"rtsp": {{"iEnabled": 1}}}} (only one of '
            f"RTSP/{other} can be on for this stream, so turn those off in the same change if they are on)",
            fix=Fix(op="config.update", args={"area": area.value, "changes": {"rtsp": {"iEnabled": 1}}}),
        )
    url = rtsp.get("sURL")
    own = f"[{client.address.host}]" if ":" in client.address.host else client.address.host
    if not isinstance(url, str) or not url.startswith("rtsp://"):
        url = f"rtsp://{own}:{RTSP_PORT}/{stream}"
    parts = urlsplit(url)
    try:
        port = parts.port or RTSP_PORT
    except ValueError:
        port = RTSP_PORT
    if (parts.hostname or "") != client.address.host:
        if parts.hostname and notes is not None:
            notes.append(
                f"the camera's stream config names another host ({parts.hostname}); its own host "
                f"{client.address.host} was used instead"
            )
        url = urlunsplit(parts._replace(netloc=f"{own}:{port}"))
        parts = urlsplit(url)
    if rtsp.get("iAuthType") == 1 and parts.username is None:
        user, password = str(rtsp.get("sUserName") or ""), str(rtsp.get("sPassword") or "")
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc}"
        url = urlunsplit(parts._replace(netloc=netloc))
    log.debug("stream %s of %s: %s (config id %d)", stream, client.address.key, redact_url(url), index)
    return url


# ---- the blocking part (worker thread) ----------------------------------------------------------------------------
def _tcp_probe(url: str, timeout_s: float) -> None:
    """A clear error for a refused or silent port before OpenCV's less telling failure."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or RTSP_PORT
    shown = redact_url(url)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except TimeoutError:
        raise DeviceTimeout(
            f"the RTSP port {host}:{port} did not answer within {timeout_s:g} s ({shown})",
            "check that the camera is on and reachable, and that nothing blocks port 554",
        ) from None
    except OSError as exc:
        raise DeviceUnreachable(
            f"cannot connect to the RTSP port {host}:{port} ({shown}): {exc.strerror or exc}",
            "check the camera address and that RTSP is enabled on this stream (stream_main/stream_sub rtsp.iEnabled)",
        ) from None


def _ffmpeg_options() -> str:
    """``OPENCV_FFMPEG_CAPTURE_OPTIONS`` with TCP transport added to whatever the user set."""
    current = os.environ.get(_OPTIONS_ENV, "")
    if "rtsp_transport" in current:
        return current
    return f"{current}|rtsp_transport;tcp" if current else "rtsp_transport;tcp"


def _open(url: str, open_timeout_s: float, read_timeout_s: float) -> Any:
    import cv2

    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(open_timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(read_timeout_s * 1000),
    ]  # fmt: skip
    with _open_lock:  # the option is process-global: set it only around our own open, then put it back
        previous = os.environ.get(_OPTIONS_ENV)
        os.environ[_OPTIONS_ENV] = _ffmpeg_options()
        try:
            capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
        finally:
            if previous is None:
                os.environ.pop(_OPTIONS_ENV, None)
            else:
                os.environ[_OPTIONS_ENV] = previous
    if not capture.isOpened():
        capture.release()
        raise DeviceUnreachable(
            f"the RTSP server at {redact_url(url)} accepted the connection but delivered no stream within "
            f"{open_timeout_s:g} s",
            "check the stream path (/main or /sub), the RTSP credentials (stream config rtsp.iAuthType) and that "
            "the stream is enabled; try again in a moment",
        )
    return capture


def encode_frame(frame: Any, max_edge: int, quality: int) -> tuple[bytes, int, int]:
    import cv2

    height, width = frame.shape[:2]
    scale = min(1.0, max_edge / max(width, height))
    if scale < 1.0:
        frame = cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise NotSupported("OpenCV could not encode the frame as JPEG", "try again")
    return data.tobytes(), frame.shape[1], frame.shape[0]


class _WarmReader:
    """An open capture that a background thread keeps draining (grab) until idle; serves the next live frame."""

    def __init__(self, url: str, capture: Any, idle_s: float, owner: WarmReaders) -> None:
        self.url = url
        self.owner = owner
        self.capture = capture
        self.idle_s = idle_s
        self.last_used = time.monotonic()
        self._cond = threading.Condition()
        self._wanted = False
        self._frame: Any = None
        self._stop = False
        self.alive = True
        self._thread = threading.Thread(target=self._run, name="recamera-warm-rtsp", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._stop or (not self._wanted and time.monotonic() - self.last_used > self.idle_s):
                        break
                if not self.capture.grab():
                    break
                with self._cond:
                    if self._wanted:
                        ok, frame = self.capture.retrieve()
                        self._frame = frame if ok else None
                        self._wanted = False
                        self._cond.notify_all()
        finally:
            with self._cond:
                self.alive = False
                self._wanted = False
                self._cond.notify_all()
            self.capture.release()
            self.owner.forget(self)

    def next_frame(self, timeout_s: float) -> Any:
        """The next frame grabbed after this call, or None if the reader died or timed out."""
        with self._cond:
            if not self.alive:
                return None
            self.last_used = time.monotonic()
            self._frame = None
            self._wanted = True
            self._cond.wait_for(lambda: not self._wanted or not self.alive, timeout_s)
            self.last_used = time.monotonic()
            frame, self._frame = self._frame, None
            self._wanted = False
            return frame

    def stop(self) -> None:
        with self._cond:
            self._stop = True
        self._thread.join(5)


class WarmReaders:
    """The open RTSP captures kept warm for quick snapshots, by URL; its owner (the server's lifespan, a script)
    calls :meth:`close` at the end. Thread-safe: readers run in worker threads."""

    def __init__(self) -> None:
        self._readers: dict[str, _WarmReader] = {}
        self._lock = threading.Lock()
        _LIVE.add(self)

    def get(self, url: str) -> _WarmReader | None:
        with self._lock:
            return self._readers.get(url)

    def put(self, reader: _WarmReader) -> None:
        with self._lock:
            old = self._readers.pop(reader.url, None)
            self._readers[reader.url] = reader
        if old is not None:
            old.stop()

    def forget(self, reader: _WarmReader) -> None:
        with self._lock:
            if self._readers.get(reader.url) is reader:
                del self._readers[reader.url]

    def __len__(self) -> int:
        with self._lock:
            return len(self._readers)

    def drop_host(self, host: str) -> int:
        """Stop the readers of one camera (``host``: its IP or name), e.g. after it restarted; how many."""
        with self._lock:
            gone = [r for u, r in self._readers.items() if (urlsplit(u).hostname or "").lower() == host.lower()]
            for reader in gone:
                del self._readers[reader.url]
        for reader in gone:
            reader.stop()
        return len(gone)

    def close(self) -> None:
        """Stop every warm reader (their captures are released)."""
        with self._lock:
            readers = list(self._readers.values())
            self._readers.clear()
        for reader in readers:
            reader.stop()


_LIVE: weakref.WeakSet[WarmReaders] = weakref.WeakSet()


@atexit.register
def _close_all_at_exit() -> None:
    for readers in list(_LIVE):
        readers.close()


def _capture(
    url: str,
    discard_frames: int,
    *,
    open_timeout_s: float,
    read_timeout_s: float,
    timeout_s: float,
    warm: WarmReaders | None,
    idle_s: float,
) -> tuple[Any, int, float, bool]:
    """(BGR frame, frames discarded, connect seconds, warm) — blocking, run in a worker thread. With ``warm``, a
    reader of that registry serves the frame when one is open, and the capture is kept open in it afterwards."""
    reader = warm.get(url) if warm is not None else None
    if reader is not None:
        frame = reader.next_frame(read_timeout_s)
        if frame is not None:
            return frame, 0, 0.0, True
    start = time.monotonic()
    _tcp_probe(url, open_timeout_s)
    capture = _open(url, open_timeout_s, read_timeout_s)
    connect_s = time.monotonic() - start
    handed_over = False
    try:
        deadline = start + timeout_s
        for done in range(discard_frames):
            if not capture.grab():
                raise DeviceTimeout(
                    f"the RTSP stream {redact_url(url)} stopped after {done} frames (read timeout "
                    f"{read_timeout_s:g} s)",
                    "the camera may be overloaded or the network unstable; try again",
                )
            if time.monotonic() > deadline:
                raise DeviceTimeout(
                    f"discarding {discard_frames} frames from {redact_url(url)} took longer than {timeout_s:g} s "
                    f"(only {done + 1} so far)",
                    "the stream is slower than expected: give a longer timeout or fewer discard_frames",
                )
        ok, frame = capture.read()
        if not ok or frame is None:
            raise DeviceTimeout(
                f"no frame could be decoded from {redact_url(url)} within {read_timeout_s:g} s",
                "try again; if it persists check the stream's codec settings (video_encode_main|sub)",
            )
        if warm is not None:
            warm.put(_WarmReader(url, capture, idle_s, warm))
            handed_over = True
        return frame, discard_frames, connect_s, False
    finally:
        if not handed_over:
            capture.release()


async def snapshot(
    rtsp_url: str,
    discard_frames: int = DEFAULT_DISCARD,
    *,
    timeout_s: float = 30.0,
    open_timeout_s: float = 5.0,
    read_timeout_s: float = 5.0,
    max_edge: int = MAX_EDGE,
    quality: int = JPEG_QUALITY,
    save_to: str | Path | SafeFile | None = None,
    warm: WarmReaders | None = None,
    idle_s: float = WARM_IDLE_S,
) -> Snapshot:
    """One fresh frame of an RTSP stream as JPEG (see the module docstring). Never blocks the event loop.

    ``warm``: keep the stream open in this registry for ``idle_s`` so the next snapshot of the URL is instant.

    ``save_to``: a :class:`SafeFile`, or a file (or directory) for the full-size frame (JPEG quality 90): never
    written through a link or over an existing file (a taken name gets a number). Raises :class:`DeviceUnreachable`
    / :class:`DeviceTimeout` with a clear message; the URL's credentials never appear in messages.
    """
    if not 0 <= discard_frames <= 2000:
        raise ValidationError(
            f"discard_frames must be 0..2000, got {discard_frames}", "use 120 (the stale burst)", field="discard_frames"
        )
    if not (0 < open_timeout_s <= timeout_s and 0 < read_timeout_s):
        raise ValidationError("timeouts must be > 0 and open_timeout_s <= timeout_s", "", field="timeout_s")
    if not url_is_rtsp(rtsp_url):
        raise ValidationError(f"not an rtsp:// URL: {redact_url(rtsp_url)}", "give rtsp://host:554/main", field="url")
    started = time.monotonic()
    work = asyncio.to_thread(
        _capture,
        rtsp_url,
        discard_frames,
        open_timeout_s=open_timeout_s,
        read_timeout_s=read_timeout_s,
        timeout_s=timeout_s,
        warm=warm,
        idle_s=idle_s,
    )
    try:
        frame, discarded, connect_s, served_warm = await asyncio.wait_for(work, timeout_s + read_timeout_s + 2)
    except TimeoutError:
        raise DeviceTimeout(
            f"the snapshot from {redact_url(rtsp_url)} took longer than {timeout_s:g} s", "try again later"
        ) from None
    jpeg, width, height = await asyncio.to_thread(encode_frame, frame, max_edge, quality)
    source_height, source_width = frame.shape[:2]
    saved = await asyncio.to_thread(save_frame, frame, save_to) if save_to is not None else None
    result = Snapshot(
        jpeg=jpeg,
        width=width,
        height=height,
        source_width=source_width,
        source_height=source_height,
        frames_discarded=discarded,
        elapsed_s=round(time.monotonic() - started, 3),
        connect_s=round(connect_s, 3),
        warm=served_warm,
        saved_path=saved,
    )
    if not served_warm and discard_frames < DEFAULT_DISCARD:
        result.warnings.append(
            f"only {discard_frames} frames were discarded (< {DEFAULT_DISCARD}): the image may show the stream's "
            "stale start-up burst (the past), not the present"
        )
    return result


def url_is_rtsp(url: str) -> bool:
    return isinstance(url, str) and urlsplit(url).scheme in ("rtsp", "rtsps") and bool(urlsplit(url).hostname)


def save_frame(frame: Any, save_to: str | Path | SafeFile) -> str:
    import cv2

    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, SAVE_QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes JPEG
        raise ValidationError("JPEG encoding failed", "try again", field="save_to")
    if isinstance(save_to, SafeFile):
        return str(save_to.write_bytes(encoded.tobytes()))
    path = Path(save_to).expanduser()
    if path.is_dir() or str(save_to).endswith(("/", os.sep)):
        folder, name = path, time.strftime("snapshot-%Y%m%d-%H%M%S.jpg")
    else:
        folder, name = path.parent, path.name if path.suffix.lower() in (".jpg", ".jpeg") else path.stem + ".jpg"
    folder.mkdir(parents=True, exist_ok=True)
    with SafeFile(folder, safe_file_name(name, (".jpg", ".jpeg"), what="snapshot")) as sink:
        return str(sink.write_bytes(encoded.tobytes()).resolve())


async def snapshot_device(client: ReCameraClient, stream: str = "main", **options: Any) -> Snapshot:
    """:func:`snapshot` of a camera's ``main`` or ``sub`` stream, the URL taken from its own stream config (always
    on the camera's own host)."""
    notes: list[str] = []
    shot = await snapshot(await stream_url(client, stream, notes), **options)
    shot.warnings.extend(notes)
    return shot
