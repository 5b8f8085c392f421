"""The simulator's maintenance endpoints: reboot, factory reset, firmware upgrade, config export/import, Wi-Fi."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Callable

import httpx
import pytest

from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS, LATEST_RELEASES
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import CGI, PASSWORD, raw_login, raw_session

FW = "/system/firmware-upgrade"
REBOOT_S = 1.0
"""Down time of a test reboot: long enough that polling sees the device down even on a loaded machine."""


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached before the deadline"
        time.sleep(0.02)


def is_up(url: str) -> bool:
    try:
        return httpx.get(url + CGI + "/system/key", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_reboot(url: str) -> None:
    """Poll until the device refused a connection once, then until it answers again."""
    wait_for(lambda: not is_up(url))
    wait_for(lambda: is_up(url))


def upload(http: httpx.Client, path: str, blob: bytes, md5: str | None = None, **params: str) -> httpx.Response:
    begin = http.post(path, params={"upload-type": "resumable"}, headers={"File-Size": str(len(blob))})
    upload_id = begin.headers["File-Id"]
    half = len(blob) // 2
    for first, last in ((0, half - 1), (half, len(blob) - 1)):
        http.post(
            path,
            params={"id": upload_id},
            content=blob[first : last + 1],
            headers={"Content-Range": f"bytes {first}-{last}/{len(blob)}"},
        )
    params = {"start": upload_id, "md5sum": md5 or hashlib.md5(blob).hexdigest(), **params}
    return http.post(path, params=params)


def make_tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def test_reboot_goes_down_then_back_with_sessions_invalidated(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    with raw_session(cam.url) as http:
        assert http.post("/system/reboot").json() == {"code": 0, "message": "success"}
        wait_reboot(cam.url)
        stale = http.get("/system/device-info")
        assert stale.status_code == 401 and stale.json()["code"] == 401
    assert raw_login(cam.url)[0]["iAuth"] == 1


def test_a_camera_removed_while_rebooting_stays_gone(sim_fleet):
    cam = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD, reboot_s=REBOOT_S))
    cam.camera.reboot()
    wait_for(lambda: not is_up(cam.url))
    sim_fleet.remove(cam)
    reboot = cam._reboot
    assert reboot is not None and reboot.cancelled(), "the reboot was cancelled, not left to bring the camera back"
    cam.camera.reboot()  # a late reboot request (e.g. from a background task) must not start another one
    sim_fleet._run(asyncio.sleep(0))  # the loop has handled the request scheduled before this
    assert cam._reboot is reboot and not is_up(cam.url)


def test_factory_reset_is_two_phase(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    with raw_session(cam.url) as http:
        assert http.post("/system/secure", json={"sEnable": True}).json()["code"] == 0
        first = http.post("/system/factory-reset").json()
        assert first["code"] == 0 and len(first["sConfirmToken"]) >= 16
        assert http.get("/system/secure").json() == {"sEnable": True}, "no token: nothing reset"
        wrong = http.post("/system/factory-reset", json={"sConfirmToken": "not-the-token"})
        assert wrong.json()["code"] != 0 and http.get("/system/secure").json() == {"sEnable": True}
        done = http.post("/system/factory-reset", json={"sConfirmToken": first["sConfirmToken"]})
        assert done.json()["code"] == 0
    wait_reboot(cam.url)
    body, token = raw_login(cam.url, PASSWORD)
    assert body["iAuth"] == 2 and token, "the factory password comes back with must-change"
    assert cam.camera.config("/system/secure") == {"sEnable": False}


def test_factory_reset_token_expires_and_is_single_use(make_camera):
    cam = make_camera(factory_reset_token_ttl_s=0)
    with raw_session(cam.url) as http:
        token = http.post("/system/factory-reset").json()["sConfirmToken"]
        expired = http.post("/system/factory-reset", json={"sConfirmToken": token})
        assert expired.status_code == 403 and "expired" in expired.json()["message"]
        assert not cam.camera.auth.must_change


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
def test_network_firmware_upgrade_progresses_to_success(make_camera, firmware):
    cam = make_camera(upload_progress_s=0.3, firmware=firmware)
    current, latest = FIRMWARE_VERSIONS[firmware], LATEST_RELEASES[firmware]
    with raw_session(cam.url) as http:
        assert http.get(FW).json() == {"sStatus": "idle", "iTotal": 0.0, "iCurrent": 0.0, "iPercent": 0}
        bad = http.post(FW, params={"upload-type": "network"}, json={"sReleaseURL": "https://example.com/x"})
        assert bad.json()["message"] == "Invalid sReleaseURL, expected GitHub repo URL"
        check = http.post(FW, params={"upload-type": "network"}).json()
        assert check["iUpdateAvailable"] == 1 and check["sCurrentVersion"] == current
        assert check["sLatestVersion"] == latest
        started = http.post(FW, params={"upload-type": "network"}, json={"sConfirmToken": check["sConfirmToken"]})
        assert started.json() == {"code": 0, "message": "Download started"}
        reused = http.post(FW, params={"upload-type": "network"}, json={"sConfirmToken": check["sConfirmToken"]})
        assert reused.json()["code"] != 0
        wait_for(lambda: http.get(FW).json()["sStatus"] == "success")
        final = http.get(FW).json()
        assert final["iPercent"] == 100 and final["iCurrent"] == final["iTotal"] > 0
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == latest
        assert http.get("/system/version").json() == {"sCurrentVersion": latest}
        again = http.post(FW, params={"upload-type": "network"}).json()
        assert again["iUpdateAvailable"] == 0


def test_firmware_download_busy_and_cancel(make_camera):
    cam = make_camera(upload_progress_s=600)
    with raw_session(cam.url) as http:
        tokens = [http.post(FW, params={"upload-type": "network"}).json()["sConfirmToken"] for _ in range(2)]
        assert http.post(FW, json={"sConfirmToken": tokens[0]}).json()["code"] == 0
        running = http.get("/system/firmware-download-progress").json()
        assert running["sStatus"] == "downloading" and running["iPercent"] < 100
        busy = http.post(FW, json={"sConfirmToken": tokens[1]})
        assert busy.json()["message"] == "A download is already in progress"
        assert http.post("/system/firmware-download-cancel").json()["message"] == "Download cancelled"
        assert http.get(FW).json()["sStatus"] == "idle"
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == FIRMWARE_VERSIONS["2026"]


def test_local_firmware_upload_checks_md5_and_content(make_camera):
    cam = make_camera(upload_progress_s=0.3)
    image = make_tar({"boot.img": b"b" * 500, "rootfs.img": b"r" * 700, "RK_OTA_update.sh": b"#!/bin/sh\n"})
    versioned = make_tar(
        {"boot.img": b"b", "rootfs.img": b"r", "RK_OTA_update.sh": b"#!/bin/sh\n", "ota_version": b"V2.0.0\n"}
    )
    with raw_session(cam.url) as http:
        assert upload(http, FW, image, md5="f" * 32).json()["message"] == "MD5 checksum mismatch"
        partial = make_tar({"boot.img": b"b", "RK_OTA_update.sh": b"x"})
        assert upload(http, FW, partial).json()["message"] == "Invalid firmware: Missing rootfs.img"
        assert http.get(FW).json()["sStatus"] == "idle"
        assert upload(http, FW, versioned).json()["code"] == 0
        wait_for(lambda: http.get(FW).json()["sStatus"] == "success")
        assert http.get(FW).json()["iTotal"] == len(versioned)
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == "V2.0.0"


def test_config_export_is_a_tar_of_the_configs(camera):
    with raw_session(camera.url) as http:
        assert http.post("/notify/cfg", json={"iMode": 2, "dHttp": {"sUrl": "http://hook"}}).json()["code"] == 0
        export = http.get("/config/export").json()
        assert export["url"] == "/download/config.tar"
        assert httpx.get(camera.url + export["url"]).status_code == 401
        raw = httpx.get(camera.url + export["url"], cookies=dict(http.cookies))
        assert raw.status_code == 200 and len(raw.content) == export["size"]
        with tarfile.open(fileobj=io.BytesIO(raw.content)) as tar:
            notify = json.loads(tar.extractfile("notify/cfg.json").read())  # type: ignore[union-attr]
            assert notify["iMode"] == 2 and notify["dHttp"]["sUrl"] == "http://hook"
            assert "network/lan.json" in tar.getnames()


def test_config_import_waits_for_reboot(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    with raw_session(cam.url) as http:
        http.post("/notify/cfg", json={"iMode": 2, "dHttp": {"sUrl": "http://hook"}})
        http.get("/config/export")
        archive = httpx.get(cam.url + "/download/config.tar", cookies=dict(http.cookies)).content
        http.post("/notify/cfg", json={"iMode": 0})
        broken = make_tar({"notify/cfg.json": json.dumps({"iMode": 9}).encode()})
        assert upload(http, "/config/upload", broken).json()["message"].startswith("Invalid config archive")
        assert upload(http, "/config/upload", archive).json() == {
            "code": 0,
            "message": "config import pending reboot",
        }
        assert http.get("/notify/cfg").json()["iMode"] == 0, "not applied before the reboot"
        http.post("/system/reboot")
    wait_reboot(cam.url)
    with raw_session(cam.url) as http:
        assert http.get("/notify/cfg").json()["dHttp"]["sUrl"] == "http://hook"


def test_wifi_power_scan_connect_and_forget(camera):
    with raw_session(camera.url) as http:
        assert http.get("/network/wifi-status").json() == {"iPower": 1, "iId": 1, "sType": "wifi"}
        bad = http.post("/network/wifi-status", params={"power": "maybe"}).json()
        assert bad["message"] == "invalid power value: use 'on' or 'off'"
        assert http.post("/network/wifi-status", params={"power": "off"}).json()["message"] == "power off success"
        assert http.get("/network/wifi-list").json()["code"] != 0
        http.post("/network/wifi-status", params={"power": "on"})
        scan = {n["sSsid"]: n for n in http.get("/network/wifi-list").json()}
        office = scan["Seeed-Office"]
        assert office["sConnected"] == "false" and office["sReserved"] == "false"
        wrong = http.post("/network/wifi", json={"sBssid": office["sBssid"], "sPassword": "nope"}).json()
        assert wrong["status"] == -2
        assert http.post("/network/wifi", json={"sSsid": "Nowhere", "sPassword": "x"}).json()["status"] == -1
        ok = http.post("/network/wifi", json={"sSsid": "Seeed-Office", "sPassword": "Office#Wifi1"}).json()
        assert ok == {"code": 0, "message": "Wifi connect success", "status": 0}
        assert http.get("/network/wifi").json()["dLink"]["sSsid"] == "Seeed-Office"
        scan = {n["sSsid"]: n for n in http.get("/network/wifi-list").json()}
        assert scan["Seeed-Office"]["sConnected"] == "true" and scan["Seeed-Office"]["sReserved"] == "true"
        assert http.delete("/network/wifi", params={"disconnect": "Seeed-Office"}).json()["code"] == 0
        assert http.get("/network/wifi").json()["dIpv4"]["sV4Address"] == ""
        assert http.delete("/network/wifi", params={"Ignore": "Seeed-Office"}).json()["message"] == "ignore success"
        again = http.delete("/network/wifi", params={"ignore": "Seeed-Office"}).json()
        assert again["message"] == "ignore failed - maybe the ssid is not saved"


def test_a_camera_whose_port_is_taken_during_a_reboot_says_so(make_camera, caplog):
    import logging
    import socket

    from recamera_mcp.simulator.fleet import bind_socket

    cam = make_camera(reboot_s=1.0)
    caplog.set_level(logging.ERROR, logger="recamera_mcp.simulator.fleet")
    cam.camera.reboot()
    deadline = time.monotonic() + 5
    squatter: socket.socket | None = None
    while squatter is None:
        assert time.monotonic() < deadline, "the camera never went down"
        try:
            squatter = bind_socket(cam.host, cam.port)
        except OSError:
            time.sleep(0.02)
    try:
        while "cannot come back after the reboot" not in caplog.text:
            assert time.monotonic() < deadline + 5, "no error was reported"
            time.sleep(0.02)
        assert not cam.up.is_set()
    finally:
        squatter.close()
