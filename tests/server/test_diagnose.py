"""diagnose through the MCP client: for each finding, the simulator is put into that state, the matching symptom
ranks the finding first with its fix, the fix is made through MCP, and a second diagnosis no longer reports it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import zoneinfo
from typing import Any

import httpx
import pytest
from mcp import Client

from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_ok

FAULTS = "/__sim__/faults"


async def diagnosis(mcp: Client, host: str, symptom: str) -> list[dict[str, Any]]:
    result = await call_ok(mcp, "diagnose", host=host, symptom=symptom)
    assert result["checks"][:2] == ["reachable", "login"]
    findings: list[dict[str, Any]] = result["findings"]
    ranks = [("critical", "warning", "info").index(f["severity"]) for f in findings]
    assert ranks == sorted(ranks), "findings come worst first"
    return findings


async def apply(mcp: Client, fix: dict[str, Any]) -> None:
    """Make the fix call as an agent would: a destructive tool's confirmation is answered with its token."""
    done = await call_ok(mcp, fix["tool"], **fix["args"])
    if done.get("confirmation"):
        await call_ok(mcp, fix["tool"], **fix["args"], confirm_token=done["confirmation"]["confirm_token"])


async def first_then_cleared(mcp: Client, host: str, symptom: str, check: str, words: str) -> dict[str, Any]:
    """The first finding is ``check`` (its title has ``words``); applying its fix makes it go away."""
    before = await diagnosis(mcp, host, symptom)
    top = before[0]
    assert top["check"] == check and words in top["title"], before
    assert top["fix"] is not None and top["fix"]["args"]["host"] == host and top["fix"]["needs"] == []
    await apply(mcp, top["fix"])
    after = await diagnosis(mcp, host, symptom)
    assert not any(f["check"] == check and words in f["title"] for f in after), after
    return top


def fault(camera: Any, **switches: Any) -> None:
    assert httpx.post(camera.url + FAULTS, json=switches).json()["code"] == 0


async def healthy_recording(mcp: Client, host: str) -> None:
    """Recording on with the HTTP trigger, schedule off: nothing else stops recording."""
    await call_ok(mcp, "update_config", host=host, area="record_global", changes={"bRuleEnabled": True})
    await call_ok(mcp, "update_config", host=host, area="record_triggers", changes={"sCurrentSelected": "HTTP"})


async def test_recording_off_is_found_and_fixed(connect, camera):
    async with connect() as mcp:
        top = await first_then_cleared(mcp, camera.address, "no_recording", "recording_rule", "recording is off")
    assert top["fix"] == {
        "tool": "update_config",
        "args": {"host": camera.address, "area": "record_global", "changes": {"bRuleEnabled": True}},
        "needs": [],
    }
    assert top["evidence"] == {"bRuleEnabled": False}


async def test_schedule_outside_now_in_the_cameras_zone(connect, camera):
    async with connect() as mcp:
        await healthy_recording(mcp, camera.address)
        clock = (await call_ok(mcp, "get_config", host=camera.address, area="time"))["config"]
        now = dt.datetime.fromtimestamp(clock["iTimestamp"], zoneinfo.ZoneInfo(clock["sTimezone"]))
        other = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[(now.weekday() + 3) % 7]
        window = [{"sStart": f"{other} 00:00:00", "sEnd": f"{other} 01:00:00"}]
        changes = {"bEnabled": True, "lActiveWeekdays": window}
        await call_ok(mcp, "update_config", host=camera.address, area="record_schedule", changes=changes)
        status = await call_ok(mcp, "get_recording_status", host=camera.address)
        assert status["schedule_active_now"] is False
        assert any("schedule is not active now" in p for p in status["problems"]), status["problems"]
        top = await first_then_cleared(mcp, camera.address, "no_recording", "schedule", "not active now")
    assert top["evidence"]["windows"] == [f"{other} 00:00:00-{other} 01:00:00"]
    assert top["evidence"]["now"].endswith(clock["sTimezone"])


