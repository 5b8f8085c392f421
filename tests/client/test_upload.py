"""The resumable upload helper against the simulator over real sockets: a whole upload, a dropped connection, a 5xx
and a camera reboot at about 40 %, each resumed from the last acknowledged byte without re-sending it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from recamera_mcp.client import DeviceApiError, ResumableUpload, UploadSession
from recamera_mcp.simulator.routes.ai_state import ai_state

CHUNK = 64 * 1024


def model_file(tmp_path: Path, size: int = 10 * CHUNK + 123, name: str = "custom.rknn") -> Path:
    path = tmp_path / name
    path.write_bytes(b"RKNN" + os.urandom(size - 4))
    return path


def chunk_posts(camera: Any, endpoint: str = "/model/upload") -> list[Any]:
    """Every ``POST ?id=`` (chunks and status queries) the device saw, in order."""
    return [e for e in camera.camera.log if e.path == endpoint and e.query.startswith("id=")]


async def went_down(camera: Any, timeout: float = 5.0) -> None:
    """Wait (polling, bounded) until the simulated camera refuses connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(camera.host, camera.port)
        except OSError:
            return
        writer.close()
        assert time.monotonic() < deadline, "the camera never went down"
        await asyncio.sleep(0.01)


async def test_a_whole_model_upload_in_chunks_with_progress(camera, make_client, tmp_path):
    path = model_file(tmp_path)
    cam = make_client(camera)
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int, note: str) -> None:
        seen.append((done, total))

    upload = ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "custom.rknn"},
                             chunk_size=CHUNK, progress=progress)  # fmt: skip
    result = await upload.run()
    size = path.stat().st_size
    assert result.md5 == hashlib.md5(path.read_bytes()).hexdigest()
    assert (result.size, result.chunks_sent, result.bytes_sent, result.recoveries) == (size, 11, size, 0)
    assert seen[-1] == (size, size) and [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) == 11
    assert "custom.rknn" in ai_state(camera.camera).models
    assert upload.session is None, "nothing left to resume"
    assert all(e.status in (200, 308) for e in chunk_posts(camera))


@pytest.mark.parametrize("fault", ["drop", "5xx"])
async def test_an_interrupted_upload_resumes_without_resending_acknowledged_bytes(camera, make_client, tmp_path, fault):
    path = model_file(tmp_path)
    size = path.stat().st_size
    cam = make_client(camera)
    armed = False

    async def progress(done: int, total: int, note: str) -> None:
        nonlocal armed
        if not armed and done >= 0.4 * total:
            armed = True
            camera.camera.faults.only_path = "/model/upload"
            if fault == "drop":
                camera.camera.faults.drop_next = 1
            else:
                camera.camera.faults.fail_next = 1

    upload = ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "cut.rknn"},
                             chunk_size=CHUNK, progress=progress, retry_pause_s=0.05)  # fmt: skip
    result = await upload.run()
    camera.camera.faults.only_path = None
    assert result.md5 == hashlib.md5(path.read_bytes()).hexdigest(), "the device checked this md5 on its bytes"
    assert result.recoveries == 1
    assert result.chunks_sent == 12 and result.bytes_sent == size + CHUNK, "only the lost chunk went twice"
    posts = chunk_posts(camera)
    assert [e.status for e in posts].count(416) == 0, "no acknowledged byte was sent again"
    assert len(posts) == 11 + 1 + 1, "11 chunks, the lost one, one status query"
    assert "cut.rknn" in ai_state(camera.camera).models


async def test_an_upload_resumes_after_a_camera_reboot_with_a_fresh_login(make_camera, make_client, tmp_path):
    camera = make_camera(reboot_s=1.0)
    path = model_file(tmp_path)
    size = path.stat().st_size
    cam = make_client(camera)
    notes: list[str] = []
    rebooted = False

    async def progress(done: int, total: int, note: str) -> None:
        nonlocal rebooted
        notes.append(note)
        if not rebooted and done >= 0.4 * total:
            rebooted = True
            camera.camera.reboot(1.0)
            await went_down(camera)

    await cam.login()
    logins_before = camera.camera.logins()
    upload = ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "reboot.rknn"},
                             chunk_size=CHUNK, progress=progress, retry_pause_s=0.1)  # fmt: skip
    result = await upload.run()
    assert result.md5 == hashlib.md5(path.read_bytes()).hexdigest()
    assert result.recoveries == 1 and result.bytes_sent <= size + CHUNK
    assert camera.camera.logins() == logins_before + 1, "one fresh login after the reboot revoked the token"
    assert any("waiting for the camera" in n for n in notes)
    assert [e.status for e in chunk_posts(camera)].count(416) == 0
    assert "reboot.rknn" in ai_state(camera.camera).models


