"""Image (ISP) area: ``/image/0`` with its three scene profiles and the live edit mode.

The device's rules, as the simulator plays them:

- ``PUT /image/0/scene {"iProfile": N}`` (N = 0 general, 1 day, 2 night) enters edit mode for profile N; the
  per-profile PUTs (``/image/0/{s}/adjustment|exposure|blc|white-blance|enhancement``) are refused outside edit
  mode or for another profile. ``{"iProfile": -1}`` commits the edited values and leaves edit mode.
- ``GET /image/0`` shows the live (edited) values while editing.
- Edit mode ends by itself after ``settings.isp_edit_timeout_s`` without a write (reads do not count) and
  **discards** the uncommitted changes; the check runs lazily on every image request (``isp_timeout`` fault: now).
- ``video-adjustment`` and ``night-to-day`` are applied and saved at once, edit mode or not.
- ``POST /image/0`` resets everything to the factory values; ``POST /image/0/scene-save`` persists (counted).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.errors import Module, SimError, invalid, not_found, not_permitted
from recamera_mcp.simulator.routes.common import data, device_of, read_json, read_object, success
from recamera_mcp.simulator.schemas.base import ConfigSpec, apply_write
from recamera_mcp.simulator.schemas.image import (
    NIGHT_TO_DAY,
    PROFILE_NAMES,
    PROFILE_SPECS,
    VIDEO_ADJUSTMENT,
    default_image,
    default_profile,
)
from recamera_mcp.simulator.state import DeviceState

_M = Module.VIDEO


@dataclass
class IspState:
    """The committed ISP object, the live copy while a profile is edited, and what happened to it."""

    committed: dict[str, Any] = field(default_factory=default_image)
    live: dict[str, Any] | None = None
    editing: int | None = None
    """Profile being edited, or None outside edit mode."""
    last_activity: float = 0.0
    commits: int = 0
    saves: int = 0
    discarded: int = 0
    """How many edit sessions ended by timeout, their changes dropped."""

    def current(self) -> dict[str, Any]:
        return self.live if self.live is not None else self.committed

    def end_edit(self, *, commit: bool) -> None:
        if self.live is not None:
            if commit:
                self.committed = self.live
                self.commits += 1
            else:
                self.discarded += 1
        self.live = None
        self.editing = None


def isp_state(state: DeviceState) -> IspState:
    """The image area state, after ending an edit session that has been idle too long."""
    with state.lock:
        isp = state.area("image", IspState)
        idle = time.monotonic() - isp.last_activity
        if isp.editing is not None and idle >= state.settings.isp_edit_timeout_s:
            isp.end_edit(commit=False)
        return isp


def expire_edit(state: DeviceState) -> None:
    """Fault ``isp_timeout``: the edit session times out now, its uncommitted changes are discarded."""
    with state.lock:
        isp = state.area("image", IspState)
        if isp.editing is not None:
            isp.end_edit(commit=False)


def profile_in_use(night_to_day: dict[str, Any], now: float | None = None) -> int:
    """``iProfileCur``: by the device clock when scheduled, else the selected profile (no light sensor here)."""
    if night_to_day["iMode"] == 1:
        local = time.localtime(time.time() if now is None else now)
        seconds = local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec
        return 1 if night_to_day["iDawnTime"] <= seconds < night_to_day["iDuskTime"] else 2
    return int(night_to_day["iProfileSelect"])


def _profile_spec(segment: str, index: int) -> tuple[str, ConfigSpec]:
    key, spec = PROFILE_SPECS[segment]
    return key, dataclasses.replace(spec, path=spec.path.format(s=index), defaults=default_profile(index)[key])


def _scene_hint(index: int) -> str:
    return f'PUT /image/0/scene {{"iProfile": {index}}} first'


# ---- handlers -----------------------------------------------------------------------------------------------------
async def get_image(request: Request) -> Response:
    state = device_of(request)
    with state.lock:
        obj = copy.deepcopy(isp_state(state).current())
    obj["nightToDay"]["iProfileCur"] = profile_in_use(obj["nightToDay"])
    return data(obj)


async def reset_image(request: Request) -> Response:
    """``POST /image/0``: every ISP value back to the factory ones; an edit session is dropped."""
    state = device_of(request)
    await read_json(request, _M, allow_empty=True)
    with state.lock:
        isp = isp_state(state)
        isp.end_edit(commit=False)
        isp.committed = default_image()
    return success()


async def set_scene(request: Request) -> Response:
    state = device_of(request)
    body = await read_object(request, _M)
    for key in body:
        if key != "iProfile":
            raise invalid(_M, f"Unknown parameter: {key}")
    if "iProfile" not in body:
        raise invalid(_M, "Missing parameter: iProfile")
    profile = body["iProfile"]
    if type(profile) is not int or profile not in (-1, 0, 1, 2):
        raise invalid(_M, "iProfile must be -1, 0, 1, or 2")
    with state.lock:
        isp = isp_state(state)
        if profile == -1:
            isp.end_edit(commit=True)
        else:
            if isp.live is None:
                isp.live = copy.deepcopy(isp.committed)
            isp.editing = profile
            isp.last_activity = time.monotonic()
    return success()


async def save_scene(request: Request) -> Response:
    state = device_of(request)
    await read_json(request, _M, allow_empty=True)
    with state.lock:
        isp_state(state).saves += 1
    return success()


async def write_profile_part(request: Request) -> Response:
    """``PUT /image/0/{s}/<part>``: only while profile ``s`` is being edited; replaces the whole sub-object."""
    state = device_of(request)
    segment = request.path_params["part"]
    if segment == "af":
        raise SimError(501, "Not Implemented", 501)
    if segment not in PROFILE_SPECS:
        raise not_found(_M, f"API Not Found: /image/0/{{scene}}/{segment}")
    raw_scene = request.path_params["scene"]
    if raw_scene not in ("0", "1", "2"):
        raise invalid(_M, "Invalid scene id: must be 0, 1, or 2")
    scene = int(raw_scene)
    body = await read_json(request, _M)
    with state.lock:
        isp = isp_state(state)
        if isp.editing is None or isp.live is None:
            raise not_permitted(
                _M,
                f"Not in edit mode: {_scene_hint(scene)} (profile changes are only accepted while that profile "
                "is being edited; edit mode ends after a while without changes and discards them)",
            )
        if isp.editing != scene:
            raise not_permitted(
                _M,
                f"Profile {scene} ({PROFILE_NAMES[scene]}) is not being edited, profile {isp.editing} "
                f"({PROFILE_NAMES[isp.editing]}) is: {_scene_hint(scene)}",
            )
        key, spec = _profile_spec(segment, scene)
        isp.live["profile"][scene][key] = apply_write(spec, body)
        isp.last_activity = time.monotonic()
    return success()


def _direct_write(spec: ConfigSpec, key: str) -> Any:
    async def write(request: Request) -> Response:
        state = device_of(request)
        body = await read_json(request, _M)
        with state.lock:
            isp = isp_state(state)
            new = apply_write(spec, body, isp.committed[key])
            isp.committed[key] = new
            if isp.live is not None:
                isp.live[key] = copy.deepcopy(new)
        return success()

    return write


ROUTES: list[BaseRoute] = [
    Route("/image/0", get_image, methods=["GET"]),
    Route("/image/0", reset_image, methods=["POST"]),
    Route("/image/0/scene", set_scene, methods=["PUT", "POST"]),
    Route("/image/0/scene-save", save_scene, methods=["POST"]),
    Route("/image/0/video-adjustment", _direct_write(VIDEO_ADJUSTMENT, "videoAdjustment"), methods=["PUT", "POST"]),
    Route("/image/0/night-to-day", _direct_write(NIGHT_TO_DAY, "nightToDay"), methods=["PUT", "POST"]),
    Route("/image/0/{scene}/{part}", write_profile_part, methods=["PUT", "POST"]),
]

FAULTS = {"isp_timeout": expire_edit}
