"""A small simulated SenseCraft cloud: ONNX → RKNN conversion tasks and the user-token → ``user_id`` resolution.

The real service lives on two hosts (``sensecraft-train-api`` for conversions, ``sensecraft-hmi-api`` for the user);
the simulator serves both sets of paths on one base URL:

| method | path | parameters |
|---|---|---|
| POST | /api/v1/user/login_token | header ``Authorization: <token>`` (the raw token, no ``Bearer``) |
| POST | /v1/api/create_task | multipart: user_id, framework_type=9, device_type=40, file (``*.onnx``) |
| GET | /v1/api/get_training_records | user_id, framework_type=9, device_type=40, page (from 1), size (1-100) |
| GET | /v1/api/train_status | user_id, model_id |
| GET | /v1/api/get_model | user_id, model_id: the ``.rknn`` bytes (``application/octet-stream``) |
| GET | /v2/api/get_model | user_id, model_id: JSON with a ``download_url`` back into this app (``/files/...``) |
| GET | /v1/api/del_model | user_id, model_id |

**Envelope (a guess; the real one is not documented in our sources):** every JSON answer is
``{"code": 0, "msg": "success", "data": {...}}``. An error answers with the HTTP status as both the status and
``code``, and ``data`` null: ``{"code": 401, "msg": "invalid or expired token", "data": null}``. Statuses: 400 bad
parameter, 401 bad token, 403 unknown ``user_id``, 404 unknown model (or path), 405 wrong method, 409 model not
converted yet, 413 file too large, 5xx (the ``error_next`` fault; ``msg`` the status phrase, e.g. "Service
Unavailable").

The conversion endpoints need no token (``user_id`` identifies the user), but a request that carries
``Authorization: <token>`` must carry the valid one (401 otherwise), as ``login_token`` does.

A task is ``queued`` for ``queued_s``, then ``converting`` (``progress`` 0-99) for ``convert_s``, then ``done``
(progress 100). A file that is not ONNX (protobuf starting with the ``ir_version`` field, byte ``0x08``) ends
``failed`` ("invalid ONNX model"), and so does the next task while ``fail_next`` > 0 (with ``fail_reason``);
``train_status`` and the records list give the reason as ``error``. The produced ``.rknn`` starts with the ``RKNN``
magic; the v1 download carries its md5 in the ``x-model-md5`` header, v2 answers it as ``md5``.

**Faults** (fields of :class:`CloudState`, settable from Python or over ``POST /__sim__/faults`` with a JSON
object, type-checked; ``GET /__sim__/faults`` reads them; control requests are not logged in ``calls``):

- ``fail_next`` (int): that many next tasks end ``failed`` with ``fail_reason`` (str);
- ``error_next`` (int) / ``error_status`` (500-599, default 503): the next N requests answer that status;
- ``token_rejected`` (bool): the user token is refused everywhere (401 "invalid or expired token");
- ``latency_s`` (seconds): every request waits that long first (client time-outs);
- ``md5_mismatch_next`` (int): the next N model downloads (v1 ``x-model-md5``, v2 ``md5``) name an md5 that is not
  the one of the bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAMEWORK_RKNN = "9"
DEVICE_RECAMERA = "40"
ONNX_FIRST_BYTE = b"\x08"


@dataclass
class CloudSettings:
    """What a test may change. Durations are seconds; status is computed from them at each read."""

    token: str = "sensecraft-sim-token"
    """The one user token that ``/api/v1/user/login_token`` accepts."""
    user_id: str = "1001"
    nickname: str = "Simulated User"
    queued_s: float = 2.0
    convert_s: float = 6.0
    max_file_bytes: int = 200 * 1024 * 1024


@dataclass
class CloudTask:
    model_id: str
    user_id: str
    model_name: str
    onnx_size: int
    onnx_sha256: str
    created: float
    valid_onnx: bool
    forced_failure: bool
    failure_reason: str = ""
    download_sig: str = field(default_factory=lambda: secrets.token_hex(8))


class CloudError(Exception):
    def __init__(self, status: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg


@dataclass
class CloudState:
    """The cloud's tasks and request log. Safe to read from the test thread."""

    settings: CloudSettings = field(default_factory=CloudSettings)
    tasks: dict[str, CloudTask] = field(default_factory=dict)
    fail_next: int = 0
    """That many next tasks end ``failed`` (a conversion error on the cloud side)."""
    fail_reason: str = "conversion failed: RKNN toolkit error"
    """The ``error`` a task failed by ``fail_next`` reports."""
    error_next: int = 0
    """That many next requests answer ``error_status``."""
    error_status: int = 503
    token_rejected: bool = False
    """The user token is refused (401) until this is false again."""
    latency_s: float = 0.0
    """Every request waits this long before it is served."""
    md5_mismatch_next: int = 0
    """That many next model downloads name an md5 that does not match the bytes."""
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    """``(method, path, HTTP status)`` of every request."""
    next_id: int = 2001
    lock: threading.RLock = field(default_factory=threading.RLock)

    def status(self, task: CloudTask, now: float | None = None) -> tuple[str, int]:
        """(status, progress %) of ``task`` now."""
        elapsed = (time.time() if now is None else now) - task.created
        queued, convert = self.settings.queued_s, self.settings.convert_s
        if elapsed < queued:
            return "queued", 0
        if elapsed < queued + convert:
            return "converting", min(99, int((elapsed - queued) * 100 / max(convert, 1e-9)))
        if not task.valid_onnx or task.forced_failure:
            return "failed", 100
        return "done", 100

    def take_md5_mismatch(self) -> bool:
        with self.lock:
            if self.md5_mismatch_next <= 0:
                return False
            self.md5_mismatch_next -= 1
            return True


