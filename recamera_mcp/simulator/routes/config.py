"""Generic GET + write routes for every :class:`ConfigSpec`: the strict read-before-write rule in one place.

A write replaces the whole stored object; fields the body omits revert to the defaults (see
:func:`~recamera_mcp.simulator.schemas.base.apply_write`). Area modules hook in with :class:`ConfigHooks` to fill
dynamic fields on read or to act after a write.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.schemas import ALL_SPECS, ConfigSpec, apply_write
from recamera_mcp.simulator.state import DeviceState


@dataclass(frozen=True)
class ConfigHooks:
    on_read: Callable[[DeviceState, Request, dict[str, Any]], dict[str, Any]] | None = None
    after_write: Callable[[DeviceState, dict[str, Any]], None] | None = None
    success_message: str = "success"


def _routes_for(spec: ConfigSpec, hooks: ConfigHooks) -> list[BaseRoute]:
    async def read(request: Request) -> Response:
        state = device_of(request)
        obj = copy.deepcopy(state.configs[spec.path])
        if hooks.on_read is not None:
            obj = hooks.on_read(state, request, obj)
        return data(obj)

    async def write(request: Request) -> Response:
        state = device_of(request)
        body = await read_json(request, spec.module)
        with state.lock:
            new = apply_write(spec, body, state.configs[spec.path])
            state.configs[spec.path] = new
        if hooks.after_write is not None:
            hooks.after_write(state, copy.deepcopy(new))
        return success(hooks.success_message)

    methods = [spec.write_method]
    if spec.write_method == "PUT":
        methods.append("POST")  # the firmware takes either for PUT endpoints
    return [Route(spec.path, read, methods=["GET"]), Route(spec.path, write, methods=methods)]


def config_routes(hooks: Mapping[str, ConfigHooks], *, raw: bool) -> list[BaseRoute]:
    """Routes for every spec (CGI-relative ones, or raw ones when ``raw``)."""
    routes: list[BaseRoute] = []
    for path, spec in ALL_SPECS.items():
        if spec.raw == raw:
            routes.extend(_routes_for(spec, hooks.get(path, ConfigHooks())))
    return routes
