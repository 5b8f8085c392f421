"""The confirmation request a destructive tool answers while nothing has happened yet (part of several results).

Plain pydantic, like every ``models_*`` module: the command line builds the same results without loading MCP."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ConfirmationRequest"]


class ConfirmationRequest(BaseModel):
    """A destructive action that has not happened yet, waiting for the agent's second call."""

    summary: str = Field(description="What would happen; show it to the user before confirming")
    details: dict[str, Any] = Field(default_factory=dict, description="What would be affected")
    confirm_token: str = Field(description="Call the same tool again with the same arguments and this token")
    expires_in_s: int = Field(description="The token is refused after this many seconds")
    next_step: str = Field(description="What to do to go ahead")
