"""State of the AI area (models on the device, inference), shared with recording triggers and WebSockets.

Other areas read it only through :func:`model_category` and :func:`active_inference`.
"""

from __future__ import annotations

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


def ai_state(state: DeviceState) -> AiState:
    return state.area("ai", AiState)


def model_category(state: DeviceState, name: str | None = None) -> str | None:
    """``"Detection"``, ``"Classification"``... of model ``name`` (default: the inference model); None if unknown."""
    ai = ai_state(state)
    info = ai.models.get(name or str(ai.inference.get("sModel", "")))
    category = info.get("category") if info else None
    return str(category) if category else None


def active_inference(state: DeviceState) -> tuple[bool, str | None, str | None, float]:
    """(enabled, model file, model category, fps) of the running inference."""
    ai = ai_state(state)
    model = ai.inference.get("sModel") or None
    enabled = bool(ai.inference.get("iEnable")) and model in ai.models
    return enabled, model, model_category(state, model), float(ai.inference.get("iFPS") or 0)
