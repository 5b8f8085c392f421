"""The SenseCraft client against the simulated cloud over real sockets: conversion with polling and a checked
download, failed tasks, a refused or missing token, the time limit, listing and deletion."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from recamera_mcp.sensecraft import (
    CloudAuthError,
    CloudError,
    CloudUnreachable,
    ConversionFailed,
    ConversionTimeout,
    SenseCraftClient,
    SenseCraftSettings,
)
from recamera_mcp.simulator.cloud import rknn_bytes

TOKEN = "sensecraft-sim-token"


def onnx(tmp_path: Path, name: str = "yolo.onnx", valid: bool = True) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\x08\x07" if valid else b"PK") + bytes(range(256)) * 40)
    return path


def settings(sim_cloud, **overrides) -> SenseCraftSettings:
    env = {"SENSECRAFT_API_URL": sim_cloud.url, "SENSECRAFT_TOKEN": TOKEN}
    base = SenseCraftSettings.load(env, {"poll_s": 0.05, "timeout_s": 20})
    return SenseCraftSettings(**{**base.__dict__, **overrides})


@pytest.fixture
async def cloud(sim_cloud):
    async with SenseCraftClient(settings(sim_cloud)) as client:
        yield client


async def test_settings_from_file_then_environment():
    loaded = SenseCraftSettings.load({"SENSECRAFT_API_URL": "test", "SENSECRAFT_TOKEN": "t"}, {"user_id": "7"})
    assert loaded.api_url.startswith("https://test-") and loaded.hmi_url.startswith("https://sensecraft-hmi")
    assert loaded.user_id == "7" and "t" not in repr(loaded).split("token")[-1][:3]
    own = SenseCraftSettings.load({"SENSECRAFT_API_URL": "http://127.0.0.1:9"})
    assert own.hmi_url == "http://127.0.0.1:9", "a cloud of one's own serves the login-token path too"
    assert "redirec_url=" in own.authorize_url() and "scop=profile" in own.authorize_url()


async def test_convert_polls_until_done_and_downloads_a_checked_rknn(cloud, sim_cloud, tmp_path):
    seen: list[str] = []

    async def progress(done, total, message):
        seen.append(message)

    result = await cloud.convert(onnx(tmp_path), dest_dir=tmp_path / "out", progress=progress)
    assert result.status == "done" and result.download is not None
    saved = Path(result.download.path)
    task = sim_cloud.cloud.tasks[result.model_id]
    assert saved.read_bytes() == rknn_bytes(task) and saved.read_bytes()[:4] == b"RKNN"
    assert result.download.md5 == hashlib.md5(saved.read_bytes()).hexdigest()
    assert saved.parent == tmp_path / "out" and saved.name.startswith(f"sensecraft-{result.model_id}-")
    assert any("queued" in m or "converting" in m for m in seen), "progress while polling"
    polls = [c for c in sim_cloud.cloud.calls if c[1] == "/v1/api/train_status"]
    assert len(polls) >= 2
    downloads = [c[1] for c in sim_cloud.cloud.calls if "get_model" in c[1]]
    assert downloads and downloads[0] == "/v1/api/get_model"


async def test_a_failed_conversion_says_why(cloud, sim_cloud, tmp_path):
    with pytest.raises(ConversionFailed, match="invalid ONNX model") as failed:
        await cloud.convert(onnx(tmp_path, valid=False))
    assert failed.value.reason == "invalid ONNX model"
    sim_cloud.cloud.fail_next = 1
    with pytest.raises(ConversionFailed, match="failed"):
        await cloud.convert(onnx(tmp_path))
    assert not [c for c in sim_cloud.cloud.calls if "get_model" in c[1]], "nothing downloaded from a failed task"


async def test_a_bad_token_is_refused_with_the_sign_in_url_and_never_shown(sim_cloud, tmp_path):
    async with SenseCraftClient(settings(sim_cloud, token="not-the-token")) as cloud:
        with pytest.raises(CloudAuthError) as refused:
            await cloud.convert(onnx(tmp_path))
    text = str(refused.value)
    assert "sensecraft.seeed.cc/ai/authorize" in text and "not-the-token" not in text
    async with SenseCraftClient(settings(sim_cloud, token=None)) as cloud:
        with pytest.raises(CloudAuthError, match="no SenseCraft token"):
            await cloud.records()


async def test_a_configured_user_id_skips_the_resolution(sim_cloud, tmp_path):
    async with SenseCraftClient(settings(sim_cloud, token=None, user_id="1001")) as cloud:
        listed = await cloud.records()
    assert listed.models == [] and ("POST", "/api/v1/user/login_token", 200) not in sim_cloud.cloud.calls


async def test_the_time_limit_ends_the_wait_with_the_model_id(sim_cloud, tmp_path):
    sim_cloud.cloud.settings.convert_s = 30
    async with SenseCraftClient(settings(sim_cloud, timeout_s=0.5)) as cloud:
        with pytest.raises(ConversionTimeout, match="did not finish") as late:
            await cloud.convert(onnx(tmp_path))
    assert late.value.model_id in sim_cloud.cloud.tasks


async def test_records_status_and_delete(cloud, sim_cloud, tmp_path):
    started = await cloud.convert(onnx(tmp_path), wait=False)
    assert started.status in ("queued", "converting")
    listed = await cloud.records()
    assert [m.model_id for m in listed.models] == [started.model_id] and listed.models[0].name == "yolo"
    await cloud.delete(started.model_id)
    assert started.model_id not in sim_cloud.cloud.tasks


async def test_a_5xx_while_polling_is_retried_and_one_at_create_is_reported(cloud, sim_cloud, tmp_path):
    task = await cloud.create_task(onnx(tmp_path))
    sim_cloud.cloud.error_next = 2  # the next two polls answer 503
    done, _ = await cloud.wait(task.model_id)
    assert done.status == "done"
    assert [c[2] for c in sim_cloud.cloud.calls if c[1] == "/v1/api/train_status"][:2] == [503, 503]
    sim_cloud.cloud.error_next = 1
    with pytest.raises(CloudError, match="HTTP 503") as failed:
        await cloud.create_task(onnx(tmp_path))
    assert "try again" in str(failed.value)


async def test_a_download_whose_md5_disagrees_is_fetched_again_and_checked(cloud, sim_cloud, tmp_path):
    task = await cloud.create_task(onnx(tmp_path))
    await cloud.wait(task.model_id)
    sim_cloud.cloud.md5_mismatch_next = 1  # v1 names a wrong md5: the v2 link is used, and its md5 matches
    saved = await cloud.download(task.model_id, tmp_path)
    assert saved.md5_checked and Path(saved.path).read_bytes() == rknn_bytes(sim_cloud.cloud.tasks[task.model_id])
    assert "/v2/api/get_model" in [c[1] for c in sim_cloud.cloud.calls]
    sim_cloud.cloud.md5_mismatch_next = 2  # both disagree: refused, nothing left behind
    with pytest.raises(CloudError, match="MD5"):
        await cloud.download(task.model_id, tmp_path / "second")
    assert list((tmp_path / "second").iterdir()) == []


async def test_a_cloud_that_does_not_answer_in_time_is_reported(sim_cloud, tmp_path):
    sim_cloud.cloud.latency_s = 2.0
    async with SenseCraftClient(settings(sim_cloud, request_timeout_s=0.3)) as cloud:
        with pytest.raises(CloudUnreachable, match="did not answer"):
            await cloud.records()


async def test_a_token_refused_later_is_reported_as_such(cloud, sim_cloud, tmp_path):
    await cloud.records()
    sim_cloud.cloud.token_rejected = True
    with pytest.raises(CloudAuthError, match="invalid or expired"):
        await cloud.records()
