"""A password typed into the host argument never comes back in a tool error or a log line."""

from __future__ import annotations

import logging

import pytest

from tests.server.helpers import call_error

SECRET = "Hunter#22x"


@pytest.mark.parametrize("host", [f"http://admin:{SECRET}@{{}}", f"admin:{SECRET}@{{}}", f"rtsp://u:{SECRET}@{{}}"])
async def test_credentials_in_the_host_are_not_echoed(connect, camera, caplog: pytest.LogCaptureFixture, host):
    caplog.set_level(logging.DEBUG)
    async with connect() as mcp:
        for tool, args in [("login", {}), ("get_config", {"area": "time"}), ("logout", {})]:
            text = await call_error(mcp, tool, host=host.format(camera.address), **args)
            assert SECRET not in text and "Hunter" not in text, text
    assert "Hunter" not in caplog.text
