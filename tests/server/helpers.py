"""Small helpers for MCP tests."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
from mcp import Client

from recamera_mcp.simulator.routes.storage_state import storage_area
from recamera_mcp.simulator.testing import CGI
from tests.simulator.helpers import make_tar

DESTRUCTIVE = {"FORMAT", "FREE_UP", "EJECT", "REMOVE_FILES_OR_DIRECTORIES"}


async def call_ok(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool} failed: {error_text(result)}"
    assert result.structured_content is not None
    return dict(result.structured_content)


async def call_error(client: Client, tool: str, **args: Any) -> str:
    """Call a tool that must fail; its error text."""
    result = await client.call_tool(tool, args)
    assert result.is_error, f"{tool} unexpectedly succeeded: {result.structured_content}"
    return error_text(result)


def error_text(result: Any) -> str:
    return " ".join(getattr(item, "text", "") for item in result.content)


def files_on_card(camera: Any) -> list[str]:
    """Every file on the simulated SD card, relative to its data directory."""
    base = storage_area(camera.camera).data_dir()
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())


def destructive_calls(camera: Any) -> list[str]:
    """The destructive storage actions the camera received, in order."""
    return [e.body["sAction"] for e in camera.camera.log if e.path == "/record/storage/control"
            and isinstance(e.body, dict) and e.body.get("sAction") in DESTRUCTIVE]  # fmt: skip


async def wait_down(device, timeout: float = 20.0) -> None:
    """Poll (bounded) until the simulated camera refuses connections: it is installing."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=0.5) as http:
        while True:
            try:
                await http.get(device.url + CGI + "/system/key")
            except httpx.TransportError:
                return
            assert time.monotonic() < deadline, "the camera never went down to install"
            await asyncio.sleep(0.05)


def firmware_file(path: Path, size: int = 3 * 1024 * 1024, version: str = "V2.0.0") -> Path:
    """A firmware tar of about ``size`` bytes that installs ``version`` (random bytes: a flipped one changes its
    MD5)."""
    files = {"boot.img": os.urandom(4096), "rootfs.img": os.urandom(size), "RK_OTA_update.sh": b"#!/bin/sh\n"}
    path.write_bytes(make_tar({**files, "ota_version": version.encode()}))
    return path
