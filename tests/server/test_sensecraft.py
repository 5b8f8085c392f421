"""The cloud tools through the MCP client against the simulated SenseCraft cloud: conversion with progress and a
downloaded .rknn, failures reported clearly (task failed, 5xx, time-out, bad or missing token), the model list,
download and a two-phase delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recamera_mcp.server import ServerOptions
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_error, call_ok

TOKEN = "sensecraft-sim-token"


def cloud_options(sim_cloud: Any, tmp_path: Path, token: str | None = TOKEN, **section: Any) -> ServerOptions:
    env = {"RECAMERA_PASSWORD": PASSWORD, "SENSECRAFT_API_URL": sim_cloud.url}
    if token:
        env["SENSECRAFT_TOKEN"] = token
    table = {"poll_s": 0.05, "timeout_s": 20, "download_dir": str(tmp_path / "models"), **section}
    return ServerOptions(credentials=CredentialStore(env=env, sensecraft=table))


def onnx(tmp_path: Path, valid: bool = True) -> Path:
    path = tmp_path / "yolo.onnx"
    path.write_bytes((b"\x08\x07" if valid else b"PK") + bytes(range(256)) * 40)
    return path


async def test_convert_waits_with_progress_and_downloads(connect, sim_cloud, tmp_path):
    seen: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        result = await mcp.call_tool(
            "sensecraft_convert", {"onnx_path": str(onnx(tmp_path))}, progress_callback=on_progress
        )
    assert not result.is_error, result.content
    out = result.structured_content
    saved = Path(out["download"]["path"])
    assert out["status"] == "done" and saved.parent == tmp_path / "models" and saved.read_bytes()[:4] == b"RKNN"
    assert out["download"]["md5_checked"] and "upload_model(" in out["next_step"]
    assert any("converting" in m or "queued" in m for m in seen)
    assert TOKEN not in str(result.content)


async def test_convert_without_waiting_then_status_and_download(connect, sim_cloud, tmp_path):
    sim_cloud.cloud.settings.convert_s = 60
    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        started = await call_ok(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path)), wait=False)
        model_id = started["model_id"]
        assert started["download"] is None and "sensecraft_models(action='status'" in started["next_step"]
        listed = await call_ok(mcp, "sensecraft_models", action="list")
        assert [m["model_id"] for m in listed["models"]] == [model_id]
        status = await call_ok(mcp, "sensecraft_models", action="status", model_id=model_id)
        assert status["model"]["status"] in ("queued", "converting")
        early = await call_error(mcp, "sensecraft_models", action="download", model_id=model_id)
        assert "not converted yet" in early
        assert not [c for c in sim_cloud.cloud.calls if "get_model" in c[1]], "nothing fetched before done"
        sim_cloud.cloud.settings.convert_s = 0
        sim_cloud.cloud.settings.queued_s = 0
        got = await call_ok(mcp, "sensecraft_models", action="download", model_id=model_id, dest_dir=str(tmp_path))
        assert Path(got["download"]["path"]).parent == tmp_path


async def test_failures_are_reported_clearly(connect, sim_cloud, tmp_path):
    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        bad = await call_error(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path, valid=False)))
        assert "failed: invalid ONNX model" in bad and "convert again" in bad
        sim_cloud.cloud.error_next = 1
        down = await call_error(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path)))
        assert "HTTP 503" in down and "try again" in down
    async with connect(cloud_options(sim_cloud, tmp_path, timeout_s=1)) as mcp:
        sim_cloud.cloud.settings.convert_s = 30
        late = await call_error(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path)))
        assert "did not finish within 1 s" in late and "model_id" in late


async def test_a_bad_or_missing_token_answers_where_to_sign_in(connect, sim_cloud, tmp_path):
    async with connect(cloud_options(sim_cloud, tmp_path, token="wrong-token")) as mcp:
        bad = await call_error(mcp, "sensecraft_models", action="list")
    assert "invalid or expired" in bad and "sensecraft.seeed.cc/ai/authorize" in bad and "wrong-token" not in bad
    async with connect(cloud_options(sim_cloud, tmp_path, token=None)) as mcp:
        missing = await call_error(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path)))
    assert "no SenseCraft token" in missing and "SENSECRAFT_TOKEN" in missing and "redirec_url=" in missing
    assert not sim_cloud.cloud.tasks


async def test_delete_takes_two_calls(connect, sim_cloud, tmp_path):
    async with connect(cloud_options(sim_cloud, tmp_path)) as mcp:
        started = await call_ok(mcp, "sensecraft_convert", onnx_path=str(onnx(tmp_path)), wait=False)
        model_id = started["model_id"]
        first = await call_ok(mcp, "sensecraft_models", action="delete", model_id=model_id)
        assert not first["done"] and model_id in sim_cloud.cloud.tasks
        token = first["confirmation"]["confirm_token"]
        done = await call_ok(mcp, "sensecraft_models", action="delete", model_id=model_id, confirm_token=token)
    assert done["done"] and model_id not in sim_cloud.cloud.tasks
