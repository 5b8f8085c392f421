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
import copy
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._dialect import Dialect
from recamera_mcp.client._endpoints import CONFIG_AREAS, ConfigArea
from recamera_mcp.client._errors import DeviceApiError, Fix, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._models import FieldChange
from recamera_mcp.client._validators import trigger_label_problems, trigger_region_problems
from recamera_mcp.client.models import ModelsAPI

__all__ = ["InferenceAPI", "InferenceResult", "ModelFacts"]

log = logging.getLogger(__name__)

INFERENCE_PATH = "/model/inference"
StatusProgress = Callable[[float, str], Awaitable[None]]
"""``progress(seconds_waited, status)`` while waiting for the device's status."""


@dataclass(frozen=True)
class ModelFacts:
    """What the config checks need to know of the model inference uses (all None/empty when unknown)."""

    model: str | None = None
    category: str | None = None
    labels: tuple[str, ...] = field(default_factory=tuple)


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

    def __init__(self, funnel: Funnel, models: ModelsAPI) -> None:
        self._funnel = funnel
        self._models = models

    async def state(self) -> dict[str, Any]:
        """``GET /model/inference?id=0``: enable flag, status, model, frame rate (id 0 is valid in both firmware
        generations while a model exists)."""
        state: dict[str, Any] = await self._funnel.get_object(INFERENCE_PATH, params={"id": "0"})
        return state

    async def model_facts(self, name: str | None = None) -> ModelFacts:
        """The model inference uses (or ``name``), its category (``"Detection"``, ``"Classification"``...) and its
        labels; empty when unknown."""
        try:
            model = name or (await self.state()).get("sModel")
            if not isinstance(model, str) or not model:
                return ModelFacts()
            info = await self._models.info(model)
        except DeviceApiError:
            return ModelFacts()
        category = info.get("category")
        classes = info.get("classes")
        labels = tuple(str(c)[:128] for c in classes[:4096]) if isinstance(classes, list) else ()
        return ModelFacts(
            model=model[:256], category=category[:64] if isinstance(category, str) and category else None, labels=labels
        )

    async def model_category(self) -> str | None:
        """Category of the model inference uses, None when unknown."""
        return (await self.model_facts()).category

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
        legacy = await self._funnel.dialect() == Dialect.LEGACY
        inference_id = 0 if legacy else names.index(target)
        rule = "legacy firmware: id 0" if legacy else f"2026 firmware: index {inference_id} in the list"
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
        facts = await self.model_facts(target)
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
            trigger_problems=await self._trigger_problems(facts),
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

    async def _trigger_problems(self, facts: ModelFacts) -> list[str]:
        """The INFERENCE_SET record rules the model breaks (regions, class filters; reported, not changed)."""
        try:
            triggers = await self._funnel.get_object(CONFIG_AREAS[ConfigArea.RECORD_TRIGGERS].path)
        except DeviceApiError:
            return []
        if triggers.get("sCurrentSelected") != "INFERENCE_SET":
            return []
        rules = copy.deepcopy(triggers)  # the region check fills defaults in place: keep the device's object intact
        problems = trigger_region_problems(rules, facts.category)
        problems += trigger_label_problems(rules, facts.labels, await self._funnel.dialect())
        return [p.message for p in problems]
