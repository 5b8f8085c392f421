"""The system area against the simulator: reboot and the bounded wait for the camera to come back, the factory reset
with the device's own token, and configuration backups (export, readable JSON, restore onto another camera)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from recamera_mcp.client import (
    SECRET_MASK,
    ConfigArea,
    DeviceApiError,
    DeviceTimeout,
    MustChangePassword,
    ReCameraClient,
    ValidationError,
    WaitPolicy,
    inspect_config_archive,
    parse_backup,
)
from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS

REBOOT_S = 1.0
"""Down time of a test reboot: long enough that polling sees the camera down even on a loaded machine."""
FAST = WaitPolicy(interval_s=0.1, timeout_s=30, down_within_s=15)


async def test_reboot_waits_until_back_and_logs_in_again(make_camera, make_client):
    device = make_camera(reboot_s=REBOOT_S)
    cam: ReCameraClient = make_client(device)
    await cam.login()
    logins = device.camera.logins()
    seen: list[tuple[float, float | None, str]] = []

    async def progress(done: float, total: float | None, message: str) -> None:
        seen.append((done, total, message))

    started = await cam.system.reboot()
    back = await cam.system.wait_restart(FAST, progress=progress, started=started)

    assert back.went_down and back.logged_in
    assert back.down_s is not None and back.down_s > 0
    assert back.firmware == FIRMWARE_VERSIONS["2026"]
    assert device.camera.logins() == logins + 1, "one fresh login after the reboot"
    assert any("down" in message for _, _, message in seen)
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert (await cam.system.status()).serial == device.camera.settings.serial


async def test_reboot_forgets_the_storage_relay(make_camera, make_client):
    device = make_camera(reboot_s=REBOOT_S)
    cam: ReCameraClient = make_client(device)
    await cam.recording.list("/")
    assert cam.storage.relay.directory is not None
    started = await cam.system.reboot()
    assert cam.storage.relay.directory is None
    await cam.system.wait_restart(FAST, started=started)
    listing = await cam.recording.list("/")
    assert listing.entries


async def test_a_camera_that_never_goes_down_is_reported(make_camera, make_client):
    cam: ReCameraClient = make_client(make_camera())
    with pytest.raises(DeviceTimeout, match="did not restart"):
        await cam.system.wait_restart(WaitPolicy(interval_s=0.1, timeout_s=5, down_within_s=0.5))


async def test_the_wait_is_bounded_while_the_camera_stays_down(make_camera, make_client):
    device = make_camera(reboot_s=30)
    cam: ReCameraClient = make_client(device)
    started = await cam.system.reboot()
    with pytest.raises(DeviceTimeout, match="not back as asked"):
        await cam.system.wait_restart(WaitPolicy(interval_s=0.1, timeout_s=1.5, down_within_s=1), started=started)


async def test_factory_reset_uses_the_device_token_and_asks_for_a_new_password(make_camera, make_client):
    device = make_camera(reboot_s=REBOOT_S)
    cam: ReCameraClient = make_client(device)
    await cam.config.update(ConfigArea.TIME, {"sTimezone": "Europe/Berlin"})
    started = await cam.system.factory_reset()
    back = await cam.system.wait_restart(FAST, login=False, started=started, what="factory reset")
    assert back.went_down and not back.logged_in
    bodies = [e.body for e in device.camera.log if e.path == "/system/factory-reset"]
    assert len(bodies) == 2 and not bodies[0] and set(bodies[1]) == {"sConfirmToken"}
    assert device.camera.config("/system/time")["sTimezone"] != "Europe/Berlin"
    again: ReCameraClient = make_client(device)
    assert (await again.login()).must_change_password
    with pytest.raises(MustChangePassword):
        await again.system.device_info()


async def test_factory_reset_with_an_expired_device_token_is_refused(make_camera, make_client):
    device = make_camera(factory_reset_token_ttl_s=0.0)
    cam: ReCameraClient = make_client(device)
    await cam.config.update(ConfigArea.TIME, {"sTimezone": "Europe/Berlin"})
    with pytest.raises(DeviceApiError, match="expired"):
        await cam.system.factory_reset()
    assert device.camera.config("/system/time")["sTimezone"] == "Europe/Berlin"
    assert (await cam.system.status()).serial  # still up, nothing reset


async def test_export_config_saves_the_device_archive(make_camera, make_client, tmp_path):
    cam: ReCameraClient = make_client(make_camera())
    saved = await cam.system.export_config(tmp_path / "cam.tar")
    assert saved.size_bytes == (tmp_path / "cam.tar").stat().st_size > 0
    with tarfile.open(tmp_path / "cam.tar") as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "network/lan.json" in names
    assert not list(tmp_path.glob("*.part"))


async def test_backup_masks_secrets_unless_asked(make_camera, make_client):
    device = make_camera()
    cam: ReCameraClient = make_client(device)
    await cam.config.update(ConfigArea.FTP, {"sFtpPassword": "Ftp#Secret99"})
    masked = await cam.system.backup()
    assert masked.secrets_masked and masked.serial == device.camera.settings.serial
    assert masked.areas["ftp"]["sFtpPassword"] == SECRET_MASK
    assert set(masked.areas) | set(masked.unavailable) == {a.value for a in ConfigArea}
    assert "Ftp#Secret99" not in masked.model_dump_json()
    revealed = await cam.system.backup(reveal_secrets=True)
    assert revealed.areas["ftp"]["sFtpPassword"] == "Ftp#Secret99" and not revealed.secrets_masked
    assert parse_backup(masked.model_dump_json()) == masked


async def test_a_backup_of_camera_a_restored_onto_camera_b(make_camera, make_client):
    a, b = make_camera(serial="RC2B0000000101"), make_camera(serial="RC2B0000000102")
    cam_a: ReCameraClient = make_client(a)
    cam_b: ReCameraClient = make_client(b)
    await cam_a.config.update(ConfigArea.TIME, {"sTimezone": "Europe/Berlin"})
    await cam_a.config.update(ConfigArea.OSD, {"channelNameOverlay": {"sChannelName": "Gate A"}})
    await cam_a.config.update(ConfigArea.RECORD_GLOBAL, {"bRuleEnabled": True})
    await cam_a.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "9.9.9.9"}})
    await cam_a.config.update(ConfigArea.FTP, {"sFtpPassword": "Ftp#Secret99"})
    await cam_b.config.update(ConfigArea.FTP, {"sFtpPassword": "Other#Secret1"})
    lan_b = await cam_b.config.get(ConfigArea.LAN)
    backup = parse_backup(json.dumps((await cam_a.system.backup()).model_dump()))

    plan = await cam_b.system.restore(backup, dry_run=True, source="a.json")
    changed = {(area.area, c.field) for area in plan.areas for c in area.changes}
    assert ("time", "sTimezone") in changed and ("osd", "channelNameOverlay.sChannelName") in changed
    assert "lan" in plan.left_alone and not any(area.error for area in plan.areas)
    assert (await cam_b.config.get(ConfigArea.TIME))["sTimezone"] != "Europe/Berlin", "a dry run writes nothing"

    done = await cam_b.system.restore(backup, dry_run=False)
    assert not any(area.error for area in done.areas), [a.error for a in done.areas if a.error]
    for area in ConfigArea:
        if area in (ConfigArea.LAN, ConfigArea.STORAGE, ConfigArea.HTTPS, ConfigArea.FTP):
            continue
        got_a, got_b = await cam_a.config.get(area), await cam_b.config.get(area)
        if area == ConfigArea.TIME:
            got_a.pop("iTimestamp"), got_b.pop("iTimestamp")
        if area in (ConfigArea.STREAM_MAIN, ConfigArea.STREAM_SUB):
            got_a["rtsp"].pop("sURL"), got_b["rtsp"].pop("sURL")
        assert got_a == got_b, area
    assert await cam_b.config.get(ConfigArea.LAN) == lan_b, "the camera's own address stays"
    ftp_b = await cam_b.config.get(ConfigArea.FTP)
    assert ftp_b["sFtpPassword"] == "Other#Secret1", "a masked secret keeps the target's own value"


async def test_restore_names_areas_and_refuses_unknown_ones(make_camera, make_client):
    a, b = make_camera(), make_camera()
    cam_a: ReCameraClient = make_client(a)
    cam_b: ReCameraClient = make_client(b)
    await cam_a.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "9.9.9.9"}})
    await cam_a.config.update(ConfigArea.TIME, {"sTimezone": "Europe/Berlin"})
    backup = await cam_a.system.backup()
    with pytest.raises(ValidationError, match="unknown config area"):
        await cam_b.system.restore(backup, ["bogus"], dry_run=True)
    done = await cam_b.system.restore(backup, ["lan"], dry_run=False)
    assert [area.area for area in done.areas] == ["lan"]
    lan_b = await cam_b.config.get(ConfigArea.LAN)
    assert lan_b["dLink"]["sDNS2"] == "9.9.9.9", "a named device-specific area is restored"
    assert (await cam_b.config.get(ConfigArea.TIME))["sTimezone"] != "Europe/Berlin"


async def test_the_device_archive_of_a_imported_into_b_applies_at_the_restart(make_camera, make_client, tmp_path):
    a, b = make_camera(serial="RC2B0000000111"), make_camera(serial="RC2B0000000112", reboot_s=REBOOT_S)
    cam_a: ReCameraClient = make_client(a)
    cam_b: ReCameraClient = make_client(b)
    await cam_a.config.update(ConfigArea.TIME, {"sTimezone": "Europe/Berlin"})
    saved = await cam_a.system.export_config(tmp_path / "a.tar")
    archive = inspect_config_archive(Path(saved.path))
    assert (archive.serial, archive.size_bytes) == ("RC2B0000000111", saved.size_bytes) and archive.members > 10
    assert "pending reboot" in await cam_b.system.import_config(archive)
    assert b.camera.config("/system/time")["sTimezone"] != "Europe/Berlin", "applied only at the restart"
    await cam_b.system.wait_restart(FAST, started=await cam_b.system.reboot())
    assert (await cam_b.config.get(ConfigArea.TIME))["sTimezone"] == "Europe/Berlin"
    assert (await cam_b.system.status()).serial == "RC2B0000000112"


def test_a_file_that_is_no_archive_is_refused(tmp_path):
    (tmp_path / "x.tar").write_bytes(b"not a tar" * 100)
    with pytest.raises(ValidationError, match="neither a backup"):
        inspect_config_archive(tmp_path / "x.tar")
