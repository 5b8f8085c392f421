#!/usr/bin/python3
"""RTSP server of one simulated camera: ``/main`` and ``/sub``, H.264, fed with a synthetic frame-counter pattern.

Run with the system python (it needs ``gi`` + GstRtspServer, not the project or its venv)::

    /usr/bin/python3 gst_server.py --host 127.0.0.1 --port 8554 --fps 30 --stale-frames 120

It prints ``ready <port>`` once it listens (``--port 0`` picks a free port) and exits when its stdin closes, so it
never outlives the process that started it.

Each client session gets its own pipeline (non-shared media). Like the device's stale buffer, a session first gets
``--stale-frames`` frames as fast as the encoder takes them, with the stale flag set, then live frames paced at
``--fps``. The frame counter restarts at 0 for every session and counts stale and live frames alike.

Frame layout (W x H, block size B = W / 16, luma only; chroma is neutral except for the moving square):

- block row 0: sync pattern, 16 blocks alternating white, black, white, ...
- block rows 1-2: 32 bits, least significant first, white = 1: bits 0-23 the counter, bit 24 the stale flag,
  bits 25-31 a checksum (see :func:`code_word`);
- below: moving content (a bright square bouncing over a dark ramp).

This file must import only the standard library and ``gi``; ``recamera_mcp.simulator.rtsp`` holds the reader.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

COLUMNS = 16
CODE_ROWS = 3
COUNTER_BITS = 24
STALE_BIT = 24
CHECK_SHIFT = 25
WHITE = 235
BLACK = 16


def checksum(counter: int, stale: bool) -> int:
    """Seven check bits over the counter and the stale flag."""
    c = counter & ((1 << COUNTER_BITS) - 1)
    return (c ^ (c >> 7) ^ (c >> 14) ^ (c >> 21) ^ (int(stale) << 5) ^ 0x55) & 0x7F


def code_word(counter: int, stale: bool) -> int:
    """The 32 bits drawn in block rows 1-2."""
    c = counter & ((1 << COUNTER_BITS) - 1)
    return c | (int(stale) << STALE_BIT) | (checksum(c, stale) << CHECK_SHIFT)


class FrameMaker:
    """Builds raw I420 frames (bytes) with the code blocks and moving content, in plain Python."""

    def __init__(self, width: int, height: int) -> None:
        if width % COLUMNS or width % 2 or height % 2:
            raise ValueError(f"bad size {width}x{height}: width must be a multiple of {COLUMNS}, height even")
        self.width = width
        self.height = height
        self.block = width // COLUMNS
        if self.block * CODE_ROWS >= height:
            raise ValueError(f"size {width}x{height} leaves no room below the code blocks")
        self.white = bytes([WHITE]) * self.block
        self.black = bytes([BLACK]) * self.block
        self.sync = self._line([i % 2 == 0 for i in range(COLUMNS)]) * self.block
        self.top = self.block * CODE_ROWS
        self.square = max(8, (height - self.top) // 3) & ~1
        # a dark horizontal ramp as the background of the moving area
        self.background = bytes(40 + (60 * x) // width for x in range(width))
        chroma_size = (width // 2) * (height // 2)
        self.chroma_neutral = b"\x80" * chroma_size

    def _line(self, bits: list[bool]) -> bytes:
        return b"".join(self.white if bit else self.black for bit in bits)

    def frame(self, counter: int, stale: bool) -> bytes:
        """One I420 frame for ``counter``."""
        w, h, b, s = self.width, self.height, self.block, self.square
        word = code_word(counter, stale)
        bits = [bool(word >> i & 1) for i in range(32)]
        rows = [self.sync, self._line(bits[:16]) * b, self._line(bits[16:]) * b]
        free_h = h - self.top
        span_x, span_y = w - s, free_h - s
        x = _bounce(counter * 4, span_x) & ~1
        y = _bounce(counter * 3, span_y) & ~1
        bg = self.background
        square_line = bg[:x] + bytes([WHITE]) * s + bg[x + s :]
        rows.append(bg * y)
        rows.append(square_line * s)
        rows.append(bg * (free_h - y - s))
        # chroma: neutral, with the square tinted (U low, V high: orange-ish)
        cw, ch = w // 2, h // 2
        cx, cy, cs = x // 2, (self.top + y) // 2, s // 2
        neutral_line = b"\x80" * cw
        u_line = neutral_line[:cx] + b"\x50" * cs + neutral_line[cx + cs :]
        v_line = neutral_line[:cx] + b"\xc0" * cs + neutral_line[cx + cs :]
        u = neutral_line * cy + u_line * cs + neutral_line * (ch - cy - cs)
        v = neutral_line * cy + v_line * cs + neutral_line * (ch - cy - cs)
        return b"".join(rows) + u + v


def _bounce(t: int, span: int) -> int:
    if span <= 0:
        return 0
    t %= 2 * span
    return t if t < span else 2 * span - t


class Session:
    """Feeds one media's appsrc: the stale burst, then live frames paced at ``fps``."""

    def __init__(self, appsrc: Any, maker: FrameMaker, fps: int, stale_frames: int) -> None:
        self.maker = maker
        self.fps = fps
        self.stale_frames = stale_frames
        self.counter = 0
        self.duration = Gst.SECOND // fps
        self.live_start = 0.0
        appsrc.connect("need-data", self._need_data)

    def _need_data(self, appsrc: Any, _length: int) -> None:
        n = self.counter
        stale = n < self.stale_frames
        if not stale:
            if n == self.stale_frames:
                self.live_start = time.monotonic()
            delay = self.live_start + (n - self.stale_frames) / self.fps - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        buf = Gst.Buffer.new_wrapped(self.maker.frame(n, stale))
        buf.duration = self.duration
        self.counter = n + 1
        appsrc.emit("push-buffer", buf)


