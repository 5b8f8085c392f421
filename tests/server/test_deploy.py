"""deploy_model through the MCP client: from an .onnx through the simulated cloud to running inference on the
simulated camera; re-run after a failure at the upload stage; progress naming the stage; a cloud model by id."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from recamera_mcp.simulator.routes.ai_state import ai_state
from tests.server.helpers import call_error, call_ok
from tests.server.test_sensecraft import cloud_options

ONNX_SIZE = 1_500_000


def onnx(tmp_path: Path) -> Path:
    path = tmp_path / "yolo_people.onnx"
    path.write_bytes(b"\x08\x07" + os.urandom(ONNX_SIZE))
    return path


def stages(out: dict[str, Any]) -> dict[str, str]:
    return {s["stage"]: s["status"] for s in out["stages"]}


async def test_deploy_an_onnx_end_to_end(connect, make_camera, sim_cloud, tmp_path):
    camera = make_camera(inference_start_s=0.2)
    messages: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        result = await mcp.call_tool(
            "deploy_model",
            {"host": camera.address, "model_path": str(onnx(tmp_path)), "classes": ["person", "bicycle"]},
            progress_callback=on_progress,
        )
    assert not result.is_error, result.content
    out = result.structured_content
    assert out["model"] == "yolo_people.rknn"
    assert stages(out) == {"convert": "done", "upload": "done", "info": "done", "inference": "done", "results": "done"}
    assert out["inference"]["status"] == "running" and out["inference"]["model"] == "yolo_people.rknn"
    assert out["results_check"] == "checked"
    (watched,) = [s["detail"] for s in out["stages"] if s["stage"] == "results"]
    assert watched.startswith("3 results arrived") and "person" in watched, "watch_inference saw the detections"
    for stage in ("convert:", "upload:", "info:", "inference:"):
        assert any(m.startswith(stage) for m in messages), f"no progress for {stage}"
    info = ai_state(camera.camera).models["yolo_people.rknn"]
    assert info["classes"] == ["person", "bicycle"] and info["category"] == "Detection" and info["md5sum"]
    assert ai_state(camera.camera).inference["sStatus"] == "running"


async def test_a_rerun_after_a_failed_upload_skips_what_is_done(connect, make_camera, sim_cloud, tmp_path):
    camera = make_camera(inference_start_s=0.2, max_upload_bytes=1000)  # the camera is short of space at first
    args = {"host": camera.address, "model_path": str(onnx(tmp_path)), "info": {"category": "Detection"}}
    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        failed = await call_error(mcp, "deploy_model", **args)
        assert "failed at the upload stage" in failed and "Insufficient disk space" in failed
        assert "Finished before it: convert done" in failed and "inference stopped with" in failed
        assert "yolo_people.rknn" not in ai_state(camera.camera).models
        camera.camera.settings.max_upload_bytes = 512 * 1024 * 1024
        tasks = len(sim_cloud.cloud.tasks)
        again = await call_ok(mcp, "deploy_model", **args)
        assert stages(again) == {
            "convert": "skipped", "upload": "done", "info": "done", "inference": "done", "results": "done",
        }  # fmt: skip
        assert len(sim_cloud.cloud.tasks) == tasks, "not converted a second time"
        third = await call_ok(mcp, "deploy_model", **args)
    assert stages(third) == {
        "convert": "skipped", "upload": "skipped", "info": "skipped", "inference": "done", "results": "done",
    }  # fmt: skip
    assert third["inference"]["status"] == "running"


async def test_a_broken_upload_resumes_on_the_rerun(connect, make_camera, sim_cloud, tmp_path):
    camera = make_camera(inference_start_s=0.2)
    camera.camera.faults.latency_s = 0.05  # answers slow enough that the progress notification arrives mid-upload
    args = {"host": camera.address, "model_path": str(onnx(tmp_path)), "info": {"category": "Detection"}}
    armed = False

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        nonlocal armed
        if not armed and (message or "").startswith("upload:") and "MB" in (message or ""):
            armed = True  # the camera refuses the next chunk outright (not a drop): this run stops there
            faults = camera.camera.faults
            faults.latency_s, faults.only_path, faults.fail_status, faults.fail_next = 0.2, "/model/upload", 400, 1

    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        first = await mcp.call_tool("deploy_model", args, progress_callback=on_progress)
        assert first.is_error and "failed at the upload stage" in str(first.content)
        camera.camera.faults.only_path, camera.camera.faults.latency_s = None, 0.0
        again = await call_ok(mcp, "deploy_model", **args)
    upload = next(s for s in again["stages"] if s["stage"] == "upload")
    assert upload["status"] == "done" and "resumed at byte" in upload["detail"]


async def test_deploy_a_converted_cloud_model_by_id(connect, make_camera, sim_cloud, tmp_path):
    camera = make_camera(inference_start_s=0.2)
    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        converted = await call_ok(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path)))
        out = await call_ok(
            mcp, "deploy_model", host=camera.address, sensecraft_model_id=converted["model_id"],
            info={"category": "Detection", "classes": ["person"]}, enable=False,
        )  # fmt: skip
    assert stages(out) == {"download": "done", "upload": "done", "info": "done", "inference": "done"}
    assert out["model"] == "yolo_people.rknn" and out["inference"]["status"] == "stopped"
    assert ai_state(camera.camera).inference["sModel"] == "yolo_people.rknn"


async def test_deploy_refuses_a_bad_request_before_touching_anything(connect, camera, sim_cloud, tmp_path):
    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        both = await call_error(mcp, "deploy_model", host=camera.address)
        assert "either a model file or a SenseCraft model id" in both
        bad = await call_error(
            mcp, "deploy_model", host=camera.address, model_path=str(onnx(tmp_path)), info={"category": "Flying"}
        )
        assert "category" in bad
    assert not sim_cloud.cloud.tasks and ("POST", "/model/upload") not in camera.camera.calls()
