"""fleet's life-cycle actions through the MCP client against simulated cameras: firmware_check reads each camera's
current and latest version and starts nothing; reboot asks once for exactly the host list it names, then restarts
each camera once and waits until it is back."""

from __future__ import annotations

from typing import Any

from recamera_mcp.client import WaitPolicy
from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS, LATEST_RELEASES
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok
from tests.server.test_system import FAST, posts


def reboots(camera: Any) -> int:
    return len(posts(camera, "/system/reboot"))


def upgrades(camera: Any) -> int:
    """Upgrade starts: the check's second phase, which sends back the camera's sConfirmToken."""
    return sum(1 for e in camera.camera.log if "sConfirmToken" in str(e.body))


async def test_firmware_check_reads_every_camera_and_starts_nothing(connect, make_camera, sim_fleet):
    current, legacy = make_camera(), make_camera(firmware="legacy")
    gone = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD))
    sim_fleet.remove(gone)
    async with connect(make_options()) as mcp:
        out = await call_ok(mcp, "fleet", action="firmware_check", hosts=[current.address, legacy.address,
                                                                          gone.address])  # fmt: skip
    rows = {r["host"]: r for r in out["results"]}
    assert rows[current.address]["data"] == {
        "current": FIRMWARE_VERSIONS["2026"], "latest": LATEST_RELEASES["2026"], "update_available": True,
        "updating": False,
    }  # fmt: skip
    assert rows[legacy.address]["data"]["current"] == FIRMWARE_VERSIONS["legacy"]
    assert rows[legacy.address]["data"]["latest"] == LATEST_RELEASES["legacy"]
    assert rows[gone.address]["status"] == "failed" and rows[gone.address]["reason"]
    assert out["counts"] == {"ok": 2, "failed": 1}
    assert upgrades(current) == upgrades(legacy) == 0


async def test_reboot_is_confirmed_once_for_exactly_that_host_list(connect, make_camera):
    cameras = [make_camera(reboot_s=0.5) for _ in range(3)]
    hosts = [c.address for c in cameras]
    async with connect(make_options(restart_wait=FAST)) as mcp:
        first = await call_ok(mcp, "fleet", action="reboot", hosts=hosts)
        assert first["results"] == [] and "restart 3 camera(s)" in first["confirmation"]["summary"]
        assert first["confirmation"]["details"]["hosts"] == hosts
        token = first["confirmation"]["confirm_token"]
        assert [reboots(c) for c in cameras] == [0, 0, 0], "nothing happens before the confirmation"

        fewer = await call_error(mcp, "fleet", action="reboot", hosts=hosts[:2], confirm_token=token)
        assert "confirm_token" in fewer and [reboots(c) for c in cameras] == [0, 0, 0]
        more = await call_error(mcp, "fleet", action="reboot", hosts=[*hosts, "127.0.0.9:80"], confirm_token=token)
        assert "confirm_token" in more and [reboots(c) for c in cameras] == [0, 0, 0]

        again = await call_ok(mcp, "fleet", action="reboot", hosts=hosts)  # the refusals spent nothing of value
        token = again["confirmation"]["confirm_token"]
        done = await call_ok(mcp, "fleet", action="reboot", hosts=list(reversed(hosts)), confirm_token=token)
        assert done["counts"] == {"rebooted": 3}
        assert all(r["data"]["down_s"] > 0 and r["data"]["firmware"] for r in done["results"])
        assert [reboots(c) for c in cameras] == [1, 1, 1], "each camera restarted exactly once"

        reused = await call_error(mcp, "fleet", action="reboot", hosts=hosts, confirm_token=token)
        assert "already used or expired" in reused and [reboots(c) for c in cameras] == [1, 1, 1]
        status = await call_ok(mcp, "fleet", action="status", hosts=hosts)
        assert status["counts"] == {"ok": 3}, "every camera is back and answers"


async def test_a_camera_that_does_not_come_back_is_its_row_not_the_fleets(connect, make_camera):
    back, stuck = make_camera(reboot_s=0.3), make_camera(reboot_s=60)
    short = WaitPolicy(interval_s=0.1, timeout_s=3, down_within_s=2)
    async with connect(make_options(restart_wait=short)) as mcp:
        token = (await call_ok(mcp, "fleet", action="reboot", hosts=[back.address, stuck.address]))["confirmation"]
        done = await call_ok(mcp, "fleet", action="reboot", hosts=[back.address, stuck.address],
                             confirm_token=token["confirm_token"])  # fmt: skip
    rows = {r["host"]: r for r in done["results"]}
    assert rows[back.address]["status"] == "rebooted"
    assert rows[stuck.address]["status"] == "failed" and "not back" in rows[stuck.address]["reason"]
    assert done["counts"] == {"rebooted": 1, "failed": 1}
