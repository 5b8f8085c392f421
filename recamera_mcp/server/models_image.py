"""Typed results of the image toolset (tune_image, reset_image, snapshot)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recamera_mcp.client import Detection, FieldChange
from recamera_mcp.server.confirm import ConfirmationRequest


class TuneImageOutput(BaseModel):
    host: str
    profile: int = Field(description="Profile edited: 0 general, 1 day, 2 night")
    profile_name: str
    changes: list[FieldChange] = Field(description="Every field asked for: before, after (read back), kept")
    other_changes: list[FieldChange] = Field(
        default_factory=list, description="Fields the device changed on its own as a result of the writes"
    )
    left_edit_mode: bool = Field(description="The commit (iProfile -1) was sent and accepted")
    saved: bool | None = Field(default=None, description="scene-save OK; null when not sent or not supported")
    steps: list[str] = Field(description="The writes sent, in order")
    notes: list[str] = []


class ResetImageOutput(BaseModel):
    host: str
    reset: bool = Field(description="True when the factory image settings were restored")
    note: str | None = None
    confirmation: ConfirmationRequest | None = Field(
        default=None, description="Set when nothing happened yet: confirm with the user, then call again with the token"
    )


class SnapshotOutput(BaseModel):
    host: str
    stream: str | None = Field(default=None, description="RTSP stream read (null for a capture)")
    source: str = Field(description="rtsp, or capture (the camera took the picture itself)")
    why: str | None = Field(default=None, description="Why that source (auto: what RTSP did)")
    width: int = Field(description="Width of the returned image (downscaled to <= 1280 px on the long edge)")
    height: int
    source_width: int = Field(description="Width of the camera's frame")
    source_height: int
    frames_discarded: int = Field(description="Stale frames skipped after opening the stream (0 when warm)")
    elapsed_s: float = Field(description="Wall time of the whole snapshot")
    connect_s: float = Field(description="Time to open the RTSP stream (0 when warm or captured)")
    warm: bool = Field(description="Served by a warm reader without re-opening the stream")
    saved_path: str | None = Field(default=None, description="Full-size JPEG written here when save_to was given")
    overlay: list[Detection] | None = Field(default=None, description="Detections drawn, boxes normalised 0-1")
    overlay_at: str | None = Field(default=None, description="Device time of the result drawn, ISO UTC")
    warning: str | None = None
