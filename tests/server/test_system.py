"""The system toolset through the MCP client against the simulator: reboot and factory reset in two phases and the
wait for the camera to come back, backups written to disk and restored onto another camera, storage recovery."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from recamera_mcp.client import SECRET_MASK, WaitPolicy
from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS
from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok

CURRENT = FIRMWARE_VERSIONS["2026"]
FAST = WaitPolicy(interval_s=0.1, timeout_s=30, down_within_s=15)
REBOOT_S = 1.0


def options(**kwargs: Any) -> Any:
    return make_options(restart_wait=FAST, **kwargs)


def posts(camera: Any, path: str) -> list[Any]:
    return [e.body for e in camera.camera.log if e.call == ("POST", path)]


async def test_reboot_is_two_phase_then_waits_and_logs_in_again(connect, make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with connect(options()) as mcp:
        first = await call_ok(mcp, "reboot", host=cam.address)
        assert first["rebooted"] is False and "offline" in first["confirmation"]["summary"]
        assert posts(cam, "/system/reboot") == []
        logins = cam.camera.logins()
        token = first["confirmation"]["confirm_token"]
        result = await mcp.call_tool(
            "reboot", {"host": cam.address, "confirm_token": token}, progress_callback=on_progress
        )
        assert not result.is_error, result.content
        done = result.structured_content
        assert done is not None
        assert (done["rebooted"], done["back"], done["firmware"]) == (True, True, CURRENT)
        assert done["down_s"] > 0 and done["elapsed_s"] >= done["down_s"]
        assert len(posts(cam, "/system/reboot")) == 1 and cam.camera.logins() == logins + 1
        assert any("down" in (m or "") for _, _, m in progress)
        assert [p for p, _, _ in progress] == sorted(p for p, _, _ in progress)
        status = await call_ok(mcp, "get_device_status", host=cam.address)
        assert status["firmware"] == CURRENT
        again = await call_error(mcp, "reboot", host=cam.address, confirm_token=token)
        assert "already used or expired" in again and len(posts(cam, "/system/reboot")) == 1


async def test_reboot_without_waiting_answers_at_once(connect, make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    async with connect(options()) as mcp:
        token = (await call_ok(mcp, "reboot", host=cam.address))["confirmation"]["confirm_token"]
        done = await call_ok(mcp, "reboot", host=cam.address, confirm_token=token, wait=False)
        assert done["rebooted"] is True and done["back"] is None
    assert len(posts(cam, "/system/reboot")) == 1


async def test_factory_reset_refused_without_and_with_an_expired_token(connect, make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    async with connect(options(confirm_ttl_s=0)) as mcp:
        first = await call_ok(mcp, "factory_reset", host=cam.address)
        assert first["reset"] is False
        details = first["confirmation"]["details"]
        assert "must change" in details["password"] and "discover_devices(subnet='127.0.0.0/24')" in details["address"]
        err = await call_error(
            mcp, "factory_reset", host=cam.address, confirm_token=first["confirmation"]["confirm_token"]
        )
        assert "expired" in err
        err = await call_error(mcp, "factory_reset", host=cam.address, confirm_token="made-up")
        assert "refused" in err
    assert posts(cam, "/system/factory-reset") == []


async def test_factory_reset_resets_then_says_how_to_log_in_and_find_it(connect, make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    async with connect(options()) as mcp:
        await call_ok(mcp, "update_config", host=cam.address, area="time", changes={"sTimezone": "Europe/Berlin"})
        token = (await call_ok(mcp, "factory_reset", host=cam.address))["confirmation"]["confirm_token"]
        done = await call_ok(mcp, "factory_reset", host=cam.address, confirm_token=token)
        assert (done["reset"], done["back"]) == (True, True)
        steps = " ".join(done["next_steps"])
        assert "login(" in steps and "change_password" in steps and "discover_devices" in steps
        assert [set(b or {}) for b in posts(cam, "/system/factory-reset")] == [set(), {"sConfirmToken"}]
        assert cam.camera.config("/system/time")["sTimezone"] != "Europe/Berlin"
        logins = cam.camera.logins()
        err = await call_error(mcp, "get_device_status", host=cam.address)
        assert "factory reset" in err and cam.camera.logins() == logins, "no login with the old password"
        login = await call_ok(mcp, "login", host=cam.address, password=cam.camera.settings.password)
        assert login["must_change_password"] is True


async def test_backup_writes_the_archive_and_a_masked_json(connect, make_camera, tmp_path):
    cam = make_camera()
    folder = tmp_path / "backups"
    async with connect(options(files_root=tmp_path)) as mcp:
        await call_ok(mcp, "update_config", host=cam.address, area="ftp", changes={"sFtpPassword": "Ftp#Secret99"})
        out = await call_ok(mcp, "backup_config", host=cam.address, dest_dir=str(folder))
    assert out["serial"] == cam.camera.settings.serial and out["secrets_masked"] and out["areas"] >= 15
    data = json.loads(Path(out["json_path"]).read_text())
    assert data["areas"]["ftp"]["sFtpPassword"] == SECRET_MASK and data["firmware"] == CURRENT
    assert "Ftp#Secret99" not in Path(out["json_path"]).read_text()
    assert Path(out["archive_path"]).stat().st_size == out["archive_bytes"] > 0
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".tar"]


async def test_a_revealed_backup_is_private(connect, make_camera, tmp_path):
    cam = make_camera()
    async with connect(options(files_root=tmp_path, reveal_secrets=True)) as mcp:  # the operator allows it
        out = await call_ok(mcp, "backup_config", host=cam.address, dest_dir=str(tmp_path), reveal_secrets=True)
    assert not out["secrets_masked"]
    assert os.stat(out["json_path"]).st_mode & 0o077 == 0


async def test_backup_refuses_a_folder_outside_the_files_root(connect, camera, tmp_path):
    async with connect(options(files_root=tmp_path / "root")) as mcp:
        err = await call_error(mcp, "backup_config", host=camera.address, dest_dir=str(tmp_path / "elsewhere"))
        agent = await call_error(mcp, "backup_config", host=camera.address, reveal_secrets=True)
    assert "files root" in err and not (tmp_path / "elsewhere").exists()
    assert "reveal_secrets=true refused" in agent


async def test_backup_of_camera_a_restored_onto_camera_b(connect, make_camera, tmp_path):
    a, b = make_camera(serial="RC2B0000000201"), make_camera(serial="RC2B0000000202")
    async with connect(options(files_root=tmp_path)) as mcp:
        for area, changes in (
            ("time", {"sTimezone": "Europe/Berlin"}),
            ("osd", {"channelNameOverlay": {"sChannelName": "Gate A"}}),
            ("record_global", {"bRuleEnabled": True}),
            ("lan", {"dLink": {"sDNS2": "9.9.9.9"}}),
        ):
            await call_ok(mcp, "update_config", host=a.address, area=area, changes=changes)
        lan_b = b.camera.config("/network/lan")
        backup = await call_ok(mcp, "backup_config", host=a.address, dest_dir=str(tmp_path))

        first = await call_ok(mcp, "restore_config", host=b.address, src_path=backup["json_path"])
        assert first["done"] is False
        confirmation = first["confirmation"]
        assert "sTimezone" in " ".join(confirmation["details"]["time"]) and "lan" in first["plan"]["left_alone"]
        assert b.camera.config("/system/time")["sTimezone"] != "Europe/Berlin", "the preview writes nothing"
        other = await call_error(
            mcp, "restore_config", host=b.address, src_path=backup["json_path"], areas=["time"],
            confirm_token=confirmation["confirm_token"],
        )  # fmt: skip
        assert "other arguments" in other
        first = await call_ok(mcp, "restore_config", host=b.address, src_path=backup["json_path"])
        done = await call_ok(
            mcp, "restore_config", host=b.address, src_path=backup["json_path"],
            confirm_token=first["confirmation"]["confirm_token"],
        )  # fmt: skip
        assert done["done"] and not [area for area in done["plan"]["areas"] if area["error"]]
        again = await call_ok(mcp, "restore_config", host=b.address, src_path=backup["json_path"])
        assert again["done"] is True and again["confirmation"] is None, "nothing left to change"
        assert "revert" not in json.dumps(done), "what undoes it stays in the server"
        changed_areas = [area["area"] for area in done["plan"]["areas"] if area["changes"]]
        assert "time" in changed_areas
        zone_b = b.camera.config("/system/time")["sTimezone"]
        undo = await call_ok(mcp, "undo_last_change", host=b.address, steps=len(changed_areas))
        assert len(undo["undone"]) == len(changed_areas) and {u["tool"] for u in undo["undone"]} == {"restore_config"}
        assert b.camera.config("/system/time")["sTimezone"] != zone_b == "Europe/Berlin", "undo puts B back"
        preview = await call_ok(mcp, "restore_config", host=b.address, src_path=backup["json_path"])
        token = preview["confirmation"]["confirm_token"]
        await call_ok(mcp, "restore_config", host=b.address, src_path=backup["json_path"], confirm_token=token)
    for path in ("/system/time", "/osd/cfg", "/record/rule/config", "/notify/cfg", "/video/0/encode"):
        want, got = a.camera.config(path), b.camera.config(path)
        want.pop("iTimestamp", None), got.pop("iTimestamp", None)
        assert got == want, path
    assert b.camera.config("/network/lan") == lan_b, "addresses untouched"


async def test_the_device_archive_of_camera_a_imported_into_camera_b(connect, make_camera, tmp_path):
    a = make_camera(serial="RC2B0000000301")
    b = make_camera(serial="RC2B0000000302", reboot_s=REBOOT_S)
    async with connect(options(files_root=tmp_path)) as mcp:
        await call_ok(mcp, "update_config", host=a.address, area="time", changes={"sTimezone": "Europe/Berlin"})
        await call_ok(mcp, "update_config", host=a.address, area="lan", changes={"dLink": {"sDNS2": "9.9.9.9"}})
        lan_b = b.camera.config("/network/lan")
        archive = (await call_ok(mcp, "backup_config", host=a.address, dest_dir=str(tmp_path)))["archive_path"]
        err = await call_error(mcp, "restore_config", host=b.address, src_path=archive, areas=["time"])
        assert "imported whole" in err
        first = await call_ok(mcp, "restore_config", host=b.address, src_path=archive)
        assert first["done"] is False and first["plan"]["kind"] == "archive"
        assert "RC2B0000000301" in first["confirmation"]["summary"] and "restarts" in first["confirmation"]["summary"]
        assert not posts(b, "/config/upload"), "nothing sent before the confirmation"
        token = first["confirmation"]["confirm_token"]
        done = await call_ok(mcp, "restore_config", host=b.address, src_path=archive, confirm_token=token)
        assert done["done"] is True and "pending reboot" in done["plan"]["summary"]
        assert len(posts(b, "/system/reboot")) == 1
        status = await call_ok(mcp, "get_device_status", host=b.address)
    assert status["serial"] == "RC2B0000000302"
    assert b.camera.config("/system/time")["sTimezone"] == "Europe/Berlin", "the archive's settings apply"
    assert b.camera.config("/network/lan") == lan_b, "the camera's own address stays"


async def test_restore_refuses_a_file_that_is_no_backup(connect, camera, tmp_path):
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    async with connect(options()) as mcp:
        err = await call_error(mcp, "restore_config", host=camera.address, src_path=str(bogus))
        assert "not a recamera-mcp-config-backup/1 backup" in err
        err = await call_error(mcp, "restore_config", host=camera.address, src_path=str(tmp_path / "missing.json"))
        assert "no file" in err
        (tmp_path / "x.tar").write_bytes(b"no tar at all" * 100)
        err = await call_error(mcp, "restore_config", host=camera.address, src_path=str(tmp_path / "x.tar"))
        assert "neither a backup .json nor a tar archive" in err
    assert not posts(camera, "/config/upload")


async def test_mount_after_eject_offers_a_reboot_which_brings_the_card_back(connect, make_camera):
    camera = make_camera(reboot_s=REBOOT_S)
    area = storage_area(camera.camera)
    async with connect(options()) as mcp:
        token = (await call_ok(mcp, "storage", host=camera.address, action="eject"))["confirmation"]["confirm_token"]
        await call_ok(mcp, "storage", host=camera.address, action="eject", confirm_token=token)
        assert area.slots["/dev/mmcblk1p1"].state == SlotState.NOT_MOUNTED
        out = await call_ok(mcp, "storage", host=camera.address, action="mount")
        assert out["done"] is False and "reboot()" in out["note"] and "no mount command" in out["note"]
        emmc = await call_ok(mcp, "storage", host=camera.address, action="mount", slot="/dev/mmcblk0p8")
        assert emmc["done"] is True
        token = (await call_ok(mcp, "reboot", host=camera.address))["confirmation"]["confirm_token"]
        await call_ok(mcp, "reboot", host=camera.address, confirm_token=token)
        back = await call_ok(mcp, "storage", host=camera.address, action="mount")
        assert back["done"] is True and back["note"] == "the card is mounted"
        listing = await call_ok(mcp, "list_recordings", host=camera.address)
        assert listing["entries"], "the recordings are reachable again"