async def test_a_later_call_resumes_the_saved_session(camera, make_client, tmp_path):
    path = model_file(tmp_path)
    cam = make_client(camera)
    stop_at = 4 * CHUNK

    class Stop(Exception):
        pass

    async def progress(done: int, total: int, note: str) -> None:
        if done >= stop_at:
            raise Stop

    first = ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "later.rknn"},
                            chunk_size=CHUNK, progress=progress)  # fmt: skip
    with pytest.raises(Stop):
        await first.run()
    saved = first.session
    assert isinstance(saved, UploadSession) and saved.acknowledged == stop_at
    second = ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "later.rknn"},
                             chunk_size=CHUNK, session=saved)  # fmt: skip
    result = await second.run()
    assert result.resumed_from == stop_at and result.bytes_sent == path.stat().st_size - stop_at
    assert result.md5 == hashlib.md5(path.read_bytes()).hexdigest()


async def test_a_session_that_does_not_fit_the_file_is_not_resumed(camera, make_client, tmp_path):
    path = model_file(tmp_path)
    cam = make_client(camera)
    stale = UploadSession(endpoint="/model/upload", file_id="999", total=5, file_key="elsewhere", acknowledged=3)
    result = await ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "fresh.rknn"},
                                   chunk_size=CHUNK, session=stale).run()  # fmt: skip
    assert result.resumed_from == 0 and result.file_id != "999"


async def test_a_lost_session_starts_again_once(camera, make_client, tmp_path):
    path = model_file(tmp_path)
    cam = make_client(camera)
    dropped = False

    async def progress(done: int, total: int, note: str) -> None:
        nonlocal dropped
        if not dropped and done >= 2 * CHUNK:
            dropped = True
            from recamera_mcp.simulator.routes.uploads import uploads_of

            uploads_of(camera.camera).sessions.clear()  # as after a factory reset

    result = await ResumableUpload(cam, "/model/upload", path, final_params={"File-name": "again.rknn"},
                                   chunk_size=CHUNK, progress=progress).run()  # fmt: skip
    assert result.restarted and result.md5 == hashlib.md5(path.read_bytes()).hexdigest()


async def test_the_device_refusals_are_raised_with_their_reason(make_camera, make_client, tmp_path):
    camera = make_camera(max_upload_bytes=1000)
    cam = make_client(camera)
    with pytest.raises(DeviceApiError, match="Insufficient disk space"):
        await ResumableUpload(cam, "/model/upload", model_file(tmp_path), final_params={"File-name": "x.rknn"}).run()
    small = model_file(tmp_path, 500, "small.rknn")
    with pytest.raises(DeviceApiError, match="Invalid model file name"):
        await ResumableUpload(cam, "/model/upload", small, final_params={"File-name": "bad name"}).run()


async def test_firmware_form_without_total(make_camera, make_client, tmp_path):
    camera = make_camera(upload_progress_s=60)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in ("boot.img", "rootfs.img", "RK_OTA_update.sh"):
            raw = os.urandom(70_000)
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    path = tmp_path / "fw.tar"
    path.write_bytes(buffer.getvalue())
    cam = make_client(camera)
    body = f'{{"iFileSize": {path.stat().st_size}}}'.encode()
    result = await ResumableUpload(cam, "/system/firmware-upgrade", path, range_total=False, init_body=body,
                                   chunk_size=CHUNK).run()  # fmt: skip
    assert result.answer.get("code") == 0 and result.chunks_sent == -(-path.stat().st_size // CHUNK)
