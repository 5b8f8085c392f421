"""Operator switches an agent can ask for but never flip: ``allow_public``, ``allow_large``, ``reveal_secrets``.

A tool argument such as ``allow_public=True`` is a request. It is granted when the operator turned the switch on
(``--allow-public``, ``[server] allow_public = true``); otherwise, when the MCP client supports elicitation, the
user is asked for this one call (never a token: an agent cannot confirm its own request); otherwise it is refused
with the switch to turn on. A read-only server never reveals secrets, whatever is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import InputRequiredResult

from recamera_mcp.server.confirm import ask_user
from recamera_mcp.server.state import server_state

__all__ = ["SWITCHES", "Switch", "ask_switch"]

Switch = Literal["allow_public", "allow_large", "reveal_secrets"]
SWITCHES: dict[Switch, tuple[str, str]] = {
    "allow_public": ("--allow-public", "allow_public"),
    "allow_large": ("--allow-large", "allow_large"),
    "reveal_secrets": ("--reveal-secrets", "reveal_secrets"),
}
"""Each switch's command-line flag and ``[server]`` config key."""


async def ask_switch(
    ctx: Context[Any, Any],
    switch: Switch,
    asked: bool,
    *,
    tool: str,
    host: str,
    args: Mapping[str, Any],
    what: str,
) -> bool | InputRequiredResult:
    """Whether the agent's request for ``switch`` is granted for this call: False when not asked, True when the
    operator allows it or the user accepted; an ``InputRequiredResult`` for the tool to return as it is (a 2026
    session asking the user).
    Raises :class:`ToolError` when it is refused. ``what`` says in words what would happen."""
    if not asked:
        return False
    options = server_state(ctx).options
    flag, key = SWITCHES[switch]
    if switch == "reveal_secrets" and options.read_only:
        raise ToolError(f"{tool}: this server is read-only, and a read-only server never reveals secrets")
    if getattr(options, switch):
        return True
    refusal = (
        f"{tool}: {switch}=true refused: the operator has not allowed it on this server ({flag}, or "
        f"[server] {key} = true in the config file), and this MCP client cannot ask the user. Nothing was done; "
        f"call again without {switch}"
    )
    asking = await ask_user(ctx, f"{tool}:{switch}", host, args, f"the agent asks to {what} (this once)", refusal)
    return True if asking is None else asking
