"""Storage: slot status, every storage action and its precondition, the file relay (listing, Range, expiry,
refresh, traversal), thumbnails, and the per-device folder's lifetime."""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import time
from http.client import HTTPConnection

import cv2
import httpx
import numpy as np
import pytest

from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from recamera_mcp.simulator.samples import thumb_path
from recamera_mcp.simulator.schemas.recording import EMMC_DEV_PATH, EMMC_UUID, SD_DEV_PATH, SD_UUID
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import PASSWORD, raw_login, raw_session
from tests.simulator.helpers import CONTROL, FIRMWARES, REBOOT_S, long_action, reboot, run_long_action

RFC1123 = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
SLOT_FIELDS = {
    "sDevPath", "sMountPath", "bRemovable", "bInternal", "sLabel", "sUUID", "sType", "bSelected", "bEnabled",
    "bSyncing", "bWriting", "bRotating", "eState", "sState", "iStatsSizeBytes", "iStatsFreeBytes",
    "iQuotaMinimumRecommendBytes", "iQuotaPreservedBytes", "iQuotaUsedBytes", "iQuotaLimitBytes", "bQuotaRotate",
    "dRelayStatus",
}  # fmt: skip


def _slots(http: httpx.Client) -> dict[str, dict]:
    return {slot["sDevPath"]: slot for slot in http.get("/record/storage/status").json()["lSlots"]}


def _relay(http: httpx.Client, **extra) -> str:
    answer = http.post(CONTROL, json={"sAction": "RELAY", **extra}).json()
    assert answer["code"] == 0, answer
    return answer["dRelayStatus"]["sRelayDirectory"]


def _raw(http: httpx.Client, base_url: str) -> httpx.Client:
    """A client on the raw base (``/storage/relay/...``) with the same token."""
    return httpx.Client(base_url=base_url, cookies=http.cookies, timeout=30)


def test_status_has_both_slots_with_every_field(camera):
    with raw_session(camera.url) as http:
        status = http.get("/record/storage/status").json()
        assert status["sDataDirName"] == "DCIM" and isinstance(status["iRevision"], int)
        slots = _slots(http)
        assert set(slots) == {EMMC_DEV_PATH, SD_DEV_PATH}
        for slot in slots.values():
            assert set(slot) == SLOT_FIELDS
            assert set(slot["dRelayStatus"]) == {"iRelayTimeoutRemain", "iRelayTimeout", "sRelayDirectory"}
        sd, emmc = slots[SD_DEV_PATH], slots[EMMC_DEV_PATH]
        assert (sd["eState"], sd["sState"], sd["bSelected"], sd["bEnabled"]) == (8, "READY", True, True)
        assert (emmc["eState"], emmc["sState"], emmc["bInternal"], emmc["bRemovable"]) == (5, "MOUNTED", True, False)
        assert sd["iQuotaUsedBytes"] > 0 and emmc["iQuotaUsedBytes"] == 0, "the SD card holds the samples"
        assert sd["iStatsFreeBytes"] == sd["iStatsSizeBytes"] - sd["iQuotaUsedBytes"] - 3_145_728
        _relay(http)
        assert http.get("/record/storage/status").json()["iRevision"] > status["iRevision"]


def test_storage_config_selects_a_slot(camera):
    with raw_session(camera.url) as http:
        config = "/record/storage/config"
        assert http.get(config).json() == {"dSelectSlotToEnable": {"sByDevPath": SD_DEV_PATH, "sByUUID": SD_UUID}}
        assert http.post(config, json={"dSelectSlotToEnable": {"sByUUID": EMMC_UUID}}).json()["code"] == 0
        slots = _slots(http)
        assert slots[EMMC_DEV_PATH]["eState"] == 8 and slots[EMMC_DEV_PATH]["bSelected"]
        assert slots[SD_DEV_PATH]["eState"] == 5 and not slots[SD_DEV_PATH]["bSelected"]
        assert http.get(config).json()["dSelectSlotToEnable"] == {"sByDevPath": "", "sByUUID": EMMC_UUID}
        assert http.post(config, json={"dSelectSlotToEnable": None}).json()["code"] == 0
        assert http.get(config).json() == {"dSelectSlotToEnable": None}
        assert not any(slot["bEnabled"] for slot in _slots(http).values())
        assert http.post(CONTROL, json={"sAction": "RELAY"}).json()["code"] == 30001, "no slot selected"
        for bad in (
            {"dSelectSlotToEnable": {"sByDevPath": "/dev/sdz9"}},
            {"dSelectSlotToEnable": {"sByDevPath": SD_DEV_PATH, "sByUUID": EMMC_UUID}},
            {"dSelectSlotToEnable": {"sByName": "x"}},
            {"dSelectSlotToEnable": "sd"},
            {"other": 1},
        ):
            assert http.post(config, json=bad).json()["code"] == 30022, bad
        assert http.post(config, json={}).json()["code"] == 0, "an empty write restores the default selection"
        assert _slots(http)[SD_DEV_PATH]["eState"] == 8


