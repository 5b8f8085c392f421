"""The funnel's transport side: GET retries, writes never retried, timeouts, unreachable hosts, not-a-camera,
error mapping, and the switch to HTTPS when the device redirects."""

from __future__ import annotations

import socket

import httpx
import pytest

from recamera_mcp.client import (
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    NotAReCamera,
    NotSupported,
    ReCameraClient,
    ValidationError,
)
from recamera_mcp.simulator.app import create_app
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.state import DeviceState
from recamera_mcp.simulator.testing import PASSWORD


async def test_get_is_retried_after_a_5xx(camera, make_client, settle):
    cam = make_client(camera, retry_backoff_s=0.01)
    await cam.login()
    faults = camera.camera.faults
    faults.only_path, faults.fail_next = "/network/lan", 1
    assert (await cam.get_json("/network/lan"))["dIpv4"]
    await settle(camera)
    assert [e.status for e in camera.camera.log if e.path == "/network/lan"] == [500, 200]


async def test_get_retries_are_bounded(camera, make_client, settle):
    cam = make_client(camera, retry_backoff_s=0.01, get_retries=2)
    await cam.login()
    faults = camera.camera.faults
    faults.only_path, faults.fail_next = "/network/lan", 10
    with pytest.raises(DeviceApiError) as info:
        await cam.get_json("/network/lan")
    assert info.value.status_code == 500 and "later" in info.value.hint
    await settle(camera)
    assert camera.camera.calls().count(("GET", "/network/lan")) == 3


async def test_write_is_never_retried(camera, make_client, settle):
    cam = make_client(camera, retry_backoff_s=0.01)
    lan = await cam.get_json("/network/lan")
    faults = camera.camera.faults
    faults.only_path, faults.fail_next = "/network/lan", 1
    with pytest.raises(DeviceApiError):
        await cam.send_json("PUT", "/network/lan", lan)
    await settle(camera)
    assert camera.camera.calls().count(("PUT", "/network/lan")) == 1


async def test_dropped_connection_on_get_is_retried(camera, make_client):
    cam = make_client(camera, retry_backoff_s=0.01)
    await cam.login()
    camera.camera.faults.only_path, camera.camera.faults.drop_next = "/network/lan", 1
    assert (await cam.get_json("/network/lan"))["dLink"]
    assert [e.status for e in camera.camera.log if e.path == "/network/lan"] == [0, 200], "dropped, then retried"


async def test_timeout_is_device_timeout(camera, make_client):
    cam = make_client(camera, timeout=0.3)
    await cam.login()
    camera.camera.faults.latency_s = 1.0
    try:
        with pytest.raises(DeviceTimeout) as info:
            await cam.get_json("/system/device-info")
    finally:
        camera.camera.faults.latency_s = 0.0
    assert isinstance(info.value, TimeoutError) and "0.3 s" in str(info.value)


async def test_unreachable_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ReCameraClient(f"127.0.0.1:{port}", password="x", retry_backoff_s=0.01) as cam:
        with pytest.raises(DeviceUnreachable) as info:
            await cam.get_public_key()
    assert "check the address" in info.value.hint


@pytest.mark.parametrize("kind", ["404", "no_key"])
async def test_not_a_recamera(sim_fleet, kind):
    host = sim_fleet.add_http_host("127.0.0.1", 0, kind)
    try:
        async with ReCameraClient(host.address, password=PASSWORD) as cam:
            with pytest.raises(NotAReCamera):
                await cam.login()
    finally:
        sim_fleet.remove(host)


async def test_device_error_keeps_code_and_module(camera, make_client):
    cam = make_client(camera)
    with pytest.raises(DeviceApiError) as info:
        await cam.send_json("PUT", "/network/lan", {"dIpv4": {"sV4Method": "static"}})
    err = info.value
    assert err.status_code == 400 and err.device_code == 10022 and err.module == "device"
    assert "sV4Method" in (err.device_message or "") and err.hint
    with pytest.raises(DeviceApiError) as missing:
        await cam.get_json("/no/such/thing")
    assert missing.value.status_code == 404


async def test_bad_paths_are_refused_before_io(camera, make_client, settle):
    cam = make_client(camera)
    for path in ("http://evil/x", "/system/../etc"):
        with pytest.raises(ValidationError):
            await cam.request("GET", path)
    await settle(camera)
    assert camera.camera.calls() == [("GET", "/system/key")], "only the settle marker"


# ---- in-process (httpx.ASGITransport) -------------------------------------------------------------------------
def _https_redirecting(app):
    """Wraps the simulator: plain HTTP answers 307 to https://, as the device does with HTTPS on."""

    async def wrapper(scope, receive, send):
        if scope["type"] == "http" and scope["scheme"] == "http":
            location = f"https://127.0.0.1{scope['path']}"
            await send({"type": "http.response.start", "status": 307, "headers": [(b"location", location.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return wrapper


async def test_follows_the_device_to_https():
    state = DeviceState(settings=SimSettings(password=PASSWORD))
    state.configs["/system/secure"]["sEnable"] = True  # HTTPS on: the device serves https requests
    transport = httpx.ASGITransport(_https_redirecting(create_app(state)))
    async with ReCameraClient("127.0.0.1", password=PASSWORD, transport=transport) as cam:
        assert (await cam.get_json("/system/device-info"))["sSerialNumber"]
        assert cam.address.scheme == "https" and cam.address.port == 443
    assert state.logins() == 1


async def test_not_implemented_is_not_supported():
    async def app(scope, receive, send):
        body = b'{"code": 501, "message": "Not Implemented"}'
        await send({"type": "http.response.start", "status": 501, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    async with ReCameraClient("127.0.0.1", transport=httpx.ASGITransport(app)) as cam:
        with pytest.raises(NotSupported):
            await cam.request("GET", "/video", auth=False)
