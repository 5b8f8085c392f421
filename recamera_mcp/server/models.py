"""Typed results of the core tools (their MCP output schemas). Device values keep the device's key names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LoginOutput(BaseModel):
    host: str
    logged_in: bool
    must_change_password: bool = Field(description="True: call change_password before anything else works")
    reused_token: bool = Field(description="A live token was reused; no new login was sent")
    username: str
    credential_source: str = Field(description="Where the password came from: call, config file, environment")


class LogoutOutput(BaseModel):
    host: str
    had_session: bool


class SessionInfo(BaseModel):
    host: str
    base_url: str
    username: str | None
    logged_in: bool
    must_change_password: bool
    credential_source: str
    blocked: str | None = Field(None, description="Why automatic login is paused for this host")


class SessionList(BaseModel):
    sessions: list[SessionInfo]


class BatteryInfo(BaseModel):
    attached: bool
    charging: bool
    steps: int
    total_steps: int


class DeviceStatus(BaseModel):
    """Device info, load and clock of one camera."""

    host: str
    serial: str | None = None
    firmware: str | None = None
    sensor: str | None = None
    board: str | None = None
    cpu_pct: int | None = None
    npu_pct: int | None = None
    mem_pct: int | None = None
    storage_pct: int | None = None
    mem: str | None = Field(None, description="used/total, human readable")
    storage: str | None = None
    time_utc: str | None = Field(None, description="Device clock, ISO 8601 UTC")
    timezone: str | None = None
    time_method: str | None = Field(None, description="ntp or manual")
    battery: BatteryInfo | None = None
    unavailable: list[str] = Field(default_factory=list, description="Parts the device did not answer")


class ConfigOutput(BaseModel):
    host: str
    area: str
    path: str
    config: dict[str, Any] = Field(description="The whole object, device key names; secrets masked unless revealed")


class ChangeOut(BaseModel):
    field: str = Field(description="Dotted device key, e.g. dIpv4.sV4Method")
    before: Any
    after: Any
    kept: bool = Field(description="The device kept the value that was sent")


class UpdateOutput(BaseModel):
    host: str
    area: str
    path: str
    dry_run: bool
    written: bool
    changes: list[ChangeOut]
    unchanged_fields: int = Field(description="Fields of the object left as they were")
    note: str | None = None


class PasswordOutput(BaseModel):
    host: str
    changed: bool
    logged_in: bool


class ApiOutput(BaseModel):
    host: str
    method: str
    path: str
    status: int
    body: Any = Field(description="Parsed JSON (secrets masked) or a short text excerpt")
    update: UpdateOutput | None = Field(None, description="For config writes: the read-before-write diff")