def test_relay_listing_is_nginx_autoindex_json(camera):
    with raw_session(camera.url) as http, _raw(http, camera.url) as raw:
        uuid = _relay(http)
        top = raw.get(f"/storage/relay/{uuid}/")
        assert top.status_code == 200 and top.headers["content-type"].startswith("application/json")
        days = top.json()
        assert len(days) == 3 and all(e["type"] == "directory" and "size" not in e for e in days)
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["name"]) and RFC1123.fullmatch(e["mtime"]) for e in days)
        entries = raw.get(f"/storage/relay/{uuid}/{days[0]['name']}/").json()
        assert entries and all(set(e) == {"name", "type", "mtime", "size"} and e["type"] == "file" for e in entries)
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}-\d{2}-\d{2} \d{5}\.(mp4|jpg)", e["name"]) for e in entries)
        assert {e["name"].rsplit(".", 1)[1] for e in entries} == {"mp4", "jpg"}
        assert not any(e["name"].startswith(".") for e in entries), "nginx hides dot files such as .thumb"
        moved = raw.get(f"/storage/relay/{uuid}/{days[0]['name']}", follow_redirects=False)
        assert moved.status_code == 301 and moved.headers["location"].endswith("/")
        assert raw.get(f"/storage/relay/{uuid}/no-such-day/").status_code == 404
        assert httpx.get(f"{camera.url}/storage/relay/{uuid}/").status_code == 401, "the relay needs the token"


def test_download_with_range_and_content_types(camera):
    area = storage_area(camera.camera)
    with raw_session(camera.url) as http, _raw(http, camera.url) as raw:
        uuid = _relay(http)
        day = raw.get(f"/storage/relay/{uuid}/").json()[-1]["name"]
        entries = raw.get(f"/storage/relay/{uuid}/{day}/").json()
        video = next(e for e in entries if e["name"].endswith(".mp4"))
        snapshot = next(e for e in entries if e["name"].endswith(".jpg"))
        url = f"/storage/relay/{uuid}/{day}/{video['name']}"
        whole = raw.get(url)
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        assert len(whole.content) == video["size"]
        assert whole.content == (area.data_dir() / day / video["name"]).read_bytes()
        part = raw.get(url, headers={"Range": "bytes=100-"})
        assert part.status_code == 206 and part.content == whole.content[100:]
        assert part.headers["content-range"] == f"bytes 100-{video['size'] - 1}/{video['size']}"
        assert raw.get(url, headers={"Range": f"bytes={video['size'] + 10}-"}).status_code == 416
        jpeg = raw.get(f"/storage/relay/{uuid}/{day}/{snapshot['name']}")
        assert jpeg.headers["content-type"] == "image/jpeg" and jpeg.content[:2] == b"\xff\xd8"
        frame = cv2.imdecode(np.frombuffer(jpeg.content, np.uint8), cv2.IMREAD_COLOR)
        assert frame is not None and frame.shape == (120, 160, 3)
    capture = cv2.VideoCapture(str(area.data_dir() / day / video["name"]))
    ok, frame = capture.read()
    capture.release()
    assert ok and frame.shape == (120, 160, 3), "the sample video is a real MP4"


def test_large_recording_resumes_with_range(camera):
    area = storage_area(camera.camera)
    rel = area.add_recording(50 * 1024 * 1024)
    path = area.data_dir() / rel
    assert path.stat().st_size == 50 * 1024 * 1024
    with raw_session(camera.url) as http, _raw(http, camera.url) as raw:
        uuid = _relay(http)
        url = f"/storage/relay/{uuid}/{rel}"
        offset = 37 * 1024 * 1024 + 5
        with raw.stream("GET", url, headers={"Range": f"bytes={offset}-"}) as response:
            assert response.status_code == 206
            received = b"".join(response.iter_bytes())
        with path.open("rb") as stored:
            stored.seek(offset)
            assert received == stored.read()
        assert received[:64] != received[1 << 20 : (1 << 20) + 64], "the content depends on the offset"


