"""Typed result of the wifi tool (its MCP output schema). Never carries a password."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recamera_mcp.client import WifiNetwork, WifiStatus
from recamera_mcp.server.confirm import ConfirmationRequest


class WifiOutput(BaseModel):
    host: str
    action: str
    done: bool = Field(description="False: nothing happened yet (see confirmation)")
    status: WifiStatus | None = Field(default=None, description="The Wi-Fi after the action")
    networks: list[WifiNetwork] = Field(default_factory=list, description="For scan: the networks in range")
    confirmation: ConfirmationRequest | None = None
    note: str | None = None
