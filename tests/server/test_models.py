"""The models and upload_model tools through the MCP client, against the simulator over real sockets."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from recamera_mcp.simulator.routes.ai_state import ai_state
from tests.server.helpers import call_error, call_ok

DETECTION = "yolo11n_detection.rknn"
CHUNK = 512 * 1024


def rknn(tmp_path: Path, size: int = 5 * CHUNK + 77, name: str = "people.rknn") -> Path:
    path = tmp_path / name
    path.write_bytes(b"RKNN" + os.urandom(size - 4))
    return path


def chunk_statuses(camera: Any) -> list[int]:
    return [e.status for e in camera.camera.log if e.path == "/model/upload" and e.query.startswith("id=")]


async def test_list_shows_the_active_model_and_inference(connect, camera):
    async with connect() as mcp:
        out = await call_ok(mcp, "models", host=camera.address, action="list")
    listed = {m["name"]: m for m in out["models"]}
    assert (
        listed[DETECTION]["active"] and listed[DETECTION]["has_info"] and listed[DETECTION]["category"] == "Detection"
    )
    assert out["inference"] == {"enabled": False, "status": "stopped", "model": DETECTION}


async def test_info_set_info_and_algorithms(connect, camera):
    async with connect() as mcp:
        info = await call_ok(mcp, "models", host=camera.address, action="info", name=DETECTION)
        assert info["info"]["category"] == "Detection" and "person" in info["info"]["classes"]
        changed = await call_ok(
            mcp, "models", host=camera.address, action="set_info", name=DETECTION, info={"confidence": 0.4}
        )
        assert [c["field"] for c in changed["changes"]] == ["metrics.confidence"]
        assert changed["changes"][0]["before"] == 0.25 and changed["changes"][0]["after"] == 0.4
        bad = await call_error(
            mcp, "models", host=camera.address, action="set_info", name=DETECTION, info={"confidence": 7}
        )
        assert "confidence" in bad
        algos = await call_ok(mcp, "models", host=camera.address, action="algorithms")
        assert "yolo11" in algos["algorithms"]["lDetection"]
        missing = await call_error(mcp, "models", host=camera.address, action="info", name="ghost.rknn")
        assert "no model 'ghost.rknn'" in missing
    assert ai_state(camera.camera).models[DETECTION]["metrics"]["confidence"] == 0.4


async def test_delete_takes_two_calls_and_refuses_the_running_model(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "configure_inference", host=camera.address, enabled=True, model=DETECTION)
        refused = await call_error(mcp, "models", host=camera.address, action="delete", name=DETECTION)
        assert "running with" in refused and "configure_inference(enabled=false)" in refused
        first = await call_ok(mcp, "models", host=camera.address, action="delete", name="mobilenet_cls.rknn")
        assert not first["done"] and "mobilenet_cls.rknn" in ai_state(camera.camera).models
        token = first["confirmation"]["confirm_token"]
        done = await call_ok(
            mcp, "models", host=camera.address, action="delete", name="mobilenet_cls.rknn", confirm_token=token
        )
    assert done["done"] and "mobilenet_cls.rknn" not in {m["name"] for m in done["models"]}
    assert "mobilenet_cls.rknn" not in ai_state(camera.camera).models
    assert DETECTION in ai_state(camera.camera).models


async def test_upload_reports_progress_per_chunk_and_sets_the_info(connect, camera, tmp_path):
    path = rknn(tmp_path)
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with connect() as mcp:
        result = await mcp.call_tool(
            "upload_model",
            {"host": camera.address, "file_path": str(path), "info": {"category": "Detection", "classes": ["person"]}},
            progress_callback=on_progress,
        )
    assert not result.is_error, result.content
    out = result.structured_content
    size = path.stat().st_size
    assert out["listed"] and out["size"] == size and out["md5"] == hashlib.md5(path.read_bytes()).hexdigest()
    assert len(seen) == 6 and seen[-1][0] == size and all(t == size for _, t, _ in seen)
    assert "uploading" in (seen[0][2] or "")
    stored = ai_state(camera.camera).models["people.rknn"]
    assert stored["classes"] == ["person"] and stored["size"] == size and stored["md5sum"] == out["md5"]


async def test_an_upload_cut_at_40_percent_resumes_without_resending(connect, camera, tmp_path):
    path = rknn(tmp_path, 10 * CHUNK)
    armed = False

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        nonlocal armed
        if not armed and total and done >= 0.4 * total:
            armed = True
            camera.camera.faults.only_path = "/model/upload"
            camera.camera.faults.drop_next = 1

    async with connect() as mcp:
        result = await mcp.call_tool(
            "upload_model", {"host": camera.address, "file_path": str(path)}, progress_callback=on_progress
        )
    assert not result.is_error, result.content
    out = result.structured_content
    assert out["recoveries"] == 1 and out["bytes_sent"] == path.stat().st_size + CHUNK, "only the lost chunk again"
    statuses = chunk_statuses(camera)
    assert 416 not in statuses and statuses.count(0) == 1, "one dropped chunk, no acknowledged byte re-sent"
    assert "people.rknn" in ai_state(camera.camera).models


async def test_an_upload_survives_a_camera_reboot_at_40_percent(connect, make_camera, tmp_path):
    camera = make_camera(reboot_s=1.0)
    path = rknn(tmp_path, 10 * CHUNK)
    rebooted = False
    notes: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        nonlocal rebooted
        notes.append(message or "")
        if not rebooted and total and done >= 0.4 * total:
            rebooted = True
            # progress notifications reach this callback while the upload goes on: slow the camera's answers so
            # that the reboot (down 0.1 s from now) lands before the last chunk
            camera.camera.faults.latency_s = 0.3
            camera.camera.reboot(1.0)

    async with connect() as mcp:
        result = await mcp.call_tool(
            "upload_model", {"host": camera.address, "file_path": str(path)}, progress_callback=on_progress
        )
    assert not result.is_error, result.content
    out = result.structured_content
    assert out["recoveries"] == 1 and out["bytes_sent"] <= path.stat().st_size + CHUNK
    assert any("waiting for the camera" in n for n in notes), "progress kept coming while the camera was down"
    assert 416 not in chunk_statuses(camera) and "people.rknn" in ai_state(camera.camera).models


async def test_upload_refuses_an_onnx_with_the_conversion_to_run(connect, camera, tmp_path):
    onnx = tmp_path / "yolo.onnx"
    onnx.write_bytes(b"\x08\x07")
    async with connect() as mcp:
        err = await call_error(mcp, "upload_model", host=camera.address, file_path=str(onnx))
    assert "ONNX" in err and "sensecraft_convert(onnx_path=" in err
    assert ("POST", "/model/upload") not in camera.camera.calls()