def test_thumbnails_present_for_some_videos_only(camera):
    with raw_session(camera.url) as http, _raw(http, camera.url) as raw:
        uuid = _relay(http)
        found = {True: 0, False: 0}
        for day in raw.get(f"/storage/relay/{uuid}/").json():
            for entry in raw.get(f"/storage/relay/{uuid}/{day['name']}/").json():
                if entry["name"].endswith(".mp4"):
                    thumb = raw.get(f"/storage/relay/{uuid}/{thumb_path(day['name'] + '/' + entry['name'])}")
                    present = thumb.status_code == 200
                    assert present or thumb.status_code == 404
                    if present:
                        assert thumb.headers["content-type"] == "image/jpeg"
                    found[present] += 1
            listing = raw.get(f"/storage/relay/{uuid}/{day['name']}/.thumb/")
            assert listing.status_code == 200 and all(e["name"].endswith(".mp4.thumb.jpg") for e in listing.json())
        assert found[True] > 0 and found[False] > 0, found


def test_traversal_is_refused_in_every_encoding(camera):
    area = storage_area(camera.camera)
    os.symlink("/etc", area.data_dir() / "escape")
    (area.data_dir().parent / "secret.txt").write_text("outside the data dir")
    with raw_session(camera.url) as http:
        uuid = _relay(http)
        token = http.cookies["token"]
    attempts = [
        "../secret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt", "..%2fsecret.txt", ".%2e/secret.txt",
        "//etc/passwd", "%2fetc%2fpasswd", "..%5csecret.txt", "%00", "a/../../secret.txt",
        "%252e%252e/secret.txt", "escape/passwd", "escape/", "./../secret.txt",
        "a" * 300, "a" * 300 + "/", "/".join(["b" * 255] * 20),  # names too long to open: 404, no crash
    ]  # fmt: skip
    connection = HTTPConnection(camera.host, camera.port, timeout=10)
    try:
        for attempt in attempts:
            connection.request("GET", f"/storage/relay/{uuid}/{attempt}", headers={"Cookie": f"token={token}"})
            response = connection.getresponse()
            body = response.read()
            assert response.status in (400, 404), (attempt, response.status)
            assert b"root:" not in body and b"outside the data dir" not in body, attempt
            assert body.startswith(b"{") and b'"code"' in body, attempt
    finally:
        connection.close()


def test_relay_expires_and_is_refreshed_by_use_and_by_asking(make_camera):
    cam = make_camera()
    area = storage_area(cam.camera)
    with raw_session(cam.url) as http, _raw(http, cam.url) as raw:
        uuid = _relay(http)
        area.relays[SD_DEV_PATH].last_used -= 250
        status = http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["dRelayStatus"]
        assert status["sRelayDirectory"] == uuid and 45 <= status["iRelayTimeoutRemain"] <= 50
        assert raw.get(f"/storage/relay/{uuid}/").status_code == 200
        status = http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["dRelayStatus"]
        assert status["iRelayTimeoutRemain"] == 300 == status["iRelayTimeout"], "use refreshes the relay"
        area.relays[SD_DEV_PATH].last_used -= 250
        assert _relay(http) == uuid, "asking again keeps the live directory"
        assert http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["dRelayStatus"]["iRelayTimeoutRemain"] == 300
        area.relays[SD_DEV_PATH].last_used -= 301
        gone = raw.get(f"/storage/relay/{uuid}/")
        assert gone.status_code == 404 and gone.json()["code"] == 404
        assert http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["dRelayStatus"]["sRelayDirectory"] == ""
        fresh = _relay(http)
        assert fresh != uuid and raw.get(f"/storage/relay/{fresh}/").status_code == 200
        fault = httpx.post(f"{cam.url}/__sim__/faults", json={"relay_expire": True})
        assert fault.json()["code"] == 0
        assert raw.get(f"/storage/relay/{fresh}/").status_code == 404
        again = _relay(http)
        assert http.post(CONTROL, json={"sAction": "UNRELAY"}).json()["code"] == 0
        assert raw.get(f"/storage/relay/{again}/").status_code == 404


