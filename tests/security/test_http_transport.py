"""Item 7: the HTTP transport needs a bearer token, refuses a non-loopback bind without one, always checks Host and
Origin, and keeps each principal's camera sessions and confirmations apart."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_error, call_ok
from tests.server.test_transports import http_client

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef00"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def env_for(tmp_path: Path, config: str = "", **extra: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAMERA_")}
    env.update(RECAMERA_MCP_CONFIG=str(path), HOME=str(tmp_path), **extra)
    return env


@contextmanager
def serving(tmp_path: Path, host: str, config: str = "", **extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``recamera-mcp serve --transport http`` on ``host``: its URL, once it answers."""
    port = free_port(host)
    args = [sys.executable, "-m", "recamera_mcp", "serve", "--transport", "http", "--host", host, "--port", str(port)]
    proc = subprocess.Popen(
        [*args, "--log-level", "WARNING", "--pins", str(tmp_path / "pins.json")],
        env=env_for(tmp_path, config, **extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://{host}:{port}/mcp"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=0.5)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    pytest.fail(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
                time.sleep(0.1)
        else:
            pytest.fail("the HTTP server did not start within 20 s")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr is not None:
            proc.stderr.close()


def post(url: str, token: str | None, **headers: str) -> httpx.Response:
    sent = {**ACCEPT, **({"Authorization": f"Bearer {token}"} if token else {}), **headers}
    return httpx.post(url, json=INIT, headers=sent, timeout=10)


async def test_every_request_needs_the_bearer_token(tmp_path, camera):
    with serving(tmp_path, "127.0.28.10", RECAMERA_MCP_HTTP_TOKEN=ALICE, RECAMERA_PASSWORD=PASSWORD) as (url, _):
        assert post(url, None).status_code == 401
        assert post(url, "wrong-token-0123456789abcdef").status_code == 401
        assert post(url, None, Authorization=f"Basic {ALICE}").status_code == 401
        assert post(url, ALICE).status_code == 200
        async with http_client(url, ALICE) as mcp:
            assert (await call_ok(mcp, "get_device_status", host=camera.address))["serial"]


def test_a_non_loopback_bind_without_a_token_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "recamera_mcp", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "9"],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2 and "without a configured bearer token" in proc.stderr


async def test_a_loopback_bind_without_a_token_prints_a_generated_one(tmp_path):
    with serving(tmp_path, "127.0.28.11") as (url, proc):
        assert post(url, None).status_code == 401
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"Bearer <token>'\): (\S+)", line)
        assert found, line
        assert post(url, found.group(1)).status_code == 200


def test_host_and_origin_are_checked_on_any_bind(tmp_path):
    with serving(tmp_path, "127.0.28.12", RECAMERA_MCP_HTTP_TOKEN=ALICE) as (url, _):
        port = url.rsplit(":", 1)[1].split("/")[0]
        assert post(url, ALICE).status_code == 200
        assert post(url, ALICE, Host=f"evil.example:{port}").status_code in (400, 421)
        assert post(url, ALICE, Origin="http://evil.example").status_code == 403
        assert post(url, ALICE, Host=f"localhost:{port}", Origin=f"http://localhost:{port}").status_code == 200


async def test_principals_keep_their_camera_sessions_and_confirmations(tmp_path, camera):
    config = f'[server.http_tokens]\nalice = "{ALICE}"\nbob = "{BOB}"\n'
    with serving(tmp_path, "127.0.28.13", config) as (url, _):
        async with http_client(url, ALICE) as alice, http_client(url, BOB) as bob:
            assert (await call_ok(alice, "login", host=camera.address, password=PASSWORD))["logged_in"]
            assert (await call_ok(bob, "list_sessions"))["sessions"] == []
            text = await call_error(bob, "get_device_status", host=camera.address)
            assert "no password known" in text, "bob used alice's camera login"
            assert not (await call_ok(bob, "logout", host=camera.address))["had_session"]
            asked = await call_ok(alice, "storage", host=camera.address, action="eject")
            token = asked["confirmation"]["confirm_token"]
            await call_ok(bob, "login", host=camera.address, password=PASSWORD)  # bob's own session
            text = await call_error(bob, "storage", host=camera.address, action="eject", confirm_token=token)
            assert "confirm_token refused" in text
            assert (await call_ok(alice, "get_device_status", host=camera.address))["serial"]
    assert not [
        e for e in camera.camera.log if e.path == "/record/storage/control" and e.body.get("sAction") == "EJECT"
    ]
