"""fleet through the MCP client against simulated cameras: one change on 20 cameras with 2 unreachable and 1
refusing the value, a subnet discovered first, a dry run, and progress per camera."""

from __future__ import annotations

import socket
from typing import Any

from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_ok


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


async def test_one_change_on_twenty_cameras_with_three_failures(connect, make_camera, sim_fleet):
    cameras = [make_camera() for _ in range(17)]
    legacy = make_camera(firmware="legacy")  # refuses the ALWAYS_ON trigger
    gone = [sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD)) for _ in range(2)]
    for device in gone:
        sim_fleet.remove(device)  # nothing listens there any more
    hosts = [c.address for c in cameras[:10]] + [gone[0].address, legacy.address, gone[1].address]
    hosts += [c.address for c in cameras[10:]]
    progress: list[tuple[float, float | None, str | None]] = []

    async def seen(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    changes = {"sCurrentSelected": "ALWAYS_ON"}
    async with connect() as mcp:
        result = await mcp.call_tool(
            "fleet",
            {"action": "update_config", "hosts": hosts, "area": "record_triggers", "changes": changes},
            progress_callback=seen,
        )
        assert not result.is_error, result.content
        out = result.structured_content
        assert out["counts"] == {"changed": 17, "failed": 3}
        assert [r["host"] for r in out["results"]] == hosts, "one row per camera, in the order given"
        failed = {r["host"]: r["reason"] for r in out["results"] if r["status"] == "failed"}
        assert set(failed) == {gone[0].address, gone[1].address, legacy.address}
        assert "cannot connect" in failed[gone[0].address] and "cannot connect" in failed[gone[1].address]
        assert "sCurrentSelected" in failed[legacy.address] and "ALWAYS_ON" in failed[legacy.address]
        for camera in cameras:  # verified by reading back
            read = await call_ok(mcp, "get_config", host=camera.address, area="record_triggers")
            assert read["config"]["sCurrentSelected"] == "ALWAYS_ON"
        read = await call_ok(mcp, "get_config", host=legacy.address, area="record_triggers")
        assert read["config"]["sCurrentSelected"] == "INFERENCE_SET", "the refusing camera is unchanged"
    assert progress and progress[-1][0] == progress[-1][1] == 20
    assert len(progress) >= 2, "progress came as cameras finished, not only at the end"


async def test_a_subnet_is_discovered_then_every_camera_gets_the_time_zone(connect, make_camera):
    port = free_port("127.0.26.1")
    cameras = [make_camera(host=f"127.0.26.{i}", port=port) for i in (1, 2, 3)]
    async with connect() as mcp:
        status = await call_ok(mcp, "fleet", action="status", hosts=f"127.0.26.1-6:{port}")
        assert status["counts"] == {"ok": 3}
        assert [r["data"]["serial"] for r in status["results"]] == [c.camera.settings.serial for c in cameras]
        assert all(r["data"]["firmware"] and r["data"]["storage"].startswith("READY") for r in status["results"])
        dry = await call_ok(mcp, "fleet", action="update_config", hosts=f"127.0.26.0/29:{port}", area="time",
                            changes={"sTimezone": "Europe/Berlin"}, dry_run=True)  # fmt: skip
        assert dry["counts"] == {"changed": 3} and dry["dry_run"]
        assert all(c.camera.config("/system/time")["sTimezone"] != "Europe/Berlin" for c in cameras)
        done = await call_ok(mcp, "fleet", action="update_config", hosts=[c.address for c in cameras], area="time",
                             changes={"sTimezone": "Europe/Berlin"})  # fmt: skip
        again = await call_ok(mcp, "fleet", action="update_config", hosts=[c.address for c in cameras], area="time",
                              changes={"sTimezone": "Europe/Berlin"})  # fmt: skip
    assert done["counts"] == {"changed": 3} and again["counts"] == {"unchanged": 3}
    assert all(c.camera.config("/system/time")["sTimezone"] == "Europe/Berlin" for c in cameras)


async def test_fleet_diagnose_summarises_each_camera(connect, make_camera):
    healthy, off = make_camera(), make_camera()
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=healthy.address, area="record_global", changes={"bRuleEnabled": True})
        out = await call_ok(mcp, "fleet", action="diagnose", hosts=[healthy.address, off.address])
    rows: dict[str, Any] = {r["host"]: r["data"] for r in out["results"]}
    assert "recording is off" in rows[off.address]["top"]
    assert rows[off.address]["critical"] > rows[healthy.address]["critical"]


async def test_a_fleet_change_can_be_undone_per_camera(connect, make_camera):
    cameras = [make_camera(), make_camera()]
    before = [c.camera.config("/system/time")["sTimezone"] for c in cameras]
    async with connect() as mcp:
        await call_ok(mcp, "fleet", action="update_config", hosts=[c.address for c in cameras], area="time",
                      changes={"sTimezone": "Europe/Berlin"})  # fmt: skip
        await call_ok(mcp, "undo_last_change", host=cameras[0].address)
    assert cameras[0].camera.config("/system/time")["sTimezone"] == before[0]
    assert cameras[1].camera.config("/system/time")["sTimezone"] == "Europe/Berlin"
