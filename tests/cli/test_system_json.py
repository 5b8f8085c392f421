"""reboot, firmware, backup and restore from the command line: the tools' flows, so ``--json`` prints what the tool
answers (its confirmed call), and without a terminal and without --yes nothing happens (exit 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp import Client

from recamera_mcp.client import FirmwareWait, WaitPolicy
from recamera_mcp.server import ServerOptions, create_server
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS, LATEST_RELEASES
from recamera_mcp.simulator.testing import PASSWORD
from tests.cli.helpers import cli_json, same_but_host, without
from tests.cli.test_exit_codes import run
from tests.server.helpers import call_ok

FAST = WaitPolicy(interval_s=0.1, timeout_s=30, down_within_s=15)
QUICK_FIRMWARE = {"upload_progress_s": 1.0, "firmware_success_s": 0.2, "install_s": 1.0, "reboot_s": 1.0}
TIMES = ("elapsed_s", "down_s", "download_s", "install_s", "waited_s", "created_utc", "seconds")


def fast_client(files_root: Path | None = None) -> Client:
    options = ServerOptions(
        credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD}), restart_wait=FAST,
        firmware_wait=FirmwareWait(progress_interval_s=0.1, install=FAST), files_root=files_root,
    )  # fmt: skip
    return Client(create_server(options))


async def confirmed(mcp: Client, tool: str, **args: Any) -> dict[str, Any]:
    """A destructive tool's two calls: the question, then the same call with its token."""
    first = await call_ok(mcp, tool, **args)
    return await call_ok(mcp, tool, **args, confirm_token=first["confirmation"]["confirm_token"])


def reboots(camera: Any) -> int:
    return sum(1 for e in camera.camera.log if e.call == ("POST", "/system/reboot"))


async def test_reboot_refuses_without_yes_then_prints_what_the_tool_answers(make_camera, tmp_path):
    mine, twin = make_camera(reboot_s=1.0), make_camera(reboot_s=1.0)
    refused = await run(tmp_path, "reboot", mine.address, "--json")
    assert refused.returncode == 5 and reboots(mine) == 0
    pending = json.loads(refused.stdout)
    assert pending["rebooted"] is False and "offline" in pending["confirmation"]["summary"]
    assert "--yes" in pending["confirmation"]["next_step"]
    printed = await cli_json(tmp_path, "reboot", mine.address, "--yes")
    async with fast_client() as mcp:
        tool = await confirmed(mcp, "reboot", host=twin.address)
    assert without(printed, *TIMES) == without(same_but_host(tool, mine.address, twin.address), *TIMES)
    assert printed["back"] is True and reboots(mine) == 1


async def test_firmware_check_and_upgrade_print_what_the_tool_answers(make_camera, tmp_path):
    mine, twin = make_camera(**QUICK_FIRMWARE), make_camera(**QUICK_FIRMWARE)
    async with fast_client() as mcp:
        check = await call_ok(mcp, "firmware", host=mine.address, action="check")
        assert await cli_json(tmp_path, "firmware", mine.address, "check") == check
        refused = await run(tmp_path, "firmware", mine.address, "upgrade", "--json")
        assert refused.returncode == 5 and json.loads(refused.stdout)["done"] is False
        printed = await cli_json(tmp_path, "firmware", mine.address, "upgrade", "-y")
        tool = await confirmed(mcp, "firmware", host=twin.address, action="upgrade")
    polled = (*TIMES, "note", "went_down")  # what the polling saw of a one-second install (the tool polls faster)
    assert without(printed, *polled) == without(same_but_host(tool, mine.address, twin.address), *polled)
    assert printed["result"]["from_version"] == FIRMWARE_VERSIONS["2026"]
    assert printed["result"]["to_version"] == printed["current"] == LATEST_RELEASES["2026"]


async def test_backup_and_restore_print_what_the_tools_answer(make_camera, tmp_path):
    source, mine, twin = make_camera(), make_camera(), make_camera()
    async with fast_client(files_root=tmp_path) as mcp:
        await call_ok(mcp, "update_config", host=source.address, area="time", changes={"sTimezone": "Europe/Rome"})
        printed = await cli_json(tmp_path, "backup", source.address, "-d", str(tmp_path / "cli"))
        tool = await call_ok(mcp, "backup_config", host=source.address, dest_dir=str(tmp_path / "tool"))
        paths = ("json_path", "archive_path")
        assert without(printed, *paths, *TIMES) == without(tool, *paths, *TIMES)
        saved = Path(printed["json_path"])
        assert saved.parent == tmp_path / "cli" and json.loads(saved.read_text())["areas"]["time"]

        refused = await run(tmp_path, "restore", mine.address, str(saved), "--area", "time", "--json")
        assert refused.returncode == 5 and json.loads(refused.stdout)["done"] is False
        assert mine.camera.config("/system/time")["sTimezone"] != "Europe/Rome", "nothing written"
        printed = await cli_json(tmp_path, "restore", mine.address, str(saved), "--area", "time", "--yes")
        tool = await confirmed(mcp, "restore_config", host=twin.address, src_path=str(saved), areas=["time"])
    assert printed == same_but_host(tool, mine.address, twin.address)
    assert mine.camera.config("/system/time")["sTimezone"] == "Europe/Rome"
