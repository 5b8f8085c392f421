"""The client's :class:`~recamera_mcp.client.Fix` (an operation in the client's terms) as the tool call an agent
makes: the one place where the client's vocabulary becomes this server's tool names.

:func:`tool_call` renders a fix as text (``update_config(area="storage", changes={...})``); :func:`call_of` gives
the same call as data (tool name and arguments, the host included) for results an agent may act on directly.
Arguments only the user can give (a new password) are shown as ``...`` and left out of the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client import Fix, Problem, ReCameraError

__all__ = ["ToolCall", "call_of", "problem_text", "tool_advice", "tool_call"]


class ToolCall(BaseModel):
    """A tool call that fixes a finding: call ``tool`` with ``args`` (ask the user first if it changes the camera)."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    needs: list[str] = Field(default_factory=list, description="Arguments only the user can give; ask for them")


def _pick(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda a: {n: a[n] for n in names if a.get(n) is not None}


_TOOLS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]], tuple[str, ...]]] = {
    "config.update": ("update_config", _pick("area", "changes"), ()),
    "storage.action": ("storage", _pick("action", "slot"), ()),
    "image.tune": ("tune_image", lambda a: dict(a), ()),
    "inference.restart": ("call_api", lambda a: {"method": "POST", "path": "/model/inference-restart"}, ()),
    "system.reboot": ("reboot", lambda a: {}, ()),
    "change_password": ("change_password", lambda a: {}, ("new_password",)),
    "login": ("login", lambda a: {}, ("password",)),
    "models.set_info": ("models", lambda a: {"action": "set_info", **_pick("name")(a)}, ("info",)),
    "inference.configure": ("configure_inference", lambda a: dict(a), ()),
    "sensecraft.convert": ("sensecraft_convert", lambda a: dict(a), ()),
}
"""op -> (tool, its arguments from the fix's, arguments only the user can give)."""


def _text(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in values.items())


def tool_call(fix: Fix) -> str | None:
    """The tool call that performs ``fix`` as text, None if no tool does."""
    entry = _TOOLS.get(fix.op)
    if entry is None:
        return None
    tool, build, asked = entry
    shown = _text(build(dict(fix.args)))
    missing = ", ".join(f"{name}=..." for name in asked)
    return f"{tool}({', '.join(p for p in (shown, missing) if p)})"


def call_of(fix: Fix | None, host: str) -> ToolCall | None:
    """The tool call that performs ``fix`` on ``host`` as data, None if no tool does."""
    entry = _TOOLS.get(fix.op) if fix is not None else None
    if fix is None or entry is None:
        return None
    tool, build, asked = entry
    return ToolCall(tool=tool, args={"host": host, **build(dict(fix.args))}, needs=list(asked))


def problem_text(problem: Problem) -> str:
    """A problem with the tool call that fixes it, as one line for an agent."""
    call = tool_call(problem.fix) if problem.fix is not None else None
    return f"{problem.message}: {call}" if call else problem.message


def tool_advice(exc: ReCameraError) -> str:
    """The error's text, followed by the tool call of its fix when there is one."""
    call = tool_call(exc.fix) if exc.fix is not None else None
    return f"{exc}. Fix: {call}" if call else str(exc)
