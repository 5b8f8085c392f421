"""Sample recordings for the simulated storage slots: small real MP4 (and JPEG) files in the device's layout.

Layout of a slot's data directory (``DCIM``)::

    DCIM/<YYYY-MM-DD>/<YYYY-MM-DD HH-MM-SS NNNNN>.mp4        (and some .jpg snapshots)
    DCIM/<YYYY-MM-DD>/.thumb/<YYYY-MM-DD HH-MM-SS NNNNN>.mp4.thumb.jpg   (for some videos only)

The files are generated once per process into a template folder (OpenCV ``mp4v``, a few 160x120 frames; JPEG only
when the video writer is not available) and hard-linked (or copied) into each device's folder, so a fleet of
cameras starts fast. Every folder made here is removed at interpreter exit at the latest.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATA_DIR_NAME = "DCIM"
THUMB_DIR = ".thumb"
VIDEO_SIZE = (160, 120)
SAMPLE_DAYS = 3
SAMPLES_PER_DAY = 4

_template: Path | None = None
_template_lock = threading.Lock()


def _remove_at_exit(path: Path) -> None:
    atexit.register(shutil.rmtree, path, True)


def recording_name(when: dt.datetime, serial: int, ext: str = "mp4") -> str:
    """``"<YYYY-MM-DD>/<YYYY-MM-DD HH-MM-SS NNNNN>.<ext>"``, relative to the data directory."""
    return f"{when:%Y-%m-%d}/{when:%Y-%m-%d %H-%M-%S} {serial % 100000:05d}.{ext}"


def thumb_path(video: str) -> str:
    """Where the thumbnail of ``video`` (relative path) sits: ``{dir}/.thumb/{video}.thumb.jpg``."""
    folder, _, name = video.rpartition("/")
    return f"{folder}/{THUMB_DIR}/{name}.thumb.jpg" if folder else f"{THUMB_DIR}/{name}.thumb.jpg"


def _frame(index: int, label: str) -> Any:
    import cv2
    import numpy as np

    width, height = VIDEO_SIZE
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:] = ((index * 37) % 255, 90, (200 - index * 23) % 255)
    cv2.putText(frame, label, (4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
    cv2.putText(frame, f"#{index}", (4, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    return frame


def write_jpeg(path: Path, label: str, index: int = 0) -> None:
    """A small real JPEG with ``label`` drawn on it."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(".jpg", _frame(index, label))
    if not ok:  # pragma: no cover - OpenCV always encodes JPEG
        raise OSError("JPEG encoding failed")
    path.write_bytes(encoded.tobytes())


def write_mp4(path: Path, label: str, frames: int = 8) -> bool:
    """A small real MP4 (mp4v); False when OpenCV cannot write video here."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, VIDEO_SIZE)
    try:
        if not writer.isOpened():
            return False
        for index in range(frames):
            writer.write(_frame(index, label))
    finally:
        writer.release()
    if not path.exists() or path.stat().st_size == 0:
        path.unlink(missing_ok=True)
        return False
    return True


def write_pattern(path: Path, size: int) -> None:
    """``size`` bytes whose content depends on the offset (so a misplaced resume shows), written fast."""
    block = 1 << 20
    path.parent.mkdir(parents=True, exist_ok=True)
    base = bytes(range(256)) * (block // 256)
    with path.open("wb") as out:
        written = 0
        index = 0
        while written < size:
            chunk = index.to_bytes(8, "big") * 8 + base[64:]
            piece = chunk[: min(block, size - written)]
            out.write(piece)
            written += len(piece)
            index += 1


def _generate(root: Path, now: dt.datetime) -> None:
    video_ok = True
    serial = 10001
    for day in range(SAMPLE_DAYS, 0, -1):
        date = (now - dt.timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
        for slot in range(SAMPLES_PER_DAY):
            when = date + dt.timedelta(hours=3 * slot, minutes=7 * slot, seconds=11 * slot)
            snapshot = slot == SAMPLES_PER_DAY - 1
            if video_ok and not snapshot:
                name = recording_name(when, serial)
                video_ok = write_mp4(root / name, name.rsplit("/", 1)[-1])
                if video_ok and slot % 2 == 0:
                    write_jpeg(root / thumb_path(name), "thumb")
            if not video_ok or snapshot:
                name = recording_name(when, serial, "jpg")
                write_jpeg(root / name, name.rsplit("/", 1)[-1])
            stamp = when.timestamp()
            os.utime(root / name, (stamp, stamp))
            serial += 1
    if not video_ok:
        log.warning("OpenCV cannot write MP4 here; the sample recordings are JPEG snapshots only")


def template_dir() -> Path:
    """The process-wide folder of sample recordings (a ``DCIM`` tree), generated on first use."""
    global _template
    with _template_lock:
        if _template is None:
            root = Path(tempfile.mkdtemp(prefix="recamera-sim-samples-"))
            _remove_at_exit(root)
            _generate(root / DATA_DIR_NAME, dt.datetime.now())
            _template = root / DATA_DIR_NAME
        return _template


def _link_or_copy(src: str, dst: str) -> object:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def fill_data_dir(data_dir: Path, with_samples: bool) -> None:
    """Create ``data_dir``; with ``with_samples``, link the sample recordings into it."""
    if with_samples:
        shutil.copytree(template_dir(), data_dir, copy_function=_link_or_copy, dirs_exist_ok=True)
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
