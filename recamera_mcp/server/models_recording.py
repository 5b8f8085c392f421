"""Typed results of the recording tools (their MCP output schemas)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recamera_mcp.client import (
    DownloadResult,
    RecordingList,
    RecordingStatus,
    Slot,
    StoragePlan,
    TriggerResult,
)
from recamera_mcp.server.confirm import ConfirmationRequest


class TriggerOutput(TriggerResult):
    host: str


class RecordingStatusOutput(RecordingStatus):
    host: str
    problems: list[str] = Field(  # type: ignore[assignment]
        default_factory=list, description="Why nothing would be recorded now, each with the tool call that fixes it"
    )


class StorageOutput(BaseModel):
    host: str
    action: str
    done: bool = Field(description="False: nothing happened yet (see confirmation)")
    plan: StoragePlan | None = Field(default=None, description="What the action does / did")
    confirmation: ConfirmationRequest | None = Field(default=None, description="Set when a second call is needed")
    slots: list[Slot] = Field(default_factory=list, description="Storage status (after the action when done)")
    note: str | None = Field(default=None, description="For mount: what brings the card back")


class RecordingListOutput(RecordingList):
    host: str


class DownloadOutput(DownloadResult):
    host: str


class ThumbnailOutput(BaseModel):
    host: str
    path: str
    source: str = Field(description="thumbnail (the device's .thumb), frame (grabbed from the video) or image")
    width: int
    height: int