def test_relay_timeout_setting_expires_in_real_time(make_camera):
    cam = make_camera(relay_timeout_s=1.0)  # the first GET must fall inside it
    with raw_session(cam.url) as http, _raw(http, cam.url) as raw:
        uuid = _relay(http)
        assert http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["dRelayStatus"]["iRelayTimeout"] == 1
        assert raw.get(f"/storage/relay/{uuid}/").status_code == 200
        deadline = time.monotonic() + 5
        while http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["dRelayStatus"]["sRelayDirectory"]:
            assert time.monotonic() < deadline, "the relay never expired"  # RELAY_STATUS does not refresh it
        assert raw.get(f"/storage/relay/{uuid}/").json()["code"] == 404


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_actions_need_a_configured_slot(make_camera, firmware):
    camera = make_camera(firmware=firmware)
    with raw_session(camera.url) as http:
        for action in ({"sAction": "RELAY"}, {"sAction": "CONFIG", "dSlotConfig": {}}):
            answer = http.post(CONTROL, json={**action, "sSlotDevPath": EMMC_DEV_PATH}).json()
            assert answer["code"] == 30001 and "CONFIGURED" in answer["message"], action
        answer = long_action(http, firmware, {"sAction": "FREE_UP", "sSlotDevPath": EMMC_DEV_PATH})
        assert answer["code"] == 30001 and "CONFIGURED" in answer["message"], "checked when submitted"
        remove = {"sAction": "REMOVE_FILES_OR_DIRECTORIES", "lFilesOrDirectoriesToRemove": ["x"]}
        assert http.post(CONTROL, json={**remove, "sSlotDevPath": EMMC_DEV_PATH}).json()["code"] == 30001
        storage_area(camera.camera).set_slot(SD_DEV_PATH, state=SlotState.MOUNTED)
        assert http.post(CONTROL, json={"sAction": "RELAY"}).json()["code"] == 30001
        assert http.post(CONTROL, json={"sAction": "RELAY_STATUS"}).json()["code"] == 0
        for bad in (
            {"sAction": "DELETE"},
            {"sAction": "RELAY", "x": 1},
            {"sAction": "RELAY", "sSlotDevPath": "/dev/x"},
        ):
            assert http.post(CONTROL, json=bad).json()["code"] == 30022, bad


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_eject_format_and_config(make_camera, firmware):
    camera = make_camera(firmware=firmware, storage_task_s=0)
    area = storage_area(camera.camera)
    with raw_session(camera.url) as http, _raw(http, camera.url) as raw:
        eject_internal = http.post(CONTROL, json={"sAction": "EJECT", "sSlotDevPath": EMMC_DEV_PATH}).json()
        assert eject_internal["code"] == 30001
        config = {"sAction": "CONFIG", "dSlotConfig": {"iQuotaLimitBytes": 1 << 30, "bQuotaRotate": False}}
        assert http.post(CONTROL, json=config).json()["code"] == 0
        sd = _slots(http)[SD_DEV_PATH]
        assert (sd["iQuotaLimitBytes"], sd["bQuotaRotate"]) == (1 << 30, False)
        for bad in ({"iQuotaLimitBytes": -2}, {"bQuotaRotate": 1}, {"iLimit": 3}):
            assert http.post(CONTROL, json={"sAction": "CONFIG", "dSlotConfig": bad}).json()["code"] == 30022, bad

        uuid = _relay(http)
        assert run_long_action(http, firmware, {"sAction": "FORMAT"})["code"] == 0
        sd = _slots(http)[SD_DEV_PATH]
        assert sd["eState"] == 8 and sd["iQuotaUsedBytes"] == 0
        if firmware == "2026":
            assert raw.get(f"/storage/relay/{uuid}/").status_code == 404, "the slot was FORMATTING: relay dropped"
            uuid = _relay(http)
        assert raw.get(f"/storage/relay/{uuid}/").json() == [], "a formatted card is empty"
        assert area.recordings(area.slots[SD_DEV_PATH]) == []

        assert http.post(CONTROL, json={"sAction": "EJECT"}).json()["code"] == 0
        sd = _slots(http)[SD_DEV_PATH]
        assert (sd["eState"], sd["sState"], sd["bEnabled"]) == (4, "NOT_MOUNTED", False)
        assert raw.get(f"/storage/relay/{uuid}/").status_code == 404
        assert http.post(CONTROL, json={"sAction": "EJECT"}).json()["code"] == 30001
        assert http.post(CONTROL, json={"sAction": "RELAY"}).json()["code"] == 30001
        area.set_slot(SD_DEV_PATH, state=SlotState.READY)
        assert _relay(http)


