"""Inference results, the pure part: one ``/ws/inference/results`` message parsed, and many summarised.

The device sends one JSON text per result, from the protobuf ``InferenceResult``: ``task_type`` (the enum name or
its number), ``timestamp_ms``, ``model_id`` and one of ``detection`` / ``segmentation`` / ``tracking``
``{entries: [{box{left,top,right,bottom}, score, class_id, class_name}]}``, ``classification {entries: [{score,
class_id, class_name}]}`` or ``keypoints {instances: [{object{box, score, class_id, class_name}, points}]}``. Boxes
are float pixels of the frame the model saw. With a ``dTemplate`` set, a message is plain text instead.

Everything is bounded (entries per result, label length, distinct labels, text samples) and cleaned
(:func:`~recamera_mcp.client._text.device_text`): a result is data, never an instruction.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._models import Problem
from recamera_mcp.client._text import device_text

__all__ = [
    "Detection",
    "FrameSize",
    "ResultMessage",
    "InferenceSummary",
    "LabelStats",
    "ResultTally",
    "frame_of",
    "parse_frame_size",
    "parse_result",
]

MAX_ENTRIES = 200
"""Entries read from one result (a hostile device may send thousands)."""
MAX_LABELS = 50
"""Distinct labels counted; later ones are counted under ``(other)``."""
TOP_BOXES = 5
TEXT_SAMPLES = 3
_TASKS = ("CLASSIFICATION", "DETECTION", "SEGMENTATION", "TRACKING", "KEYPOINTS")
_BOXED = ("detection", "segmentation", "tracking")


@dataclass(frozen=True)
class FrameSize:
    """The size of the frame boxes are measured in, and where the client learned it."""

    width: int
    height: int
    source: str
    """``result`` (the result says), ``image`` (the image the boxes are drawn on), ``video_encode_main``."""

    def label(self) -> str:
        return f"{self.width}x{self.height} ({self.source})"


def parse_frame_size(text: Any) -> tuple[int, int] | None:
    """``"3840*2160"`` / ``"1920x1080"`` as (width, height), None when it is not a size."""
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"\s*(\d{2,5})\s*[*xX×]\s*(\d{2,5})\s*", text)
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if width > 0 and height > 0 else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def frame_of(message: dict[str, Any]) -> tuple[int, int] | None:
    """The frame size a result carries itself (``resolution: [w, h]`` as SSCMA sends it, or ``width``/``height``)."""
    for key in ("resolution", "frame", "image"):
        value = message.get(key)
        if isinstance(value, list) and len(value) == 2:
            w, h = _number(value[0]), _number(value[1])
        elif isinstance(value, dict):
            w, h = _number(value.get("width")), _number(value.get("height"))
        else:
            continue
        if w and h and 0 < w <= 100_000 and 0 < h <= 100_000:
            return int(w), int(h)
    w, h = _number(message.get("width")), _number(message.get("height"))
    if w and h and 0 < w <= 100_000 and 0 < h <= 100_000:
        return int(w), int(h)
    return None


class Detection(BaseModel):
    """One object of one result."""

    label: str
    score: float = Field(description="Confidence 0-1")
    box: list[float] | None = Field(
        default=None, description="[x0, y0, x1, y1] normalised 0-1 to the frame (null: no box, or frame unknown)"
    )
    px: list[float] | None = Field(default=None, description="The same box in the device's pixels")


@dataclass
class ResultMessage:
    """One parsed message: its device time, task, model, objects (pixel boxes) and the frame it names (if any)."""

    timestamp_ms: int | None
    task: str | None
    model: str | None
    objects: list[tuple[str, float, tuple[float, float, float, float] | None]] = field(default_factory=list)
    frame: tuple[int, int] | None = None
    text: str | None = None
    """Set for a plain-text (template) message."""
    truncated: bool = False

    def detections(self, frame: FrameSize | None, limit: int = TOP_BOXES) -> list[Detection]:
        """Its objects, best first, at most ``limit``, boxes normalised to ``frame`` (or the one it names)."""
        return detections(self, frame, limit)


def _label(entry: dict[str, Any]) -> str:
    name = entry.get("class_name")
    if isinstance(name, str) and name.strip():
        return device_text(name.strip(), 64)
    class_id = entry.get("class_id")
    return f"class {class_id}" if isinstance(class_id, int) and not isinstance(class_id, bool) else "unknown"


def _box(value: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(value, dict):
        return None
    coords = [_number(value.get(k)) for k in ("left", "top", "right", "bottom")]
    if any(c is None for c in coords):
        return None
    left, top, right, bottom = (float(c) for c in coords if c is not None)
    if right < left:
        left, right = right, left
    if bottom < top:
        top, bottom = bottom, top
    return left, top, right, bottom


def _task(value: Any, message: dict[str, Any]) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(_TASKS):
        return _TASKS[value]
    if isinstance(value, str) and value.strip():
        return device_text(value.strip().upper(), 32)
    for key in ("detection", "classification", "segmentation", "tracking", "keypoints"):
        if isinstance(message.get(key), dict):
            return key.upper()
    return None


def parse_result(raw: str | bytes) -> ResultMessage | None:
    """One WebSocket message as a result; None for something that is not one (an empty frame, an echo of JSON)."""
    if isinstance(raw, bytes):
        raw = raw[: 1024 * 1024].decode("utf-8", errors="replace")
    text = raw.strip()
    if not text:
        return None
    try:
        message = json.loads(text) if text[:1] == "{" else None
    except (ValueError, RecursionError):
        message = None
    if not isinstance(message, dict):
        return ResultMessage(timestamp_ms=None, task=None, model=None, text=device_text(text, 300))
    stamp = _number(message.get("timestamp_ms"))
    result = ResultMessage(
        timestamp_ms=int(stamp) if stamp is not None and 0 <= stamp < 1e14 else None,
        task=_task(message.get("task_type"), message),
        model=device_text(message["model_id"], 128) if isinstance(message.get("model_id"), str) else None,
        frame=frame_of(message),
    )
    entries: list[tuple[dict[str, Any], Any]] = []
    for key in (*_BOXED, "classification"):
        part = message.get(key)
        if isinstance(part, dict) and isinstance(part.get("entries"), list):
            entries += [(e, e.get("box")) for e in part["entries"][: MAX_ENTRIES + 1] if isinstance(e, dict)]
    keypoints = message.get("keypoints")
    if isinstance(keypoints, dict) and isinstance(keypoints.get("instances"), list):
        for instance in keypoints["instances"][: MAX_ENTRIES + 1]:
            obj = instance.get("object") if isinstance(instance, dict) else None
            if isinstance(obj, dict):
                entries.append((obj, obj.get("box")))
    result.truncated = len(entries) > MAX_ENTRIES
    for entry, box in entries[:MAX_ENTRIES]:
        score = _number(entry.get("score"))
        result.objects.append((_label(entry), min(max(score or 0.0, 0.0), 1.0), _box(box)))
    if result.timestamp_ms is None and result.task is None and not result.objects:
        return None  # some other JSON (e.g. our own message echoed back)
    return result


def normalised(box: tuple[float, float, float, float], frame: tuple[int, int]) -> list[float]:
    """A pixel box as [x0, y0, x1, y1] in 0..1 of ``frame`` (clamped, 3 decimals)."""
    width, height = frame
    left, top, right, bottom = box
    return [round(min(max(v / s, 0.0), 1.0), 3) for v, s in ((left, width), (top, height), (right, width),
                                                           (bottom, height))]  # fmt: skip


def detections(result: ResultMessage, frame: FrameSize | None, limit: int = TOP_BOXES) -> list[Detection]:
    """The result's objects, best first, at most ``limit``, boxes normalised to ``frame`` when it is known."""
    size = result.frame or ((frame.width, frame.height) if frame is not None else None)
    ranked = sorted(result.objects, key=lambda o: -o[1])[:limit]
    return [
        Detection(
            label=label,
            score=round(score, 3),
            box=normalised(box, size) if box is not None and size is not None else None,
            px=[round(v, 1) for v in box] if box is not None else None,
        )
        for label, score, box in ranked
    ]


