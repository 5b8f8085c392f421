"""Helpers for client tests: a client factory bound to the simulator cameras."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from recamera_mcp.client import ReCameraClient
from recamera_mcp.simulator.testing import CGI, PASSWORD, USERNAME


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., ReCameraClient]]:
    """``make_client(device, **kwargs)``: a client for a simulated camera (closed after the test)."""
    made: list[ReCameraClient] = []

    def make(device: Any, **kwargs: Any) -> ReCameraClient:
        kwargs.setdefault("username", USERNAME)
        kwargs.setdefault("password", PASSWORD)
        kwargs.setdefault("timeout", 5.0)
        client = ReCameraClient(device.address, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def settle() -> Callable[[Any], Any]:
    """``await settle(device)``: make sure every request answered so far is in the device's request log.

    The simulator now logs a request before its answer leaves (so this always finds the marker at once); the
    marker request sent here stays as a cheap check of that ordering; it is a GET /system/key with the query
    ``settle=...`` (tests that list every call skip it by that query).
    """

    async def wait(device: Any) -> None:
        marker = f"settle={uuid.uuid4().hex}"
        async with httpx.AsyncClient(base_url=device.url, timeout=5) as http:
            await http.get(f"{CGI}/system/key?{marker}")
        deadline = time.monotonic() + 5
        while not any(entry.query == marker for entry in list(device.camera.log)):
            assert time.monotonic() < deadline, "the simulator never logged the marker request"
            await asyncio.sleep(0.005)

    return wait
