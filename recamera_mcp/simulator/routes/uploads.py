"""The device's resumable upload, shared by models, firmware and config import.

Three steps on one endpoint (``/model/upload``, ``/system/firmware-upgrade``, ``/config/upload``):

1. ``POST ?upload-type=resumable`` with a ``File-Size`` header (or ``{"iFileSize": N}``) answers a ``File-Id``
   header.
2. ``POST ?id=N`` with ``Content-Range`` and the binary chunk. Both forms are taken on every endpoint, in both
   firmware generations: ``bytes a-b/total`` (what the web UI sends for models) and ``bytes a-b`` (what it sends
   for firmware and config); a ``total`` that is not the announced size answers 400. Chunks must follow each other
   exactly: an out-of-order or overlapping chunk is refused (HTTP 416) with the bytes received so far. An
   incomplete upload answers HTTP 308 "Resume Incomplete" with ``Range: bytes=0-N`` (Google resumable style, no
   ``Range`` before the first byte), a complete one HTTP 200.
   **Status query**: an empty body with ``Content-Range: bytes */total`` (or ``bytes */*``, or no Content-Range at
   all) answers the same way without writing, so a client can resume after an interruption.
3. ``POST ?start=N&md5sum=hex`` checks that every byte arrived and the md5, then hands the file to the area.

Bytes go to one temporary file per upload (never kept in memory). The total size is capped by
``settings.max_upload_bytes``; at most :data:`MAX_SESSIONS` sessions are open per device (the oldest is dropped).
Sessions live on the data partition: they **survive a reboot** (a client logs in again and resumes with its
``File-Id``); a factory reset drops them.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from recamera_mcp.simulator.errors import Module, SimError, invalid, not_found
from recamera_mcp.simulator.routes.common import device_of, read_json
from recamera_mcp.simulator.state import DeviceState

MAX_SESSIONS = 8
ENOSPC = 28
_INT = re.compile(r"[0-9]{1,18}")
"""A byte count or id: ASCII digits, at most 18 (a longer number is no size, and would not even convert)."""
_RANGE = re.compile(r"bytes\s+([0-9]{1,18})-([0-9]{1,18})(?:/([0-9]{1,18}|\*))?")
_QUERY = re.compile(r"bytes\s+\*/([0-9]{1,18}|\*)")
_MD5 = re.compile(r"[0-9a-fA-F]{32}")

Finisher = Callable[[DeviceState, Request, "Upload"], Awaitable[Response]]


@dataclass
class Upload:
    """One open upload session: its kind (``model``, ``firmware``, ``config``), size and temp file."""

    id: int
    kind: str
    total: int
    path: Path
    received: int = 0
    touched: float = field(default_factory=time.monotonic)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class Uploads:
    """Every open upload of one device, in its own temporary folder (removed with the state)."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="recamera-sim-upload-")))
    sessions: dict[int, Upload] = field(default_factory=dict)
    next_id: int = 1

    def __post_init__(self) -> None:
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)

    def open(self, kind: str, total: int) -> Upload:
        while len(self.sessions) >= MAX_SESSIONS:
            oldest = min(self.sessions.values(), key=lambda u: u.touched)
            self.sessions.pop(oldest.id).discard()
        upload_id = self.next_id
        self.next_id += 1
        path = self.folder / f"upload-{upload_id}.part"
        path.touch()
        upload = Upload(upload_id, kind, total, path)
        self.sessions[upload_id] = upload
        return upload

    def close(self, upload: Upload) -> None:
        self.sessions.pop(upload.id, None)
        upload.discard()


def uploads_of(state: DeviceState) -> Uploads:
    return state.area("uploads", Uploads)


def _range_headers(upload: Upload) -> dict[str, str]:
    return {"Range": f"bytes=0-{upload.received - 1}"} if upload.received else {}


def _progress(upload: Upload) -> Response:
    """200 when every byte is there, else 308 "Resume Incomplete"; both tell the bytes received."""
    done = upload.received >= upload.total
    return JSONResponse(
        {
            "code": 0,
            "message": "success" if done else "Resume Incomplete",
            "iReceived": upload.received,
            "iTotal": upload.total,
        },
        status_code=200 if done else 308,
        headers=_range_headers(upload),
    )


def _int_param(module: Module, value: str | None, name: str) -> int:
    if value is None or _INT.fullmatch(value.strip()) is None:
        raise invalid(module, f"Invalid parameter type: {name} must be a non-negative integer")
    return int(value)


