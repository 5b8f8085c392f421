"""The client's :class:`~recamera_mcp.client.Fix` (an operation in the client's terms) as the tool call an agent
makes: the one place where the client's vocabulary becomes this server's tool names."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from recamera_mcp.client import Fix, Problem, ReCameraError

__all__ = ["problem_text", "tool_advice", "tool_call"]


def _args(**values: Any) -> str:
    return ", ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in values.items() if v is not None)


_TOOLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "config.update": lambda a: f"update_config({_args(area=a.get('area'), changes=a.get('changes'))})",
    "storage.action": lambda a: f"storage({_args(action=a.get('action'), slot=a.get('slot'))})",
    "image.tune": lambda a: f"tune_image({_args(**a)})",
    "system.reboot": lambda a: "reboot(host)",
    "firmware.status": lambda a: 'firmware(host, action="status")',
    "discover": lambda a: f"discover_devices({_args(subnet=a.get('subnet'))})",
    "change_password": lambda a: "change_password(new_password=...)",
    "login": lambda a: "login(host, password=...)",
}


def tool_call(fix: Fix) -> str | None:
    """The tool call that performs ``fix`` (``update_config(area="storage", changes={...})``), None if no tool does."""
    render = _TOOLS.get(fix.op)
    return render(dict(fix.args)) if render is not None else None


def problem_text(problem: Problem) -> str:
    """A problem with the tool call that fixes it, as one line for an agent."""
    call = tool_call(problem.fix) if problem.fix is not None else None
    return f"{problem.message}: {call}" if call else problem.message


def tool_advice(exc: ReCameraError) -> str:
    """The error's text, followed by the tool call of its fix when there is one."""
    call = tool_call(exc.fix) if exc.fix is not None else None
    return f"{exc}. Fix: {call}" if call else str(exc)