async def test_ai_trigger_with_inference_stopped(connect, make_camera):
    camera = make_camera(inference_start_s=0)
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="record_global", changes={"bRuleEnabled": True})
        status = await call_ok(mcp, "get_recording_status", host=camera.address)
        assert status["trigger"] == "INFERENCE_SET" and status["inference"]["iEnable"] == 0
        assert any("inference is off" in p for p in status["problems"]), "no false all-clear"
        top = await first_then_cleared(mcp, camera.address, "no_recording", "trigger", "inference is off")
        assert top["fix"]["args"]["area"] == "inference"
        assert (await call_ok(mcp, "get_recording_status", host=camera.address))["problems"] == []


async def test_inference_off_and_in_error(connect, make_camera):
    camera = make_camera(inference_start_s=0)
    async with connect() as mcp:
        await first_then_cleared(mcp, camera.address, "no_detections", "inference", "inference is off")
        fault(camera, inference_error=True)
        top = await first_then_cleared(mcp, camera.address, "no_detections", "inference", "in error")
    assert top["fix"] == {
        "tool": "call_api",
        "args": {"host": camera.address, "method": "POST", "path": "/model/inference-restart"},
        "needs": [],
    }


async def test_model_without_info(connect, camera):
    ai_state(camera.camera).models["bare.rknn"] = {}
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"sModel": "bare.rknn"})
        findings = await diagnosis(mcp, camera.address, "no_detections")
    assert findings[0]["check"] == "inference" and "has no model info" in findings[0]["title"]
    fix = findings[0]["fix"]
    assert fix["tool"] == "models" and fix["args"]["name"] == "bare.rknn" and fix["needs"] == ["info"]
    info = {"category": "Detection", "classes": ["person"]}
    async with connect() as mcp:
        await call_ok(mcp, "models", **fix["args"], info=info)
        after = await diagnosis(mcp, camera.address, "no_detections")
    assert not any("has no model info" in f["title"] for f in after)


async def test_class_filter_the_model_cannot_see(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="record_global", changes={"bRuleEnabled": True})
        rule = {"sID": "cars", "iDebounceTimes": 3, "lConfidenceFilter": [0.5, 1.0], "lClassFilter": ["car"]}
        await call_ok(mcp, "update_config", host=camera.address, area="record_triggers",
                      changes={"lInferenceSet": [rule]})  # fmt: skip
        await call_ok(mcp, "update_config", host=camera.address, area="inference",
                      changes={"sModel": "mobilenet_cls.rknn", "iEnable": 1})  # fmt: skip
        findings = await diagnosis(mcp, camera.address, "no_recording")
    cannot = [f["title"] for f in findings if f["check"] == "trigger"]
    assert any("not among the inference model's labels" in t and "'car'" in t for t in cannot), findings
    assert any("classification model" in t for t in cannot), "its full-frame region does not fit a classifier"


async def test_storage_full_needs_free_up(connect, camera):
    async with connect() as mcp:
        await healthy_recording(mcp, camera.address)
        fault(camera, storage_full=True)
        top = await first_then_cleared(mcp, camera.address, "no_recording", "storage", "full and does not rotate")
    assert top["fix"]["tool"] == "storage" and top["fix"]["args"]["action"] == "free_up"


async def test_no_slot_selected(connect, camera):
    async with connect() as mcp:
        await healthy_recording(mcp, camera.address)
        await call_ok(mcp, "update_config", host=camera.address, area="storage",
                      changes={"dSelectSlotToEnable": None})  # fmt: skip
        await first_then_cleared(mcp, camera.address, "no_recording", "storage", "no storage slot is selected")


async def test_clock_skew_set_by_hand(connect, camera):
    fault(camera, clock_skew_s=7200)
    async with connect() as mcp:
        top = await first_then_cleared(mcp, camera.address, "general", "clock", "ahead and set by hand")
    assert top["severity"] == "critical" and 7190 < top["evidence"]["skew_s"] < 7210


async def test_rtsp_off_for_snapshots(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="stream_main", changes={"rtsp": {"iEnabled": 0}})
        top = await first_then_cleared(mcp, camera.address, "no_snapshot", "rtsp", "RTSP is off on the main stream")
    assert "device-side capture still works" in top["title"]


