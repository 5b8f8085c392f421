"""Diagnosis states: each produced by a fault over ``POST /__sim__/faults``, then cleared through the device API."""

from __future__ import annotations

import time

import httpx
import pytest

from recamera_mcp.simulator.routes.storage_state import storage_area
from recamera_mcp.simulator.schemas.recording import SD_DEV_PATH
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import CONTROL, FIRMWARES, reboot, run_long_action

NEW_FAULTS = ("cpu_high", "clock_skew_s", "storage_full", "inference_error", "record_event_failed")


def fault(cam, **body) -> httpx.Response:
    return httpx.post(cam.url + "/__sim__/faults", json=body)


def resources(http: httpx.Client) -> tuple[int, int, int]:
    info = http.get("/system/resource-info").json()
    return info["iCpuUsage"], info["iNpuUsage"], info["iMemUsage"]


def sd(http: httpx.Client) -> dict:
    return next(s for s in http.get("/record/storage/status").json()["lSlots"] if s["sDevPath"] == SD_DEV_PATH)


def test_new_faults_are_type_checked_and_listed(camera):
    for body in (
        {"cpu_high": 1},
        {"clock_skew_s": "60"},
        {"clock_skew_s": True},
        {"storage_full": "yes"},
        {"inference_error": 1},
        {"record_event_failed": None},
    ):
        answer = fault(camera, drop_next=1, **body)
        assert answer.status_code == 400 and "must be" in answer.json()["message"], body
    assert httpx.get(camera.url + "/__sim__/faults").json()["drop_next"] == 0, "a refused body sets nothing"
    unknown = fault(camera, cpu_hgih=True).json()["message"]
    assert all(name in unknown for name in NEW_FAULTS), unknown
    assert fault(camera, storage_full=False, inference_error=False).json()["code"] == 0, "false fires nothing"


def test_cpu_high_until_switched_off_or_rebooted(camera):
    with raw_session(camera.url) as http:
        assert max(resources(http)) < 97
        assert fault(camera, cpu_high=True).json()["faults"]["cpu_high"] is True
        assert resources(http) == (97, 97, 97)
        info = http.get("/system/resource-info").json()
        assert info["iMemUsed"] * 100 // info["iMemTotal"] == 97
        fault(camera, cpu_high=False)
        assert max(resources(http)) < 97
        fault(camera, cpu_high=True)
    reboot(camera.url)
    assert httpx.get(camera.url + "/__sim__/faults").json()["cpu_high"] is False
    with raw_session(camera.url) as http:
        assert max(resources(http)) < 97


def test_clock_skew_is_cleared_by_ntp_or_a_right_manual_time(camera):
    with raw_session(camera.url) as http:
        assert fault(camera, clock_skew_s=3600).json()["code"] == 0
        clock = http.get("/system/time").json()
        assert clock["sMethod"] == "manual" and abs(clock["iTimestamp"] - time.time() - 3600) < 5
        assert http.put("/system/time", json={**clock, "sMethod": "ntp"}).json()["message"] == "Time set successfully"
        clock = http.get("/system/time").json()
        assert clock["sMethod"] == "ntp" and abs(clock["iTimestamp"] - time.time()) < 5

        fault(camera, clock_skew_s=-86400.5)
        clock = http.get("/system/time").json()
        assert abs(clock["iTimestamp"] - time.time() + 86400) < 5
        assert http.post("/record/rule/config", json={"bRuleEnabled": True}).json()["code"] == 0
        rule = http.get("/record/rule/record-rule-config").json()
        assert (
            http.post("/record/rule/record-rule-config", json={**rule, "sCurrentSelected": "HTTP"}).json()["code"] == 0
        )
        assert http.post("/record/rule/http-rule-activate").json()["code"] == 0
        event_ms = http.get("/record/rule/info").json()["dLastRuleEvent"]["iTimestamp"]
        assert abs(event_ms / 1000 - time.time() + 86400) < 5, "events carry the skewed device time"
        right = {**clock, "sMethod": "manual", "iTimestamp": int(time.time())}
        assert http.put("/system/time", json=right).json()["code"] == 0
        assert abs(http.get("/system/time").json()["iTimestamp"] - time.time()) < 5


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_storage_full_is_cleared_by_free_up(make_camera, firmware):
    cam = make_camera(firmware=firmware, storage_task_s=0.5, record_clip_s=1.0)
    area = storage_area(cam.camera)
    samples = set(area.recordings(area.slots[SD_DEV_PATH]))
    with raw_session(cam.url) as http:
        assert http.post("/record/rule/config", json={"bRuleEnabled": True}).json()["code"] == 0
        rule = http.get("/record/rule/record-rule-config").json()
        assert (
            http.post("/record/rule/record-rule-config", json={**rule, "sCurrentSelected": "HTTP"}).json()["code"] == 0
        )
        assert fault(cam, storage_full=True).json()["code"] == 0
        slot = sd(http)
        assert slot["iStatsFreeBytes"] < slot["iQuotaMinimumRecommendBytes"] and slot["bQuotaRotate"] is False
        assert http.get("/record/rule/info").json()["bReadyForNewEvent"] is False
        refused = http.post("/record/rule/http-rule-activate").json()
        assert refused["code"] == 30016 and "full" in refused["message"]

        assert run_long_action(http, firmware, {"sAction": "FREE_UP"})["code"] == 0
        slot = sd(http)
        assert slot["iStatsFreeBytes"] >= slot["iQuotaMinimumRecommendBytes"]
        assert set(area.recordings(area.slots[SD_DEV_PATH])) == samples, "only the old filler went"
        assert http.get("/record/rule/info").json()["bReadyForNewEvent"] is True
        assert http.post("/record/rule/http-rule-activate").json()["code"] == 0


