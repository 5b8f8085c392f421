"""Live video area: the RTSP URL the device reports in ``/video/{id}/stream``, and the strict OSD write.

The encoder, stream, OSD and audio objects themselves are generic config objects (schemas/video.py).
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.errors import Module, invalid
from recamera_mcp.simulator.routes.common import device_of, read_object, success
from recamera_mcp.simulator.routes.config import ConfigHooks
from recamera_mcp.simulator.schemas.base import apply_write
from recamera_mcp.simulator.schemas.video import OSD, missing_osd_parts
from recamera_mcp.simulator.state import DeviceState

STREAM_NAMES = {0: "main", 1: "sub"}


def request_host(request: Request) -> str:
    """The host name the client used (``Host`` header without the port), as the firmware's ``HTTP_HOST``."""
    host = request.headers.get("host") or (request.url.hostname or "127.0.0.1")
    if host.startswith("["):  # [::1]:8080
        return host[: host.index("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def rtsp_url(state: DeviceState, request: Request, stream: int) -> str:
    """``rtsp://{host}:{rtsp_port}/main|sub`` for this camera as seen by this client."""
    host = state.settings.rtsp_host or request_host(request)
    return f"rtsp://{host}:{state.settings.rtsp_port}/{STREAM_NAMES[stream]}"


def _stream_on_read(stream: int) -> Any:
    def on_read(state: DeviceState, request: Request, obj: dict[str, Any]) -> dict[str, Any]:
        obj["rtsp"]["sURL"] = rtsp_url(state, request, stream)
        return obj

    return on_read


async def osd_write(request: Request) -> Response:
    """``POST``/``PUT /osd/cfg``: every section is required (the firmware's message), then the strict write."""
    state = device_of(request)
    body = await read_object(request, Module.VIDEO)
    missing = missing_osd_parts(body)
    if missing is not None:
        raise invalid(Module.VIDEO, missing)
    with state.lock:
        state.configs[OSD.path] = apply_write(OSD, body, copy.deepcopy(state.configs[OSD.path]))
    return success()


ROUTES: list[BaseRoute] = [Route(OSD.path, osd_write, methods=["POST", "PUT"])]

HOOKS: dict[str, ConfigHooks] = {
    f"/video/{stream}/stream": ConfigHooks(on_read=_stream_on_read(stream)) for stream in STREAM_NAMES
}