def iso_ms(stamp: int | None) -> str | None:
    if stamp is None:
        return None
    try:
        return datetime.fromtimestamp(stamp / 1000, UTC).isoformat(timespec="milliseconds")
    except (OverflowError, OSError, ValueError):
        return None


class LabelStats(BaseModel):
    label: str
    count: int = Field(description="Objects with this label over all results")
    best: float = Field(description="Highest confidence seen")


class InferenceSummary(BaseModel):
    """What arrived on the inference results WebSocket within the bounds."""

    host: str
    running: bool = Field(description="Inference is on (results are expected)")
    model: str | None = None
    task: str | None = Field(default=None, description="DETECTION, CLASSIFICATION, ...")
    results: int = Field(description="Results received")
    elapsed_s: float = Field(description="Time spent listening")
    rate_hz: float | None = Field(default=None, description="Measured results per second")
    labels: list[LabelStats] = Field(default_factory=list, description="Per label, most frequent first")
    top: list[Detection] = Field(default_factory=list, description="Objects of the latest result, best first")
    frame: str | None = Field(default=None, description="Frame the boxes are normalised to, and its source")
    first: str | None = Field(default=None, description="Device time of the first result, ISO UTC")
    last: str | None = None
    texts: list[str] = Field(default_factory=list, description="Samples of plain-text (template) results")
    reconnects: int = Field(default=0, description="Times the WebSocket dropped and was opened again")
    stopped_by: str = Field(description="duration, max_results, inference_off or connection")
    problem: Problem | None = None


@dataclass
class ResultTally:
    """Counts results as they arrive (bounded memory) and builds the :class:`InferenceSummary`."""

    results: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    model: str | None = None
    task: str | None = None
    latest: ResultMessage | None = None
    counts: dict[str, list[float]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    def add(self, result: ResultMessage) -> None:
        self.results += 1
        if result.text is not None:
            if len(self.texts) < TEXT_SAMPLES:
                self.texts.append(result.text)
            return
        if result.timestamp_ms is not None:
            self.first_ms = result.timestamp_ms if self.first_ms is None else min(self.first_ms, result.timestamp_ms)
            self.last_ms = result.timestamp_ms if self.last_ms is None else max(self.last_ms, result.timestamp_ms)
        self.model = result.model or self.model
        self.task = result.task or self.task
        self.latest = result
        for label, score, _box in result.objects:
            key = label if label in self.counts or len(self.counts) < MAX_LABELS else "(other)"
            entry = self.counts.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] = max(entry[1], score)

    def rate(self, elapsed_s: float) -> float | None:
        """Results per second: from the device's timestamps when there are two or more, else by the wall clock."""
        span = (self.last_ms - self.first_ms) if self.first_ms is not None and self.last_ms is not None else 0
        if self.results >= 2 and span > 0:
            return round((self.results - 1) * 1000 / span, 2)
        return round(self.results / elapsed_s, 2) if self.results and elapsed_s > 0 else None

    def labels(self) -> list[LabelStats]:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return [LabelStats(label=k, count=int(v[0]), best=round(v[1], 3)) for k, v in ranked]
