"""Image (ISP) area: ``/image/0`` with its three scene profiles and the live edit mode.

The device's rules, as the simulator plays them:

- ``PUT /image/0/scene {"iProfile": N}`` (N = 0 general, 1 day, 2 night) enters edit mode for profile N; the
  per-profile PUTs (``/image/0/{s}/adjustment|exposure|blc|white-blance|enhancement``) are refused outside edit
  mode or for another profile. ``{"iProfile": -1}`` commits the edited values (they stay live) and leaves edit mode.
- ``GET /image/0`` shows the live (edited) values while editing.
- Edit mode ends by itself after ``settings.isp_edit_timeout_s`` without a write (reads do not count) and
  **discards** the uncommitted changes; the check runs lazily on every image request (``isp_timeout`` fault: now).
- ``video-adjustment`` and ``night-to-day`` are applied and persisted at once, edit mode or not.
- ``POST /image/0`` resets everything to the factory values (persisted too).
- **Persisting** differs by firmware generation; a reboot (``POST /system/reboot`` or the ``reboot_s`` fault)
  brings back the persisted values and ends edit mode:

  - ``legacy``: ``{"iProfile": -1}`` commits **and persists**. ``POST /image/0/scene-save`` answers HTTP 404
    ``{"code": 404, "message": "API Not Found"}``.
  - ``2026``: ``POST /image/0/scene-save`` while editing persists the edited profile as it is at that moment (the
    web UI's order: scene-save, then ``{"iProfile": -1}``). ``-1`` without a scene-save before it leaves the values
    live but not persisted: a reboot brings back the last persisted ones. A scene-save outside edit mode answers
    success and persists nothing.
- ``iProfileCur`` under the scheduled mode (``iMode`` 1) follows the device clock in its time zone.
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

from recamera_mcp.simulator.clock import device_now
from recamera_mcp.simulator.dialects import is_legacy
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
    """The committed ISP object, the live copy while a profile is edited, what is persisted, and what happened."""

    committed: dict[str, Any] = field(default_factory=default_image)
    persisted: dict[str, Any] = field(default_factory=default_image)
    """What the device reloads at boot (its ISP ini file)."""
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

    def persist(self) -> None:
        """Everything committed is saved."""
        self.persisted = copy.deepcopy(self.committed)

    def on_reboot(self) -> None:
        """Boot: edit mode is gone, the persisted values are live again."""
        self.live = None
        self.editing = None
        self.committed = copy.deepcopy(self.persisted)

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


def profile_in_use(state: DeviceState, night_to_day: dict[str, Any]) -> int:
    """``iProfileCur``: by the device clock when scheduled, else the selected profile (no light sensor here)."""
    if night_to_day["iMode"] == 1:
        local = device_now(state)
        seconds = local.hour * 3600 + local.minute * 60 + local.second
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
    obj["nightToDay"]["iProfileCur"] = profile_in_use(state, obj["nightToDay"])
    return data(obj)


async def reset_image(request: Request) -> Response:
    """``POST /image/0``: every ISP value back to the factory ones; an edit session is dropped."""
    state = device_of(request)
    await read_json(request, _M, allow_empty=True)
    with state.lock:
        isp = isp_state(state)
        isp.end_edit(commit=False)
        isp.committed = default_image()
        isp.persist()
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
            if is_legacy(state):
                isp.persist()
        else:
            if isp.live is None:
                isp.live = copy.deepcopy(isp.committed)
            isp.editing = profile
            isp.last_activity = time.monotonic()
    return success()


async def save_scene(request: Request) -> Response:
    """``POST /image/0/scene-save`` (2026 only): persist the profile being edited; outside edit mode, nothing."""
    state = device_of(request)
    if is_legacy(state):
        raise SimError(404, "API Not Found", 404)
    await read_json(request, _M, allow_empty=True)
    with state.lock:
        isp = isp_state(state)
        isp.saves += 1
        if isp.editing is not None and isp.live is not None:
            isp.persisted["profile"][isp.editing] = copy.deepcopy(isp.live["profile"][isp.editing])
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
            isp.persisted[key] = copy.deepcopy(new)
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
