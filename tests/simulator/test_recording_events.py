"""Record rules of the 2026 firmware (dSED, label names), the device clock's schedule, ALWAYS_ON, last events."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import httpx
import pytest

from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.storage_state import storage_area
from recamera_mcp.simulator.schemas.recording import SD_DEV_PATH, SED_DEFAULTS
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import FIRMWARES, wait_for

RULE = "/record/rule/record-rule-config"
SCHEDULE = "/record/rule/schedule-rule-config"
FIRE = "/record/rule/http-rule-activate"


def _hms(seconds: int) -> str:
    return "24:00:00" if seconds >= 86400 else f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def window_around(now: dt.datetime, before: int = 120, after: int = 900) -> dict[str, str]:
    """A schedule window on ``now``'s weekday from a little before to a little after its time of day."""
    day, position = now.strftime("%a"), now.hour * 3600 + now.minute * 60 + now.second
    return {"sStart": f"{day} {_hms(max(0, position - before))}", "sEnd": f"{day} {_hms(position + after)}"}


def set_zone(http: httpx.Client, zone: str) -> None:
    clock = http.get("/system/time").json()
    assert http.put("/system/time", json={**clock, "sTimezone": zone}).json()["code"] == 0


def enable(http: httpx.Client, trigger: str) -> None:
    assert http.post("/record/rule/config", json={"bRuleEnabled": True}).json()["code"] == 0
    assert http.post(RULE, json={**http.get(RULE).json(), "sCurrentSelected": trigger}).json()["code"] == 0


def last_event(http: httpx.Client) -> dict:
    info = http.get("/record/rule/info").json()
    return {**info["dLastRuleEvent"], "owner": info["dLastRuleEventOwner"]["sRuleType"]}


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_the_default_object_passes_its_own_rules(make_camera, firmware):
    with raw_session(make_camera(firmware=firmware).url) as http:
        default = http.get(RULE).json()
        assert http.post(RULE, json=default).json() == {"code": 0, "message": "success"}
        assert http.get(RULE).json() == default
    assert ("dSED" in default) is (firmware == "2026")
    assert all(isinstance(c, int if firmware == "legacy" else str) for c in default["lInferenceSet"][0]["lClassFilter"])


def test_sed_and_label_rules_on_2026(make_camera):
    cam = make_camera()
    with raw_session(cam.url) as http:
        current = http.get(RULE).json()
        assert current["dSED"] == SED_DEFAULTS
        sed = {**current, "sCurrentSelected": "SED", "dSED": {**SED_DEFAULTS, "lClassFilter": ["dog_bark", "alarm"]}}
        assert http.post(RULE, json=sed).json()["code"] == 0
        for bad in (
            {"iConsecutiveWindowMs": 0},
            {"iConsecutiveWindowMs": 60001},
            {"lConfidenceFilter": [0.8, 0.1]},
            {"lClassFilter": ["doorbell"]},
            {"lClassFilter": [1]},
            {"sID": ""},
            {"sExtra": 1},
        ):
            answer = http.post(RULE, json={**sed, "dSED": {**SED_DEFAULTS, **bad}}).json()
            assert answer["code"] == 30022, bad
        assert (
            http.post(RULE, json={**sed, "dSED": {**SED_DEFAULTS, "iConsecutiveWindowMs": 60000}}).json()["code"] == 0
        )

        rule = {**current["lInferenceSet"][0], "lClassFilter": ["dog", "person"]}
        assert http.post(RULE, json={**current, "lInferenceSet": [rule]}).json()["code"] == 0
        unknown = http.post(RULE, json={**current, "lInferenceSet": [{**rule, "lClassFilter": ["unicorn"]}]}).json()
        assert (
            unknown["code"] == 30022
            and "'unicorn' is not a label of model yolo11n_detection.rknn" in unknown["message"]
        )
        ai_state(cam.camera).inference["sModel"] = "mobilenet_cls.rknn"
        cls_rule = {**rule, "lClassFilter": ["vehicle"], "lRegionFilter": []}
        assert http.post(RULE, json={**current, "lInferenceSet": [cls_rule]}).json()["code"] == 0
        car = http.post(RULE, json={**current, "lInferenceSet": [{**cls_rule, "lClassFilter": ["car"]}]}).json()
        assert car["code"] == 30022 and "background, person, vehicle, animal" in car["message"]


