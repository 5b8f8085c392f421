"""The inference area (``cam.inference``): whether inference runs, with which model, at what rate.

state = await cam.inference.state()          # {"iEnable", "sStatus", "sModel", "iFPS", "iActualFPS"}
category = await cam.inference.model_category()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recamera_mcp.client._errors import DeviceApiError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client.models import ModelsAPI

__all__ = ["InferenceAPI", "ModelFacts"]

INFERENCE_PATH = "/model/inference"


@dataclass(frozen=True)
class ModelFacts:
    """What the config checks need to know of the model inference uses (all None/empty when unknown)."""

    model: str | None = None
    category: str | None = None
    labels: tuple[str, ...] = field(default_factory=tuple)


class InferenceAPI:
    """The camera's inference engine."""

    def __init__(self, funnel: Funnel, models: ModelsAPI) -> None:
        self._funnel = funnel
        self._models = models

    async def state(self) -> dict[str, Any]:
        """``GET /model/inference?id=0``: enable flag, status, model, frame rate."""
        state: dict[str, Any] = await self._funnel.get_object(INFERENCE_PATH, params={"id": "0"})
        return state

    async def model_facts(self) -> ModelFacts:
        """The model inference uses, its category (``"Detection"``, ``"Classification"``...) and its labels."""
        try:
            model = (await self.state()).get("sModel")
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
