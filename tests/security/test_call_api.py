"""Item 1: call_api refuses by construction: an allow-list of the reference's (method, canonical path) pairs, paths
decoded to a fixed point, exactly the checked bytes sent, refusals that name the dedicated tool."""

from __future__ import annotations

import pytest

from recamera_mcp.server.tools.api_policy import DEDICATED, ONCE_THE_TOOL_EXISTS, CallRefused, check_call, routes
from recamera_mcp.server.tools.registry import TOOLS
from tests.security.helpers import reached
from tests.server.helpers import call_error, call_ok, destructive_calls

# Spellings a device that decodes the path again (or differently) would still read as the refused endpoint.
ENCODED = [
    ("POST", "/system/%2572eboot", None),  # decoded twice: reboot
    ("POST", "/system/%252572eboot", None),  # three times
    ("POST", "/cgi-bin/entry.cgi/system/./reboot", None),
    ("POST", "//system//reboot", None),
    ("POST", "/image/%2530", None),  # the ISP reset
    ("POST", "/record/storage/%2563ontrol", {"sAction": "FORMAT", "sSlotDevPath": "/dev/mmcblk1p1"}),
    ("POST", "/record/storage/control", {"sAction": "format"}),
    ("POST", "/record/storage/control", {"sAction": "FORMAT "}),
    ("POST", "/record/storage/control/", {"sAction": "FREE_UP"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENCODED)
async def test_encoded_spellings_of_refused_endpoints_never_reach_the_camera(connect, camera, method, path, body):
    async with connect() as mcp:
        text = await call_error(mcp, "call_api", host=camera.address, method=method, path=path, body=body)
        assert "refuses" in text and "Nothing was sent" in text, text
    assert not reached(camera, "POST", "/system/reboot")
    assert not reached(camera, "POST", "/image/0")
    assert destructive_calls(camera) == []


async def test_a_double_encoded_config_path_is_still_read_before_write(connect, camera):
    """The partial (resetting) FTP write: a path the device decodes to /ftp/setting is a config write."""
    camera.camera.configs["/ftp/setting"].update(sEnable=True, sFtpUser="bob")  # not the defaults a reset restores
    before = camera.camera.config("/ftp/setting")
    async with connect() as mcp:
        out = await call_ok(
            mcp, "call_api", host=camera.address, method="POST", path="/ftp/%2573etting", body={"sFtpPort": "2121"}
        )
    assert out["update"]["changes"][0]["field"] == "sFtpPort"
    after = camera.camera.config("/ftp/setting")
    assert after == {**before, "sFtpPort": "2121"}, "the other FTP fields were reset by a partial write"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/SYSTEM/DEVICE-INFO", "not an endpoint of the API reference"),
        ("POST", "/system/reboot;x", "not an endpoint of the API reference"),
        ("GET", "/system/recovery", "not an endpoint of the API reference"),
        ("DELETE", "/system/device-info", "takes GET, not DELETE"),
        ("GET", "/api/v1/device/serial-port", "raw=True"),
        ("GET", "/system/%zzkey", "escape"),
        ("GET", "/system/key%00", "control"),
        ("GET", "/a/%2e%2e/system/key", "'..'"),
        ("GET", "/system/key%3Fx=1", "encoded '?'"),
        ("GET", "/ws/system/terminal", "WebSocket"),
    ],
)
async def test_anything_off_the_allow_list_is_refused(connect, camera, method, path, expected):
    async with connect() as mcp:
        camera.camera.clear_log()
        text = await call_error(mcp, "call_api", host=camera.address, method=method, path=path)
        assert expected in text, text
    assert camera.camera.log == [], "a refused call sent something"


@pytest.mark.parametrize(
    ("method", "path", "tool"),
    [
        ("POST", "/system/reboot", "reboot"),
        ("POST", "/system/factory-reset", "factory_reset"),
        ("POST", "/system/firmware-upgrade?upload-type=network", "firmware"),
        ("PUT", "/image/0/1/adjustment", "tune_image"),
        ("POST", "/image/0", "reset_image"),
        ("POST", "/system/login", "login"),
        ("DELETE", "/model/delete?File-name=x.rknn", "models"),
    ],
)
async def test_refusals_name_the_dedicated_tool(connect, camera, method, path, tool):
    async with connect() as mcp:
        text = await call_error(mcp, "call_api", host=camera.address, method=method, path=path)
    assert tool in text
    if tool in TOOLS:
        assert f"use the {tool} tool" in text
    else:
        assert "planned" in text


async def test_exactly_the_checked_bytes_are_sent(connect, camera):
    """A value that needs encoding is encoded once; whatever decodes it once (or again) reads the checked value."""
    async with connect() as mcp:
        text = await call_error(
            mcp, "call_api", host=camera.address, method="GET", path="/model/info?File-name=my%2520model.rknn"
        )
    assert "Model info not found" in text  # the camera has no such model: the request did reach it, as checked
    sent = [e for e in camera.camera.log if e.path == "/model/info"]
    assert len(sent) == 1 and sent[0].query == "File-name=my%20model.rknn"


async def test_allowed_calls_still_work(connect, camera):
    async with connect() as mcp:
        info = await call_ok(
            mcp, "call_api", host=camera.address, method="GET", path="/cgi-bin/entry.cgi/system/./device-info"
        )
        assert info["body"]["sSerialNumber"] == camera.camera.settings.serial
        relay = await call_ok(
            mcp, "call_api", host=camera.address, method="POST", path="/record/storage/control",
            body={"sAction": "RELAY_STATUS"},
        )  # fmt: skip
        assert relay["status"] == 200


def test_wifi_writes_go_to_the_wifi_tool_once_it_exists():
    """Until the wifi tool lands, call_api reaches the Wi-Fi endpoints; with it, they are refused naming it."""
    without = frozenset(TOOLS) - {"wifi"}
    assert check_call("POST", "/network/wifi", {"sSsid": "x"}, None, False, without).path == "/network/wifi"
    with pytest.raises(CallRefused, match="use the wifi tool"):
        check_call("POST", "/network/wifi", {"sSsid": "x"}, None, False, without | {"wifi"})
    assert ("POST", "/network/wifi") in ONCE_THE_TOOL_EXISTS and ("POST", "/system/reboot") not in ONCE_THE_TOOL_EXISTS


def test_the_allow_list_is_the_reference():
    pairs = {(r.method, r.template) for r in routes()}
    assert ("GET", "/system/device-info") in pairs and ("PUT", "/network/lan") in pairs
    assert not any(t.startswith("/v1/api") for _, t in pairs), "the cloud's endpoints are not the camera's"
    for method, template in DEDICATED:
        assert (method, template) in pairs, f"DEDICATED names {method} {template}, which the reference lacks"


@pytest.mark.parametrize("depth", range(1, 8))
def test_any_depth_of_encoding_decodes_to_the_same_refusal(depth):
    path = "/system/reboot"
    for _ in range(depth):
        path = path.replace("%", "%25") if "%" in path else path.replace("r", "%72", 1)
    with pytest.raises(CallRefused, match="reboot"):
        check_call("POST", path, None, None, False, frozenset(TOOLS))
