"""configure_inference through the MCP client: the status the device reaches, with progress while it starts, and
each refusal with its reason and the tool call that fixes it."""

from __future__ import annotations

from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.diagnosis import fail_inference
from tests.server.helpers import call_error, call_ok

DETECTION = "yolo11n_detection.rknn"
CLASSIFIER = "mobilenet_cls.rknn"


async def test_enabling_reports_running_with_progress_while_it_starts(connect, make_camera):
    camera = make_camera(inference_start_s=1.0)
    seen: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    async with connect() as mcp:
        result = await mcp.call_tool(
            "configure_inference", {"host": camera.address, "enabled": True, "model": CLASSIFIER, "fps": 5},
            progress_callback=on_progress,
        )  # fmt: skip
        assert not result.is_error, result.content
        out = result.structured_content
        assert out["status"] == "running" and out["reached"] and out["model"] == CLASSIFIER and out["fps"] == 5
        assert out["id_used"] == 1 and "index 1" in out["id_rule"]
        assert any("starting" in m for m in seen)
        assert any("lRegionFilter must be empty" in p for p in out["trigger_problems"])
        off = await call_ok(mcp, "configure_inference", host=camera.address, enabled=False)
    assert off["status"] == "stopped" and not ai_state(camera.camera).inference["iEnable"]


async def test_refusals_name_the_reason_and_the_fix(connect, make_camera):
    camera = make_camera(inference_start_s=0.2)
    ai_state(camera.camera).models["bare.rknn"] = {}
    async with connect() as mcp:
        no_info = await call_error(mcp, "configure_inference", host=camera.address, enabled=True, model="bare.rknn")
        assert "no model info" in no_info and 'models(action="set_info", name="bare.rknn"' in no_info
        ghost = await call_error(mcp, "configure_inference", host=camera.address, enabled=True, model="ghost.rknn")
        assert "has no model 'ghost.rknn'" in ghost and DETECTION in ghost
        fail_inference(camera.camera)
        failed = await call_ok(mcp, "configure_inference", host=camera.address, enabled=True, model=DETECTION)
    assert failed["status"] == "error" and not failed["reached"] and "could not start" in failed["problem"]
    assert [e for e in camera.camera.log if e.call == ("POST", "/model/inference")][-1].query == "id=0"
