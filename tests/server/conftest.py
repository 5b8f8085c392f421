"""MCP-level fixtures: a server wired to the simulator, reached through the SDK's in-memory client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from recamera_mcp.server import ServerOptions, create_server
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.testing import PASSWORD


@pytest.fixture(params=["legacy", "auto"])
def mcp_mode(request: pytest.FixtureRequest) -> str:
    """Every MCP test runs on a legacy (initialize) session and on a 2026 session."""
    return str(request.param)


def make_options(password: str | None = PASSWORD, **kwargs: Any) -> ServerOptions:
    env = {"RECAMERA_PASSWORD": password} if password else {}
    return ServerOptions(credentials=CredentialStore(env=env), **kwargs)


@pytest.fixture
def connect(mcp_mode: str) -> Callable[..., Any]:
    """``async with connect(options) as client``: an MCP client on a fresh server."""

    def open_client(options: ServerOptions | None = None, **client_kwargs: Any) -> Client:
        return Client(create_server(options or make_options()), mode=mcp_mode, **client_kwargs)

    return open_client