FAULT_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "fail_next": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer >= 0"),
    "fail_reason": (lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty string"),
    "error_next": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer >= 0"),
    "error_status": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 500 <= v <= 599, "a status 500-599"),
    "token_rejected": (lambda v: isinstance(v, bool), "true or false"),
    "latency_s": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0,
        "a number of seconds >= 0",
    ),
    "md5_mismatch_next": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an integer >= 0"),
}
"""The cloud's fault switches and their type checks."""


def rknn_bytes(task: CloudTask) -> bytes:
    """The converted model: ``RKNN`` magic, a version, the ONNX digest, and a body of about the ONNX size."""
    header = b"RKNN\x00\x00\x00\x00" + (6).to_bytes(8, "little") + bytes.fromhex(task.onnx_sha256)
    body = hashlib.shake_256(task.onnx_sha256.encode()).digest(max(64, task.onnx_size * 11 // 10))
    return header + body


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": 0, "msg": "success", "data": data})


def _cloud(request: Request) -> CloudState:
    cloud: CloudState = request.app.state.cloud
    return cloud


def _param(values: Any, name: str) -> str:
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CloudError(400, f"missing parameter: {name}")
    if not isinstance(value, str):
        raise CloudError(400, f"parameter {name} must be a form field, not a file")
    return value.strip()


def _user(cloud: CloudState, values: Any) -> str:
    user_id = _param(values, "user_id")
    if user_id != cloud.settings.user_id:
        raise CloudError(403, f"unknown user_id {user_id!r}: resolve it with /api/v1/user/login_token")
    return user_id


def _kinds(values: Any) -> None:
    if _param(values, "framework_type") != FRAMEWORK_RKNN:
        raise CloudError(400, f"framework_type must be {FRAMEWORK_RKNN} (RKNN)")
    if _param(values, "device_type") != DEVICE_RECAMERA:
        raise CloudError(400, f"device_type must be {DEVICE_RECAMERA} (reCamera)")


def _task(cloud: CloudState, values: Any) -> CloudTask:
    user_id = _user(cloud, values)
    model_id = _param(values, "model_id")
    task = cloud.tasks.get(model_id)
    if task is None or task.user_id != user_id:
        raise CloudError(404, f"model {model_id} not found")
    return task


def _failure(task: CloudTask) -> str:
    return "invalid ONNX model" if not task.valid_onnx else task.failure_reason


def _record(cloud: CloudState, task: CloudTask) -> dict[str, Any]:
    status, progress = cloud.status(task)
    record: dict[str, Any] = {
        "model_id": task.model_id,
        "model_name": task.model_name,
        "status": status,
        "progress": progress,
        "framework_type": int(FRAMEWORK_RKNN),
        "device_type": int(DEVICE_RECAMERA),
        "created_at": int(task.created * 1000),
        "file_size": task.onnx_size,
    }
    if status == "failed":
        record["error"] = _failure(task)
    return record


async def login_token(request: Request) -> Response:
    cloud = _cloud(request)
    if not request.headers.get("authorization"):  # a wrong one was already refused at the gate
        raise CloudError(401, "invalid or expired token")
    return _ok({"user_id": cloud.settings.user_id, "nickname": cloud.settings.nickname})


async def create_task(request: Request) -> Response:
    cloud = _cloud(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise CloudError(400, "multipart/form-data expected")
    limit = cloud.settings.max_file_bytes
    async with request.form(max_files=1, max_fields=10, max_part_size=limit) as form:
        _user(cloud, form)
        _kinds(form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise CloudError(400, "missing parameter: file (the .onnx model)")
        name = upload.filename or ""
        if not name.lower().endswith(".onnx"):
            raise CloudError(400, f"file must be an .onnx model, got {name!r}")
        content = await upload.read(limit + 1)
    if len(content) > limit:
        raise CloudError(413, f"file too large (limit {limit} bytes)")
    if not content:
        raise CloudError(400, "file is empty")
    with cloud.lock:
        model_id = str(cloud.next_id)
        cloud.next_id += 1
        forced = cloud.fail_next > 0
        cloud.fail_next = max(0, cloud.fail_next - 1)
        reason = cloud.fail_reason
        task = CloudTask(
            model_id=model_id,
            user_id=cloud.settings.user_id,
            model_name=name.rsplit("/", 1)[-1][: -len(".onnx")],
            onnx_size=len(content),
            onnx_sha256=hashlib.sha256(content).hexdigest(),
            created=time.time(),
            valid_onnx=content[:1] == ONNX_FIRST_BYTE,
            forced_failure=forced,
            failure_reason=reason if forced else "",
        )
        cloud.tasks[model_id] = task
    return _ok({"model_id": model_id, "status": cloud.status(task)[0]})


async def training_records(request: Request) -> Response:
    cloud = _cloud(request)
    query = request.query_params
    user_id = _user(cloud, query)
    _kinds(query)
    try:
        page, size = int(query.get("page", "1")), int(query.get("size", "10"))
    except ValueError as exc:
        raise CloudError(400, "page and size must be integers") from exc
    if page < 1 or not 1 <= size <= 100:
        raise CloudError(400, "page must be >= 1 and size 1-100")
    with cloud.lock:
        mine = sorted((t for t in cloud.tasks.values() if t.user_id == user_id), key=lambda t: -int(t.model_id))
    chunk = mine[(page - 1) * size : page * size]
    return _ok({"total": len(mine), "page": page, "size": size, "list": [_record(cloud, t) for t in chunk]})


async def train_status(request: Request) -> Response:
    cloud = _cloud(request)
    task = _task(cloud, request.query_params)
    status, progress = cloud.status(task)
    data: dict[str, Any] = {"model_id": task.model_id, "status": status, "progress": progress}
    if status == "failed":
        data["error"] = _failure(task)
    return _ok(data)


def _converted(cloud: CloudState, request: Request) -> CloudTask:
    task = _task(cloud, request.query_params)
    status, _ = cloud.status(task)
    if status != "done":
        raise CloudError(409, f"model {task.model_id} is not converted (status {status})")
    return task


def _md5_named(cloud: CloudState, content: bytes) -> str:
    """The md5 a download names: the right one, unless the ``md5_mismatch_next`` fault spoils it."""
    digest = hashlib.md5(content).hexdigest()
    return hashlib.md5(content + b"!").hexdigest() if cloud.take_md5_mismatch() else digest


async def get_model_v1(request: Request) -> Response:
    cloud = _cloud(request)
    task = _converted(cloud, request)
    content = rknn_bytes(task)
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{task.model_name}.rknn"',
            "x-model-md5": _md5_named(cloud, content),
        },
    )


async def get_model_v2(request: Request) -> Response:
    cloud = _cloud(request)
    task = _converted(cloud, request)
    content = rknn_bytes(task)
    base = str(request.base_url).rstrip("/")
    return _ok(
        {
            "model_id": task.model_id,
            "file_name": f"{task.model_name}.rknn",
            "size": len(content),
            "md5": _md5_named(cloud, content),
            "download_url": f"{base}/files/{task.model_id}/{task.model_name}.rknn?sig={task.download_sig}",
        }
    )


async def download(request: Request) -> Response:
    cloud = _cloud(request)
    task = cloud.tasks.get(request.path_params["model_id"])
    sig = request.query_params.get("sig", "")
    if task is None or not secrets.compare_digest(sig.encode(), task.download_sig.encode()):
        raise CloudError(404, "file not found")
    return Response(rknn_bytes(task), media_type="application/octet-stream")


async def del_model(request: Request) -> Response:
    cloud = _cloud(request)
    with cloud.lock:
        task = _task(cloud, request.query_params)
        del cloud.tasks[task.model_id]
    return _ok({"model_id": task.model_id})


def _error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, CloudError):
        status, msg = exc.status, exc.msg
    elif isinstance(exc, HTTPException):
        status, msg = exc.status_code, {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, exc.detail)
    else:
        status, msg = 500, "Internal Server Error"
    return JSONResponse({"code": status, "msg": msg, "data": None}, status_code=status)


async def _reply(send: Send, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _control(cloud: CloudState, scope: Scope, receive: Receive, send: Send) -> None:
    """``GET``/``POST /__sim__/faults``: read or set the cloud's fault switches (all checked before any is set)."""
    if scope["method"] == "GET":
        await _reply(send, 200, {key: getattr(cloud, key) for key in FAULT_FIELDS})
        return
    raw = b""
    more = True
    while more:
        message = await receive()
        raw += message.get("body", b"")
        more = message.get("more_body", False)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        await _reply(send, 400, {"code": 400, "msg": "a JSON object is expected", "data": None})
        return
    for key, value in body.items():
        if key not in FAULT_FIELDS:
            message_text = f"unknown fault {key!r}; known: {sorted(FAULT_FIELDS)}"
            await _reply(send, 400, {"code": 400, "msg": message_text, "data": None})
            return
        check, hint = FAULT_FIELDS[key]
        if not check(value):
            await _reply(send, 400, {"code": 400, "msg": f"fault {key!r} must be {hint}", "data": None})
            return
    with cloud.lock:
        for key, value in body.items():
            setattr(cloud, key, value)
    await _reply(send, 200, {"code": 0, "msg": "success", "data": {key: getattr(cloud, key) for key in FAULT_FIELDS}})


class _CloudGate:
    """In front of the routes: the fault control, latency, the 5xx fault, the token check, and the call log
    (``(method, path, status)`` of every request in ``CloudState.calls``)."""

    def __init__(self, app: ASGIApp, cloud: CloudState) -> None:
        self.app = app
        self.cloud = cloud

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        cloud = self.cloud
        if cloud.latency_s > 0:
            await asyncio.sleep(cloud.latency_s)
        with cloud.lock:
            failing = cloud.error_next > 0
            cloud.error_next = max(0, cloud.error_next - 1)
        if failing:
            status = cloud.error_status
            await _reply(send, status, {"code": status, "msg": HTTPStatus(status).phrase, "data": None})
            return
        token = dict(scope["headers"]).get(b"authorization")
        if token is not None:
            valid = secrets.compare_digest(token, cloud.settings.token.encode())
            if not valid or cloud.token_rejected:
                await _reply(send, 401, {"code": 401, "msg": "invalid or expired token", "data": None})
                return
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/__sim__/faults":
            await _control(self.cloud, scope, receive, send)
            return
        logged = False

        def log(status: int) -> None:
            nonlocal logged
            logged = True
            with self.cloud.lock:
                self.cloud.calls.append((scope["method"], scope["path"], status))

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and not logged:
                log(message["status"])  # before the answer leaves: a client that got it finds it logged
            await send(message)

        try:
            await self._gate(scope, receive, watch)
        finally:
            if not logged:
                log(500)


def create_cloud_app(cloud: CloudState | None = None) -> ASGIApp:
    """The ASGI app of the simulated SenseCraft cloud."""
    cloud = cloud or CloudState()
    app = Starlette(
        routes=[
            Route("/api/v1/user/login_token", login_token, methods=["POST"]),
            Route("/v1/api/create_task", create_task, methods=["POST"]),
            Route("/v1/api/get_training_records", training_records, methods=["GET"]),
            Route("/v1/api/train_status", train_status, methods=["GET"]),
            Route("/v1/api/get_model", get_model_v1, methods=["GET"]),
            Route("/v2/api/get_model", get_model_v2, methods=["GET"]),
            Route("/v1/api/del_model", del_model, methods=["GET"]),
            Route("/files/{model_id}/{name}", download, methods=["GET"]),
        ],
        exception_handlers={CloudError: _error, HTTPException: _error, Exception: _error},
    )
    app.state.cloud = cloud
    return _CloudGate(app, cloud)
