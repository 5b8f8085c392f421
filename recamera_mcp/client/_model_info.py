"""Model info (the JSON the device keeps beside each model) and the model list, the pure part.

The device's keys (``GET /model/list`` ``modelInfo``, ``GET|POST /model/info``): ``name``, ``framework``
(``rknn``|``rkllm``), ``version``, ``category``, ``algorithm``, ``description``, ``classes[]``,
``metrics{iou, confidence, topk}``, ``author``, ``size``, ``md5sum``. :class:`ModelInfo` is the typed form the
client takes and gives (thresholds flat, as fractions 0..1); :func:`merged_info` is its read-before-write onto the
device's current JSON (keys the client does not know are kept as they are).
"""

from __future__ import annotations

import copy
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client._errors import ValidationError

__all__ = [
    "ALGORITHM_PATH",
    "DELETE_PATH",
    "INFO_PATH",
    "LIST_PATH",
    "MODEL_SUFFIXES",
    "UPLOAD_PATH",
    "ListedModel",
    "ModelCategory",
    "ModelInfo",
    "check_model_name",
    "info_from_device",
    "listed_models",
    "merged_info",
]

LIST_PATH = "/model/list"
INFO_PATH = "/model/info"
DELETE_PATH = "/model/delete"
ALGORITHM_PATH = "/model/algorithm"
UPLOAD_PATH = "/model/upload"
MODEL_SUFFIXES = (".rknn", ".rkllm")
_MAX_NAME = 128
_MODEL_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,122}\.(rknn|rkllm)")
_MAX_CLASSES = 1000


class ModelCategory(StrEnum):
    """What a model does (the device's ``category``)."""

    DETECTION = "Detection"
    CLASSIFICATION = "Classification"
    SEGMENTATION = "Segmentation"
    TRACKING = "Tracking"
    KEYPOINT = "Keypoint"

    @classmethod
    def _missing_(cls, value: object) -> ModelCategory | None:
        text = str(value).strip().lower()
        for member in cls:
            if member.value.lower() == text or member.value.lower() == text.removeprefix("object "):
                return member
        return None


Fraction = Annotated[float, Field(ge=0, le=1)]


class ModelInfo(BaseModel):
    """A model's info, typed. Every field is optional: a write changes only the fields given."""

    model_config = ConfigDict(extra="forbid")

    category: Annotated[ModelCategory | None, Field(description="Detection, Classification, Segmentation, ...")] = None
    classes: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]] | None,
        Field(description="Class labels in the model's output order", max_length=_MAX_CLASSES),
    ] = None
    algorithm: Annotated[str | None, Field(description="e.g. yolo11, yolov8, mobilenet", max_length=64)] = None
    confidence: Annotated[Fraction | None, Field(description="Score threshold 0..1")] = None
    iou: Annotated[Fraction | None, Field(description="NMS IoU threshold 0..1")] = None
    topk: Annotated[int | None, Field(ge=1, le=1000, description="Most results per frame")] = None
    name: Annotated[str | None, Field(max_length=128)] = None
    version: Annotated[str | None, Field(max_length=32)] = None
    description: Annotated[str | None, Field(max_length=500)] = None
    author: Annotated[str | None, Field(max_length=64)] = None
    framework: Annotated[str | None, Field(pattern=r"^(rknn|rkllm)$")] = None
    size: Annotated[int | None, Field(ge=0, description="File size in bytes")] = None
    md5sum: Annotated[str | None, Field(pattern=r"^[0-9a-f]{32}$", description="MD5 of the model file")] = None

    def to_device(self) -> dict[str, Any]:
        """The fields given, in the device's keys (thresholds under ``metrics``)."""
        given = self.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        metrics = {k: given.pop(k) for k in ("iou", "confidence", "topk") if k in given}
        if metrics:
            given["metrics"] = metrics
        return given


def info_from_device(raw: Any) -> ModelInfo | None:
    """The device's info JSON as a :class:`ModelInfo` (unknown or malformed keys left out); None when empty."""
    if not isinstance(raw, dict) or not raw:
        return None
    values: dict[str, Any] = {}
    found = raw.get("metrics")
    metrics: dict[str, Any] = found if isinstance(found, dict) else {}
    for key, value in (*raw.items(), *metrics.items()):
        if key in ModelInfo.model_fields and key != "metrics":
            values[key] = value[:_MAX_CLASSES] if key == "classes" and isinstance(value, list) else value
    good: dict[str, Any] = {}
    for key, value in values.items():
        try:
            ModelInfo.model_validate({key: value})
        except ValueError:
            continue  # a value the device holds that the typed form cannot take: left out, never trusted
        good[key] = value
    return ModelInfo.model_validate(good)


def merged_info(current: Any, change: ModelInfo) -> dict[str, Any]:
    """Read-before-write of the info JSON: the device's current object with the given fields changed."""
    merged = copy.deepcopy(current) if isinstance(current, dict) else {}
    new = change.to_device()
    metrics = new.pop("metrics", None)
    merged.update(new)
    if metrics:
        old = merged.get("metrics")
        merged["metrics"] = {**(old if isinstance(old, dict) else {}), **metrics}
    return merged


class ListedModel(BaseModel):
    """One model file on the camera, as ``/model/list`` shows it."""

    name: str
    has_info: bool = Field(description="Its info JSON exists (inference needs it)")
    category: str | None = None
    classes: int | None = Field(default=None, description="How many class labels its info lists")
    size: int | None = Field(default=None, description="File size from its info, bytes")
    md5sum: str | None = Field(default=None, description="MD5 from its info")
    active: bool = Field(default=False, description="Inference is set to this model")


def listed_models(raw: Any) -> list[ListedModel]:
    """The device's model list, typed (entries that are not ``{"model": str, ...}`` are skipped)."""
    models: list[ListedModel] = []
    for entry in raw if isinstance(raw, list) else []:
        name = entry.get("model") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
            continue
        info = info_from_device(entry.get("modelInfo"))
        models.append(
            ListedModel(
                name=name,
                has_info=info is not None,
                category=info.category.value if info is not None and info.category is not None else None,
                classes=len(info.classes) if info is not None and info.classes is not None else None,
                size=info.size if info is not None else None,
                md5sum=info.md5sum if info is not None else None,
            )
        )
    return models


def check_model_name(name: str, field: str = "name") -> str:
    """A model file name the device takes (``x.rknn``: letters, digits, ``._-``, at most 128), or
    :class:`ValidationError`."""
    text = name.strip() if isinstance(name, str) else ""
    if _MODEL_FILE.fullmatch(text) is None:
        raise ValidationError(
            f"{field} {name!r} is not a model file name the camera takes",
            "use letters, digits, '.', '_' or '-', ending in .rknn (e.g. yolo11n_people.rknn)",
            field=field,
        )
    return text
