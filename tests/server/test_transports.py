"""The server as a user starts it: ``recamera-mcp serve`` over stdio and over streamable HTTP."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_ok

HTTP_TOKEN = "test-token-0123456789abcdef"


@contextlib.asynccontextmanager
async def http_client(url: str, token: str | None = HTTP_TOKEN) -> AsyncIterator[Client]:
    """An MCP client of the HTTP server, sending the bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            yield client


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAMERA_")}
    env.update(RECAMERA_PASSWORD=PASSWORD, RECAMERA_MCP_CONFIG="/nonexistent/config.toml", **extra)
    return env


async def test_stdio_server_logs_in_reads_and_writes(camera):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "recamera_mcp", "serve", "--log-level", "DEBUG"], env=_env()
    )
    async with Client(params) as client:
        status = await call_ok(client, "get_device_status", host=camera.address)
        assert status["serial"] == camera.camera.settings.serial
        update = await call_ok(client, "update_config", host=camera.address, area="time", changes={"sTimezone": "UTC"})
        assert update["changes"][0]["after"] == "UTC"
    assert camera.camera.config("/system/time")["sTimezone"] == "UTC"
    assert camera.camera.logins() == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_server():
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recamera_mcp",
            "serve",
            "--transport",
            "http",
            "--port",
            str(port),
            "--log-level",
            "WARNING",
        ],
        env=_env(RECAMERA_MCP_HTTP_TOKEN=HTTP_TOKEN),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=0.5)
            break
        except httpx.TransportError:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.1)
    else:
        proc.kill()
        proc.wait(5)
        pytest.fail("the HTTP server did not start within 20 s")
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    if proc.stderr is not None:
        proc.stderr.close()


async def test_streamable_http_server(camera, http_server):
    async with http_client(http_server) as client:
        status = await call_ok(client, "get_device_status", host=camera.address)
        assert status["serial"] == camera.camera.settings.serial
