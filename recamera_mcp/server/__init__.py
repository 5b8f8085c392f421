"""The MCP server: tools (thin), resources, prompts, sessions held in the lifespan."""

from recamera_mcp.server.app import create_server
from recamera_mcp.server.state import ServerOptions

__all__ = ["ServerOptions", "create_server"]
