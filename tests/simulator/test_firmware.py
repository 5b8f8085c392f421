"""Firmware life-cycle over real sockets: check, confirm, progress, then the camera installs (down) and comes back."""

from __future__ import annotations

import time

import httpx

from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS, LATEST_RELEASES
from recamera_mcp.simulator.testing import raw_login, raw_session
from tests.simulator.helpers import is_up, make_tar, upload, wait_for, wait_reboot

FW = "/system/firmware-upgrade"
PROGRESS = "/system/firmware-download-progress"
LIFECYCLE = {"upload_progress_s": 1.0, "firmware_success_s": 1.0, "install_s": 1.0}
"""Timers of a test upgrade: each phase lasts long enough that a 20 ms poll sees it on a loaded machine."""
ORDER = ["idle", "starting", "downloading", "success"]
INSTALLED, LATEST = FIRMWARE_VERSIONS["2026"], LATEST_RELEASES["2026"]
"""Versions of a default (2026) camera before and after the network upgrade."""


def poll_until_down(url: str, http: httpx.Client) -> list[dict]:
    """Progress answers until the camera stops answering (it went down to install)."""
    seen: list[dict] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            seen.append(http.get(PROGRESS).json())
        except httpx.TransportError:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"the camera never went down; last progress {seen[-1:]}")


def assert_ordered(seen: list[dict]) -> None:
    statuses = [answer["sStatus"] for answer in seen]
    ranks = [ORDER.index(status) for status in statuses]
    assert ranks == sorted(ranks), statuses
    assert {"downloading", "success"} <= set(statuses), statuses
    percents = [answer["iPercent"] for answer in seen]
    assert percents == sorted(percents) and percents[-1] == 100, percents
    assert seen[-1]["iCurrent"] == seen[-1]["iTotal"] > 0


def test_network_upgrade_installs_then_comes_back_with_the_new_version(make_camera):
    cam = make_camera(**LIFECYCLE)
    with raw_session(cam.url) as http:
        assert http.get(PROGRESS).json() == {"sStatus": "idle", "iTotal": 0.0, "iCurrent": 0.0, "iPercent": 0}
        for url in ("https://example.com/x", "https://user:pw@github.com/a/b", "ftp://github.com/a/b"):
            bad = http.post(FW, params={"upload-type": "network"}, json={"sReleaseURL": url})
            assert bad.json()["message"] == "Invalid sReleaseURL, expected GitHub repo URL", url
        plain = http.post(FW, params={"upload-type": "network"}, json={"sReleaseURL": "http://github.com/a/b"})
        assert plain.json()["code"] == 0
        check = http.post(FW, params={"upload-type": "network"}).json()
        assert check["iUpdateAvailable"] == 1 and check["sUpdating"] is False
        assert (check["sCurrentVersion"], check["sLatestVersion"]) == (INSTALLED, LATEST)
        started = http.post(FW, params={"upload-type": "network"}, json={"sConfirmToken": check["sConfirmToken"]})
        assert started.json() == {"code": 0, "message": "Download started"}
        again = http.post(FW, params={"upload-type": "network"}).json()
        assert again["sUpdating"] is True and again["sConfirmToken"] == "", "running: go straight to polling"
        reused = http.post(FW, json={"sConfirmToken": check["sConfirmToken"]})
        assert reused.status_code == 403
        assert_ordered(poll_until_down(cam.url, http))
        wait_for(lambda: is_up(cam.url))
        stale = http.get("/system/device-info")
        assert stale.status_code == 401, "the install invalidated every session"
    with raw_session(cam.url) as http:
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == LATEST
        assert http.get("/system/version").json() == {"sCurrentVersion": LATEST}
        assert http.get(PROGRESS).json()["sStatus"] == "idle"
        after = http.post(FW, params={"upload-type": "network"}).json()
        assert after["iUpdateAvailable"] == 0 and after["sUpdating"] is False


