"""The simulated cameras' RTSP stream: a GStreamer RTSP server run as a subprocess of the system python.

``gst_server.py`` (next to this file) needs ``/usr/bin/python3`` with ``gi``, GstRtspServer and x264enc (Debian
``gir1.2-gst-rtsp-server-1.0`` + ``gstreamer1.0-plugins-ugly``); the venv cannot import those. This module starts
and stops that process (:class:`RtspFeed`), says why RTSP is off (:func:`rtsp_available`), and reads back the frame
counter drawn into every frame (:func:`decode_frame_counter`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import IO, Any

import numpy as np

from recamera_mcp.simulator.scene import FRAME_SIZE

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER_SCRIPT = Path(__file__).with_name("gst_server.py")
STREAMS = ("main", "sub")

# Frame layout; must match gst_server.py (16 columns; block row 0 sync, rows 1-2 the 32-bit word).
COLUMNS = 16
COUNTER_BITS = 24
STALE_BIT = 24
CHECK_SHIFT = 25

_PROBE = """
import gi
gi.require_version("Gst", "1.0"); gi.require_version("GstApp", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstApp, GstRtspServer
Gst.init(None)
missing = [e for e in ("appsrc", "x264enc", "rtph264pay") if Gst.ElementFactory.find(e) is None]
print("missing GStreamer elements: " + ", ".join(missing) if missing else "ok")
"""


@functools.lru_cache(maxsize=1)
def rtsp_available() -> str | None:
    """None when the RTSP server can run here, else the reason it cannot (checked once per process)."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"no {SYSTEM_PYTHON} (the RTSP server needs the system python with gi)"
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", _PROBE], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} failed: {exc}"
    out = done.stdout.strip()
    if done.returncode != 0 or out != "ok":
        detail = out or (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        return (
            f"GStreamer RTSP server not usable with {SYSTEM_PYTHON} ({detail}); install python3-gi "
            "gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-ugly"
        )
    return None


_live: weakref.WeakSet[RtspFeed] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for feed in list(_live):
        feed.stop()


class RtspFeed:
    """One RTSP server process serving ``rtsp://host:port/main`` and ``/sub``.

    ``port=0`` lets the server pick a free port; :attr:`port` holds the real one after :meth:`start`. The process
    also exits by itself when this process dies (it watches its stdin).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        fps: int = 30,
        stale_frames: int = 120,
        main_size: tuple[int, int] = FRAME_SIZE,
        sub_size: tuple[int, int] = (320, 180),
    ) -> None:
        self.host = host
        self.port = port
        self.fps = fps
        self.stale_frames = stale_frames
        self.main_size = main_size
        self.sub_size = sub_size
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def url(self, stream: str = "main") -> str:
        """``rtsp://host:port/main`` (or ``/sub``)."""
        if stream not in STREAMS:
            raise ValueError(f"stream must be one of {STREAMS}")
        return f"rtsp://{self.host}:{self.port}/{stream}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15.0) -> RtspFeed:
        """Start the server and wait for its ``ready`` line; raises RuntimeError with its stderr on failure."""
        if self.running:
            return self
        reason = rtsp_available()
        if reason is not None:
            raise RuntimeError(f"RTSP off: {reason}")
        (mw, mh), (sw, sh) = self.main_size, self.sub_size
        cmd = [
            SYSTEM_PYTHON, str(SERVER_SCRIPT), "--host", self.host, "--port", str(self.port),
            "--fps", str(self.fps), "--stale-frames", str(self.stale_frames),
            "--main", f"{mw}x{mh}", "--sub", f"{sw}x{sh}",
        ]  # fmt: skip
        self._stderr = tempfile.TemporaryFile()
        # a clean environment for the system python: no venv / PYTHONPATH leaking into it
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env, start_new_session=True
        )
        _live.add(self)
        line = _readline(self.process, timeout)
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"RTSP server on {self.host}:{self.port} did not start: {line or self.errors()}")
        self.port = int(line.split()[1])
        return self

    def errors(self) -> str:
        """The server's stderr so far (last 2000 characters)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:].strip()

    def stop(self) -> None:
        """Stop the server process (idempotent); connections are refused afterwards."""
        process, self.process = self.process, None
        _live.discard(self)
        if process is not None:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(3)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(3)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> RtspFeed:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()


def _readline(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The first stdout line of ``process``, or "" after ``timeout`` seconds or at EOF."""
    result: list[bytes] = []
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while reader.is_alive() and time.monotonic() < deadline and process.poll() is None:
        reader.join(0.05)
    reader.join(0.2)
    return result[0].decode(errors="replace").strip() if result else ""


def checksum(counter: int, stale: bool) -> int:
    """The seven check bits drawn with the counter (same formula as in gst_server.py)."""
    c = counter & ((1 << COUNTER_BITS) - 1)
    return (c ^ (c >> 7) ^ (c >> 14) ^ (c >> 21) ^ (int(stale) << 5) ^ 0x55) & 0x7F


def decode_frame_counter(image: Any) -> tuple[int, bool] | None:
    """(frame counter, stale flag) drawn in a BGR (or gray) frame of the simulated stream; None if unreadable."""
    frame = np.asarray(image)
    if frame.ndim == 3:
        # ITU-R BT.601 luma from BGR
        gray = frame[..., 0] * 0.114 + frame[..., 1] * 0.587 + frame[..., 2] * 0.299
    elif frame.ndim == 2:
        gray = frame.astype(np.float64)
    else:
        return None
    height, width = gray.shape
    block = width // COLUMNS
    if block < 4 or 3 * block > height:
        return None
    q = block // 4
    bits: list[bool] = []
    for row in range(3):
        for col in range(COLUMNS):
            y, x = row * block, col * block
            bits.append(float(gray[y + q : y + block - q, x + q : x + block - q].mean()) > 128.0)
    if bits[:COLUMNS] != [col % 2 == 0 for col in range(COLUMNS)]:
        return None
    word = sum(1 << i for i, bit in enumerate(bits[COLUMNS:]) if bit)
    counter = word & ((1 << COUNTER_BITS) - 1)
    stale = bool(word >> STALE_BIT & 1)
    if word >> CHECK_SHIFT != checksum(counter, stale):
        return None
    return counter, stale
