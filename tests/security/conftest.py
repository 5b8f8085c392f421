"""The MCP fixtures of tests/server (``connect``, ``mcp_mode``), for the trust-boundary tests."""

from tests.server.conftest import connect, mcp_mode

__all__ = ["connect", "mcp_mode"]
