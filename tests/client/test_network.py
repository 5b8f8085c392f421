"""The network area against the simulator: Wi-Fi status, scan, connect (failures as the device reports them, the
password never shown), forget, radio power, and which link this client uses."""

from __future__ import annotations

import httpx
import pytest

from recamera_mcp.client import DeviceApiError, ReCameraClient, ValidationError, link_of
from recamera_mcp.simulator.routes.network import NETWORKS

OFFICE = NETWORKS[0]
WIFI_HOST = "127.0.25.2"
"""A camera whose Wi-Fi address is the one this client uses: the client reaches it over its Wi-Fi."""


async def test_status_and_scan(make_camera, make_client):
    cam: ReCameraClient = make_client(make_camera())
    status = await cam.network.wifi_status()
    assert (status.powered, status.connected, status.ssid, status.link) == (True, False, None, "unknown")
    assert status.lan_ipv4 == "192.168.1.100"
    networks = await cam.network.scan()
    assert {n.ssid for n in networks} == {n.ssid for n in NETWORKS}
    assert [n.rssi_dbm for n in networks] == sorted((n.rssi_dbm for n in networks), reverse=True)
    assert next(n for n in networks if n.ssid == OFFICE.ssid).secured


async def test_connect_reports_success_only_when_the_device_says_so(make_camera, make_client):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    with pytest.raises(DeviceApiError, match="password is wrong") as wrong:
        await cam.network.connect(OFFICE.ssid, "not-the-password")
    assert "not-the-password" not in str(wrong.value)
    with pytest.raises(DeviceApiError, match="connect timeout.*not in the camera's scan"):
        await cam.network.connect("Nowhere-5G", "whatever123")
    assert not (await cam.network.wifi_status()).connected
    status = await cam.network.connect(OFFICE.ssid, OFFICE.password)
    assert (status.connected, status.ssid, status.bssid) == (True, OFFICE.ssid, OFFICE.bssid)
    assert status.ipv4 == "192.168.50.123"
    sent = [e.body for e in device.camera.log if e.call == ("POST", "/network/wifi")][-1]
    assert sent["sBssid"] == OFFICE.bssid and sent["sSsid"] == OFFICE.ssid


async def test_a_connect_that_times_out_with_the_right_password_fails(make_camera, make_client):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    assert httpx.post(device.url + "/__sim__/faults", json={"wifi_connect_timeout": True}).json()["code"] == 0
    with pytest.raises(DeviceApiError, match="connect timeout") as info:
        await cam.network.connect(OFFICE.ssid, OFFICE.password)
    assert "not in the camera's scan" not in str(info.value) and OFFICE.password not in str(info.value)
    assert not (await cam.network.wifi_status()).connected
    assert (await cam.network.connect(OFFICE.ssid, OFFICE.password)).connected, "only that connect failed"


@pytest.mark.parametrize(("ssid", "password", "field"), [("", None, "ssid"), ("Seeed-Office", "short", "password")])
async def test_bad_input_is_refused_before_any_request(make_camera, make_client, ssid, password, field):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    with pytest.raises(ValidationError) as info:
        await cam.network.connect(ssid, password)
    assert info.value.field == field
    assert ("POST", "/network/wifi") not in device.camera.calls()


async def test_a_secured_network_needs_a_password(make_camera, make_client):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    with pytest.raises(ValidationError, match="secured"):
        await cam.network.connect(OFFICE.ssid)
    assert ("POST", "/network/wifi") not in device.camera.calls()


async def test_forget_and_power(make_camera, make_client):
    cam: ReCameraClient = make_client(make_camera())
    await cam.network.connect(OFFICE.ssid, OFFICE.password)
    assert next(n for n in await cam.network.scan() if n.ssid == OFFICE.ssid).saved
    status = await cam.network.forget(OFFICE.ssid)
    assert not status.connected
    with pytest.raises(DeviceApiError, match="not saved"):
        await cam.network.forget(OFFICE.ssid)
    off = await cam.network.power(False)
    assert not off.powered and not off.connected
    with pytest.raises(DeviceApiError, match="powered off"):
        await cam.network.scan()
    assert (await cam.network.power(True)).powered


async def test_a_client_on_the_wifi_link_is_told_what_would_cut_it(make_camera, make_client):
    device = make_camera(host=WIFI_HOST, wifi_ipv4=WIFI_HOST)
    cam: ReCameraClient = make_client(device)
    before = await cam.network.wifi_status()
    assert cam.network.may_cut_link("power_off", before) is None, "no Wi-Fi link yet"
    status = await cam.network.connect(OFFICE.ssid, OFFICE.password)
    assert status.link == "wifi"
    for action, ssid in (("power_off", None), ("forget", OFFICE.ssid), ("connect", "Lab-2.4G")):
        reason = cam.network.may_cut_link(action, status, ssid)
        assert reason is not None and "over its Wi-Fi" in reason, action
    assert cam.network.may_cut_link("forget", status, "Seeed-Guest") is None, "another saved network"
    assert cam.network.may_cut_link("power_on", status) is None


def test_link_of():
    assert link_of("192.168.1.100", "192.168.1.100", "192.168.50.123") == "lan"
    assert link_of("192.168.50.123", "192.168.1.100", "192.168.50.123") == "wifi"
    assert link_of("camera.local", "192.168.1.100", "192.168.50.123") == "unknown"
    assert link_of("10.0.0.9", "192.168.1.100", None) == "unknown"