def test_a_fault_makes_the_next_download_fail(make_camera):
    cam = make_camera(**LIFECYCLE)
    assert httpx.post(cam.url + "/__sim__/faults", json={"firmware_fail": True}).json()["code"] == 0
    with raw_session(cam.url) as http:
        token = http.post(FW, params={"upload-type": "network"}).json()["sConfirmToken"]
        assert http.post(FW, json={"sConfirmToken": token}).json()["code"] == 0
        wait_for(lambda: http.get(PROGRESS).json()["sStatus"] == "error")
        failed = http.get(FW).json()
        assert failed["iPercent"] == 50 and failed["iCurrent"] < failed["iTotal"]
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == INSTALLED
        retry = http.post(FW, params={"upload-type": "network"}).json()
        assert retry["sUpdating"] is False and retry["sConfirmToken"], "an error ends the upgrade"
        assert http.post(FW, json={"sConfirmToken": retry["sConfirmToken"]}).json()["code"] == 0
        assert_ordered(poll_until_down(cam.url, http))
    wait_for(lambda: is_up(cam.url))
    with raw_session(cam.url) as http:
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == LATEST, "one fault, one failure"


def test_firmware_download_busy_and_cancel(make_camera):
    cam = make_camera(upload_progress_s=600)
    with raw_session(cam.url) as http:
        tokens = [http.post(FW, params={"upload-type": "network"}).json()["sConfirmToken"] for _ in range(2)]
        assert http.post(FW, json={"sConfirmToken": tokens[0]}).json()["code"] == 0
        running = http.get(PROGRESS).json()
        assert running["sStatus"] in ("starting", "downloading") and running["iPercent"] < 100
        busy = http.post(FW, json={"sConfirmToken": tokens[1]})
        assert busy.json()["message"] == "A download is already in progress"
        assert http.post("/system/firmware-download-cancel").json()["message"] == "Download cancelled"
        assert http.get(FW).json()["sStatus"] == "idle"
        assert http.post(FW, params={"upload-type": "network"}).json()["sUpdating"] is False
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == INSTALLED


def test_local_firmware_upload_checks_md5_and_content_then_installs(make_camera):
    cam = make_camera(**LIFECYCLE)
    image = make_tar({"boot.img": b"b" * 500, "rootfs.img": b"r" * 700, "RK_OTA_update.sh": b"#!/bin/sh\n"})
    versioned = make_tar(
        {"boot.img": b"b", "rootfs.img": b"r", "RK_OTA_update.sh": b"#!/bin/sh\n", "ota_version": b"V2.0.0\n"}
    )
    with raw_session(cam.url) as http:
        assert upload(http, FW, image, md5="f" * 32).json()["message"] == "MD5 checksum mismatch"
        for missing in ("boot.img", "rootfs.img", "RK_OTA_update.sh"):
            files = {"boot.img": b"b", "rootfs.img": b"r", "RK_OTA_update.sh": b"x"}
            del files[missing]
            assert upload(http, FW, make_tar(files)).json()["message"] == f"Invalid firmware: Missing {missing}"
        assert upload(http, FW, b"not a tar at all").json()["message"] == "Invalid firmware: not a tar archive"
        assert http.get(FW).json()["sStatus"] == "idle"
        assert upload(http, FW, versioned).json() == {"code": 0, "message": "Upgrade started"}
        seen = poll_until_down(cam.url, http)
        assert_ordered(seen)
        assert seen[-1]["iTotal"] == len(versioned)
    wait_for(lambda: is_up(cam.url))
    body, token = raw_login(cam.url)
    assert token, body
    info = httpx.get(cam.url + "/cgi-bin/entry.cgi/system/device-info", cookies={"token": token}).json()
    assert info["sFirmwareVersion"] == "V2.0.0"


def test_a_reboot_during_a_download_drops_it(make_camera):
    cam = make_camera(upload_progress_s=600, reboot_s=1.0)
    with raw_session(cam.url) as http:
        token = http.post(FW, params={"upload-type": "network"}).json()["sConfirmToken"]
        http.post(FW, json={"sConfirmToken": token})
        http.post("/system/reboot")
    wait_reboot(cam.url)
    with raw_session(cam.url) as http:
        assert http.get(PROGRESS).json()["sStatus"] == "idle"
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == INSTALLED