class Factory(GstRtspServer.RTSPMediaFactory):  # type: ignore[misc]
    """One mount (``/main`` or ``/sub``): a fresh pipeline per client session."""

    def __init__(self, width: int, height: int, fps: int, stale_frames: int, quantizer: int) -> None:
        super().__init__()
        self.maker = FrameMaker(width, height)
        self.fps = fps
        self.stale_frames = stale_frames
        caps = f"video/x-raw,format=I420,width={width},height={height},framerate={fps}/1"
        self.set_launch(
            f"( appsrc name=src is-live=true do-timestamp=true format=time block=true max-buffers=4 caps={caps} "
            f"! x264enc tune=zerolatency speed-preset=ultrafast threads=1 pass=quant quantizer={quantizer} "
            f"key-int-max={fps} ! video/x-h264,profile=constrained-baseline "
            "! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )
        self.set_shared(False)
        self.connect("media-configure", self._configure)

    def _configure(self, _factory: Any, media: Any) -> None:
        appsrc = media.get_element().get_by_name_recurse_up("src")
        Session(appsrc, self.maker, self.fps, self.stale_frames)  # kept alive by its signal handler


def size(text: str) -> tuple[int, int]:
    """``640x360`` -> (640, 360)."""
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554, help="0 picks a free port")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--stale-frames", type=int, default=120)
    parser.add_argument("--main", type=size, default=(640, 360), help="size of /main (default 640x360)")
    parser.add_argument("--sub", type=size, default=(320, 180), help="size of /sub (default 320x180)")
    parser.add_argument("--quantizer", type=int, default=24, help="x264 constant quantizer (lower: better)")
    args = parser.parse_args(argv)
    if args.fps < 1 or args.stale_frames < 0:
        parser.error("--fps must be >= 1 and --stale-frames >= 0")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for path, (width, height) in (("/main", args.main), ("/sub", args.sub)):
        mounts.add_factory(path, Factory(width, height, args.fps, args.stale_frames, args.quantizer))
    if server.attach(None) == 0:
        print(f"error: cannot listen on {args.host}:{args.port}", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    watch_stdin(loop)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"ready {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


def watch_stdin(loop: Any) -> None:
    """Quit when stdin reaches EOF (the parent went away). A terminal stdin is left alone."""
    if sys.stdin is None or sys.stdin.isatty():
        return

    def wait() -> None:
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except OSError:
            pass
        GLib.idle_add(loop.quit)

    threading.Thread(target=wait, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
