"""What the server holds for its lifetime, and how a tool reaches it.

:class:`ServerState` is built by ``create_server`` and handed to every tool by the lifespan: the options it was
started with, the camera sessions, the outstanding confirmation tokens, the warm RTSP readers, the toolsets loaded
so far, the cameras the last discovery found and the recorded changes (for undo). Resources and completions, which
the SDK calls without a request context, close over the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context

from recamera_mcp.client import FirmwareWait, WaitPolicy
from recamera_mcp.server.changes import ChangeLog
from recamera_mcp.server.cloud import CloudAccess
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.sessions import SessionRegistry
from recamera_mcp.server.system import RESTART_WAIT
from recamera_mcp.server.tokens import DEFAULT_TTL_S, ConfirmStore
from recamera_mcp.snapshot import WarmReaders


@dataclass
class ServerOptions:
    """How the server was started (``recamera-mcp serve`` flags)."""

    read_only: bool = False
    toolsets: frozenset[str] | None = None
    """The toolsets loaded at start; None: every toolset."""
    dynamic: bool = False
    """True: the ``toolsets`` tool is served too (when some toolset is not loaded) and loads the others on request
    (``serve``'s default); False: the tool list is fixed at start."""
    timeout_s: float = 10.0
    output_schemas: bool = True
    """False: results as JSON text only, no outputSchema and no tool icons in tools/list (a smaller tools/list)."""
    confirm_ttl_s: float = DEFAULT_TTL_S
    """How long a destructive tool's confirm_token stays valid (server/confirm.py)."""
    credentials: CredentialStore = field(default_factory=CredentialStore.load)
    restart_wait: WaitPolicy = field(default_factory=lambda: RESTART_WAIT)
    """reboot and factory_reset: how often (every 2 s) and how long (5 min) to wait for the camera to come back."""
    firmware_wait: FirmwareWait = field(default_factory=FirmwareWait)
    """firmware: download progress every 2 s; the install polled every 5 s for at most 10 min."""


@dataclass
class ServerState:
    """The server's shared state (typed: every field is named here, nothing hides in a dict)."""

    options: ServerOptions
    sessions: SessionRegistry
    confirmations: ConfirmStore
    warm_readers: WarmReaders = field(default_factory=WarmReaders)
    """RTSP captures kept open by ``snapshot(keep_warm=True)``, closed at shutdown."""
    cloud: CloudAccess = field(default_factory=CloudAccess)
    """The SenseCraft cloud (conversion), built on first use from the configured settings."""
    loaded_toolsets: set[str] = field(default_factory=set)
    """The toolsets whose tools the server lists now (at start, then each one the ``toolsets`` tool loaded)."""
    discovered_hosts: list[str] = field(default_factory=list)
    """The cameras the last ``discover_devices`` verified, as a ``host`` argument (``ip``, ``ip:port``,
    ``https://ip``); completions offer them."""
    changes: ChangeLog = field(default_factory=ChangeLog)
    """What puts back each write a tool made, per camera (``server/changes.py``): every writing tool records its
    client result's ``revert`` here; ``undo_last_change`` runs them back."""


def server_state(ctx: Context[Any, Any]) -> ServerState:
    """The lifespan state of the server handling this tool call."""
    state = ctx.request_context.lifespan_context
    assert isinstance(state, ServerState), "the server was created without its lifespan"
    return state
