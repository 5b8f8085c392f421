"""The MCP fixtures of tests/server (``connect``, ``mcp_mode``), for the fault tests."""

from tests.server.conftest import connect, mcp_mode

__all__ = ["connect", "mcp_mode"]
