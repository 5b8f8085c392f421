"""The inference area (40xxx): the inference config ``/model/inference?id=N`` and its restart.

The ``id`` query parameter by firmware generation (an absent ``id`` counts as 0):

- ``legacy``: only ``id=0`` exists; any other id answers 40022 "Invalid parameter value: id (only inference 0
  exists)".
- ``2026``: the id is the index of a model in ``GET /model/list`` (0-based, in list order). ``GET`` accepts any
  valid index (else 40022 "Invalid parameter value: id N (M models: 0..M-1)") and answers the one inference state.
  ``POST`` needs ``id`` equal to the index of the body's ``sModel`` (the default model when ``sModel`` is omitted),
  else 40022 "id N does not match sModel <name> (index M)".

``POST`` takes ``{iEnable, sModel, iFPS}`` (strict; omitted fields revert to the defaults; the read-only ``sStatus``
and ``iActualFPS`` of a read may be sent back). ``iEnable: 1`` (re)starts: ``starting``, then ``running`` after
``settings.inference_start_s`` (or ``error`` when the ``inference_error`` fault is armed); ``iEnable: 0`` stops:
``stopping``, then ``stopped``. ``POST /model/inference-restart`` restarts an enabled inference the same way (and
so clears ``error``). Enabling needs the model's info JSON ("Model info not found"). ``iActualFPS`` is non-zero only
while ``running``.

The inference state lives in :class:`~recamera_mcp.simulator.routes.ai_state.AiState`, shared with the models.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.dialects import is_legacy
from recamera_mcp.simulator.errors import Module, SimError, invalid
from recamera_mcp.simulator.routes.ai_state import ai_state, model_index
from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.schemas.ai import INFERENCE
from recamera_mcp.simulator.schemas.base import apply_write
from recamera_mcp.simulator.state import DeviceState

_M = Module.AI
MAX_ACTUAL_FPS = 28
"""What the NPU sustains for the sample models; ``iActualFPS`` never exceeds it."""


def _inference_id(state: DeviceState, request: Request) -> int:
    """The ``id`` query parameter, checked as this firmware generation checks it."""
    raw = request.query_params.get("id", "0").strip()
    if is_legacy(state):
        if raw != "0":
            raise invalid(_M, "Invalid parameter value: id (only inference 0 exists)")
        return 0
    count = len(ai_state(state).models)
    if not raw.isdigit() or int(raw) >= count:
        raise invalid(_M, f"Invalid parameter value: id {raw} ({count} models: 0..{count - 1})")
    return int(raw)


def _inference_view(state: DeviceState) -> dict[str, Any]:
    ai = ai_state(state)
    view = {key: ai.inference[key] for key in ("iEnable", "sStatus", "sModel", "iFPS")}
    running = view["sStatus"] == "running"
    fps = int(view["iFPS"]) or MAX_ACTUAL_FPS
    view["iActualFPS"] = min(fps, MAX_ACTUAL_FPS) if running else 0
    return view


async def inference(request: Request) -> Response:
    state = device_of(request)
    inference_id = _inference_id(state, request)
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
        index = model_index(state, model)
        if not is_legacy(state) and index != inference_id:
            raise invalid(_M, f"id {inference_id} does not match sModel {model} (index {index})")
        if new["iEnable"] and not ai.models[model]:
            raise invalid(_M, "Model info not found")
        was = ai.inference["sStatus"]
        ai.inference = {**ai.inference, "iEnable": new["iEnable"], "sModel": model, "iFPS": new["iFPS"]}
        if new["iEnable"]:
            ai.begin("starting")
        elif was != "stopped":
            ai.begin("stopping")
    return success()


async def inference_restart(request: Request) -> Response:
    state = device_of(request)
    ai = ai_state(state)
    with state.lock:
        if ai.inference.get("iEnable"):
            ai.restarts += 1
            ai.begin("starting")
    return success()


ROUTES: list[BaseRoute] = [
    Route("/model/inference", inference, methods=["GET", "POST"]),
    Route("/model/inference-restart", inference_restart, methods=["POST"]),
]
