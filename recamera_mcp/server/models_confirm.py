"""The confirmation request a destructive tool answers while nothing has happened yet (part of several results),
and the callback a flow shared by the tools and the command line asks through.

Plain pydantic, like every ``models_*`` module: the command line builds the same results without loading MCP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["Confirm", "ConfirmationRequest"]


class ConfirmationRequest(BaseModel):
    """A destructive action that has not happened yet, waiting for the agent's second call."""

    summary: str = Field(description="What would happen; show it to the user before confirming")
    details: dict[str, Any] = Field(default_factory=dict, description="What would be affected")
    confirm_token: str = Field(description="Call the same tool again with the same arguments and this token")
    expires_in_s: int = Field(description="The token is refused after this many seconds")
    next_step: str = Field(description="What to do to go ahead")


Confirm = Callable[[str, Mapping[str, Any], str, Any], Awaitable[ConfirmationRequest | None]]
"""``await confirm(host_key, args, summary, details)`` before a destructive step: None to go ahead; a
:class:`ConfirmationRequest` while nothing may happen yet (the flow then answers it, undone). A front end that
cannot ask raises instead (the command line without a terminal and without ``--yes``)."""
