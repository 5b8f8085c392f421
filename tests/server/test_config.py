"""update_config shows what the device changed on its own (other_changes), not only the fields asked for."""

from __future__ import annotations

from tests.server.helpers import call_ok


async def test_update_config_reports_the_devices_side_effects(connect, make_camera):
    camera = make_camera(inference_start_s=0)  # inference runs at once (no "starting" phase)
    async with connect() as mcp:
        before = await call_ok(mcp, "get_config", host=camera.address, area="inference")
        assert before["config"]["iEnable"] == 0 and before["config"]["sStatus"] == "stopped"
        result = await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"iEnable": 1})
    assert [c["field"] for c in result["changes"]] == ["iEnable"] and result["changes"][0]["kept"] is True
    side = {c["field"]: (c["before"], c["after"], c["kept"]) for c in result["other_changes"]}
    assert side["sStatus"] == ("stopped", "running", None), "inference started: the device changed its status"
    assert side["iActualFPS"][0] == 0 and side["iActualFPS"][1] > 0
    assert "iEnable" not in side and result["unchanged_fields"] == 2  # sModel, iFPS


async def test_a_write_without_side_effects_reports_none(connect, camera):
    async with connect() as mcp:
        result = await call_ok(
            mcp, "update_config", host=camera.address, area="lan", changes={"dLink": {"sDNS2": "1.1.1.1"}}
        )
        clock = await call_ok(mcp, "update_config", host=camera.address, area="time", changes={"sTimezone": "UTC"})
    assert result["other_changes"] == []
    assert clock["other_changes"] == [], "the ticking clock (iTimestamp) is no side effect"
