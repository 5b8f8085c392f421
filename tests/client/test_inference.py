"""The inference area against the simulator: configure with read-before-write and the wait for the status, every
refusal with its reason, the id rule of both firmware generations, the record triggers a new model breaks."""

from __future__ import annotations

import pytest

from recamera_mcp.client import ValidationError
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.diagnosis import fail_inference

DETECTION = "yolo11n_detection.rknn"
CLASSIFIER = "mobilenet_cls.rknn"


def inference_posts(camera) -> list[str]:
    return [e.query for e in camera.camera.log if e.call == ("POST", "/model/inference")]


async def test_enable_reaches_running_and_disable_reaches_stopped(camera, make_client):
    cam = make_client(camera)
    waits: list[str] = []

    async def progress(waited: float, status: str) -> None:
        waits.append(status)

    on = await cam.inference.configure(True, model=DETECTION, fps=10, progress=progress)
    assert on.reached and on.status == "running" and on.enabled and on.fps == 10 and on.written
    assert {c.field for c in on.changes} == {"iEnable", "iFPS"}
    assert all(status in ("starting", "running") for status in waits)
    same = await cam.inference.configure(True, model=DETECTION, fps=10)
    assert not same.written and same.reached, "nothing to change: no write"
    off = await cam.inference.configure(False)
    assert off.reached and off.status == "stopped" and not off.enabled
    assert ai_state(camera.camera).inference["sModel"] == DETECTION, "the model and fps were carried over"
    assert ai_state(camera.camera).inference["iFPS"] == 10


async def test_refusals_say_why_and_send_nothing(camera, make_client):
    ai_state(camera.camera).models["bare.rknn"] = {}
    cam = make_client(camera)
    with pytest.raises(ValidationError, match="no model info") as no_info:
        await cam.inference.configure(True, model="bare.rknn")
    assert no_info.value.fix is not None and no_info.value.fix.op == "models.set_info"
    with pytest.raises(ValidationError, match="has no model 'ghost.rknn'"):
        await cam.inference.configure(True, model="ghost.rknn")
    with pytest.raises(ValidationError, match="fps"):
        await cam.inference.configure(True, fps=500)
    assert inference_posts(camera) == []


async def test_switching_to_a_classifier_reports_the_triggers_it_breaks(camera, make_client):
    cam = make_client(camera)
    result = await cam.inference.configure(True, model=CLASSIFIER)
    assert result.reached
    assert any("lRegionFilter must be empty" in p for p in result.trigger_problems), result.trigger_problems


@pytest.mark.parametrize(("firmware", "expected"), [("legacy", "id=0"), ("2026", "id=1")])
async def test_the_id_rule_of_each_firmware_generation(make_camera, make_client, firmware, expected):
    camera = make_camera(firmware=firmware, inference_start_s=0.2)
    cam = make_client(camera)
    result = await cam.inference.configure(True, model=CLASSIFIER)
    assert result.reached and result.status == "running"
    assert inference_posts(camera) == [expected], "the device refuses the other generation's id"
    assert result.id_used == int(expected[-1]) and firmware in result.id_rule


async def test_a_start_that_fails_reports_the_error_status(make_camera, make_client):
    camera = make_camera(inference_start_s=0.2)
    cam = make_client(camera)
    fail_inference(camera.camera)  # the simulator's inference_error fault: the next start ends in error
    result = await cam.inference.configure(True, model=DETECTION)
    assert not result.reached and result.status == "error"
    assert result.problem is not None and "could not start" in result.problem
    again = await cam.inference.configure(True, model=DETECTION)
    assert again.written and again.reached, "enabling again restarts it"


async def test_the_wait_is_bounded(make_camera, make_client):
    camera = make_camera(inference_start_s=30)
    cam = make_client(camera)
    result = await cam.inference.configure(True, model=DETECTION, wait_s=0.3)
    assert not result.reached and result.status == "starting" and "still not running" in (result.problem or "")
