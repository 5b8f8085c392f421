"""The simulator's route table, assembled from one module per API area.

Each area module may define:

- ``ROUTES``: routes whose paths are relative to the CGI base ``/cgi-bin/entry.cgi``;
- ``RAW_ROUTES``: routes on raw paths (``/storage/relay/...``, ``/ws/...``, ``/api/v1/...``);
- ``HOOKS``: :class:`~recamera_mcp.simulator.routes.config.ConfigHooks` by config path;
- ``FAULTS``: named area faults (``isp_timeout``, ``relay_expire``) callable with the device state, fired by a
  truthy value;
- ``VALUE_FAULTS``: named area faults called with the device state and the value (``clock_skew_s``);
- ``PUBLIC_PATHS``: CGI paths served without a token;
- ``ON_BOOT``: callables ``(state)`` run when the camera comes back from a reboot, before it answers
  (:meth:`~recamera_mcp.simulator.state.DeviceState.booted`);
- ``SERVICES``: :class:`~recamera_mcp.simulator.routes.common.Service` objects, background services that run
  while the camera is up (started and stopped by the fleet).

Explicit routes come before the generic config routes, so an area can take over a config path.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from starlette.routing import BaseRoute

from recamera_mcp.simulator.routes import (
    auth,
    capture,
    diagnosis,
    firmware,
    image,
    inference,
    model_download,
    models,
    network,
    notify,
    recording,
    secure,
    storage,
    streams,
    system,
    video,
)
from recamera_mcp.simulator.routes.common import Service
from recamera_mcp.simulator.routes.config import ConfigHooks, config_routes
from recamera_mcp.simulator.state import DeviceState

AREA_MODULES: tuple[ModuleType, ...] = (
    auth, system, video, streams, models, model_download, inference, firmware, network, image, recording, storage,
    capture, notify, secure, diagnosis,
)  # fmt: skip


def _collect(name: str) -> list[Any]:
    found: list[Any] = []
    for module in AREA_MODULES:
        found.extend(getattr(module, name, []))
    return found


def cgi_routes() -> list[BaseRoute]:
    hooks = hooks_by_path()
    return _collect("ROUTES") + config_routes(hooks, raw=False)


def raw_routes() -> list[BaseRoute]:
    return _collect("RAW_ROUTES") + config_routes(hooks_by_path(), raw=True)


def hooks_by_path() -> dict[str, ConfigHooks]:
    hooks: dict[str, ConfigHooks] = {}
    for module in AREA_MODULES:
        hooks.update(getattr(module, "HOOKS", {}))
    return hooks


def area_faults() -> dict[str, Callable[[DeviceState], None]]:
    faults: dict[str, Callable[[DeviceState], None]] = {}
    for module in AREA_MODULES:
        faults.update(getattr(module, "FAULTS", {}))
    return faults


def value_faults() -> dict[str, Callable[[DeviceState, Any], None]]:
    faults: dict[str, Callable[[DeviceState, Any], None]] = {}
    for module in AREA_MODULES:
        faults.update(getattr(module, "VALUE_FAULTS", {}))
    return faults


def public_paths() -> frozenset[str]:
    return frozenset(_collect("PUBLIC_PATHS"))


def boot_actions() -> list[Callable[[DeviceState], None]]:
    return _collect("ON_BOOT")


def services() -> list[Service]:
    return _collect("SERVICES")
