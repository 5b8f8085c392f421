"""The AI area (40xxx): model list, model info, delete, algorithms, resumable model upload.

The models and the inference config live in :class:`~recamera_mcp.simulator.routes.ai_state.AiState`; the
notification config ``/notify/cfg`` is a plain ConfigSpec (``schemas/ai.py``) served by the generic routes.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.errors import Module, busy, invalid, not_found
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.routes.uploads import Upload, resumable
from recamera_mcp.simulator.state import DeviceState

_M = Module.AI
MODEL_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(rknn|rkllm)")
CATEGORIES = ("Detection", "Classification", "Segmentation", "Tracking", "Keypoint")
ALGORITHMS: dict[str, list[str]] = {
    "lDetection": ["yolov5", "yolov8", "yolo11", "yolox", "nanodet"],
    "lClassification": ["mobilenet", "resnet", "efficientnet"],
    "lSegmentation": [],
    "lTracking": [],
    "lKeypoint": [],
}
MODEL_INFO_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "framework": str,
    "version": str,
    "category": str,
    "algorithm": str,
    "description": str,
    "classes": list,
    "metrics": dict,
    "author": str,
    "size": int,
    "md5sum": str,
}


def _file_name(request: Request) -> str:
    name = request.query_params.get("File-name")
    if not name:
        raise invalid(_M, "Missing File-name parameter")
    return name


def _model_info_problem(body: Any) -> str | None:
    """Why ``body`` is not an acceptable model info, or None."""
    if not isinstance(body, dict) or not body:
        return "payload must be a non-empty object"
    for key, value in body.items():
        expected = MODEL_INFO_TYPES.get(key)
        if expected is None:
            return f"unknown field {key}"
        if not isinstance(value, expected) or isinstance(value, bool):
            return f"{key} has the wrong type"
    if body.get("category") not in CATEGORIES:
        return f"category must be one of {', '.join(CATEGORIES)}"
    if not all(isinstance(c, str) for c in body.get("classes", [])):
        return "classes must be a list of strings"
    return None


# ---- list, info, delete, algorithms ------------------------------------------------------------------------------
async def model_list(request: Request) -> Response:
    ai = ai_state(device_of(request))
    return data([{"model": name, "modelInfo": copy.deepcopy(info)} for name, info in ai.models.items()])


async def model_info(request: Request) -> Response:
    state = device_of(request)
    name = _file_name(request)
    ai = ai_state(state)
    if request.method == "GET":
        info = ai.models.get(name)
        if not info:
            raise not_found(_M, "Model info not found")
        return data(copy.deepcopy(info))
    body = await read_json(request, _M)
    if name not in ai.models:
        raise not_found(_M, "Model not found")
    problem = _model_info_problem(body)
    if problem is not None:
        raise invalid(_M, f"Invalid model info payload: {problem}")
    if body.get("framework", "rknn") not in ("rknn", "rkllm"):
        raise invalid(_M, "Unknown model framework")
    with state.lock:
        ai.models[name] = copy.deepcopy(body)
    return success()


async def model_delete(request: Request) -> Response:
    state = device_of(request)
    name = _file_name(request)
    ai = ai_state(state)
    with state.lock:
        if name not in ai.models:
            raise not_found(_M, "Model not found")
        if ai.inference.get("iEnable") and ai.inference.get("sModel") == name:
            raise busy(_M, "Model is in use by the running inference; disable inference first")
        del ai.models[name]
    return success()


async def model_algorithm(request: Request) -> Response:
    return data(copy.deepcopy(ALGORITHMS))


# ---- upload ----------------------------------------------------------------------------------------------------
async def _model_uploaded(state: DeviceState, request: Request, upload: Upload) -> Response:
    name = request.query_params.get("File-name", "")
    ai = ai_state(state)
    with state.lock:
        ai.models.setdefault(name, {})  # the model's JSON (its info) is kept when a file is replaced
    return success()


async def model_upload(request: Request) -> Response:
    if "start" in request.query_params:
        name = request.query_params.get("File-name")
        if not name or MODEL_FILE.fullmatch(name) is None:
            raise invalid(_M, "Invalid model file name")
    return await resumable(request, _M, "model", _model_uploaded)


ROUTES: list[BaseRoute] = [
    Route("/model/list", model_list, methods=["GET"]),
    Route("/model/info", model_info, methods=["GET", "POST"]),
    Route("/model/delete", model_delete, methods=["DELETE"]),
    Route("/model/algorithm", model_algorithm, methods=["GET"]),
    Route("/model/upload", model_upload, methods=["POST"]),
]
