"""Recording rules: strict writes, trigger validation, the region rule by model category, info, the HTTP trigger."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from recamera_mcp.simulator.schemas.recording import SD_DEV_PATH
from recamera_mcp.simulator.testing import raw_session

RULE = "/record/rule/record-rule-config"
FULL = [[0, 0], [1, 0], [1, 1], [0, 1]]


def _rule(**extra):
    return {"sID": "r1", "iDebounceTimes": 2, "lConfidenceFilter": [0.4, 1.0], "lClassFilter": [0], **extra}


def test_rule_config_partial_write_resets_omitted_fields(camera):
    with raw_session(camera.url) as http:
        assert http.get("/record/rule/config").json() == {
            "bRuleEnabled": False,
            "dWriterConfig": {"sFormat": "MP4", "iIntervalMs": 0},
        }
        body = {"bRuleEnabled": True, "dWriterConfig": {"sFormat": "JPG", "iIntervalMs": 5000}}
        assert http.post("/record/rule/config", json=body).json() == {"code": 0, "message": "success"}
        assert http.get("/record/rule/config").json() == body
        assert http.post("/record/rule/config", json={"bRuleEnabled": True}).json()["code"] == 0
        assert http.get("/record/rule/config").json()["dWriterConfig"] == {"sFormat": "MP4", "iIntervalMs": 0}
        for bad in ({"dWriterConfig": {"sFormat": "mp4"}}, {"dWriterConfig": {"iIntervalMs": -1}}, {"bOther": 1}):
            answer = http.post("/record/rule/config", json=bad)
            assert answer.json()["code"] == 30022, bad
        assert http.get("/record/rule/config").json()["bRuleEnabled"] is True, "a rejected write changes nothing"


@pytest.mark.parametrize(
    ("window", "ok"),
    [
        ({"sStart": "Mon 09:00:00", "sEnd": "Mon 18:00:00"}, True),
        ({"sStart": "Sat 22:00:00", "sEnd": "Sun 24:00:00"}, True),
        ({"sStart": "Mon 18:00:00", "sEnd": "Mon 09:00:00"}, False),
        ({"sStart": "Sun 22:00:00", "sEnd": "Mon 02:00:00"}, False),
        ({"sStart": "Monday 09:00:00", "sEnd": "Mon 18:00:00"}, False),
        ({"sStart": "Mon 9:00:00", "sEnd": "Mon 18:00:00"}, False),
        ({"sStart": "Mon 09:00:00", "sEnd": "Mon 24:00:01"}, False),
    ],
)
def test_schedule_windows(camera, window, ok):
    with raw_session(camera.url) as http:
        answer = http.post("/record/rule/schedule-rule-config", json={"bEnabled": True, "lActiveWeekdays": [window]})
        assert (answer.json()["code"] == 0) is ok, answer.json()
        if not ok:
            assert answer.json()["code"] == 30022


def test_trigger_validation(camera):
    with raw_session(camera.url) as http:
        for selected in ("INFERENCE_SET", "TIMER", "GPIO", "TTY", "HTTP", "ALWAYS_ON"):
            assert http.post(RULE, json={"sCurrentSelected": selected}).json()["code"] == 0, selected
        bad_bodies = [
            {"sCurrentSelected": "MOTION"},
            {"sCurrentSelected": "http"},
            {"sCurrentSelected": "INFERENCE_SET", "lInferenceSet": []},
            {"dTimer": {"iIntervalSeconds": 0}},
            {"dGPIO": {"sName": "GPIO_99"}},
            {"dGPIO": {"sState": "UP"}},
            {"dGPIO": {"sSignal": "EDGE"}},
            {"dTTY": {"sName": ""}},
            {"lInferenceSet": [_rule(lConfidenceFilter=[0.9, 0.2])]},
            {"lInferenceSet": [_rule(lConfidenceFilter=[0.2, 1.5])]},
            {"lInferenceSet": [_rule(lClassFilter=[-1])]},
            {"lInferenceSet": [_rule(lClassFilter=[True])]},
            {"lInferenceSet": [_rule(lRegionFilter=[{"lPolygon": [[0, 0], [1, 1]]}])]},
            {"lInferenceSet": [_rule(lRegionFilter=[{"lPolygon": [[0, 0], [2, 0], [1, 1]]}])]},
            {"lInferenceSet": [_rule(), _rule()]},
            {"lInferenceSet": [_rule(sUnknown=1)]},
        ]
        for body in bad_bodies:
            assert http.post(RULE, json=body).json()["code"] == 30022, body
        triangle = [{"lPolygon": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]}]
        good = {
            "sCurrentSelected": "INFERENCE_SET",
            "lInferenceSet": [_rule(lClassFilter=["person", 2], lRegionFilter=triangle)],
        }
        assert http.post(RULE, json=good).json()["code"] == 0
        stored = http.get(RULE).json()
        assert stored["lInferenceSet"][0]["lClassFilter"] == ["person", 2]
        assert stored["dTimer"] == {"iIntervalSeconds": 60}, "omitted objects revert to defaults"


def test_region_rule_follows_model_category(camera):
    with raw_session(camera.url) as http:
        none = {"lInferenceSet": [_rule(lRegionFilter=[])]}
        default = {"lInferenceSet": [_rule()]}
        detection_error = http.post(RULE, json=none).json()
        assert detection_error["code"] == 30022 and "at least one polygon" in detection_error["message"]
        assert http.post(RULE, json=default).json()["code"] == 0
        assert http.get(RULE).json()["lInferenceSet"][0]["lRegionFilter"] == [{"lPolygon": FULL}]

        ai_state(camera.camera).inference["sModel"] = "mobilenet_cls.rknn"
        classification_error = http.post(RULE, json=default).json()
        assert classification_error["code"] == 30022 and "must be empty" in classification_error["message"]
        assert http.post(RULE, json=none).json()["code"] == 0
        assert http.get(RULE).json()["lInferenceSet"][0]["lRegionFilter"] == []


def test_rule_info_shape(camera):
    with raw_session(camera.url) as http:
        info = http.get("/record/rule/info").json()
    assert set(info) == {
        "bReadyForNewEvent", "dLastRuleEvent", "dLastRuleEventOwner", "dAvailableGPIOs", "dAvailableTTYs",
        "bMediaPaused", "bVideoClipLengthSeconds",
    }  # fmt: skip
    assert info["bVideoClipLengthSeconds"] == 60 and info["bReadyForNewEvent"] is True
    assert set(info["dAvailableGPIOs"]["GPIO_01"]) == {"iNum", "sState", "lCapabilities", "sLevel"}
    assert info["dLastRuleEvent"]["sStatus"] == "UNKNOWN"


def _enable_http_trigger(http):
    assert http.post("/record/rule/config", json={"bRuleEnabled": True}).json()["code"] == 0
    assert http.post(RULE, json={"sCurrentSelected": "HTTP"}).json()["code"] == 0


def test_http_trigger_preconditions(camera):
    with raw_session(camera.url) as http:
        fire = "/record/rule/http-rule-activate"
        assert http.post(fire).json()["code"] == 30001, "rules are off"
        http.post("/record/rule/config", json={"bRuleEnabled": True})
        assert http.post(fire).json()["code"] == 30001, "HTTP trigger not selected"
        http.post(RULE, json={"sCurrentSelected": "HTTP"})
        storage_area(camera.camera).set_slot(SD_DEV_PATH, state=SlotState.INDEXING)
        assert http.post(fire).json()["code"] == 30016, "storage not ready"
        storage_area(camera.camera).set_slot(SD_DEV_PATH, state=SlotState.READY)
        assert http.post(fire).json() == {"code": 0, "message": "success"}


def test_schedule_inactive_refuses_trigger(camera):
    with raw_session(camera.url) as http:
        _enable_http_trigger(http)
        other = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%a")
        window = {"sStart": f"{other} 00:00:00", "sEnd": f"{other} 23:59:59"}
        body = {"bEnabled": True, "lActiveWeekdays": [window]}
        assert http.post("/record/rule/schedule-rule-config", json=body).json()["code"] == 0
        answer = http.post("/record/rule/http-rule-activate").json()
        assert answer["code"] == 30001 and "schedule" in answer["message"]


def test_http_trigger_records_a_file_then_completes(make_camera):
    cam = make_camera(record_clip_s=2.0)  # the WRITING checks below must fall inside the clip
    area = storage_area(cam.camera)
    before = set(area.recordings(area.slots[SD_DEV_PATH]))
    with raw_session(cam.url) as http:
        _enable_http_trigger(http)
        assert http.post("/record/rule/http-rule-activate").json()["code"] == 0
        info = http.get("/record/rule/info").json()
        assert info["dLastRuleEvent"]["sStatus"] == "WRITING" and info["bReadyForNewEvent"] is False
        assert info["dLastRuleEventOwner"]["sRuleType"] == "HTTP"
        assert abs(info["dLastRuleEvent"]["iTimestamp"] / 1000 - time.time()) < 60
        busy = http.post("/record/rule/http-rule-activate").json()
        assert busy["code"] == 30016 and "in progress" in busy["message"]
        sd = next(s for s in http.get("/record/storage/status").json()["lSlots"] if s["sDevPath"] == SD_DEV_PATH)
        assert sd["bWriting"] is True
        new = set(area.recordings(area.slots[SD_DEV_PATH])) - before
        assert len(new) == 1 and next(iter(new)).endswith(".mp4")
        deadline = time.monotonic() + 5
        while http.get("/record/rule/info").json()["dLastRuleEvent"]["sStatus"] != "COMPLETED":
            assert time.monotonic() < deadline, "the event never completed"
            time.sleep(0.05)
        assert http.get("/record/rule/info").json()["bReadyForNewEvent"] is True
        assert http.post("/record/rule/http-rule-activate").json()["code"] == 0
