"""Recording rules: strict writes, trigger validation, the region rule by model category, info, the HTTP trigger."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from recamera_mcp.simulator.schemas.recording import (
    SD_DEV_PATH,
    SED_DEFAULTS,
    SOUND_CLASSES,
    TRIGGERS,
    TRIGGERS_LEGACY,
)
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import FIRMWARES

RULE = "/record/rule/record-rule-config"
FULL = [[0, 0], [1, 0], [1, 1], [0, 1]]


def _rule(firmware: str = "2026", **extra):
    """An inference rule in the firmware's dialect: class ids (legacy) or label names (2026)."""
    classes = [0] if firmware == "legacy" else ["person"]
    return {"sID": "r1", "iDebounceTimes": 2, "lConfidenceFilter": [0.4, 1.0], "lClassFilter": classes, **extra}


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


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_trigger_validation(make_camera, firmware):
    with raw_session(make_camera(firmware=firmware).url) as http:
        triggers = TRIGGERS_LEGACY if firmware == "legacy" else TRIGGERS
        for selected in triggers:
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
            {"lInferenceSet": [_rule(firmware, lConfidenceFilter=[0.9, 0.2])]},
            {"lInferenceSet": [_rule(firmware, lConfidenceFilter=[0.2, 1.5])]},
            {"lInferenceSet": [_rule(firmware, lClassFilter=[-1])]},
            {"lInferenceSet": [_rule(firmware, lClassFilter=[True])]},
            {"lInferenceSet": [_rule(firmware, lRegionFilter=[{"lPolygon": [[0, 0], [1, 1]]}])]},
            {"lInferenceSet": [_rule(firmware, lRegionFilter=[{"lPolygon": [[0, 0], [2, 0], [1, 1]]}])]},
            {"lInferenceSet": [_rule(firmware), _rule(firmware)]},
            {"lInferenceSet": [_rule(firmware, sUnknown=1)]},
            {"lInferenceSet": [_rule(firmware, lClassFilter=["person", 2])]},
        ]
        if firmware == "legacy":
            bad_bodies += [
                {"sCurrentSelected": "ALWAYS_ON"},
                {"sCurrentSelected": "SED"},
                {"lInferenceSet": [_rule(firmware, lClassFilter=["person"])]},
                {"dSED": SED_DEFAULTS},
            ]
        else:
            bad_bodies += [{"lInferenceSet": [_rule(firmware, lClassFilter=[0])]}]
        for body in bad_bodies:
            assert http.post(RULE, json=body).json()["code"] == 30022, body
        triangle = [{"lPolygon": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]}]
        classes = [0, 2] if firmware == "legacy" else ["person", "car"]
        good = {
            "sCurrentSelected": "INFERENCE_SET",
            "lInferenceSet": [_rule(firmware, lClassFilter=classes, lRegionFilter=triangle)],
        }
        assert http.post(RULE, json=good).json()["code"] == 0
        stored = http.get(RULE).json()
        assert stored["lInferenceSet"][0]["lClassFilter"] == classes
        assert stored["dTimer"] == {"iIntervalSeconds": 60}, "omitted objects revert to defaults"
        assert ("dSED" in stored) is (firmware == "2026")
        message = http.post(RULE, json={"lInferenceSet": [_rule(firmware, lClassFilter=["person"])]}).json()
        if firmware == "legacy":
            assert "class ids" in message["message"], message


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_region_rule_follows_model_category(make_camera, firmware):
    camera = make_camera(firmware=firmware)
    with raw_session(camera.url) as http:
        none = {"lInferenceSet": [_rule(firmware, lRegionFilter=[])]}
        default = {"lInferenceSet": [_rule(firmware)]}
        detection_error = http.post(RULE, json=none).json()
        assert detection_error["code"] == 30022 and "at least one polygon" in detection_error["message"]
        assert http.post(RULE, json=default).json()["code"] == 0
        assert http.get(RULE).json()["lInferenceSet"][0]["lRegionFilter"] == [{"lPolygon": FULL}]

        ai_state(camera.camera).inference["sModel"] = "mobilenet_cls.rknn"
        classification_error = http.post(RULE, json=default).json()
        assert classification_error["code"] == 30022 and "must be empty" in classification_error["message"]
        assert http.post(RULE, json=none).json()["code"] == 0
        assert http.get(RULE).json()["lInferenceSet"][0]["lRegionFilter"] == []


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_rule_info_shape(make_camera, firmware):
    with raw_session(make_camera(firmware=firmware).url) as http:
        info = http.get("/record/rule/info").json()
    assert set(info) == {
        "bReadyForNewEvent", "dLastRuleEvent", "dLastRuleEventOwner", "dAvailableGPIOs", "dAvailableTTYs",
        "bMediaPaused", "bVideoClipLengthSeconds", *(["lAvailableSEDClasses"] if firmware == "2026" else []),
    }  # fmt: skip
    if firmware == "2026":
        assert info["lAvailableSEDClasses"] == list(SOUND_CLASSES)
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
