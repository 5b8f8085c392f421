"""recamera-mcp: MCP server and async client for Seeed reCamera (RV1126B) cameras."""

__version__ = "0.1.0"
