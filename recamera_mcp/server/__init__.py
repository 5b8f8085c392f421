"""The MCP server: tools (thin), resources, prompts, sessions held in the lifespan.

``create_server`` and ``ServerOptions`` load on first use, so the plain modules of this package (credentials,
result models, advice, fleet) can be imported without the MCP SDK: the command line builds the same results."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recamera_mcp.server.app import create_server
    from recamera_mcp.server.state import ServerOptions

__all__ = ["ServerOptions", "create_server"]

_LAZY = {"create_server": "recamera_mcp.server.app", "ServerOptions": "recamera_mcp.server.state"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
