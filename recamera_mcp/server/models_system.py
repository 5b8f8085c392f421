"""Typed results of the system tools: reboot, factory reset, backups (their MCP output schemas)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from recamera_mcp.client import RestorePlan
from recamera_mcp.server.confirm import ConfirmationRequest


class RebootOutput(BaseModel):
    host: str
    rebooted: bool = Field(description="False: nothing happened yet (see confirmation)")
    back: bool | None = Field(default=None, description="The camera is back with a working session (None: not waited)")
    down_s: float | None = Field(default=None, description="Seconds it did not answer")
    elapsed_s: float | None = Field(default=None, description="Seconds until it was back")
    firmware: str | None = None
    confirmation: ConfirmationRequest | None = None


class FactoryResetOutput(BaseModel):
    host: str
    reset: bool = Field(description="False: nothing happened yet (see confirmation)")
    back: bool | None = Field(default=None, description="It answers again at the same address (None: not reset)")
    elapsed_s: float | None = None
    next_steps: list[str] = Field(default_factory=list, description="What to do now, in order")
    confirmation: ConfirmationRequest | None = None


class BackupOutput(BaseModel):
    host: str
    json_path: str = Field(description="Readable backup: every config area, firmware, time")
    archive_path: str | None = Field(default=None, description="The device's own export (a tar)")
    archive_bytes: int | None = None
    areas: int = Field(description="Config areas saved")
    unavailable: dict[str, str] = Field(default_factory=dict, description="Areas the camera did not answer")
    secrets_masked: bool
    serial: str | None = None
    firmware: str | None = None
    created_utc: str
    note: str | None = None


class RestoreOutput(BaseModel):
    host: str
    done: bool = Field(description="False: nothing was written yet (see plan and confirmation)")
    plan: RestorePlan = Field(description="Per area: the fields changed (or that would change), skipped, errors")
    confirmation: ConfirmationRequest | None = None
