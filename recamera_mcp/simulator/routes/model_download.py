"""The camera fetching a SenseCraft model itself: ``POST /model/get_model`` and ``GET /model/download_status``.

``POST /model/get_model {user_id, model_id, model_name, file_name?}`` answers ``{code: 0, message, task_id}`` at
once; the camera then downloads ``<cloud>/v1/api/get_model?user_id=&model_id=`` in the background (``cloud`` is
``settings.cloud_url``, the simulated SenseCraft cloud; without one the task fails, as a camera without internet
does) and adds the file to its models (an info JSON it already had for that name is kept).
``GET /model/download_status?task_id=`` answers ``{status, progress}``: ``downloading`` (0-99), then
``completed`` (100), or ``failed`` with ``error``. Errors: "user_id, model_id and model_name cannot be empty",
"Invalid model file name", "Missing task_id parameter", "Task not found".
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.errors import Module, invalid, not_found
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.routes.models import MODEL_FILE
from recamera_mcp.simulator.state import DeviceState

_M = Module.AI
MAX_MODEL_BYTES = 512 * 1024 * 1024


@dataclass
class CloudDownload:
    task_id: str
    model_id: str
    file_name: str
    status: str = "downloading"
    progress: int = 0
    error: str = ""


@dataclass
class CloudDownloads:
    tasks: dict[str, CloudDownload] = field(default_factory=dict)
    running: set[asyncio.Task[None]] = field(default_factory=set)


def downloads_of(state: DeviceState) -> CloudDownloads:
    return state.area("cloud_downloads", CloudDownloads)


async def _fetch(state: DeviceState, task: CloudDownload, user_id: str) -> None:
    cloud = state.settings.cloud_url
    if not cloud:
        task.status, task.error = "failed", "cannot reach the SenseCraft cloud"
        return
    try:
        async with httpx.AsyncClient(base_url=cloud, timeout=30, trust_env=False) as http:
            async with http.stream(
                "GET", "/v1/api/get_model", params={"user_id": user_id, "model_id": task.model_id}
            ) as answer:
                if answer.status_code != 200:
                    task.status, task.error = "failed", f"cloud answered HTTP {answer.status_code}"
                    return
                size = int(answer.headers.get("content-length") or 0)
                got = 0
                head = b""
                async for chunk in answer.aiter_bytes():
                    got += len(chunk)
                    head = head or chunk[:4]
                    if got > MAX_MODEL_BYTES:
                        task.status, task.error = "failed", "model too large"
                        return
                    task.progress = min(99, got * 100 // size) if size else 50
    except httpx.HTTPError as exc:
        task.status, task.error = "failed", f"download failed: {type(exc).__name__}"
        return
    if head != b"RKNN":
        task.status, task.error = "failed", "not an RKNN model"
        return
    with state.lock:
        ai_state(state).models.setdefault(task.file_name, {})
    task.status, task.progress = "completed", 100


async def get_model(request: Request) -> Response:
    state = device_of(request)
    body = await read_json(request, _M)
    values = {key: body.get(key) if isinstance(body, dict) else None for key in ("user_id", "model_id", "model_name")}
    if not all(isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip() for v in values.values()):
        raise invalid(_M, "user_id, model_id and model_name cannot be empty")
    file_name = body.get("file_name") or f"{values['model_name']}.rknn"
    if not isinstance(file_name, str) or MODEL_FILE.fullmatch(file_name) is None:
        raise invalid(_M, "Invalid model file name")
    box = downloads_of(state)
    task = CloudDownload(task_id=secrets.token_hex(8), model_id=str(values["model_id"]), file_name=file_name)
    with state.lock:
        box.tasks[task.task_id] = task
    job = asyncio.create_task(_fetch(state, task, str(values["user_id"])))
    box.running.add(job)
    job.add_done_callback(box.running.discard)
    return success("Download started, use download_status API with task_id to check progress", task_id=task.task_id)


async def download_status(request: Request) -> Response:
    state = device_of(request)
    task_id = request.query_params.get("task_id")
    if not task_id:
        raise invalid(_M, "Missing task_id parameter")
    task = downloads_of(state).tasks.get(task_id)
    if task is None:
        raise not_found(_M, "Task not found")
    answer = {"status": task.status, "progress": task.progress}
    return data({**answer, "error": task.error} if task.error else answer)


ROUTES: list[BaseRoute] = [
    Route("/model/get_model", get_model, methods=["POST"]),
    Route("/model/download_status", download_status, methods=["GET"]),
]
