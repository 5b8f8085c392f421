"""The firmware area against the simulator: the check starts nothing, the network upgrade with the device's token,
progress, the version check at the end; local firmware files checked before anything is sent."""

from __future__ import annotations

import asyncio
import contextlib
import io
import tarfile
from pathlib import Path

import httpx
import pytest

from recamera_mcp.client import (
    DeviceApiError,
    DeviceUnreachable,
    FirmwareWait,
    ReCameraClient,
    ValidationError,
    WaitPolicy,
    check_release_url,
    inspect_firmware_file,
)
from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS, LATEST_RELEASES
from recamera_mcp.simulator.routes.uploads import uploads_of
from tests.server.helpers import firmware_file, wait_down

CURRENT, LATEST = FIRMWARE_VERSIONS["2026"], LATEST_RELEASES["2026"]
QUICK = {"upload_progress_s": 1.0, "firmware_success_s": 0.2, "install_s": 1.0}
"""A simulated upgrade that downloads in a second and installs (down) for a second."""

FAST = FirmwareWait(progress_interval_s=0.1, install=WaitPolicy(interval_s=0.1, timeout_s=30, down_within_s=30))


def upgrade_posts(device) -> list[dict]:
    return [e.body or {} for e in device.camera.log if e.call == ("POST", "/system/firmware-upgrade")]


