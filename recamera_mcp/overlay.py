"""Detections drawn on a picture: one inference result's boxes, labels and confidences (OpenCV, pure).

Boxes come in the device's pixels of the frame the model saw (``ref``); they are scaled to the picture, drawn as
rectangles of :data:`OVERLAY_BGR` with ``label 0.87`` on a filled tag above each box (inside the top edge when the
box touches the top of the picture).
"""

from __future__ import annotations

from typing import Any

__all__ = ["OVERLAY_BGR", "draw_detections", "scaled_boxes"]

OVERLAY_BGR = (255, 0, 255)
"""Magenta: rare in camera pictures, so the boxes stand out (and a test can find them)."""
TEXT_BGR = (0, 0, 0)

Box = tuple[float, float, float, float]


def scaled_boxes(boxes: list[Box], ref: tuple[int, int], size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Pixel boxes of a ``ref`` (width, height) frame as integer boxes of a ``size`` picture, clamped inside it."""
    sx, sy = size[0] / ref[0], size[1] / ref[1]
    out = []
    for left, top, right, bottom in boxes:
        x0 = min(max(round(left * sx), 0), size[0] - 1)
        y0 = min(max(round(top * sy), 0), size[1] - 1)
        x1 = min(max(round(right * sx), 0), size[0] - 1)
        y1 = min(max(round(bottom * sy), 0), size[1] - 1)
        out.append((x0, y0, x1, y1))
    return out


def draw_detections(frame: Any, objects: list[tuple[str, float, Box]], ref: tuple[int, int]) -> Any:
    """A copy of the BGR ``frame`` with ``objects`` (label, score, pixel box in ``ref``) drawn on it."""
    import cv2

    canvas = frame.copy()
    height, width = canvas.shape[:2]
    thickness = max(2, round(min(width, height) / 240))
    scale = max(0.4, min(width, height) / 900)
    boxes = scaled_boxes([box for _label, _score, box in objects], ref, (width, height))
    for (label, score, _box), (x0, y0, x1, y1) in zip(objects, boxes, strict=True):
        cv2.rectangle(canvas, (x0, y0), (x1, y1), OVERLAY_BGR, thickness)
        text = f"{label[:32]} {score:.2f}"
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        ty = y0 - 2 if y0 - th - base - 2 >= 0 else y0 + th + base + thickness
        cv2.rectangle(canvas, (x0, ty - th - base), (min(x0 + tw + 4, width - 1), ty + base // 2), OVERLAY_BGR, -1)
        cv2.putText(canvas, text, (x0 + 2, ty - base // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, TEXT_BGR, 1, cv2.LINE_AA)
    return canvas