async def _begin(state: DeviceState, request: Request, module: Module, kind: str) -> Response:
    header = request.headers.get("File-Size")
    if header is not None:
        size = _int_param(module, header, "File-Size")
    else:
        body = await read_json(request, module, allow_empty=True)
        value = body.get("iFileSize") if isinstance(body, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise invalid(module, "Missing parameter: File-Size header (or iFileSize)")
        size = value
    if size <= 0:
        raise invalid(module, "No file data provided")
    if size > state.settings.max_upload_bytes:
        raise SimError(int(module) + ENOSPC, "Insufficient disk space on /userdata", 413)
    with state.lock:
        upload = uploads_of(state).open(kind, size)
    return JSONResponse({"code": 0, "message": "success"}, headers={"File-Id": str(upload.id)})


def _session(state: DeviceState, module: Module, kind: str, raw_id: str | None, name: str = "id") -> Upload:
    upload_id = _int_param(module, raw_id, name) if raw_id is not None else None
    if upload_id is None:
        raise invalid(module, "Invalid upload session id")
    upload = uploads_of(state).sessions.get(upload_id)
    if upload is None or upload.kind != kind:
        raise not_found(module, "Upload session not found")
    upload.touched = time.monotonic()
    return upload


def _refuse(module: Module, upload: Upload, message: str) -> Response:
    return JSONResponse(
        {"code": int(module) + 22, "message": message, "iReceived": upload.received, "iTotal": upload.total},
        status_code=416,
        headers=_range_headers(upload),
    )


async def _chunk(state: DeviceState, request: Request, module: Module, kind: str) -> Response:
    upload = _session(state, module, kind, request.query_params.get("id"))
    header = (request.headers.get("Content-Range") or "").strip()
    body = await request.body()
    query = _QUERY.fullmatch(header)
    if query is not None and query[1] != "*" and int(query[1]) != upload.total:
        raise invalid(module, f"Content-Range total {query[1]} does not match File-Size {upload.total}")
    if query is not None or (not header and not body):
        return _progress(upload)  # status query: nothing written
    match = _RANGE.fullmatch(header)
    if match is None:
        raise invalid(module, "Missing or invalid Content-Range header (expected 'bytes a-b/total' or 'bytes a-b')")
    first, last, total = int(match[1]), int(match[2]), match[3]
    if not body:
        raise invalid(module, "No file data provided")
    if total not in (None, "*") and int(total) != upload.total:
        raise invalid(module, f"Content-Range total {total} does not match File-Size {upload.total}")
    if last < first or last >= upload.total:
        raise invalid(module, f"Invalid Content-Range: bytes {first}-{last} outside 0-{upload.total - 1}")
    if last - first + 1 != len(body):
        raise invalid(module, f"Content-Range covers {last - first + 1} bytes but the body has {len(body)}")
    if first != upload.received:
        kind_of = "overlapping" if first < upload.received else "out-of-order"
        return _refuse(module, upload, f"Rejected {kind_of} chunk at byte {first}: resume from byte {upload.received}")
    with upload.path.open("ab") as handle:
        handle.write(body)
    upload.received += len(body)
    return _progress(upload)


def _md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def _finish(state: DeviceState, request: Request, module: Module, kind: str, finish: Finisher) -> Response:
    upload = _session(state, module, kind, request.query_params.get("start"), "start")
    md5sum = request.query_params.get("md5sum")
    if not md5sum:
        raise invalid(module, "Missing md5sum parameter")
    if _MD5.fullmatch(md5sum) is None:
        raise invalid(module, "Invalid parameter type: md5sum must be 32 hex digits")
    if upload.received < upload.total:
        raise SimError(
            int(module) + 22,
            f"Upload incomplete: {upload.received} of {upload.total} bytes received",
            400,
        )
    try:
        if _md5_of(upload.path) != md5sum.lower():
            raise invalid(module, "MD5 checksum mismatch")
        return await finish(state, request, upload)
    finally:
        uploads_of(state).close(upload)


async def resumable(request: Request, module: Module, kind: str, finish: Finisher) -> Response:
    """Serve one step of the resumable upload; ``finish`` gets the complete, md5-checked file."""
    state = device_of(request)
    params = request.query_params
    if params.get("upload-type") == "resumable":
        return await _begin(state, request, module, kind)
    if "id" in params:
        return await _chunk(state, request, module, kind)
    if "start" in params:
        return await _finish(state, request, module, kind, finish)
    if "upload-type" in params:
        raise invalid(module, f"Invalid parameter value: upload-type {params['upload-type']!r}")
    raise invalid(module, "Missing parameter: upload-type, id or start")