def test_an_ejected_card_is_mounted_again_at_boot(make_camera):
    camera = make_camera(reboot_s=REBOOT_S)
    with raw_session(camera.url) as http:
        assert http.post(CONTROL, json={"sAction": "EJECT"}).json()["code"] == 0
        assert _slots(http)[SD_DEV_PATH]["eState"] == 4
    reboot(camera.url)
    with raw_session(camera.url) as http:
        sd = _slots(http)[SD_DEV_PATH]
        assert (sd["eState"], sd["sState"], sd["bEnabled"]) == (8, "READY", True)
        assert _relay(http)


def test_remove_files_and_directories(camera):
    area = storage_area(camera.camera)
    base = area.data_dir()
    videos = [rel for rel in area.recordings(area.slots[SD_DEV_PATH]) if (base / thumb_path(rel)).exists()]
    video = videos[0]
    with raw_session(camera.url) as http:
        remove = {"sAction": "REMOVE_FILES_OR_DIRECTORIES"}
        for bad in (["../secret"], ["/etc/passwd"], [""], "x", [], [3]):
            assert http.post(CONTROL, json={**remove, "lFilesOrDirectoriesToRemove": bad}).json()["code"] == 30022, bad
        missing = http.post(CONTROL, json={**remove, "lFilesOrDirectoriesToRemove": [video, "2001-01-01/x.mp4"]})
        assert missing.json()["code"] == 30002 and (base / video).exists(), "nothing goes when one path is wrong"
        assert http.post(CONTROL, json={**remove, "lFilesOrDirectoriesToRemove": [video]}).json()["code"] == 0
        assert not (base / video).exists() and not (base / thumb_path(video)).exists(), "its thumbnail goes too"
        day = sorted(p.name for p in base.iterdir())[-1]
        assert http.post(CONTROL, json={**remove, "lFilesOrDirectoriesToRemove": [day + "/"]}).json()["code"] == 0
        assert not (base / day).exists()


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_free_up_removes_the_oldest_until_the_quota_fits(make_camera, firmware):
    camera = make_camera(firmware=firmware, storage_task_s=0)
    area = storage_area(camera.camera)
    free_up = {"sAction": "FREE_UP"}
    with raw_session(camera.url) as http:
        before = _slots(http)[SD_DEV_PATH]["iQuotaUsedBytes"]
        old = area.add_recording(2 * 1024 * 1024, when=dt.datetime(2024, 1, 2, 3, 4, 5))
        samples_before = set(area.recordings(area.slots[SD_DEV_PATH])) - {old}
        assert run_long_action(http, firmware, free_up)["code"] == 0
        assert (area.data_dir() / old).exists(), "nothing to free: the card has room and no quota"
        limit = {"sAction": "CONFIG", "dSlotConfig": {"iQuotaLimitBytes": before, "bQuotaRotate": True}}
        assert http.post(CONTROL, json=limit).json()["code"] == 0
        assert run_long_action(http, firmware, free_up)["code"] == 0
        assert not (area.data_dir() / old).exists() and not (area.data_dir() / "2024-01-02").exists()
        assert set(area.recordings(area.slots[SD_DEV_PATH])) == samples_before
        area.set_slot(SD_DEV_PATH, size_bytes=before + before // 20, base_used_bytes=0)
        sd = _slots(http)[SD_DEV_PATH]
        assert sd["iStatsFreeBytes"] < sd["iQuotaMinimumRecommendBytes"], "a nearly full card"
        assert run_long_action(http, firmware, free_up)["code"] == 0
        sd = _slots(http)[SD_DEV_PATH]
        assert sd["iStatsFreeBytes"] >= sd["iQuotaMinimumRecommendBytes"]
        left = area.recordings(area.slots[SD_DEV_PATH])
        assert 0 < len(left) < len(samples_before) and set(left) < samples_before
        assert max(samples_before) in left, "the newest recording stays"


def test_device_folder_is_removed_with_the_device(sim_fleet):
    device = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD))
    assert raw_login(device.url)[1]
    root = storage_area(device.camera).root
    assert (root / "sd" / "DCIM").is_dir()
    device.camera.reset_configs()
    gc.collect()
    assert not root.exists(), "a factory reset drops the area and its folder"
    root = storage_area(device.camera).root
    assert any((root / "sd" / "DCIM").iterdir()), "the samples come back on next use"
    sim_fleet.remove(device)
    del device
    gc.collect()
    assert not root.exists(), "the folder goes with the device"
