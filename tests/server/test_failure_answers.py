"""Every form of a device answer that means failure is an error, in call_api and in every tool: HTTP >= 400, a
non-zero ``code``, ``iStatus < 0``, ``status < 0`` and a known failure message with ``code`` 0. The simulator
gives the answer on demand (its ``answer_next`` fault); the error keeps the device's code, module and message and
says what to try."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.helpers import call_error

FORMS: dict[str, tuple[int, dict[str, Any], tuple[str, ...]]] = {
    "http_status": (409, {"message": "Conflict: device busy"}, ("HTTP 409", "Conflict: device busy", "busy")),
    "code": (200, {"code": 30016, "message": "Device or resource busy"}, ("30016", "record module", "resource busy")),
    "iStatus": (200, {"code": 0, "iStatus": -2, "message": "operation refused"}, ("iStatus -2", "operation refused")),
    "status": (200, {"code": 0, "status": -1, "message": "connect timeout"}, ("status -1", "connect timeout", "SSID")),
    "message": (200, {"code": 0, "message": "Unable to Obtain IP address"}, ("Unable to Obtain IP address", "DHCP")),
}
"""form -> (HTTP status, body, words the error must contain)."""

TOOLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "call_api GET": ("/network/wifi-list", "GET", {"tool": "call_api", "method": "GET", "path": "/network/wifi-list"}),
    "call_api POST": ("/record/rule/http-rule-activate", "POST", {"tool": "call_api", "method": "POST",
                                                                  "path": "/record/rule/http-rule-activate"}),
    "call_api config write": ("/ftp/setting", "POST", {"tool": "call_api", "method": "POST", "path": "/ftp/setting",
                                                       "body": {"sFtpPort": "2121"}}),
    "get_config": ("/network/lan", "GET", {"tool": "get_config", "area": "lan"}),
    "update_config": ("/network/lan", "PUT", {"tool": "update_config", "area": "lan",
                                              "changes": {"dLink": {"sDNS2": "1.1.1.1"}}}),
    "tune_image": ("/image/0/1/adjustment", "PUT", {"tool": "tune_image", "scene": "day",
                                                    "adjustment": {"iBrightness": 70}}),
    "get_device_status": ("/system/device-info", "GET", {"tool": "get_device_status"}),
    "storage status": ("/record/storage/status", "GET", {"tool": "storage", "action": "status"}),
    "get_recording_status": ("/record/rule/config", "GET", {"tool": "get_recording_status"}),
}  # fmt: skip
"""tool -> (path and method of the request whose answer is replaced, the call)."""


@pytest.mark.parametrize("form", list(FORMS))
async def test_each_failure_form_is_an_error_in_every_tool(form, camera, connect):
    status, body, words = FORMS[form]
    async with connect() as mcp:
        for name, (path, method, call) in TOOLS.items():
            args = {k: v for k, v in call.items() if k != "tool"}
            camera.camera.faults.answer_next = {"status": status, "body": body, "path": path, "method": method}
            error = await call_error(mcp, call["tool"], host=camera.address, **args)
            assert camera.camera.faults.answer_next is None, f"{name}: the tool never sent {method} {path}"
            for word in words:
                assert word in error, f"{name}: {word!r} missing from: {error}"
            assert "Traceback" not in error


async def test_the_real_wifi_connect_failures_are_errors(camera, connect):
    async with connect() as mcp:
        timeout = await call_error(mcp, "wifi", host=camera.address, action="connect", ssid="No-Such-Net")
        wrong = await call_error(
            mcp, "wifi", host=camera.address, action="connect", ssid="Lab-2.4G", password="not-the-one"
        )
    # through the wifi tool (call_api leaves Wi-Fi writes to it): the camera's own words, and what to check
    assert "connect timeout" in timeout and "in range" in timeout
    assert "the password is wrong" in wrong and "give the right Wi-Fi password" in wrong
    assert "not-the-one" not in wrong
