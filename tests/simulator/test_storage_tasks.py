"""Storage control in both firmware dialects: legacy sTaskType, the 2026 sTask modes and asynchronous tasks."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import httpx
import pytest

from recamera_mcp.simulator.routes.storage_state import storage_area
from recamera_mcp.simulator.schemas.recording import SD_DEV_PATH
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import CONTROL, TASK_END, reboot, run_long_action, task_status, wait_for

STATUSES = {"PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELED"}


def _sd(http):
    return next(s for s in http.get("/record/storage/status").json()["lSlots"] if s["sDevPath"] == SD_DEV_PATH)


def _refused(answer, code, *words):
    assert answer["code"] == code, answer
    for word in words:
        assert word in answer["message"], answer


def test_legacy_takes_task_type_and_refuses_the_2026_keys(make_camera):
    cam = make_camera(firmware="legacy")
    with raw_session(cam.url) as http:
        assert http.post(CONTROL, json={"sAction": "RELAY_STATUS", "sTaskType": "SYNC"}).json()["code"] == 0
        assert http.post(CONTROL, json={"sAction": "FORMAT", "sTaskType": "ASYNC"}).json() == {
            "code": 0,
            "message": "success",
        }
        assert _sd(http)["iQuotaUsedBytes"] == 0, "ASYNC still finishes before the answer"
        _refused(http.post(CONTROL, json={"sAction": "FORMAT", "sTask": "ASYNC_SUBMIT"}).json(), 30022, "sTask")
        _refused(http.post(CONTROL, json={"sTask": "ASYNC_STATUS", "sTaskUID": "x"}).json(), 30022, "Invalid parameter")
        _refused(http.post(CONTROL, json={"sAction": "EJECT", "sTaskUID": "x"}).json(), 30022, "sTaskUID")
        _refused(http.post(CONTROL, json={"sAction": "EJECT", "sTaskType": "LATER"}).json(), 30022, "sTaskType")
        info = http.get("/record/storage/status").json()
        assert info["sDataDirName"] == "DCIM" and len(info["lSlots"]) == 2


def test_2026_refuses_the_legacy_dialect_and_misused_modes(make_camera):
    cam = make_camera(storage_task_s=60)
    with raw_session(cam.url) as http:
        _refused(http.post(CONTROL, json={"sAction": "RELAY", "sTaskType": "SYNC"}).json(), 30022, "use sTask")
        for body in ({"sAction": "FORMAT"}, {"sAction": "FREE_UP", "sTask": "SYNC"}):
            _refused(http.post(CONTROL, json=body).json(), 30022, "ASYNC_SUBMIT")
        _refused(http.post(CONTROL, json={"sAction": "EJECT", "sTask": "ASYNC_SUBMIT"}).json(), 30022, "SYNC only")
        _refused(http.post(CONTROL, json={"sAction": "FORMAT", "sTask": "ASYNC"}).json(), 30022, "sTask must be")
        _refused(http.post(CONTROL, json={"sTask": "ASYNC_STATUS"}).json(), 30022, "Missing parameter: sTaskUID")
        unknown = http.post(CONTROL, json={"sTask": "ASYNC_STATUS", "sTaskUID": str(uuid.uuid4())})
        assert unknown.status_code == 404 and unknown.json()["code"] == 30002
        _refused(http.post(CONTROL, json={"sAction": "RELAY", "sTaskUID": "x"}).json(), 30022, "sTaskUID")
        assert http.post(CONTROL, json={"sAction": "RELAY", "sTask": "SYNC"}).json()["code"] == 0
        config = {"sAction": "CONFIG", "dSlotConfig": {"iQuotaLimitBytes": -1, "bQuotaRotate": True}}
        assert http.post(CONTROL, json=config).json()["code"] == 0, "the other actions run SYNC (the default)"
        assert _sd(http)["iQuotaUsedBytes"] > 0, "nothing was formatted"


def test_async_format_runs_over_time_then_ends_like_the_sync_one(make_camera):
    cam = make_camera(storage_task_s=2.0)  # the checks made while it runs must fall inside it
    with raw_session(cam.url) as http:
        relay = http.post(CONTROL, json={"sAction": "RELAY"}).json()["dRelayStatus"]["sRelayDirectory"]
        answer = http.post(CONTROL, json={"sAction": "FORMAT", "sTask": "ASYNC_SUBMIT"}).json()
        assert set(answer) == {"code", "message", "sTaskUID"} and answer["code"] == 0
        uid = answer["sTaskUID"]
        assert str(uuid.UUID(uid)) == uid
        task = task_status(http, uid)
        assert set(task) == {"sTaskUID", "sAction", "sSlotDevPath", "sStatus", "iProgress", "sMessage"}
        assert (task["sAction"], task["sSlotDevPath"]) == ("FORMAT", SD_DEV_PATH)
        assert task["sStatus"] in ("PENDING", "RUNNING") and task["iProgress"] < 100
        sd = _sd(http)
        assert (sd["eState"], sd["sState"], sd["sMountPath"]) == (3, "FORMATTING", ""), "unmounted while formatting"
        assert storage_area(cam.camera).recordings(storage_area(cam.camera).slots[SD_DEV_PATH]), "files go at the end"
        assert httpx.get(cam.url + f"/storage/relay/{relay}/", cookies=http.cookies).status_code == 404
        _refused(http.post(CONTROL, json={"sAction": "RELAY"}).json(), 30001, "CONFIGURED")
        again = http.post(CONTROL, json={"sAction": "FREE_UP", "sTask": "ASYNC_SUBMIT"}).json()
        _refused(again, 30016, "busy", uid)
        _refused(http.post(CONTROL, json={"sAction": "EJECT"}).json(), 30016, "FORMAT task")
        status = {"sTask": "ASYNC_STATUS", "sTaskUID": uid}
        _refused(http.post(CONTROL, json={**status, "sAction": "FREE_UP"}).json(), 30022, "does not match")
        seen = [task]
        while seen[-1]["sStatus"] not in TASK_END:
            seen.append(task_status(http, uid))
            assert len(seen) < 2000, "the task never ended"
            time.sleep(0.02)
        assert all(t["sStatus"] in STATUSES for t in seen)
        progress = [t["iProgress"] for t in seen]
        assert progress == sorted(progress) and seen[-1]["iProgress"] == 100
        assert seen[-1]["sStatus"] == "COMPLETED" and "formatted" in seen[-1]["sMessage"]
        sd = _sd(http)
        assert (sd["eState"], sd["iQuotaUsedBytes"], sd["bEnabled"]) == (8, 0, True)
        assert task_status(http, uid)["sStatus"] == "COMPLETED", "a finished task stays readable"
        _refused(http.post(CONTROL, json={"sTask": "ASYNC_CANCEL", "sTaskUID": uid}).json(), 30001, "COMPLETED")


def _old_recordings(area, count):
    return [
        area.add_recording(64 * 1024, when=dt.datetime(2024, 3, 1, 8, 0, 0) + dt.timedelta(minutes=minute))
        for minute in range(count)
    ]


def test_async_free_up_equals_the_legacy_one(make_camera):
    remaining = {}
    for firmware in ("legacy", "2026"):
        cam = make_camera(firmware=firmware, storage_task_s=0.5)
        area = storage_area(cam.camera)
        _old_recordings(area, 6)
        slot = area.slots[SD_DEV_PATH]
        with raw_session(cam.url) as http:
            limit = _sd(http)["iQuotaUsedBytes"] - 3 * 64 * 1024
            config = {"sAction": "CONFIG", "dSlotConfig": {"iQuotaLimitBytes": limit, "bQuotaRotate": True}}
            assert http.post(CONTROL, json=config).json()["code"] == 0
            done = run_long_action(http, firmware, {"sAction": "FREE_UP"})
            assert done["code"] == 0, done
            if firmware == "2026":
                assert "removed 3 recordings" in done["dTask"]["sMessage"], done
            remaining[firmware] = area.recordings(slot)
    assert remaining["legacy"] == remaining["2026"] and len(remaining["2026"]) > 3


def test_cancel_stops_a_free_up_and_undoes_a_format(make_camera):
    cam = make_camera(storage_task_s=2.0)  # the cancel must come while the task runs
    area = storage_area(cam.camera)
    slot = area.slots[SD_DEV_PATH]
    old = _old_recordings(area, 40)
    with raw_session(cam.url) as http:
        config = {"sAction": "CONFIG", "dSlotConfig": {"iQuotaLimitBytes": 1, "bQuotaRotate": True}}
        assert http.post(CONTROL, json=config).json()["code"] == 0
        uid = http.post(CONTROL, json={"sAction": "FREE_UP", "sTask": "ASYNC_SUBMIT"}).json()["sTaskUID"]
        started = time.monotonic()
        assert _sd(http)["bRotating"] is True
        # the device moves on when asked: the status first, then the files it shows
        wait_for(lambda: task_status(http, uid)["sStatus"] == "RUNNING" and not (area.data_dir() / old[0]).exists())
        canceled = http.post(CONTROL, json={"sTask": "ASYNC_CANCEL", "sTaskUID": uid}).json()
        assert canceled["code"] == 0 and canceled["dTask"]["sStatus"] == "CANCELED"
        left = area.recordings(slot)
        assert old[-1] in left, "canceled before the end: the newest of the plan is still there"
        while time.monotonic() < started + 2.5:  # past the task's own end, a client polling it
            assert task_status(http, uid)["sStatus"] == "CANCELED"
            time.sleep(0.05)
        assert area.recordings(slot) == left, "nothing more goes after the cancel"
        assert _sd(http)["bRotating"] is False

        uid = http.post(CONTROL, json={"sAction": "FORMAT", "sTask": "ASYNC_SUBMIT"}).json()["sTaskUID"]
        assert _sd(http)["sState"] == "FORMATTING"
        assert http.post(CONTROL, json={"sTask": "ASYNC_CANCEL", "sTaskUID": uid}).json()["code"] == 0
        assert _sd(http)["sState"] == "READY" and area.recordings(slot) == left, "a canceled format wipes nothing"


def test_a_reboot_fails_the_running_task(make_camera):
    cam = make_camera(storage_task_s=60)
    area = storage_area(cam.camera)
    with raw_session(cam.url) as http:
        uid = http.post(CONTROL, json={"sAction": "FORMAT", "sTask": "ASYNC_SUBMIT"}).json()["sTaskUID"]
        before = area.recordings(area.slots[SD_DEV_PATH])
    reboot(cam.url)
    with raw_session(cam.url) as http:
        task = task_status(http, uid)
        assert task["sStatus"] == "FAILED" and "reboot" in task["sMessage"]
        assert _sd(http)["sState"] == "READY" and area.recordings(area.slots[SD_DEV_PATH]) == before


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
def test_data_dir_name_beside_the_slots(make_camera, firmware):
    with raw_session(make_camera(firmware=firmware).url) as http:
        status = http.get("/record/storage/status").json()
    assert status["sDataDirName"] == "DCIM" and isinstance(status["lSlots"], list)
