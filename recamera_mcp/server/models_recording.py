"""Typed results of the recording tools (their MCP output schemas)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recamera_mcp.client.recording import RecordingStatus, Slot, StoragePlan
from recamera_mcp.client.relay import RecordingEntry
from recamera_mcp.server.confirm import ConfirmationRequest


class TriggerOutput(BaseModel):
    host: str
    triggered: bool
    clip_length_s: int | None = None
    note: str


class RecordingStatusOutput(RecordingStatus):
    host: str


class StorageOutput(BaseModel):
    host: str
    action: str
    done: bool = Field(description="False: nothing happened yet (see confirmation)")
    plan: StoragePlan | None = Field(default=None, description="What the action does / did")
    confirmation: ConfirmationRequest | None = Field(default=None, description="Set when a second call is needed")
    slots: list[Slot] = Field(default_factory=list, description="Storage status (after the action when done)")


class RecordingListOutput(BaseModel):
    host: str
    slot: str
    path: str
    total: int
    offset: int
    entries: list[RecordingEntry] = Field(description="Newest first")
    next_offset: int | None = Field(default=None, description="Offset of the next page; None: this was the last")


class DownloadOutput(BaseModel):
    host: str
    path: str
    file: str = Field(description="Where the file was saved")
    size: int
    resumes: int = Field(description="Times a broken transfer was resumed")
    relay_refreshes: int
    seconds: float


class ThumbnailOutput(BaseModel):
    host: str
    path: str
    source: str = Field(description="thumbnail (the device's .thumb), frame (grabbed from the video) or image")
    width: int
    height: int
