"""The inference area (``cam.inference``): whether inference runs, with which model, at what rate.

    state = await cam.inference.state()          # {"iEnable", "sStatus", "sModel", "iFPS", "iActualFPS"}
    result = await cam.inference.configure(True, model="yolo.rknn", fps=10)   # waits for running (or error)

:meth:`InferenceAPI.configure` is read-before-write on ``/model/inference``, refuses a model that is not on the
camera or has no info JSON (the device cannot run it), speaks the ``id`` rule of the camera's firmware generation
(legacy: ``id=0``; 2026: the model's index in ``/model/list``) and waits, bounded, for the status the device
reaches (``starting`` -> ``running``, or ``error``). It also reports the record triggers that the new model would
break (region and class filters against its category and labels).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from recamera_mcp.client._endpoints import CONFIG_AREAS, ConfigArea
from recamera_mcp.client._errors import DeviceApiError, Fix, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._models import FieldChange
from recamera_mcp.client._trigger_rules import trigger_problems
from recamera_mcp.client.models import ModelsAPI
from recamera_mcp.client.system import SystemAPI

__all__ = ["InferenceAPI", "InferenceResult", "firmware_generation"]

log = logging.getLogger(__name__)

INFERENCE_PATH = "/model/inference"
SETTLED = frozenset({"running", "stopped", "error"})
Generation = Literal["legacy", "2026"]
StatusProgress = Callable[[float, str], Awaitable[None]]
"""``progress(seconds_waited, status)`` while waiting for the device's status."""


def firmware_generation(version: str | None) -> Generation:
    """The firmware generation from ``sFirmwareVersion``: ``V1.0.x`` is legacy, anything newer (or unknown) 2026.

    Stand-in for the client's one dialect rule (being built with the firmware-dialect work): replace the body with
    a call to it when it lands."""
    text = (version or "").strip().lower().lstrip("v")
    return "legacy" if text.startswith("1.0.") or text == "1.0" else "2026"


