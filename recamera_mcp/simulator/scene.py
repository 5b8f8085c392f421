"""What the simulated sensor sees: one scene, the same for the capture files and the inference results.

**Frame**: :data:`FRAME_W` x :data:`FRAME_H` = 640 x 360 pixels. It is the size of the RTSP main stream, of a
captured JPEG (``/record/capture``) and the frame the inference boxes are measured in (float pixels, origin top
left), so a box from ``/ws/inference/results`` can be drawn straight onto a captured image.

**Objects**, a pure function of the time ``t`` (epoch seconds, e.g. a result's ``timestamp_ms / 1000`` or a
capture's ``iTimestamp / 1000``) and the camera's index ``i`` in its fleet (0 for the first camera):

- a **person** walking left and right: centre ``cx = 260 + 150 * sin(2 * pi * (t + 3 * i) / 12)``, box
  ``left = cx - 35, right = cx + 35, top = 170, bottom = 320`` (rounded to 0.1), score
  ``0.86 + 0.06 * sin(1.7 * t)``; drawn as a filled rectangle of BGR :data:`PERSON_BGR` (green);
- a **parked car** at the fixed box :data:`CAR_BOX` ``(470, 230, 620, 330)``, drawn in BGR :data:`CAR_BGR`
  (blue). The detector reports it only when the model knows the class ``car`` and its flickering score
  ``0.55 + 0.2 * sin(0.9 * t)`` is at least 0.4.

A rendered frame also carries, in its top 120 pixel rows, the frame-counter blocks of the RTSP feed (read them back
with :func:`recamera_mcp.simulator.rtsp.decode_frame_counter`); a capture puts its sequence number there. Below them
is a dark horizontal ramp, the objects, and a line of text (serial number and time) at the bottom left.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

FRAME_W, FRAME_H = 640, 360
FRAME_SIZE = (FRAME_W, FRAME_H)
PERSON_BGR = (40, 200, 40)
CAR_BGR = (200, 110, 40)
CAR_BOX = (470.0, 230.0, 620.0, 330.0)
PERSON_TOP, PERSON_BOTTOM, PERSON_HALF_W = 170.0, 320.0, 35.0

# frame-counter blocks, as drawn by rtsp/gst_server.py (16 columns; row 0 sync, rows 1-2 the 32-bit word)
_COLUMNS = 16
_COUNTER_BITS = 24
_CHECK_SHIFT = 25
_WHITE, _BLACK = 235, 16


def person_box(t: float, index: int = 0) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the walking person at time ``t``."""
    cx = 260.0 + 150.0 * math.sin(2 * math.pi * (t + 3 * index) / 12)
    return (round(cx - PERSON_HALF_W, 1), PERSON_TOP, round(cx + PERSON_HALF_W, 1), PERSON_BOTTOM)


def _box(box: tuple[float, float, float, float]) -> dict[str, float]:
    left, top, right, bottom = box
    return {"left": left, "top": top, "right": right, "bottom": bottom}


def detections(t: float, index: int, classes: list[str]) -> list[dict[str, Any]]:
    """The detection entries ``{box, score, class_id, class_name}`` a detection model reports at time ``t``."""

    def class_of(name: str) -> tuple[int, str]:
        if name in classes:
            return classes.index(name), name
        return 0, classes[0] if classes else name

    person_id, person_name = class_of("person")
    entries: list[dict[str, Any]] = [
        {
            "box": _box(person_box(t, index)),
            "score": round(0.86 + 0.06 * math.sin(1.7 * t), 4),
            "class_id": person_id,
            "class_name": person_name,
        }
    ]
    car_score = 0.55 + 0.2 * math.sin(0.9 * t)
    if "car" in classes and car_score >= 0.4:
        car_id, car_name = class_of("car")
        entries.append({"box": _box(CAR_BOX), "score": round(car_score, 4), "class_id": car_id, "class_name": car_name})
    return entries


def _checksum(counter: int, stale: bool) -> int:
    c = counter & ((1 << _COUNTER_BITS) - 1)
    return (c ^ (c >> 7) ^ (c >> 14) ^ (c >> 21) ^ (int(stale) << 5) ^ 0x55) & 0x7F


def render(t: float, index: int = 0, counter: int = 0, label: str = "") -> Any:
    """The frame at time ``t`` as a BGR ``uint8`` array of shape (FRAME_H, FRAME_W, 3)."""
    import cv2

    frame = np.empty((FRAME_H, FRAME_W, 3), np.uint8)
    ramp = (40 + (60 * np.arange(FRAME_W)) // FRAME_W).astype(np.uint8)
    frame[:] = ramp[None, :, None]
    block = FRAME_W // _COLUMNS
    c = counter & ((1 << _COUNTER_BITS) - 1)
    word = c | (_checksum(c, False) << _CHECK_SHIFT)
    bits = [col % 2 == 0 for col in range(_COLUMNS)] + [bool(word >> i & 1) for i in range(32)]
    for n, bit in enumerate(bits):
        row, col = divmod(n, _COLUMNS)
        frame[row * block : (row + 1) * block, col * block : (col + 1) * block] = _WHITE if bit else _BLACK
    left, top, right, bottom = (round(v) for v in CAR_BOX)
    frame[top:bottom, left:right] = CAR_BGR
    left, top, right, bottom = (round(v) for v in person_box(t, index))
    frame[top:bottom, max(0, left) : right] = PERSON_BGR
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
    cv2.putText(frame, f"{label} {stamp}".strip(), (6, FRAME_H - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (230,) * 3, 1)
    return frame


def encode_jpeg(frame: Any, quality: int = 90) -> bytes:
    """A frame from :func:`render` as JPEG bytes."""
    import cv2

    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes JPEG
        raise OSError("JPEG encoding failed")
    return bytes(encoded.tobytes())
