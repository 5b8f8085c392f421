"""What the server holds for its lifetime (created in the lifespan), and how a tool reaches it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context

from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.sessions import SessionRegistry


@dataclass
class ServerOptions:
    """How the server was started (``recamera-mcp serve`` flags)."""

    read_only: bool = False
    toolsets: frozenset[str] | None = None
    """None: every toolset."""
    timeout_s: float = 10.0
    output_schemas: bool = True
    """False: results as JSON text only, no outputSchema in tools/list (a smaller tools/list)."""
    confirm_ttl_s: float = 300.0
    """How long a destructive tool's confirm_token stays valid (server/confirm.py)."""
    credentials: CredentialStore = field(default_factory=CredentialStore.load)


@dataclass
class ServerState:
    options: ServerOptions
    sessions: SessionRegistry
    extras: dict[str, Any] = field(default_factory=dict)


def server_state(ctx: Context[Any, Any]) -> ServerState:
    """The lifespan state of the server handling this tool call."""
    state = ctx.request_context.lifespan_context
    assert isinstance(state, ServerState), "the server was created without its lifespan"
    return state
