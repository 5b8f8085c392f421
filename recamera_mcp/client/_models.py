"""Typed results the client hands back (pydantic, so the MCP layer can use them as output schemas)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client._errors import Fix

__all__ = ["FieldChange", "LoginResult", "Problem", "Revert", "WriteResult"]


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


class Revert(BaseModel):
    """How to put back what one write changed: the client operation (``op``, ``args``) that writes the
    before-values again, and ``expect``, the values the write left, which must still hold for it to run.

    Held in memory for an undo and never shown: ``args`` carries the before-values, secrets included. Run it with
    :meth:`ReCameraClient.revert`."""

    model_config = ConfigDict(frozen=True)

    op: str = Field(description="config.update or image.tune")
    target: str = Field(description="What was written: the config area or path, or the image profile")
    args: dict[str, Any] = Field(default_factory=dict, repr=False)
    expect: dict[str, Any] = Field(default_factory=dict, repr=False)
    fields: list[str] = Field(default_factory=list, description="The fields the write changed")


class WriteResult(BaseModel):
    """The outcome of a read-modify-write."""

    path: Annotated[str, Field(description="The endpoint that was written.")]
    dry_run: Annotated[bool, Field(description="True when nothing was sent (preview only).")]
    written: Annotated[bool, Field(description="True when a write was sent to the device.")]
    changes: Annotated[
        list[FieldChange],
        Field(description="Every field asked to change, list item fields included (the same in a dry run)."),
    ]
    unchanged_fields: Annotated[
        int, Field(description="How many other fields of the object were left as they were.")
    ] = 0
    other_changes: Annotated[
        list[FieldChange],
        Field(description="Fields not asked for that the device changed on its own (side effects of the write)."),
    ] = []
    body: Annotated[
        dict[str, Any] | None,
        Field(description="Dry run: the whole object the write would send (secrets masked unless revealed)."),
    ] = None
    revert: Annotated[Revert | None, Field(exclude=True, repr=False)] = None
    """What puts the before-values back (a write that changed something); never serialized."""


class Problem(BaseModel):
    """Something that stops the camera doing what it should, and the operation that fixes it (when there is one)."""

    message: str
    fix: Fix | None = None
