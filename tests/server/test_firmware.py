"""The firmware tool through the MCP client against the simulator: check starts nothing, the network upgrade with
our confirmation and the device's token, progress, the camera back on the new version; status; local files."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

from recamera_mcp.client import FirmwareWait, WaitPolicy
from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS, LATEST_RELEASES
from recamera_mcp.simulator.routes.uploads import uploads_of
from tests.client.test_firmware import firmware_file
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok, error_text, wait_down

CURRENT, LATEST = FIRMWARE_VERSIONS["2026"], LATEST_RELEASES["2026"]
QUICK = {"upload_progress_s": 1.0, "firmware_success_s": 0.2, "install_s": 1.0}
FAST = FirmwareWait(progress_interval_s=0.1, install=WaitPolicy(interval_s=0.1, timeout_s=30, down_within_s=30))


def options(**kwargs: Any) -> Any:
    return make_options(firmware_wait=FAST, **kwargs)


def upgrade_bodies(camera: Any) -> list[dict[str, Any]]:
    return [e.body or {} for e in camera.camera.log if e.call == ("POST", "/system/firmware-upgrade")]


async def test_check_reports_the_versions_and_starts_nothing(connect, camera):
    async with connect(options()) as mcp:
        out = await call_ok(mcp, "firmware", host=camera.address, action="check")
        status = await call_ok(mcp, "firmware", host=camera.address, action="status")
    assert (out["current"], out["latest"], out["update_available"], out["updating"]) == (
        CURRENT, LATEST, True, False
    )  # fmt: skip
    assert status["progress"]["status"] == "idle" and status["updating"] is False
    assert not any("sConfirmToken" in body for body in upgrade_bodies(camera))


async def test_network_upgrade_with_both_tokens_progress_and_the_new_version(connect, make_camera):
    cam = make_camera(**QUICK)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with connect(options()) as mcp:
        first = await call_ok(mcp, "firmware", host=cam.address, action="upgrade")
        assert first["done"] is False and first["latest"] == LATEST
        assert f"{CURRENT} -> {LATEST}" in first["confirmation"]["summary"]
        assert not any("sConfirmToken" in body for body in upgrade_bodies(cam)), "nothing started before ours"
        token = first["confirmation"]["confirm_token"]
        result = await mcp.call_tool(
            "firmware", {"host": cam.address, "action": "upgrade", "confirm_token": token},
            progress_callback=on_progress,
        )  # fmt: skip
        assert not result.is_error, result.content
        out = result.structured_content
        assert out is not None and out["done"] is True
        assert (out["result"]["from_version"], out["result"]["to_version"]) == (CURRENT, LATEST)
        assert out["result"]["logged_in"] is True and f"{CURRENT} -> {LATEST}" in out["note"]
        status = await call_ok(mcp, "get_device_status", host=cam.address)
        assert status["firmware"] == LATEST
        again = await call_ok(mcp, "firmware", host=cam.address, action="upgrade")
        assert again["done"] is True and "nothing to do" in again["note"]
    assert sum(1 for body in upgrade_bodies(cam) if "sConfirmToken" in body) == 1, "the device's token, once"
    assert any("downloading" in (m or "") for _, _, m in progress)
    assert all(total == 100 for _, total, _ in progress)
    assert [p for p, _, _ in progress] == sorted(p for p, _, _ in progress)


async def test_an_upgrade_started_without_waiting_is_followed_by_status_then_watched(connect, make_camera):
    cam = make_camera(**{**QUICK, "upload_progress_s": 1.5})
    async with connect(options()) as mcp:
        token = (await call_ok(mcp, "firmware", host=cam.address, action="upgrade"))["confirmation"]["confirm_token"]
        started = await call_ok(mcp, "firmware", host=cam.address, action="upgrade", confirm_token=token, wait=False)
        assert started["done"] is False and started["updating"] is True
        status = await call_ok(mcp, "firmware", host=cam.address, action="status")
        assert status["updating"] is True and status["progress"]["status"] in ("starting", "downloading")
        watched = await call_ok(mcp, "firmware", host=cam.address, action="upgrade")
        assert watched["done"] is True and watched["result"]["to_version"] == LATEST
        assert watched["confirmation"] is None, "a running upgrade needs no second confirmation"
    assert sum(1 for body in upgrade_bodies(cam) if "sConfirmToken" in body) == 1


async def test_an_upgrade_cut_off_while_installing_is_reported_and_watched_again(connect, make_camera):
    cam = make_camera(**{**QUICK, "install_s": 2.0})
    async with connect(options()) as mcp:
        token = (await call_ok(mcp, "firmware", host=cam.address, action="upgrade"))["confirmation"]["confirm_token"]
        await call_ok(mcp, "firmware", host=cam.address, action="upgrade", confirm_token=token, wait=False)
        await wait_down(cam)
        status = await call_ok(mcp, "firmware", host=cam.address, action="status")
        assert status["updating"] is True and "installing" in status["note"] and LATEST in status["note"]
        done = await call_ok(mcp, "firmware", host=cam.address, action="upgrade")
        assert done["done"] is True and done["result"]["to_version"] == LATEST and done["confirmation"] is None


async def test_a_release_url_with_credentials_is_refused(connect, camera):
    async with connect(options()) as mcp:
        err = await call_error(
            mcp, "firmware", host=camera.address, action="check", file_path="https://me:secret@github.com/a/b"
        )
    assert "credentials" in err and "secret" not in err
    assert upgrade_bodies(camera) == []


def firmware_tar(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    path.write_bytes(buffer.getvalue())
    return path


async def test_a_local_file_is_checked_before_anything_is_sent(connect, camera, tmp_path):
    good = firmware_tar(
        tmp_path / "fw.tar",
        {"boot.img": b"b" * 99, "rootfs.img": b"r" * 99, "RK_OTA_update.sh": b"#!/bin/sh\n", "ota_version": b"V2.0.0"},
    )
    bad = firmware_tar(tmp_path / "bad.tar", {"boot.img": b"b", "RK_OTA_update.sh": b"x"})
    async with connect(options()) as mcp:
        checked = await call_ok(mcp, "firmware", host=camera.address, action="check", file_path=str(good))
        assert checked["file"]["version"] == "V2.0.0" and checked["current"] == CURRENT
        err = await call_error(mcp, "firmware", host=camera.address, action="upgrade", file_path=str(bad))
        assert "lacks rootfs.img" in err
        first = await call_ok(mcp, "firmware", host=camera.address, action="upgrade", file_path=str(good))
        assert first["done"] is False and "V2.0.0" in first["confirmation"]["summary"]
    assert upgrade_bodies(camera) == []


async def test_a_local_firmware_is_uploaded_with_progress_and_installed(connect, make_camera, tmp_path):
    cam = make_camera(**QUICK)
    path = firmware_file(tmp_path / "fw.tar")
    progress: list[tuple[float, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    async with connect(options()) as mcp:
        first = await call_ok(mcp, "firmware", host=cam.address, action="upgrade", file_path=str(path))
        args = {"host": cam.address, "action": "upgrade", "file_path": str(path)}
        token = first["confirmation"]["confirm_token"]
        result = await mcp.call_tool("firmware", {**args, "confirm_token": token}, progress_callback=on_progress)
        assert not result.is_error, result.content
        out = result.structured_content
        assert out is not None and out["done"] is True
        assert (out["result"]["from_version"], out["result"]["to_version"]) == (CURRENT, "V2.0.0")
        assert out["result"]["upload"]["size_bytes"] == path.stat().st_size
    assert any("uploading fw.tar" in (m or "") for _, m in progress)
    assert any("downloading" in (m or "") or "install" in (m or "") for _, m in progress)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress) and progress[-1][0] <= 100


async def test_a_wrong_md5_is_refused_and_nothing_installed(connect, make_camera, tmp_path):
    cam = make_camera(**QUICK)
    path = firmware_file(tmp_path / "fw.tar")
    spoiled = False

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        nonlocal spoiled
        if not spoiled and "uploading" in (message or "") and done >= 12:  # 40 % of the upload's 30
            spoiled = True
            for upload in uploads_of(cam.camera).sessions.values():
                with upload.path.open("r+b") as part:
                    first = part.read(1)
                    part.seek(0)
                    part.write(bytes([first[0] ^ 0xFF]))

    async with connect(options()) as mcp:
        args = {"host": cam.address, "action": "upgrade", "file_path": str(path)}
        token = (await call_ok(mcp, "firmware", **args))["confirmation"]["confirm_token"]
        result = await mcp.call_tool("firmware", {**args, "confirm_token": token}, progress_callback=on_progress)
        assert result.is_error and "MD5 checksum mismatch" in error_text(result)
        status = await call_ok(mcp, "get_device_status", host=cam.address)
    assert spoiled and status["firmware"] == CURRENT
