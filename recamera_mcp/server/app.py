"""``create_server()``: the recamera-mcp MCP server with its lifespan (device sessions), tools, resources, prompts
and completions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.lowlevel import NotificationOptions
from mcp.server.mcpserver import MCPServer

from recamera_mcp import __version__
from recamera_mcp.client import PinStore, TokenCache
from recamera_mcp.server import tools
from recamera_mcp.server.cloud import CloudAccess
from recamera_mcp.server.completions import add_completions
from recamera_mcp.server.errors import ArgumentErrorRedaction, InputBounds
from recamera_mcp.server.files import LocalFiles
from recamera_mcp.server.icons import SERVER_ICONS
from recamera_mcp.server.logbridge import LogBridgeMiddleware
from recamera_mcp.server.logbridge import install as install_log_bridge
from recamera_mcp.server.prompts import add_prompts
from recamera_mcp.server.resources import add_resources
from recamera_mcp.server.results import CompactJsonText
from recamera_mcp.server.sessions import SessionRegistry
from recamera_mcp.server.state import ServerOptions, ServerState
from recamera_mcp.server.tokens import ConfirmStore
from recamera_mcp.server.tools.registry import TOOLSETS
from recamera_mcp.server.tools.toolsets import ToolsetAdvice, add_toolsets_tool
from recamera_mcp.server.untrusted import DeviceTextGuard

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Tools for Seeed reCamera network cameras. Hosts are ip, ip:port or URLs. Tools log in by themselves with the
server's configured credentials (call login only to use other credentials). Config changes go through
update_config (read-before-write: send only the fields to change, in the device's key names). Read the API
reference with api_reference or the recamera://reference resources, one section at a time."""
DYNAMIC_INSTRUCTIONS = """ More tools are in toolsets that are not loaded yet: the toolsets tool lists them and \
loads one into the session."""


def create_server(options: ServerOptions | None = None) -> MCPServer[ServerState]:
    """A server exposing the tools selected by ``options`` (toolsets loaded at start, on request, read-only)."""
    opts = options or ServerOptions()
    cache_path = opts.credentials.token_cache_path()
    state = ServerState(
        options=opts,
        sessions=SessionRegistry(
            credentials=opts.credentials,
            timeout_s=opts.timeout_s,
            token_cache=TokenCache(cache_path) if cache_path else None,
            pins=PinStore(opts.pins_path),
        ),
        confirmations=ConfirmStore(ttl_s=opts.confirm_ttl_s),
        files=LocalFiles(opts.files_root),
        cloud=CloudAccess(opts.credentials.sensecraft_settings()),
        loaded_toolsets=set(TOOLSETS if opts.toolsets is None else opts.toolsets),
    )

    @asynccontextmanager
    async def lifespan(server: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        try:
            yield state
        finally:
            for each in state.every_state():
                await each.sessions.close_all()
            await state.cloud.aclose()
            await asyncio.to_thread(state.warm_readers.close)  # RTSP readers kept warm by snapshot(keep_warm=True)

    dynamic = opts.dynamic and not set(TOOLSETS) <= state.loaded_toolsets
    server: MCPServer[ServerState] = MCPServer(
        "recamera-mcp",
        title="reCamera",
        instructions=INSTRUCTIONS + (DYNAMIC_INSTRUCTIONS if dynamic else ""),
        icons=SERVER_ICONS,
        version=__version__,
        lifespan=lifespan,
        middleware=[
            InputBounds(),
            ArgumentErrorRedaction(),
            DeviceTextGuard(),
            LogBridgeMiddleware(),
            ToolsetAdvice(state),
            CompactJsonText(),
        ],  # fmt: skip
    )
    install_log_bridge()
    tools.add_tools(server, opts.toolsets, opts.read_only, opts.output_schemas)
    if dynamic:
        add_toolsets_tool(server, state)
        _announce_tool_list_changes(server)
    add_resources(server, state)
    add_prompts(server)
    add_completions(server, state)
    return server


def _announce_tool_list_changes(server: MCPServer[Any]) -> None:
    """Declare ``tools.listChanged`` on handshake-era sessions (2026 sessions derive it from subscriptions/listen).

    The SDK builds the initialize answer with ``create_initialization_options()`` and no arguments, and MCPServer
    has no parameter for the notification options (the SDK's own TODO), so the default is supplied here."""
    low = server._lowlevel_server
    build = low.create_initialization_options

    def with_tool_changes(
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> Any:
        chosen = notification_options or NotificationOptions(tools_changed=True)
        return build(chosen, experimental_capabilities, extensions)

    setattr(low, "create_initialization_options", with_tool_changes)  # noqa: B010 (an instance override)
