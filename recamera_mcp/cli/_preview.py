"""``snapshot --show``: a small preview of a JPEG in the terminal, for terminals that draw images.

The protocol comes from the environment, never from a query the terminal must answer: kitty's graphics protocol
(kitty, Ghostty: ``TERM=xterm-kitty``, ``KITTY_WINDOW_ID``, ``TERM_PROGRAM=ghostty``), iTerm2's inline images
(iTerm2, WezTerm: ``TERM_PROGRAM``, ``LC_TERMINAL=iTerm2``) and sixel (``TERM`` naming sixel, foot, mlterm,
contour). ``RECAMERA_MCP_IMAGES=kitty|iterm|sixel|none`` overrides the guess. Inside tmux or screen nothing is
drawn (they do not pass images through without extra setup), and nothing is drawn unless stdout is a terminal.

Safe by construction: what is written is only this module's own escape sequence around the image it encoded
(base64 or sixel characters); nothing the camera sent reaches the terminal as text.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["PROTOCOLS", "preview", "protocol"]

PROTOCOLS = ("kitty", "iterm", "sixel")
PREVIEW_WIDTH = 480
SIXEL_WIDTH = 320
COLUMNS = 48
_SIXEL_TERMS = ("foot", "foot-extra", "mlterm", "contour", "yaft-256color")


def protocol(env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """The image protocol of this terminal (None: none) and why, from ``env`` (default the environment)."""
    env = os.environ if env is None else env
    forced = env.get("RECAMERA_MCP_IMAGES", "").strip().lower()
    if forced:
        if forced in PROTOCOLS:
            return forced, f"RECAMERA_MCP_IMAGES={forced}"
        return None, f"RECAMERA_MCP_IMAGES={forced or 'none'}"
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if env.get("TMUX") or term.startswith(("screen", "tmux")):
        return None, "tmux and screen do not pass images through (set RECAMERA_MCP_IMAGES to force one)"
    if term in ("xterm-kitty", "xterm-ghostty") or env.get("KITTY_WINDOW_ID") or program.lower() == "ghostty":
        return "kitty", "kitty graphics protocol"
    if program in ("iTerm.app", "WezTerm") or env.get("LC_TERMINAL") == "iTerm2":
        return "iterm", "iTerm2 inline images"
    if "sixel" in term or term in _SIXEL_TERMS:
        return "sixel", "sixel"
    return None, "this terminal draws no images as far as its environment says (kitty, iTerm2, WezTerm or sixel do)"


def _resized(jpeg: bytes, width: int) -> Any:
    import cv2
    import numpy as np

    frame = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError("not a JPEG")
    height, source_width = frame.shape[:2]
    if source_width > width:
        frame = cv2.resize(frame, (width, max(1, height * width // source_width)), interpolation=cv2.INTER_AREA)
    return frame


def _kitty(jpeg: bytes) -> str:
    import cv2

    ok, png = cv2.imencode(".png", _resized(jpeg, PREVIEW_WIDTH))
    if not ok:
        raise ValueError("could not encode the preview")
    data = base64.b64encode(png.tobytes()).decode("ascii")
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)] or [""]
    parts = []
    for index, chunk in enumerate(chunks):
        more = 1 if index < len(chunks) - 1 else 0
        head = f"f=100,a=T,c={COLUMNS},m={more}" if index == 0 else f"m={more}"
        parts.append(f"\x1b_G{head};{chunk}\x1b\\")
    return "".join(parts) + "\n"


def _iterm(jpeg: bytes) -> str:
    import cv2

    ok, small = cv2.imencode(".jpg", _resized(jpeg, PREVIEW_WIDTH), [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise ValueError("could not encode the preview")
    data = small.tobytes()
    encoded = base64.b64encode(data).decode("ascii")
    return f"\x1b]1337;File=inline=1;size={len(data)};width={COLUMNS};preserveAspectRatio=1:{encoded}\x07\n"


def _sixel(jpeg: bytes) -> str:
    """The image as sixel, on a 6x6x6 colour cube (216 colours), run-length encoded."""
    import numpy as np

    frame = _resized(jpeg, SIXEL_WIDTH)
    height, width = frame.shape[:2]
    rgb = frame[:, :, ::-1].astype(np.int32)
    levels = (rgb * 5 + 127) // 255  # 0..5 per channel
    index = levels[:, :, 0] * 36 + levels[:, :, 1] * 6 + levels[:, :, 2]
    out = [f'\x1bPq"1;1;{width};{height}']
    for i in np.unique(index):
        r, g, b = (int(i) // 36, int(i) // 6 % 6, int(i) % 6)
        out.append(f"#{int(i)};2;{r * 20};{g * 20};{b * 20}")
    for top in range(0, height, 6):
        band = index[top : top + 6]
        for color in np.unique(band):
            bits = np.zeros(width, dtype=np.int32)
            for row in range(band.shape[0]):
                bits |= (band[row] == color).astype(np.int32) << row
            out.append(f"#{int(color)}{_runs(bits + 63)}$")
        out.append("-")
    out.append("\x1b\\\n")
    return "".join(out)


def _runs(codes: Any) -> str:
    """Sixel characters with runs of 4 or more as ``!<count><char>``."""
    text: list[str] = []
    start = 0
    values = codes.tolist()
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            count, char = i - start, chr(values[start])
            text.append(f"!{count}{char}" if count > 3 else char * count)
            start = i
    return "".join(text)


_ENCODERS = {"kitty": _kitty, "iterm": _iterm, "sixel": _sixel}


def preview(jpeg: bytes, name: str) -> str:
    """The escape sequence that draws ``jpeg`` with protocol ``name`` (one of :data:`PROTOCOLS`)."""
    return _ENCODERS[name](jpeg)