async def test_notifications_off_then_broker_unreachable(connect, make_camera, mqtt_broker):
    camera = make_camera(inference_start_s=0, notify_retry_s=0.2)
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"iEnable": 1})
        mqtt = {"sURL": mqtt_broker.host, "iPort": mqtt_broker.port, "sTopic": "cam/results"}
        await call_ok(mcp, "update_config", host=camera.address, area="notify", changes={"dMqtt": mqtt})
        await first_then_cleared(mcp, camera.address, "no_notifications", "notify", "notifications are off")
        mqtt_broker.stop()
        findings = await diagnosis(mcp, camera.address, "no_notifications")
        broken = [f for f in findings if f["check"] == "notify"]
        assert broken and "does not accept connections" in broken[0]["title"], findings
        assert broken[0]["evidence"]["port"] == mqtt_broker.port and broken[0]["fix"] is None
        mqtt_broker.start()
        deadline = time.monotonic() + 10  # the camera reconnects on its next retry
        while [f for f in await diagnosis(mcp, camera.address, "no_notifications") if f["check"] == "notify"]:
            assert time.monotonic() < deadline, "the notify finding stayed after the broker came back"
            await asyncio.sleep(0.1)


async def test_high_cpu_makes_it_slow(connect, camera):
    fault(camera, cpu_high=True)
    async with connect() as mcp:
        findings = await diagnosis(mcp, camera.address, "slow")
        assert findings[0]["check"] == "load" and "CPU use is 97 %" in findings[0]["title"]
        fault(camera, cpu_high=False)
        assert not [f for f in await diagnosis(mcp, camera.address, "slow") if f["check"] == "load"]


async def test_last_event_failed(connect, camera):
    async with connect() as mcp:
        await healthy_recording(mcp, camera.address)
        fault(camera, record_event_failed=True)
        await call_ok(mcp, "trigger_recording", host=camera.address)
        findings = await diagnosis(mcp, camera.address, "no_recording")
    failed = [f for f in findings if f["check"] == "last_event"]
    assert failed[0]["severity"] == "warning" and failed[0]["evidence"]["status"] == "FAILED"


async def test_offline_camera(connect, sim_fleet):
    camera = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD))
    address = camera.address
    sim_fleet.remove(camera)  # the camera is gone: connection refused
    async with connect() as mcp:
        findings = await diagnosis(mcp, address, "offline")
    assert [f["check"] for f in findings] == ["reachable"] and "does not answer" in findings[0]["title"]


@pytest.mark.parametrize("state", ["wrong password", "must change"])
async def test_login_problems_are_findings(connect, make_camera, state):
    camera = make_camera(password="Other#Pass99") if state == "wrong password" else make_camera(factory=True)
    async with connect() as mcp:
        findings = await diagnosis(mcp, camera.address, "general")
        assert [f["check"] for f in findings] == ["login"]
        again = await diagnosis(mcp, camera.address, "general")
    if state == "wrong password":
        assert "rejected" in findings[0]["title"] and findings[0]["fix"]["tool"] == "login"
        assert camera.camera.logins() == 1, "the rejected password is never sent again by itself"
    else:
        assert "password change" in findings[0]["title"] and findings[0]["fix"]["tool"] == "change_password"
    assert [(f["check"], f["fix"]) for f in again] == [(f["check"], f["fix"]) for f in findings]


async def test_a_healthy_camera_has_no_critical_finding(connect, make_camera, mqtt_broker):
    camera = make_camera(inference_start_s=0)
    async with connect() as mcp:
        await healthy_recording(mcp, camera.address)
        await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"iEnable": 1})
        mqtt = {"sURL": mqtt_broker.host, "iPort": mqtt_broker.port}
        await call_ok(mcp, "update_config", host=camera.address, area="notify", changes={"iMode": 1, "dMqtt": mqtt})
        findings = await diagnosis(mcp, camera.address, "general")
    assert not [f for f in findings if f["severity"] != "info"], findings
