"""Typed results of the live tools (watch_inference, read_logs, run_command, check_notifications), and a watch
shaped into its result (shared by the tool and the command line)."""

from __future__ import annotations

from pydantic import Field

from recamera_mcp.client import CommandResult, InferenceSummary, NotificationCheck
from recamera_mcp.server.advice import problem_text
from recamera_mcp.server.models_confirm import ConfirmationRequest


class WatchInferenceOutput(InferenceSummary):
    problem: str | None = Field(  # type: ignore[assignment]
        default=None, description="Why no results come, with the tool call that fixes it"
    )


def watch_output(summary: InferenceSummary) -> WatchInferenceOutput:
    """The answer for a watch: its problem as text with the tool call that fixes it."""
    problem = problem_text(summary.problem) if summary.problem is not None else None
    return WatchInferenceOutput(**summary.model_dump(exclude={"problem"}), problem=problem)


class RunCommandOutput(CommandResult):
    ran: bool = Field(default=True, description="False: nothing ran yet (see confirmation)")
    confirmation: ConfirmationRequest | None = Field(
        default=None, description="Set when the command needs the user's confirmation first"
    )


class CheckNotificationsOutput(NotificationCheck):
    problems: list[str] = Field(  # type: ignore[assignment]
        default_factory=list, description="Why results do not arrive, each with the tool call that fixes it"
    )
