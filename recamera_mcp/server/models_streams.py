"""Typed results of the live tools (watch_inference, read_logs, run_command, check_notifications)."""

from __future__ import annotations

from pydantic import Field

from recamera_mcp.client import CommandResult, InferenceSummary, NotificationCheck
from recamera_mcp.server.confirm import ConfirmationRequest


class WatchInferenceOutput(InferenceSummary):
    problem: str | None = Field(  # type: ignore[assignment]
        default=None, description="Why no results come, with the tool call that fixes it"
    )


class RunCommandOutput(CommandResult):
    ran: bool = Field(default=True, description="False: nothing ran yet (see confirmation)")
    confirmation: ConfirmationRequest | None = Field(
        default=None, description="Set when the command needs the user's confirmation first"
    )


class CheckNotificationsOutput(NotificationCheck):
    problems: list[str] = Field(  # type: ignore[assignment]
        default_factory=list, description="Why results do not arrive, each with the tool call that fixes it"
    )
