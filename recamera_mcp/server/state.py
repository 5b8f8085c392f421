"""What the server holds for its lifetime, and how a tool reaches it.

:class:`ServerState` is built by ``create_server`` and handed to every tool by the lifespan: the options it was
started with, the camera sessions, the outstanding confirmation tokens, the warm RTSP readers, the toolsets loaded
so far, the cameras the last discovery found and the recorded changes (for undo). Resources and completions, which
the SDK calls without a request context, close over the same object.

Over the HTTP transport every authenticated principal (one bearer token) gets a state of its own
(:meth:`ServerState.for_principal`): its own camera sessions, confirmation tokens and recorded changes, so one client
can neither use another's logins, redeem its tokens nor undo its changes. :func:`server_state` picks the caller's; on
stdio there is one principal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcp.server.mcpserver import Context

from recamera_mcp.client import FirmwareWait, LockoutBook, PinStore, WaitPolicy
from recamera_mcp.server.changes import ChangeLog
from recamera_mcp.server.cloud import CloudAccess
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.files import LocalFiles
from recamera_mcp.server.sessions import SessionRegistry
from recamera_mcp.server.system import RESTART_WAIT
from recamera_mcp.server.tokens import DEFAULT_TTL_S, ConfirmStore
from recamera_mcp.snapshot import WarmReaders

ConfirmMode = Literal["auto", "elicit", "token"]
CONFIRM_MODES: tuple[ConfirmMode, ...] = ("auto", "elicit", "token")
PRINCIPAL_SCOPE_KEY = "recamera_principal"
"""Where the HTTP transport's bearer check puts the principal's name in the ASGI scope (``server/http.py``)."""
_CONNECTION_ID = "recamera_connection_id"


@dataclass
class ServerOptions:
    """How the server was started (``recamera-mcp serve`` flags and the config file's ``[server]`` table).

    The switches here are the operator's: no tool argument can turn them on. An agent may ask for what a switch
    allows (``allow_public=True``); without the switch the user is asked for that one call when the client supports
    elicitation, and otherwise it is refused."""

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
    allow_public: bool = False
    """Discovery may sweep public addresses when an agent asks (``discover_devices(allow_public=True)``)."""
    allow_large: bool = False
    """Discovery may sweep more than a /16 when an agent asks."""
    reveal_secrets: bool = False
    """Config secrets may be shown unmasked when an agent asks (never on a read-only server)."""
    confirm_mode: ConfirmMode = "auto"
    """auto: ask the user when the client can, else a confirm_token; elicit: only ever ask the user (tokens are
    refused); token: always the two-phase confirm_token."""
    files_root: Path | None = None
    """The one folder tools write local files under (downloads, snapshots, backups); None: the user data folder."""
    pins_path: Path | None = None
    """The pin file (camera login keys and TLS certificates); None: kept in memory for this run only."""
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
    files: LocalFiles = field(default_factory=LocalFiles)
    """Where and how tools write local files (``server/files.py``)."""
    principal: str = ""
    """Whose state this is ("" on stdio; the bearer token's name over HTTP)."""
    _principals: dict[str, ServerState] = field(default_factory=dict, repr=False)

    def for_principal(self, name: str) -> ServerState:
        """The state of one authenticated principal: shared options, pins, lockouts, files, RTSP readers, loaded
        toolsets and discovered hosts; its own camera sessions, confirmation tokens and changes. ``""``: this one."""
        if not name or name == self.principal:
            return self
        found = self._principals.get(name)
        if found is None:
            found = ServerState(
                options=self.options,
                sessions=self.sessions.sibling(),
                confirmations=ConfirmStore(ttl_s=self.confirmations.ttl_s),
                warm_readers=self.warm_readers,
                files=self.files,
                loaded_toolsets=self.loaded_toolsets,  # the tool list is the server's, one for all
                discovered_hosts=self.discovered_hosts,
                changes=ChangeLog(),
                principal=name,
            )
            self._principals[name] = found
        return found

    def every_state(self) -> list[ServerState]:
        return [self, *self._principals.values()]

    @property
    def pins(self) -> PinStore:
        return self.sessions.pins

    @property
    def lockouts(self) -> LockoutBook:
        return self.sessions.lockouts


def principal_of(ctx: Context[Any, Any]) -> str:
    """The authenticated principal of this request ("" outside the HTTP transport)."""
    request = ctx.request_context.request
    scope = getattr(request, "scope", None)
    name = scope.get(PRINCIPAL_SCOPE_KEY) if isinstance(scope, dict) else None
    return name if isinstance(name, str) else ""


def caller_scope(ctx: Context[Any, Any]) -> str:
    """Who is calling, for binding confirmations: the principal, and the MCP session (the connection) on protocol
    versions that have sessions; 2026 requests are stateless, so there it is the principal alone."""
    connection = getattr(ctx.request_context.session, "_connection", None)  # no public accessor in the SDK
    state = getattr(connection, "state", None)
    if not isinstance(state, dict) or getattr(connection, "session_id", None) is None and _stateless(ctx):
        return f"{principal_of(ctx)}|-"
    conn_id = state.setdefault(_CONNECTION_ID, secrets.token_hex(8))
    return f"{principal_of(ctx)}|{conn_id}"


def _stateless(ctx: Context[Any, Any]) -> bool:
    from mcp_types.version import is_version_at_least

    version = ctx.protocol_version
    return version is not None and is_version_at_least(version, "2026-07-28")


def server_state(ctx: Context[Any, Any]) -> ServerState:
    """The lifespan state of the server handling this tool call, for the calling principal."""
    state = ctx.request_context.lifespan_context
    assert isinstance(state, ServerState), "the server was created without its lifespan"
    return state.for_principal(principal_of(ctx))
