"""Helpers every route module uses: the device of a request, JSON in, the device's envelope out."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from recamera_mcp.simulator.errors import Module, SimError, invalid
from recamera_mcp.simulator.state import DeviceState

CGI_BASE = "/cgi-bin/entry.cgi"
MAX_JSON_DEPTH = 32
"""Deepest nesting of objects/arrays a request body may have (the device's objects need 5)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def parse_json(raw: bytes | str) -> Any:
    """Strict JSON, as the device's parser takes it: no ``NaN``/``Infinity``, no float overflow, nesting at most
    :data:`MAX_JSON_DEPTH`. Raises ValueError (UnicodeDecodeError for bad bytes) for anything else."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if _too_deep(value):
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def device_of(conn: HTTPConnection) -> DeviceState:
    """The simulated camera that serves this request."""
    state: DeviceState = conn.app.state.device
    return state


async def read_json(request: Request, module: Module, *, allow_empty: bool = False) -> Any:
    """The request body as JSON; the module's invalid-parameter error when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise invalid(module, "Bad Request: empty body, a JSON object is expected")
    try:
        return parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid(module, f"Bad Request: malformed JSON ({exc.__class__.__name__})") from exc


async def read_object(request: Request, module: Module, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object."""
    body = await read_json(request, module, allow_empty=allow_empty)
    if not isinstance(body, dict):
        raise invalid(module, "payload must be object")
    return body


def success(message: str = "success", **extra: Any) -> JSONResponse:
    """The device's answer to a write: ``{"code": 0, "message": ...}`` plus any extra fields."""
    return JSONResponse({"code": 0, "message": message, **extra})


def data(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """A read answer: the bare object or array, no envelope."""
    return JSONResponse(value, status_code=status, headers=headers)


def error_response(err: SimError) -> JSONResponse:
    return JSONResponse({"code": err.code, "message": err.message}, status_code=err.status)


@dataclass(frozen=True)
class Service:
    """A background service of the device that runs while the camera is up (the notify daemon, ...).

    ``start`` is called on the fleet's event loop when the camera starts answering (first start and every boot);
    ``stop`` is awaited when it goes down (reboot, removal)."""

    start: Callable[[DeviceState], None]
    stop: Callable[[DeviceState], Awaitable[None]]
