"""Typed result of the firmware tool (its MCP output schema)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recamera_mcp.client import FirmwareFile, FirmwareProgress, UpgradeResult
from recamera_mcp.server.confirm import ConfirmationRequest


class FirmwareOutput(BaseModel):
    host: str
    action: str
    done: bool = Field(description="The action finished (an upgrade: the camera is back on the new firmware)")
    current: str | None = Field(default=None, description="The firmware the camera runs")
    latest: str | None = Field(default=None, description="The latest release the camera found")
    update_available: bool | None = None
    updating: bool | None = Field(default=None, description="An upgrade is running on the camera")
    progress: FirmwareProgress | None = None
    file: FirmwareFile | None = Field(default=None, description="The local firmware file, checked")
    result: UpgradeResult | None = Field(default=None, description="The finished upgrade: old -> new version, times")
    confirmation: ConfirmationRequest | None = None
    note: str | None = None