def test_the_schedule_follows_the_device_clock_and_its_zone(make_camera):
    with raw_session(make_camera().url) as http:
        enable(http, "HTTP")
        set_zone(http, "Pacific/Kiritimati")  # UTC+14
        device_now = dt.datetime.fromtimestamp(
            http.get("/system/time").json()["iTimestamp"], zoneinfo.ZoneInfo("Pacific/Kiritimati")
        )
        body = {"bEnabled": True, "lActiveWeekdays": [window_around(device_now)]}
        assert http.post(SCHEDULE, json=body).json()["code"] == 0
        assert http.post(FIRE).json()["code"] == 0, "now is inside the window on the device's own clock"
        set_zone(http, "Pacific/Pago_Pago")  # UTC-11: the device's weekday and time are 25 hours earlier
        outside = http.post(FIRE).json()
        assert outside["code"] == 30001 and "schedule" in outside["message"]
        clock = http.get("/system/time").json()
        skewed = {**clock, "sMethod": "manual", "iTimestamp": clock["iTimestamp"] + 25 * 3600}
        assert http.put("/system/time", json=skewed).json()["code"] == 0
        inside = http.post(FIRE).json()
        assert inside["code"] == 30016 and "in progress" in inside["message"], "past the schedule check: the clock"
        bad_zone = http.put("/system/time", json={**clock, "sTimezone": "Mars/Olympus_Mons"}).json()
        assert bad_zone["code"] == 10022 and "IANA" in bad_zone["message"]


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_last_event_reports_status_and_time_and_a_failed_event(make_camera, firmware):
    cam = make_camera(firmware=firmware, record_clip_s=2.0)  # the WRITING read must fall inside the clip
    area = storage_area(cam.camera)
    slot = area.slots[SD_DEV_PATH]
    with raw_session(cam.url) as http:
        assert last_event(http) == {"sStatus": "UNKNOWN", "iTimestamp": 0, "owner": ""}
        enable(http, "HTTP")
        before = set(area.recordings(slot))
        assert http.post(FIRE).json()["code"] == 0
        event = last_event(http)
        device_ms = http.get("/system/time").json()["iTimestamp"] * 1000
        assert event["sStatus"] == "WRITING" and event["owner"] == "HTTP"
        assert abs(event["iTimestamp"] - device_ms) < 5000, "milliseconds on the device clock"
        wait_for(lambda: last_event(http)["sStatus"] == "COMPLETED", what="COMPLETED")
        assert len(set(area.recordings(slot)) - before) == 1

        fault = httpx.post(cam.url + "/__sim__/faults", json={"record_event_failed": True}).json()
        assert fault["code"] == 0
        written = set(area.recordings(slot))
        assert http.post(FIRE).json()["code"] == 0, "the trigger is taken; the write then fails"
        failed = last_event(http)
        assert failed["sStatus"] == "FAILED" and failed["iTimestamp"] >= event["iTimestamp"]
        assert set(area.recordings(slot)) == written, "a failed event leaves no file"
        assert http.get("/record/rule/info").json()["bReadyForNewEvent"] is True
        assert http.post(FIRE).json()["code"] == 0
        assert last_event(http)["sStatus"] == "WRITING", "only one event fails"


def test_always_on_records_clip_after_clip_while_allowed(make_camera):
    cam = make_camera(record_clip_s=2.0)  # short clips, long enough that a read falls inside one
    area = storage_area(cam.camera)
    slot = area.slots[SD_DEV_PATH]
    with raw_session(cam.url) as http:
        before = set(area.recordings(slot))
        enable(http, "ALWAYS_ON")
        first = last_event(http)
        assert first["sStatus"] == "WRITING" and first["owner"] == "ALWAYS_ON"
        assert http.get("/record/rule/info").json()["bReadyForNewEvent"] is False
        wait_for(lambda: last_event(http)["iTimestamp"] > first["iTimestamp"], what="the next clip")
        assert last_event(http)["sStatus"] == "WRITING", "a new clip starts as the last one ends"
        assert len(set(area.recordings(slot)) - before) >= 2
        answer = http.post(FIRE).json()
        assert answer["code"] == 30001, "HTTP is not the selected trigger"

        assert http.post("/record/rule/config", json={"bRuleEnabled": False}).json()["code"] == 0
        wait_for(lambda: last_event(http)["sStatus"] == "COMPLETED", what="the last clip to end")
        count = len(area.recordings(slot))
        deadline = time.monotonic() + 2.5  # longer than a clip: a client polling sees no new one
        while time.monotonic() < deadline:
            assert last_event(http)["sStatus"] == "COMPLETED"
            time.sleep(0.05)
        assert len(area.recordings(slot)) == count


def test_always_on_waits_outside_the_schedule(make_camera):
    cam = make_camera(record_clip_s=2.0)
    area = storage_area(cam.camera)
    with raw_session(cam.url) as http:
        device_now = dt.datetime.fromtimestamp(
            http.get("/system/time").json()["iTimestamp"],
            zoneinfo.ZoneInfo(http.get("/system/time").json()["sTimezone"]),
        )
        other_day = (device_now + dt.timedelta(days=3)).strftime("%a")
        away = {
            "bEnabled": True,
            "lActiveWeekdays": [{"sStart": f"{other_day} 00:00:00", "sEnd": f"{other_day} 24:00:00"}],
        }
        assert http.post(SCHEDULE, json=away).json()["code"] == 0
        before = area.recordings(area.slots[SD_DEV_PATH])
        enable(http, "ALWAYS_ON")
        assert last_event(http)["sStatus"] == "UNKNOWN"
        assert area.recordings(area.slots[SD_DEV_PATH]) == before
        here = {"bEnabled": True, "lActiveWeekdays": [window_around(device_now)]}
        assert http.post(SCHEDULE, json=here).json()["code"] == 0
        assert last_event(http)["sStatus"] == "WRITING", "inside the window it records"