async def test_check_reports_versions_and_starts_nothing(make_camera, make_client):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    check = await cam.firmware.check()
    assert (check.current, check.latest, check.update_available, check.updating) == (CURRENT, LATEST, True, False)
    assert (await cam.firmware.progress()).status == "idle"
    assert all("sConfirmToken" not in body for body in upgrade_posts(device))


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
async def test_network_upgrade_sends_the_device_token_and_comes_back_on_the_new_version(
    firmware, make_camera, make_client
):
    device = make_camera(firmware=firmware, **QUICK)
    current, latest = FIRMWARE_VERSIONS[firmware], LATEST_RELEASES[firmware]
    cam: ReCameraClient = make_client(device)
    seen: list[tuple[float, str]] = []

    async def progress(done: float, total: float | None, message: str) -> None:
        assert total == 100
        seen.append((done, message))

    job = await cam.firmware.start_network(expected=latest)
    assert (job.from_version, job.target_version, job.already_running) == (current, latest, False)
    assert cam.firmware.job is job
    logins = device.camera.logins()
    result = await cam.firmware.watch(job, FAST, progress)

    assert (result.from_version, result.to_version, result.logged_in) == (current, latest, True)
    assert result.went_down and result.install_s > 0
    assert device.camera.logins() == logins + 1, "a fresh login after the install"
    assert (await cam.system.status()).firmware == latest
    assert cam.firmware.job is None
    posts = upgrade_posts(device)
    assert [set(p) for p in posts] == [set(), {"sConfirmToken"}], "a fresh check, then its token"
    assert any("downloading" in m for _, m in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


async def test_an_upgrade_already_running_is_watched_not_started_again(make_camera, make_client):
    device = make_camera(**{**QUICK, "upload_progress_s": 1.5})
    cam: ReCameraClient = make_client(device)
    await cam.firmware.start_network()
    other: ReCameraClient = make_client(device)
    check = await other.firmware.check()
    assert check.updating
    job = await other.firmware.start_network()
    assert job.already_running
    result = await other.firmware.watch(job, FAST)
    assert result.to_version == LATEST
    assert sum(1 for body in upgrade_posts(device) if "sConfirmToken" in body) == 1


async def test_a_watch_cut_off_while_installing_is_resumed(make_camera, make_client):
    device = make_camera(**{**QUICK, "install_s": 2.0})
    cam: ReCameraClient = make_client(device)
    job = await cam.firmware.start_network()
    watching = asyncio.create_task(cam.firmware.watch(job, FAST))
    await wait_down(device)
    watching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watching
    assert cam.firmware.job is job, "a cancelled wait keeps the upgrade to resume"
    result = await cam.firmware.resume(FAST)
    assert result is not None and result.to_version == LATEST and result.went_down
    assert cam.firmware.job is None and await cam.firmware.resume(FAST) is None


async def test_no_upgrade_when_up_to_date_or_the_version_changed(make_camera, make_client):
    device = make_camera(**QUICK)
    cam: ReCameraClient = make_client(device)
    with pytest.raises(ValidationError, match="not V9.9.9 as agreed"):
        await cam.firmware.start_network(expected="V9.9.9")
    result = await cam.firmware.watch(await cam.firmware.start_network(), FAST)
    assert result.to_version == LATEST
    with pytest.raises(ValidationError, match="nothing to upgrade"):
        await cam.firmware.start_network()


async def test_a_failed_download_is_reported_and_nothing_installed(make_camera, make_client):
    device = make_camera(**QUICK)
    cam: ReCameraClient = make_client(device)
    assert httpx.post(device.url + "/__sim__/faults", json={"firmware_fail": True}).json()["code"] == 0
    job = await cam.firmware.start_network()
    with pytest.raises(DeviceApiError, match="download failed on the camera"):
        await cam.firmware.watch(job, FAST)
    assert cam.firmware.job is None
    assert (await cam.system.status()).firmware == CURRENT


@pytest.mark.parametrize(
    "url",
    ["ftp://github.com/a/b", "https://user:pw@github.com/a/b", "https://github.com/a b", "file:///etc/passwd"],
)
async def test_a_bad_release_url_is_refused_before_any_request(url, make_camera, make_client):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    with pytest.raises(ValidationError) as info:
        await cam.firmware.check(url)
    assert "pw" not in str(info.value)
    assert not upgrade_posts(device)


def test_release_url_accepts_http_and_https():
    assert check_release_url(" https://github.com/Seeed-Studio/reCamera-Pro-OTA ") == (
        "https://github.com/Seeed-Studio/reCamera-Pro-OTA"
    )
    assert check_release_url("http://mirror.local/ota").startswith("http://")


def make_tar(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    path.write_bytes(buffer.getvalue())
    return path


GOOD = {"boot.img": b"b" * 1000, "rootfs.img": b"r" * 3000, "RK_OTA_update.sh": b"#!/bin/sh\n"}


async def test_a_firmware_file_is_checked_and_hashed(tmp_path):
    path = make_tar(tmp_path / "fw.tar", {**GOOD, "ota_version": b"V1.2.3\n"})
    checked = await inspect_firmware_file(path)
    assert checked.size_bytes == path.stat().st_size and len(checked.md5) == 32
    assert checked.version == "V1.2.3"
    assert (await inspect_firmware_file(make_tar(tmp_path / "plain.tar", GOOD))).version is None


@pytest.mark.parametrize(
    ("files", "match"),
    [
        ({"boot.img": b"x", "RK_OTA_update.sh": b"x"}, "lacks rootfs.img"),
        ({**GOOD, "../evil": b"x"}, "unsafe paths"),
    ],
)
async def test_a_bad_firmware_file_is_refused(tmp_path, files, match):
    with pytest.raises(ValidationError, match=match):
        await inspect_firmware_file(make_tar(tmp_path / "fw.tar", files))


async def test_a_file_that_is_no_tar_or_missing_is_refused(tmp_path):
    (tmp_path / "fw.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(ValidationError, match="not a tar"):
        await inspect_firmware_file(tmp_path / "fw.tar")
    with pytest.raises(ValidationError, match="no firmware file"):
        await inspect_firmware_file(tmp_path / "missing.tar")


async def test_a_local_firmware_is_uploaded_and_installed(make_camera, make_client, tmp_path):
    device = make_camera(**QUICK)
    cam: ReCameraClient = make_client(device)
    checked = await inspect_firmware_file(firmware_file(tmp_path / "fw.tar"))
    seen: list[int] = []

    async def progress(done: int, total: int, note: str) -> None:
        seen.append(done)

    job = await cam.firmware.start_file(checked, progress)
    assert job.source == "file" and job.target_version == "V2.0.0" and job.upload is not None
    assert job.upload.size_bytes == checked.size_bytes and seen[-1] == checked.size_bytes
    result = await cam.firmware.watch(job, FAST)
    assert (result.from_version, result.to_version, result.upload) == (CURRENT, "V2.0.0", job.upload)
    chunks = [e for e in device.camera.log if e.path == "/system/firmware-upgrade" and e.query.startswith("id=")]
    assert len(chunks) == -(-checked.size_bytes // (512 * 1024)), "512 KiB chunks, each sent once"


async def test_a_local_upload_cut_by_a_dropped_connection_resumes(make_camera, make_client, tmp_path):
    device = make_camera(**QUICK)
    cam: ReCameraClient = make_client(device)
    checked = await inspect_firmware_file(firmware_file(tmp_path / "fw.tar"))
    armed = False

    async def progress(done: int, total: int, note: str) -> None:
        nonlocal armed
        if not armed and done >= 0.4 * total:
            armed = True
            device.camera.faults.only_path = "/system/firmware-upgrade"
            device.camera.faults.drop_next = 1

    job = await cam.firmware.start_file(checked, progress)
    device.camera.faults.only_path = None
    assert job.upload is not None and job.upload.recoveries == 1
    assert job.upload.bytes_sent < 2 * checked.size_bytes, "acknowledged bytes were not sent again"
    assert (await cam.firmware.watch(job, FAST)).to_version == "V2.0.0"


async def test_an_upload_the_camera_broke_off_continues_on_the_next_call(make_camera, make_client, tmp_path):
    device = make_camera(**QUICK)
    cam: ReCameraClient = make_client(device)
    checked = await inspect_firmware_file(firmware_file(tmp_path / "fw.tar"))
    cut = False

    async def progress(done: int, total: int, note: str) -> None:
        nonlocal cut
        if not cut and done >= 0.4 * total:
            cut = True  # from here on every upload request is dropped, longer than this call waits
            device.camera.faults.only_path = "/system/firmware-upgrade"
            device.camera.faults.drop_next = 1000

    with pytest.raises(DeviceUnreachable, match="upload again"):
        await cam.firmware.start_file(checked, progress, recover_s=0.5)
    assert cam.firmware.job is None
    device.camera.faults.drop_next, device.camera.faults.only_path = 0, None
    job = await cam.firmware.start_file(checked)
    assert job.upload is not None and job.upload.resumed_from >= 0.4 * checked.size_bytes
    assert job.upload.bytes_sent <= checked.size_bytes - job.upload.resumed_from + 512 * 1024
    assert (await cam.firmware.watch(job, FAST)).to_version == "V2.0.0"


async def test_bytes_that_arrive_wrong_fail_the_md5_and_nothing_is_installed(make_camera, make_client, tmp_path):
    device = make_camera(**QUICK)
    cam: ReCameraClient = make_client(device)
    checked = await inspect_firmware_file(firmware_file(tmp_path / "fw.tar"))
    spoiled = False

    async def progress(done: int, total: int, note: str) -> None:
        nonlocal spoiled
        if not spoiled and done >= 0.4 * total:
            spoiled = True
            for upload in uploads_of(device.camera).sessions.values():
                with upload.path.open("r+b") as part:  # one byte flipped in what the camera holds
                    first = part.read(1)
                    part.seek(0)
                    part.write(bytes([first[0] ^ 0xFF]))

    with pytest.raises(DeviceApiError, match="MD5 checksum mismatch"):
        await cam.firmware.start_file(checked, progress)
    assert spoiled and cam.firmware.job is None
    assert (await cam.firmware.progress()).status == "idle"
    assert (await cam.system.status()).firmware == CURRENT
