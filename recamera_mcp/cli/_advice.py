"""A fix (the client's :class:`Fix`, or the tool call a result names) as the command a person types: the
``recamera-mcp`` command when there is one, else the MCP tool call (``server/advice.py``) for an agent to make."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

from recamera_mcp.client import Fix
from recamera_mcp.server.advice import ToolCall, call_of, tool_call

__all__ = ["command_of", "fix_line", "words_of"]


def words_of(changes: dict[str, Any], prefix: str = "") -> list[str]:
    """``changes`` as the ``key=value`` words of ``recamera-mcp set`` (nested objects dotted, the rest JSON)."""
    words: list[str] = []
    for key, value in changes.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            words += words_of(value, f"{path}.")
        elif isinstance(value, str) and _plain(value):
            words.append(f"{path}={value}")
        else:
            words.append(f"{path}={json.dumps(value, separators=(',', ':'), ensure_ascii=False)}")
    return words


def _plain(text: str) -> bool:
    """A string that ``set`` reads back as itself (not JSON)."""
    try:
        json.loads(text)
    except ValueError:
        return bool(text)
    return False


def _set(args: dict[str, Any]) -> str | None:
    changes = args.get("changes")
    if not isinstance(changes, dict) or "area" not in args or "host" not in args:
        return None
    return shlex.join(["recamera-mcp", "set", str(args["host"]), str(args["area"]), *words_of(changes)])


def _storage(args: dict[str, Any]) -> str | None:
    if "host" not in args:
        return None
    action = str(args.get("action", "status")).replace("_", "-")
    slot = ["--slot", str(args["slot"])] if args.get("slot") else []
    return shlex.join(["recamera-mcp", "storage", str(args["host"]), action, *slot])


def _command(command: str, *names: str, **defaults: str) -> Callable[[dict[str, Any]], str | None]:
    """``recamera-mcp COMMAND ARG...`` from the call's arguments ``names`` (None when one is missing)."""

    def build(args: dict[str, Any]) -> str | None:
        if any(n not in args and n not in defaults for n in names):
            return None
        return shlex.join(["recamera-mcp", command, *(str(args.get(n, defaults.get(n))) for n in names)])

    return build


_COMMANDS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "update_config": _set,
    "storage": _storage,
    "diagnose": _command("diagnose", "host"),
    "reboot": _command("reboot", "host"),
    "firmware": _command("firmware", "host", "action", action="status"),
    "discover_devices": _command("discover", "subnet"),
}
"""tool -> the recamera-mcp command that makes the same call (None: not this one)."""


def command_of(call: ToolCall) -> str:
    """The command line for a tool call: ``recamera-mcp ...`` where a command does it, else the tool call."""
    build = _COMMANDS.get(call.tool)
    line = build(call.args) if build is not None else None
    if line is not None:
        return line
    shown = ", ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in call.args.items())
    shown += "".join(f", {name}=..." for name in call.needs)
    return f"MCP tool {call.tool}({shown.lstrip(', ')})"


def fix_line(fix: Fix, host: str | None) -> str | None:
    """The fix of an error as a line to type, None when nothing does it."""
    if fix.op == "login":
        return "give the right password (config file, RECAMERA_PASSWORD or the prompt)"
    call = call_of(fix, host) if host else None
    if call is not None:
        return command_of(call)
    text = tool_call(fix)
    return f"MCP tool {text}" if text else None
