"""``recamera-mcp fleet firmware-check`` and ``fleet reboot``: the fleet tool's answers, and a reboot that is asked
once for the whole list (without a terminal and without --yes: exit 5, no camera restarted)."""

from __future__ import annotations

import asyncio
import json

from tests.cli.helpers import cli_json, mcp_client, run_cli, without
from tests.cli.test_system_json import reboots
from tests.server.helpers import call_ok


async def test_fleet_firmware_check_prints_what_the_tool_answers(make_camera, tmp_path):
    cameras = [make_camera(), make_camera(firmware="legacy")]
    hosts = [c.address for c in cameras]
    async with mcp_client() as mcp:
        tool = await call_ok(mcp, "fleet", action="firmware_check", hosts=hosts)
    printed = await cli_json(tmp_path, "fleet", "firmware-check", *hosts)
    assert without(printed, "seconds") == without(tool, "seconds")
    assert [r["data"]["current"] for r in printed["results"]] == ["V1.1.3", "V1.0.10"]


async def test_fleet_reboot_refuses_without_yes_then_restarts_each_camera_once(make_camera, tmp_path):
    cameras = [make_camera(reboot_s=3.0), make_camera(reboot_s=3.0)]  # down longer than a 2 s poll
    hosts = [c.address for c in cameras]
    refused = await asyncio.to_thread(run_cli, tmp_path, "fleet", "reboot", *hosts, "--json")
    assert refused.returncode == 5, refused.stderr
    pending = json.loads(refused.stdout)
    assert pending["results"] == [] and "restart 2 camera(s)" in pending["confirmation"]["summary"]
    assert [reboots(c) for c in cameras] == [0, 0], "nothing restarted without --yes"

    done = await cli_json(tmp_path, "fleet", "reboot", *hosts, "--yes")
    assert done["counts"] == {"rebooted": 2} and [r["host"] for r in done["results"]] == hosts
    assert [reboots(c) for c in cameras] == [1, 1]
