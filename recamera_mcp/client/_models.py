"""Typed results the client hands back (pydantic, so the MCP layer can use them as output schemas)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client._errors import Fix

__all__ = ["FieldChange", "LoginResult", "Problem", "WriteResult"]


class LoginResult(BaseModel):
    """The outcome of a login. Never carries the token."""

    model_config = ConfigDict(frozen=True)

    logged_in: Annotated[bool, Field(description="True when the client holds a token for the device.")]
    must_change_password: Annotated[
        bool, Field(description="True when the device demands a password change before anything else.")
    ] = False
    reused_token: Annotated[
        bool, Field(description="True when a still valid token was reused, so no login was sent.")
    ] = False
    username: Annotated[str, Field(description="The device user name the session runs as.")]


class FieldChange(BaseModel):
    """One field of a device object, before and after a write: asked for, or changed by the device on its own.

    The one change model of every write (config, image, and the areas that follow). Secret values are masked."""

    field: Annotated[str, Field(description="Dotted path in the device object, e.g. dIpv4.sV4Method")]
    before: Annotated[Any, Field(description="Value before the write")]
    after: Annotated[Any, Field(description="Value read back after it (dry run: the value that would be sent)")]
    kept: Annotated[
        bool | None,
        Field(description="The device kept the requested value (false in a dry run; null: not asked for)"),
    ] = None


class WriteResult(BaseModel):
    """The outcome of a read-modify-write."""

    path: Annotated[str, Field(description="The endpoint that was written.")]
    dry_run: Annotated[bool, Field(description="True when nothing was sent (preview only).")]
    written: Annotated[bool, Field(description="True when a write was sent to the device.")]
    changes: Annotated[
        list[FieldChange],
        Field(description="Every field asked to change (in a dry run: only the fields that would change)."),
    ]
    unchanged_fields: Annotated[
        int, Field(description="How many other fields of the object were left as they were.")
    ] = 0
    other_changes: Annotated[
        list[FieldChange],
        Field(description="Fields not asked for that the device changed on its own (side effects of the write)."),
    ] = []


class Problem(BaseModel):
    """Something that stops the camera doing what it should, and the operation that fixes it (when there is one)."""

    message: str
    fix: Fix | None = None
