"""The relay's transparent refresh is bounded: a device whose relay is gone again by every request ends in an
error, not in an endless RELAY / GET loop."""

from __future__ import annotations

import httpx
import pytest

from recamera_mcp.client import DeviceApiError, ReCameraClient
from recamera_mcp.simulator.app import create_app
from recamera_mcp.simulator.routes.storage_state import storage_area
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.state import DeviceState
from recamera_mcp.simulator.testing import PASSWORD


class Runaway(Exception):
    """The client kept asking far beyond any sane bound."""


def _relay_expiring_before_each_get(state: DeviceState):
    app = create_app(state)
    gets = 0

    async def wrapper(scope, receive, send):
        nonlocal gets
        if scope["type"] == "http" and scope["path"].startswith("/storage/relay/"):
            gets += 1
            if gets > 50:
                raise Runaway(f"{gets} relay GETs")
            storage_area(state).expire_relays()
        await app(scope, receive, send)

    return wrapper


async def test_download_gives_up_when_every_refreshed_relay_is_gone_again(tmp_path):
    state = DeviceState(settings=SimSettings(password=PASSWORD))
    transport = httpx.ASGITransport(_relay_expiring_before_each_get(state))
    async with ReCameraClient("127.0.0.1", password=PASSWORD, transport=transport) as cam:
        with pytest.raises(DeviceApiError) as info:
            await cam.recording.download("2025-10-16/clip.mp4", tmp_path)
    assert info.value.status_code == 404
    relays = [e for e in state.log if e.path == "/record/storage/control" and e.body.get("sAction") == "RELAY"]
    assert len(relays) <= 3
