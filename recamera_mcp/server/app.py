"""``create_server()``: the recamera-mcp MCP server with its lifespan (device sessions) and tools."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.mcpserver import MCPServer

from recamera_mcp import __version__
from recamera_mcp.client import PinStore, TokenCache
from recamera_mcp.server import tools
from recamera_mcp.server.errors import ArgumentErrorRedaction, InputBounds
from recamera_mcp.server.files import LocalFiles
from recamera_mcp.server.logbridge import LogBridgeMiddleware
from recamera_mcp.server.logbridge import install as install_log_bridge
from recamera_mcp.server.prompts import add_prompts
from recamera_mcp.server.resources import add_resources
from recamera_mcp.server.sessions import SessionRegistry
from recamera_mcp.server.state import ServerOptions, ServerState
from recamera_mcp.server.tokens import ConfirmStore
from recamera_mcp.server.untrusted import DeviceTextGuard

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Tools for Seeed reCamera network cameras. Hosts are ip, ip:port or URLs. Tools log in by themselves with the
server's configured credentials (call login only to use other credentials). Config changes go through
update_config (read-before-write: send only the fields to change, in the device's key names). Read the API
reference with api_reference or the recamera://reference resources, one section at a time."""


def create_server(options: ServerOptions | None = None) -> MCPServer[ServerState]:
    """A server exposing the tools selected by ``options`` (toolsets, read-only)."""
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
    )

    @asynccontextmanager
    async def lifespan(server: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        try:
            yield state
        finally:
            for each in state.every_state():
                await each.sessions.close_all()
            await asyncio.to_thread(state.warm_readers.close)  # RTSP readers kept warm by snapshot(keep_warm=True)

    server: MCPServer[ServerState] = MCPServer(
        "recamera-mcp",
        title="reCamera",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        middleware=[InputBounds(), ArgumentErrorRedaction(), DeviceTextGuard(), LogBridgeMiddleware()],
    )
    install_log_bridge()
    tools.add_tools(server, opts.toolsets, opts.read_only, opts.output_schemas)
    add_resources(server, state)
    add_prompts(server)
    return server
