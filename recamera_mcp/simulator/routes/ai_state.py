"""State of the AI area (models on the device, inference), shared with recording triggers and WebSockets.

Other areas read it only through :func:`model_category`, :func:`model_labels` and :func:`active_inference`.

Inference ``sStatus`` moves by itself (checked whenever anyone looks): a start goes ``starting`` and becomes
``running`` after ``settings.inference_start_s`` (``error`` instead when the ``inference_error`` fault was armed),
a stop goes ``stopping`` and becomes ``stopped`` after the same time. A reboot restarts an enabled inference
(``starting`` again, which also clears ``error``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from recamera_mcp.simulator.schemas.ai import INFERENCE_DEFAULTS
from recamera_mcp.simulator.state import DeviceState

COCO_CLASSES = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
]  # fmt: skip


def _default_models() -> dict[str, dict[str, Any]]:
    return {
        "yolo11n_detection.rknn": {
            "name": "yolo11n_detection",
            "framework": "rknn",
            "version": "1.0.0",
            "category": "Detection",
            "algorithm": "yolo11",
            "description": "COCO object detection",
            "classes": list(COCO_CLASSES),
            "metrics": {"iou": 0.45, "confidence": 0.25, "topk": 100},
            "author": "Seeed Studio",
            "size": 2_800_000,
            "md5sum": "0" * 32,
        },
        "mobilenet_cls.rknn": {
            "name": "mobilenet_cls",
            "framework": "rknn",
            "version": "1.0.0",
            "category": "Classification",
            "algorithm": "mobilenet",
            "description": "Image classification",
            "classes": ["background", "person", "vehicle", "animal"],
            "metrics": {"iou": 0.0, "confidence": 0.5, "topk": 5},
            "author": "Seeed Studio",
            "size": 1_200_000,
            "md5sum": "1" * 32,
        },
    }


@dataclass
class AiState:
    """Models by file name (model info ``{}`` when none was set) and the inference config."""

    models: dict[str, dict[str, Any]] = field(default_factory=_default_models)
    inference: dict[str, Any] = field(default_factory=lambda: {**INFERENCE_DEFAULTS, "sStatus": "stopped"})
    restarts: int = 0
    """How many times ``POST /model/inference-restart`` restarted a running inference."""
    phase_since: float = 0.0
    """When the current ``starting`` / ``stopping`` phase began (monotonic)."""
    fail_next_start: bool = False
    """Armed by the ``inference_error`` fault: the next start ends in ``error``."""
    transition_s: float = 1.0

    def begin(self, status: str) -> None:
        """Enter ``starting`` or ``stopping`` now."""
        self.inference["sStatus"] = status
        self.phase_since = time.monotonic()
        self.advance()

    def advance(self) -> None:
        """Finish a ``starting`` / ``stopping`` phase whose time has come."""
        status = self.inference.get("sStatus")
        if status not in ("starting", "stopping") or time.monotonic() - self.phase_since < self.transition_s:
            return
        if status == "stopping":
            self.inference["sStatus"] = "stopped"
        elif self.fail_next_start:
            self.fail_next_start = False
            self.inference["sStatus"] = "error"
        else:
            self.inference["sStatus"] = "running"

    def fail(self) -> None:
        """The ``inference_error`` fault: a running inference fails now, otherwise the next start fails."""
        self.advance()
        status = self.inference.get("sStatus")
        if status == "running":
            self.inference["sStatus"] = "error"
        elif status != "error":
            self.fail_next_start = True

    def on_reboot(self) -> None:
        if self.inference.get("iEnable"):
            self.begin("starting")
        else:
            self.inference["sStatus"] = "stopped"


def ai_state(state: DeviceState) -> AiState:
    """The AI area state, its inference status brought up to date."""
    with state.lock:
        ai = state.area("ai", AiState)
        ai.transition_s = state.settings.inference_start_s
        ai.advance()
        return ai


def model_index(state: DeviceState, name: str) -> int | None:
    """The index of model ``name`` in ``GET /model/list`` (None when there is no such model)."""
    names = list(ai_state(state).models)
    return names.index(name) if name in names else None


def model_labels(state: DeviceState, name: str | None = None) -> list[str]:
    """The class labels (model info ``classes``) of model ``name`` (default: the inference model)."""
    ai = ai_state(state)
    info = ai.models.get(name or str(ai.inference.get("sModel", ""))) or {}
    return [str(label) for label in info.get("classes", [])]


def model_category(state: DeviceState, name: str | None = None) -> str | None:
    """``"Detection"``, ``"Classification"``... of model ``name`` (default: the inference model); None if unknown."""
    ai = ai_state(state)
    info = ai.models.get(name or str(ai.inference.get("sModel", "")))
    category = info.get("category") if info else None
    return str(category) if category else None


def active_inference(state: DeviceState) -> tuple[bool, str | None, str | None, float]:
    """(running, model file, model category, fps) of the inference: results flow only while it is ``running``."""
    ai = ai_state(state)
    model = ai.inference.get("sModel") or None
    running = ai.inference.get("sStatus") == "running"
    enabled = bool(ai.inference.get("iEnable")) and running and model in ai.models
    return enabled, model, model_category(state, model), float(ai.inference.get("iFPS") or 0)
