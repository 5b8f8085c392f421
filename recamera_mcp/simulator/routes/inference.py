"""The inference area (40xxx): the inference config ``/model/inference?id=0`` and its restart.

The inference state lives in :class:`~recamera_mcp.simulator.routes.ai_state.AiState`, shared with the models.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.errors import Module, SimError, invalid
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.schemas.ai import INFERENCE
from recamera_mcp.simulator.schemas.base import apply_write
from recamera_mcp.simulator.state import DeviceState

_M = Module.AI
MAX_ACTUAL_FPS = 28
"""What the NPU sustains for the sample models; ``iActualFPS`` never exceeds it."""


def _check_id(request: Request) -> None:
    if request.query_params.get("id", "0") != "0":
        raise invalid(_M, "Invalid parameter value: id (only inference 0 exists)")


def _inference_view(state: DeviceState) -> dict[str, Any]:
    ai = ai_state(state)
    view = {key: ai.inference[key] for key in ("iEnable", "sStatus", "sModel", "iFPS")}
    running = view["sStatus"] == "running"
    fps = int(view["iFPS"]) or MAX_ACTUAL_FPS
    view["iActualFPS"] = min(fps, MAX_ACTUAL_FPS) if running else 0
    return view


async def inference(request: Request) -> Response:
    state = device_of(request)
    _check_id(request)
    if request.method == "GET":
        return data(_inference_view(state))
    body = await read_json(request, _M)
    try:
        new = apply_write(INFERENCE, body)
    except SimError as exc:
        if exc.message.startswith("iFPS"):
            raise invalid(_M, "iFPS must be non-negative") from exc
        raise invalid(_M, f"Invalid inference payload: {exc.message}") from exc
    ai = ai_state(state)
    model = new["sModel"]
    with state.lock:
        if model not in ai.models:
            raise invalid(_M, "Invalid model name")
        if new["iEnable"] and not ai.models[model]:
            raise invalid(_M, "Model info not found")
        ai.inference = {
            "iEnable": new["iEnable"],
            "sStatus": "running" if new["iEnable"] else "stopped",
            "sModel": model,
            "iFPS": new["iFPS"],
        }
    return success()


async def inference_restart(request: Request) -> Response:
    state = device_of(request)
    ai = ai_state(state)
    with state.lock:
        if ai.inference.get("iEnable"):
            ai.restarts += 1
            ai.inference["sStatus"] = "running"
    return success()


ROUTES: list[BaseRoute] = [
    Route("/model/inference", inference, methods=["GET", "POST"]),
    Route("/model/inference-restart", inference_restart, methods=["POST"]),
]
