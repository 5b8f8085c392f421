"""The models area (``cam.models``): the AI models on the camera and their info JSON.

listed = await cam.models.list()            # [{"model": "yolo11n.rknn", "modelInfo": {...}}, ...]
info = await cam.models.info("yolo11n.rknn")
"""

from __future__ import annotations

from typing import Any

from recamera_mcp.client._funnel import Funnel

__all__ = ["ModelsAPI"]

LIST_PATH = "/model/list"
INFO_PATH = "/model/info"


class ModelsAPI:
    """The camera's AI models."""

    def __init__(self, funnel: Funnel) -> None:
        self._funnel = funnel

    async def list(self) -> list[dict[str, Any]]:
        """``GET /model/list``: each model file with its info (``{}`` when it has none)."""
        listed = await self._funnel.get_json(LIST_PATH)
        return [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []

    async def info(self, name: str) -> dict[str, Any]:
        """``GET /model/info?File-name=<name>``: the model's info JSON (category, classes, ...)."""
        info: dict[str, Any] = await self._funnel.get_object(INFO_PATH, params={"File-name": name})
        return info

    async def index(self, name: str) -> int | None:
        """The position of ``name`` in ``/model/list`` (2026 firmware addresses inference by it), None if absent."""
        names = [m.get("model") for m in await self.list()]
        return names.index(name) if name in names else None
