"""Forward the project's log records of a tool call to the MCP client as log notifications.

Every record still goes to stderr through the normal logging setup; this bridge additionally sends the
``recamera_mcp.*`` records (INFO and above) emitted while a ``tools/call`` runs to the client that made the call,
on the request's own channel. Clients on 2026-07-28+ sessions receive them only when they opt in (the SDK drops
them otherwise). Log text in this project never carries secrets (see ``client/_secrets.py``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import warnings
from typing import Any

from mcp import MCPDeprecationWarning
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import LoggingLevel

_LEVELS: dict[int, LoggingLevel] = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
}
_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("recamera_mcp_tool_call", default=None)


class _Call:
    def __init__(self, ctx: ServerRequestContext[Any, Any]) -> None:
        self.ctx = ctx
        self.pending: list[asyncio.Task[None]] = []

    def send(self, record: logging.LogRecord) -> None:
        level: LoggingLevel = _LEVELS.get(record.levelno, "critical" if record.levelno > logging.ERROR else "info")
        loop = asyncio.get_running_loop()  # raises in a worker thread, before any coroutine exists
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)  # deliberate: legacy clients still show these
            coroutine = self.ctx.session.send_log_message(
                level=level, data=record.getMessage(), logger=record.name, related_request_id=self.ctx.request_id
            )
        self.pending.append(loop.create_task(coroutine))


class ToolLogHandler(logging.Handler):
    """A handler on the ``recamera_mcp`` logger that hands records to the running tool call, if any."""

    def emit(self, record: logging.LogRecord) -> None:
        call = _current.get()
        if call is None:
            return
        try:
            call.send(record)
        except RuntimeError:  # no running loop in this thread: nothing to forward to
            pass


class LogBridgeMiddleware:
    """Server middleware: marks the running ``tools/call`` so its log records reach its client."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call" or ctx.request_id is None:
            return await call_next(ctx)
        call = _Call(ctx)
        token = _current.set(call)
        try:
            return await call_next(ctx)
        finally:
            _current.reset(token)
            if call.pending:
                await asyncio.gather(*call.pending, return_exceptions=True)


def install(level: int = logging.INFO) -> None:
    """Attach the handler to the ``recamera_mcp`` logger once (logger levels stay as the app configured them)."""
    logger = logging.getLogger("recamera_mcp")
    if not any(isinstance(h, ToolLogHandler) for h in logger.handlers):
        logger.addHandler(ToolLogHandler(level))
