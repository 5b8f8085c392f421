"""Typed results of the core tools (their MCP output schemas), and the functions that shape a client result into
one (shared by the tools and the command line). Device values keep the device's key names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client import CONFIG_AREAS, ConfigArea, FieldChange, WriteResult, mask_secrets
from recamera_mcp.server.models_confirm import ConfirmationRequest

Fingerprint = Field(None, description="SHA-256, pinned at first use; a change is refused")


class LoginOutput(BaseModel):
    host: str
    logged_in: bool
    must_change_password: bool = Field(description="True: call change_password before anything else works")
    reused_token: bool = Field(description="A live token was reused; no new login was sent")
    username: str
    credential_source: str = Field(description="Where the password came from: call, config file, environment")
    login_key_sha256: str | None = Fingerprint
    tls_sha256: str | None = Fingerprint


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
    login_key_sha256: str | None = Fingerprint
    tls_sha256: str | None = Fingerprint


class SessionList(BaseModel):
    sessions: list[SessionInfo]


class ConfigOutput(BaseModel):
    host: str
    area: str
    path: str
    config: dict[str, Any] = Field(description="The whole object, device key names; secrets masked unless revealed")


class UpdateOutput(BaseModel):
    host: str
    area: str
    path: str
    dry_run: bool
    written: bool
    changes: list[FieldChange]
    other_changes: list[FieldChange] = Field(
        default_factory=list, description="Fields the device changed on its own as a result of the write"
    )
    unchanged_fields: int = Field(description="Fields of the object left as they were")
    body: dict[str, Any] | None = Field(None, description="Dry run: the whole object the write would send")
    note: str | None = None


class PasswordOutput(BaseModel):
    host: str
    changed: bool = Field(description="False: nothing happened yet (see confirmation)")
    logged_in: bool
    confirmation: ConfirmationRequest | None = Field(default=None, description="Set when a second call is needed")


class ApiOutput(BaseModel):
    host: str
    method: str
    path: str
    status: int
    body: Any = Field(description="Parsed JSON (secrets masked) or a short text excerpt")
    update: UpdateOutput | None = Field(None, description="For config writes: the read-before-write diff")


class UndoneChange(BaseModel):
    tool: str = Field(description="The tool whose write was undone")
    target: str = Field(description="What it had written: config area or path, or image profile")
    changes: list[FieldChange] = Field(description="Each field put back: before = the undone value, after = now")


class UndoOutput(BaseModel):
    host: str
    undone: list[UndoneChange] = Field(description="Newest first")
    remaining: int = Field(description="Older changes that can still be undone")


def config_output(host: str, area: ConfigArea, config: dict[str, Any], reveal_secrets: bool = False) -> ConfigOutput:
    """The answer for one config object as read (secrets masked unless ``reveal_secrets``)."""
    spec = CONFIG_AREAS[area]
    shown = config if reveal_secrets else mask_secrets(config, spec.secret_fields)
    return ConfigOutput(host=host, area=area.value, path=spec.path, config=shown)


def shape_update(host: str, area: str, result: WriteResult) -> UpdateOutput:
    """The compact answer for a read-before-write result (the client already masked its secrets)."""
    return UpdateOutput(
        host=host,
        area=area,
        path=result.path,
        dry_run=result.dry_run,
        written=result.written,
        changes=result.changes,
        other_changes=result.other_changes,
        unchanged_fields=result.unchanged_fields,
        body=result.body,
        note=None
        if result.written or result.dry_run
        else "nothing to change: the device already has these values, so no write was sent",
    )
