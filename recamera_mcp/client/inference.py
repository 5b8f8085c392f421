"""The inference area (``cam.inference``): whether inference runs, with which model, at what rate.

state = await cam.inference.state()          # {"iEnable", "sStatus", "sModel", "iFPS", "iActualFPS"}
category = await cam.inference.model_category()
"""

from __future__ import annotations

from typing import Any

from recamera_mcp.client._errors import DeviceApiError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client.models import ModelsAPI

__all__ = ["InferenceAPI"]

INFERENCE_PATH = "/model/inference"


class InferenceAPI:
    """The camera's inference engine."""

    def __init__(self, funnel: Funnel, models: ModelsAPI) -> None:
        self._funnel = funnel
        self._models = models

    async def state(self) -> dict[str, Any]:
        """``GET /model/inference?id=0``: enable flag, status, model, frame rate."""
        state: dict[str, Any] = await self._funnel.get_object(INFERENCE_PATH, params={"id": "0"})
        return state

    async def model_category(self) -> str | None:
        """Category of the model inference uses (``"Detection"``, ``"Classification"``...), None when unknown."""
        try:
            model = (await self.state()).get("sModel")
            if not isinstance(model, str) or not model:
                return None
            category = (await self._models.info(model)).get("category")
        except DeviceApiError:
            return None
        return category[:64] if isinstance(category, str) and category else None
