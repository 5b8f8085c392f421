"""Sessions under concurrent tool calls: one client per host, a new login never breaks calls in flight."""

from __future__ import annotations

import asyncio

import pytest

from recamera_mcp.client import DeviceUnreachable
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.sessions import SessionRegistry
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_ok


async def test_concurrent_first_calls_share_one_login(connect, camera):
    async with connect() as mcp:
        results = await asyncio.gather(*(call_ok(mcp, "get_device_status", host=camera.address) for _ in range(8)))
    assert {r["serial"] for r in results} == {camera.camera.settings.serial}
    assert camera.camera.logins() == 1


async def test_a_new_login_leaves_the_replaced_client_usable_until_shutdown(camera):
    registry = SessionRegistry(credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD}))
    first = await registry.client(camera.address)
    await registry.open(camera.address)  # what the login tool does
    second = await registry.client(camera.address)
    assert second is not first
    info = await first.get_json("/system/device-info")  # a call that was in flight on the old client
    assert info["sSerialNumber"] == camera.camera.settings.serial
    await registry.close_all()
    with pytest.raises(DeviceUnreachable, match="closed"):  # a closed client's error is in the client's tree
        await first.get_json("/system/device-info")
