"""No password or token in any tool result, log line or exception text."""

from __future__ import annotations

import logging

import pytest

from recamera_mcp.simulator.testing import PASSWORD
from tests.server.conftest import make_options
from tests.server.helpers import error_text

FTP_SECRET = "Ftp#Secret77"


async def test_no_secret_in_results_logs_or_errors(connect, make_camera, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    good = make_camera()
    locked = make_camera(lockout_after=1, lockout_s=60)
    seen: list[str] = []
    async with connect(make_options()) as client:
        calls = [
            ("login", {"host": good.address, "password": PASSWORD}),
            ("get_device_status", {"host": good.address}),
            ("update_config", {"host": good.address, "area": "ftp", "changes": {"sFtpPassword": FTP_SECRET}}),
            ("get_config", {"host": good.address, "area": "ftp"}),
            ("update_config", {"host": good.address, "area": "ftp", "changes": {"sFtpPassword": 5}}),
            ("call_api", {"host": good.address, "method": "GET", "path": "/ftp/setting"}),
            ("login", {"host": good.address, "password": "Wrong#" + PASSWORD}),
            ("login", {"host": locked.address, "password": "Wrong#" + PASSWORD}),
            ("login", {"host": locked.address, "password": PASSWORD}),
            ("change_password", {"host": good.address, "new_password": "x", "old_password": PASSWORD}),
        ]
        for tool, args in calls:
            result = await client.call_tool(tool, args)
            seen.append(str(result.model_dump()))
            seen.append(error_text(result))
    seen.append(caplog.text)
    everything = "\n".join(seen)
    assert good.camera.config("/ftp/setting")["sFtpPassword"] == FTP_SECRET, "the secret was really written"
    for secret in (PASSWORD, FTP_SECRET, "Wrong#" + PASSWORD):
        assert secret not in everything
    assert "eyJ" not in everything, "a JWT (base64 of '{\"') leaked"


async def test_log_records_reach_legacy_clients_as_notifications_without_secrets(
    make_camera, caplog: pytest.LogCaptureFixture
):
    from mcp import Client

    from recamera_mcp.server import create_server

    caplog.set_level(logging.INFO)
    cam = make_camera()
    messages: list[str] = []

    async def on_log(params) -> None:
        messages.append(f"{params.level} {params.logger} {params.data}")

    async with Client(create_server(make_options()), mode="legacy", logging_callback=on_log) as client:
        await client.call_tool("login", {"host": cam.address, "password": "Wrong#" + PASSWORD})
    assert any("login" in m for m in messages), messages
    assert not any(PASSWORD in m or "eyJ" in m for m in messages)


async def test_argument_type_errors_do_not_quote_the_value(connect):
    async with connect() as client:
        result = await client.call_tool("login", {"host": "127.0.0.1:9", "password": 918273645})
    text = error_text(result)
    assert result.is_error and "password" in text and "valid string" in text
    assert "918273645" not in text