def test_storage_full_is_cleared_by_turning_rotation_on(make_camera):
    cam = make_camera(record_clip_s=1.0)
    area = storage_area(cam.camera)
    with raw_session(cam.url) as http:
        assert http.post("/record/rule/config", json={"bRuleEnabled": True}).json()["code"] == 0
        rule = http.get("/record/rule/record-rule-config").json()
        assert (
            http.post("/record/rule/record-rule-config", json={**rule, "sCurrentSelected": "HTTP"}).json()["code"] == 0
        )
        fault(cam, storage_full=True)
        filler = area.recordings(area.slots[SD_DEV_PATH])[0]
        rotate = {"sAction": "CONFIG", "dSlotConfig": {"iQuotaLimitBytes": -1, "bQuotaRotate": True}}
        assert http.post(CONTROL, json=rotate).json()["code"] == 0
        assert http.get("/record/rule/info").json()["bReadyForNewEvent"] is True, "full, but it may rotate"
        assert http.post("/record/rule/http-rule-activate").json()["code"] == 0
        assert not (area.data_dir() / filler).exists(), "the new recording rotated the oldest out"
        slot = sd(http)
        assert slot["iStatsFreeBytes"] >= slot["iQuotaMinimumRecommendBytes"]


def test_storage_full_needs_a_selected_slot(camera):
    with raw_session(camera.url) as http:
        assert http.post("/record/storage/config", json={"dSelectSlotToEnable": None}).json()["code"] == 0
    answer = fault(camera, storage_full=True)
    assert answer.status_code == 400 and "selected slot" in answer.json()["message"]


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_inference_error_is_cleared_by_re_enabling_or_restarting(make_camera, firmware):
    cam = make_camera(firmware=firmware, inference_start_s=0)
    with raw_session(cam.url) as http:
        status = lambda: http.get("/model/inference", params={"id": 0}).json()  # noqa: E731
        enable = lambda: http.post("/model/inference", params={"id": 0}, json={"iEnable": 1}).json()  # noqa: E731
        assert enable()["code"] == 0 and status()["sStatus"] == "running"
        assert fault(cam, inference_error=True).json()["code"] == 0
        broken = status()
        assert (broken["sStatus"], broken["iEnable"], broken["iActualFPS"]) == ("error", 1, 0)
        assert enable()["code"] == 0 and status()["sStatus"] == "running", "re-enabling clears it"

        assert http.post("/model/inference", params={"id": 0}, json={"iEnable": 0}).json()["code"] == 0
        fault(cam, inference_error=True)
        assert status()["sStatus"] == "stopped", "armed for the next start"
        assert enable()["code"] == 0 and status()["sStatus"] == "error"
        assert http.post("/model/inference-restart").json()["code"] == 0
        assert status()["sStatus"] == "running", "a restart clears it"


def test_inference_error_during_a_start_ends_it_in_error(make_camera):
    cam = make_camera(inference_start_s=2.0)  # the fault must come while it is starting
    with raw_session(cam.url) as http:
        assert http.post("/model/inference", params={"id": 0}, json={"iEnable": 1}).json()["code"] == 0
        assert http.get("/model/inference").json()["sStatus"] == "starting"
        fault(cam, inference_error=True)
        deadline = time.monotonic() + 10
        while (state := http.get("/model/inference").json()["sStatus"]) == "starting":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert state == "error"
