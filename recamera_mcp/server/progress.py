"""MCP progress for long tool work: the client's ``progress(done, total, message)`` callbacks, passed to the MCP
client as notifications whose value always increases (the protocol asks for it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import Context

__all__ = ["Progress", "progress_to"]

Progress = Callable[[float, float | None, str], Awaitable[None]]
"""``await progress(done, total, message)``."""


def progress_to(ctx: Context[Any, Any]) -> Progress:
    """A callback that reports to this tool call's progress token (a no-op when the client sent none)."""
    last = -1.0

    async def report(done: float, total: float | None, message: str) -> None:
        nonlocal last
        value = max(float(done), last + 0.01)
        last = value
        await ctx.report_progress(round(value, 2), total, message)

    return report