class InferenceResult(BaseModel):
    """Inference after a configure call."""

    enabled: bool
    model: str | None
    fps: int | None
    status: str = Field(description="The device's sStatus when the wait ended: running, stopped, error, ...")
    reached: bool = Field(description="The status asked for was reached within the wait")
    waited_s: float
    actual_fps: int | None = None
    id_used: int = Field(description="The id query parameter sent")
    id_rule: str = Field(description="Why that id: legacy firmware takes 0, 2026 the model's index in /model/list")
    written: bool = Field(description="False when the device already had these settings")
    changes: list[FieldChange] = Field(default_factory=list)
    problem: str | None = Field(default=None, description="Why the status asked for was not reached")
    trigger_problems: list[str] = Field(
        default_factory=list, description="Record trigger rules the model breaks (regions, class filters)"
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class InferenceAPI:
    """The camera's inference engine."""

    def __init__(self, funnel: Funnel, models: ModelsAPI, system: SystemAPI) -> None:
        self._funnel = funnel
        self._models = models
        self._system = system
        self._generation: Generation | None = None

    async def state(self) -> dict[str, Any]:
        """``GET /model/inference?id=0``: enable flag, status, model, frame rate (id 0 is valid in both firmware
        generations while a model exists)."""
        state: dict[str, Any] = await self._funnel.get_object(INFERENCE_PATH, params={"id": "0"})
        return state

    async def generation(self) -> Generation:
        """The camera's firmware generation (read once from device-info)."""
        if self._generation is None:
            info = await self._system.device_info()
            version = info.get("sFirmwareVersion")
            self._generation = firmware_generation(version if isinstance(version, str) else None)
        return self._generation

    async def model_category(self) -> str | None:
        """Category of the model inference uses (``"Detection"``, ``"Classification"``...), None when unknown."""
        return (await self._model_profile())[0]

    async def model_labels(self) -> list[str] | None:
        """Class labels of the model inference uses, None when unknown."""
        return (await self._model_profile())[1]

    async def _model_profile(self, name: str | None = None) -> tuple[str | None, list[str] | None]:
        try:
            model = name or (await self.state()).get("sModel")
            if not isinstance(model, str) or not model:
                return None, None
            info = await self._models.typed_info(model)
        except DeviceApiError:
            return None, None
        if info is None:
            return None, None
        return (info.category.value if info.category else None), info.classes

    async def configure(
        self,
        enabled: bool,
        model: str | None = None,
        fps: int | None = None,
        *,
        wait_s: float = 30.0,
        progress: StatusProgress | None = None,
    ) -> InferenceResult:
        """Turn inference on or off, optionally with another model or frame rate, and wait (up to ``wait_s``) for
        the device to reach ``running`` (or ``stopped``); an ``error`` status ends the wait at once."""
        if fps is not None and not 0 <= fps <= 120:
            raise ValidationError(f"fps must be 0..120, got {fps}", "e.g. fps=10 (0: as fast as it runs)", field="fps")
        current = await self.state()
        listed = await self._models.models()
        names = [m.name for m in listed]
        target = model or current.get("sModel")
        if not isinstance(target, str) or target not in names:
            raise ValidationError(
                f"{self._funnel.address.key} has no model {target!r} (models: {', '.join(names) or 'none'})",
                "give one of the listed models, or upload the model first",
                field="model",
            )
        entry = listed[names.index(target)]
        if enabled and not entry.has_info:
            raise ValidationError(
                f"{target} has no model info, and the camera cannot run a model without it",
                "set the model's info (category and class labels) first, then enable inference",
                field="model",
                fix=Fix(op="models.set_info", args={"name": target}),
            )
        generation = await self.generation()
        inference_id = 0 if generation == "legacy" else names.index(target)
        rule = "legacy firmware: id 0" if generation == "legacy" else f"2026 firmware: index {inference_id} in the list"
        body = {
            "iEnable": 1 if enabled else 0,
            "sModel": target,
            "iFPS": fps if fps is not None else (_int(current.get("iFPS")) or 0),
        }
        before = {k: current.get(k) for k in body}
        written = before != body or (enabled and current.get("sStatus") in ("error", "stopped", "stopping"))
        if written:
            params = {"id": str(inference_id)}
            await self._funnel.send_json("POST", INFERENCE_PATH, body, params=params)
            log.info("inference on %s set to %s (id %d)", self._funnel.address.key, body, inference_id)
        state, waited = await self._wait("running" if enabled else "stopped", wait_s, progress)
        status = str(state.get("sStatus") or "unknown")[:32]
        reached = status == ("running" if enabled else "stopped")
        problem = None
        if not reached:
            problem = (
                f"inference is {status} after {waited:.0f} s"
                + (
                    ": the device could not start the model (check the model file and its info)"
                    if status == "error"
                    else f" (still not {'running' if enabled else 'stopped'})"
                )  # fmt: skip
            )
        category, labels = await self._model_profile(target)
        return InferenceResult(
            enabled=bool(state.get("iEnable")),
            model=state.get("sModel") if isinstance(state.get("sModel"), str) else None,
            fps=_int(state.get("iFPS")),
            status=status,
            reached=reached,
            waited_s=round(waited, 1),
            actual_fps=_int(state.get("iActualFPS")),
            id_used=inference_id,
            id_rule=rule,
            written=written,
            changes=[
                FieldChange(field=k, before=before[k], after=state.get(k), kept=state.get(k) == v)
                for k, v in body.items()
                if before[k] != v
            ],
            problem=problem,
            trigger_problems=await self._trigger_problems(category, labels),
        )

    async def _wait(self, goal: str, wait_s: float, progress: StatusProgress | None) -> tuple[dict[str, Any], float]:
        """Poll the status until ``goal`` or ``error`` (or ``wait_s``)."""
        started = time.monotonic()
        pause = 0.1
        while True:
            state = await self.state()
            waited = time.monotonic() - started
            status = state.get("sStatus")
            if status == goal or status == "error" or waited >= wait_s:
                return state, waited
            if progress is not None:
                await progress(waited, str(status))
            await asyncio.sleep(min(pause, max(0.0, wait_s - waited)))
            pause = min(pause * 2, 1.0)

    async def _trigger_problems(self, category: str | None, labels: list[str] | None) -> list[str]:
        """The INFERENCE_SET record rules the model would break (reported, not changed)."""
        try:
            triggers = await self._funnel.get_object(CONFIG_AREAS[ConfigArea.RECORD_TRIGGERS].path)
        except DeviceApiError:
            return []
        if triggers.get("sCurrentSelected") != "INFERENCE_SET":
            return []
        return [p.message for p in trigger_problems(triggers, category, labels, fill_defaults=False)]
