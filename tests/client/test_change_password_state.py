"""A refused password change leaves the client's credentials as they were."""

from __future__ import annotations

import pytest

from recamera_mcp.client import AuthError, ReCameraClient, WrongCredentials
from recamera_mcp.simulator.testing import PASSWORD


async def test_wrong_old_password_is_not_kept_for_later_logins(camera):
    async with ReCameraClient(camera.address) as client:
        with pytest.raises(WrongCredentials):
            await client.change_password("Brand#New2026", old_password="Wrong#Old2026")
        logins = camera.camera.logins()
        with pytest.raises(AuthError) as caught:
            await client.get_json("/system/device-info")
        assert not isinstance(caught.value, WrongCredentials), "the refused old password was reused"
        assert camera.camera.logins() == logins, "no login was sent with the refused password"


async def test_right_old_password_changes_it_and_logs_in_again(camera):
    async with ReCameraClient(camera.address) as client:
        await client.change_password("Brand#New2026", old_password=PASSWORD)
        info = await client.get_json("/system/device-info")
        assert info["sSerialNumber"] == camera.camera.settings.serial
