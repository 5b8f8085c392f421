"""The models area against the simulator: list with the active model, typed info read-before-write, delete with
the in-use rule, upload of an .rknn (and the refusal of an .onnx), resuming a broken upload on the next call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recamera_mcp.client import DeviceApiError, DeviceUnreachable, ModelCategory, ModelInfo, ValidationError
from recamera_mcp.simulator.routes.ai_state import ai_state

DETECTION = "yolo11n_detection.rknn"
CLASSIFIER = "mobilenet_cls.rknn"


def rknn(tmp_path: Path, name: str = "people.rknn", size: int = 700_000) -> Path:
    path = tmp_path / name
    path.write_bytes(b"RKNN" + os.urandom(size - 4))
    return path


async def test_models_are_listed_with_the_active_one_and_their_info(camera, make_client):
    cam = make_client(camera)
    listed = {m.name: m for m in await cam.models.models()}
    assert listed[DETECTION].active and not listed[CLASSIFIER].active
    assert listed[DETECTION].has_info and listed[DETECTION].category == "Detection" and listed[DETECTION].classes == 20
    info = await cam.models.typed_info(CLASSIFIER)
    assert info is not None and info.category == ModelCategory.CLASSIFICATION and info.confidence == 0.5
    algorithms = await cam.models.algorithms()
    assert "yolo11" in algorithms["lDetection"]


async def test_set_info_changes_only_the_fields_given(camera, make_client):
    cam = make_client(camera)
    before = dict(ai_state(camera.camera).models[DETECTION])
    result = await cam.models.set_info(DETECTION, ModelInfo(confidence=0.6, classes=["person", "car"]))
    assert result.written and {c.field for c in result.changes} == {"classes", "metrics.confidence"}
    stored = ai_state(camera.camera).models[DETECTION]
    assert stored["metrics"] == {**before["metrics"], "confidence": 0.6}, "iou and topk kept"
    assert stored["classes"] == ["person", "car"] and stored["author"] == before["author"]
    again = await cam.models.set_info(DETECTION, ModelInfo(confidence=0.6))
    assert not again.written


async def test_a_model_without_info_needs_a_category(camera, make_client):
    ai_state(camera.camera).models["bare.rknn"] = {}
    cam = make_client(camera)
    with pytest.raises(ValidationError, match="category"):
        await cam.models.set_info("bare.rknn", ModelInfo(classes=["a"]))
    with pytest.raises(ValidationError, match="no model 'nope.rknn'"):
        await cam.models.set_info("nope.rknn", ModelInfo(category="Detection"))
    done = await cam.models.set_info("bare.rknn", ModelInfo(category="detection", classes=["a"]))
    assert done.info is not None and done.info.category == ModelCategory.DETECTION


async def test_delete_refuses_the_model_inference_runs_with_unless_forced(camera, make_client):
    cam = make_client(camera)
    await cam.inference.configure(True, model=DETECTION, wait_s=10)
    with pytest.raises(ValidationError, match="running with") as refused:
        await cam.models.plan_delete(DETECTION)
    assert refused.value.fix is not None and refused.value.fix.op == "inference.configure"
    plan = await cam.models.plan_delete(DETECTION, force=True)
    assert plan.stops_inference
    left = await cam.models.delete(plan)
    assert DETECTION not in {m.name for m in left} and DETECTION not in ai_state(camera.camera).models
    assert not ai_state(camera.camera).inference["iEnable"]


async def test_upload_refuses_onnx_with_the_way_forward(camera, make_client, tmp_path):
    onnx = tmp_path / "yolo.onnx"
    onnx.write_bytes(b"\x08\x07")
    cam = make_client(camera)
    with pytest.raises(ValidationError, match="ONNX") as refused:
        await cam.models.upload(onnx)
    assert refused.value.fix is not None and refused.value.fix.op == "sensecraft.convert"
    with pytest.raises(ValidationError, match="not a model file name"):
        await cam.models.upload(rknn(tmp_path), name="../evil.rknn")
    assert camera.camera.calls().count(("POST", "/model/upload")) == 0


async def test_upload_lists_the_model_and_writes_its_info_with_size_and_md5(camera, make_client, tmp_path):
    path = rknn(tmp_path)
    cam = make_client(camera)
    result = await cam.models.upload(path, info=ModelInfo(category="Detection", classes=["person"]))
    assert result.listed and result.info is not None and result.info.size == path.stat().st_size
    stored = ai_state(camera.camera).models["people.rknn"]
    assert stored["md5sum"] == result.md5 and stored["classes"] == ["person"]
    again = await cam.models.upload(path, skip_if_present=True)
    assert again.skipped and again.bytes_sent == 0


async def test_a_broken_upload_resumes_on_the_next_call(camera, make_client, tmp_path):
    path = rknn(tmp_path, size=3 * 512 * 1024 + 10)
    cam = make_client(camera, get_retries=0)
    seen: list[int] = []

    async def progress(done: int, total: int, note: str) -> None:
        seen.append(done)
        if len(seen) == 2:
            camera.camera.faults.drop_next = 50  # the camera stays unreachable: this call gives up

    with pytest.raises(DeviceUnreachable, match="resumes"):
        await cam.models.upload(path, progress=progress, recover_s=0.5)
    camera.camera.faults.drop_next = 0
    result = await cam.models.upload(path)
    assert result.resumed_from == 2 * 512 * 1024 and result.bytes_sent == path.stat().st_size - result.resumed_from


async def test_the_camera_downloads_a_converted_cloud_model_itself(make_camera, make_client, sim_cloud, tmp_path):
    from recamera_mcp.sensecraft import SenseCraftClient, SenseCraftSettings

    camera = make_camera(cloud_url=sim_cloud.url)
    env = {"SENSECRAFT_API_URL": sim_cloud.url, "SENSECRAFT_TOKEN": "sensecraft-sim-token"}
    async with SenseCraftClient(SenseCraftSettings.load(env, {"poll_s": 0.05})) as cloud:
        onnx = tmp_path / "door.onnx"
        onnx.write_bytes(b"\x08\x07" + bytes(300))
        task = await cloud.create_task(onnx)
        await cloud.wait(task.model_id)
        user_id = await cloud.user_id()
    cam = make_client(camera)
    seen: list[str] = []

    async def progress(percent: int, status: str) -> None:
        seen.append(status)

    done = await cam.models.fetch_from_cloud(user_id, task.model_id, "door", poll_s=0.05, progress=progress)
    assert done.status == "completed" and done.listed and done.name == "door.rknn"
    assert "door.rknn" in ai_state(camera.camera).models
    with pytest.raises(DeviceApiError, match="could not download"):
        await cam.models.fetch_from_cloud(user_id, "999999", "ghost", poll_s=0.05)


async def test_a_camera_without_the_cloud_reports_the_failed_download(camera, make_client):
    cam = make_client(camera)
    with pytest.raises(DeviceApiError, match="cannot reach the SenseCraft cloud"):
        await cam.models.fetch_from_cloud("1001", "2001", "door", poll_s=0.05)
    with pytest.raises(ValidationError, match="file_name"):
        await cam.models.fetch_from_cloud("1001", "2001", "door", file_name="../x.rknn")
