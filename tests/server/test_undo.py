"""undo_last_change: puts back a changed area, a list item and an ISP change by read-before-write, refuses (naming
the field) when the camera moved on, and keeps the last 20 changes per camera."""

from __future__ import annotations

import copy

from recamera_mcp.client import SECRET_MASK
from recamera_mcp.simulator.routes.image import isp_state
from tests.server.helpers import call_error, call_ok

LAN = "/network/lan"
TRIGGERS = "/record/rule/record-rule-config"


def stored(camera, path):
    return camera.camera.config(path)


def writes(camera, path):
    return [e for e in camera.camera.log if e.method in ("PUT", "POST") and e.path == path]


async def test_undo_restores_a_changed_area(camera, connect):
    original = stored(camera, LAN)
    async with connect() as mcp:
        changes = {"dLink": {"sDNS2": "1.1.1.1", "sDNS1": "9.9.9.9"}}
        await call_ok(mcp, "update_config", host=camera.address, area="lan", changes=changes)
        assert stored(camera, LAN) != original
        out = await call_ok(mcp, "undo_last_change", host=camera.address)
        assert stored(camera, LAN) == original, "the whole object is as before"
        assert out["remaining"] == 0 and [u["tool"] for u in out["undone"]] == ["update_config"]
        fields = {c["field"]: (c["before"], c["after"], c["kept"]) for c in out["undone"][0]["changes"]}
        assert fields == {
            "dLink.sDNS2": ("1.1.1.1", original["dLink"]["sDNS2"], True),
            "dLink.sDNS1": ("9.9.9.9", original["dLink"]["sDNS1"], True),
        }
        err = await call_error(mcp, "undo_last_change", host=camera.address)
    assert "nothing to undo" in err


async def test_undo_restores_list_items(camera, connect):
    original = stored(camera, TRIGGERS)
    rule = original["lInferenceSet"][0]
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="record_triggers",
                      changes={"lInferenceSet": [{"sID": rule["sID"], "iDebounceTimes": 9}]})  # fmt: skip
        swap = {"lInferenceSet": [{**rule, "sID": "yard"}, {"sID": rule["sID"], "_remove": True}]}
        await call_ok(mcp, "update_config", host=camera.address, area="record_triggers", changes=swap)
        assert [r["sID"] for r in stored(camera, TRIGGERS)["lInferenceSet"]] == ["yard"]
        out = await call_ok(mcp, "undo_last_change", host=camera.address)
        assert sorted(c["field"] for c in out["undone"][0]["changes"]) == [
            f"lInferenceSet[sID={rule['sID']}]",
            "lInferenceSet[sID=yard]",
        ]
        now = stored(camera, TRIGGERS)["lInferenceSet"]
        assert now == [{**rule, "iDebounceTimes": 9}], "the removed rule is back, the added one gone"
        await call_ok(mcp, "undo_last_change", host=camera.address)
    assert stored(camera, TRIGGERS) == original


async def test_undo_restores_an_isp_change(camera, connect):
    before = copy.deepcopy(isp_state(camera.camera).committed)
    async with connect() as mcp:
        await call_ok(mcp, "tune_image", host=camera.address, scene="day",
                      adjustment={"iBrightness": 80}, white_balance={"iWhiteBalanceCT": 3000})  # fmt: skip
        assert isp_state(camera.camera).committed != before
        out = await call_ok(mcp, "undo_last_change", host=camera.address)
    assert isp_state(camera.camera).committed == before and isp_state(camera.camera).editing is None
    assert out["undone"][0]["target"] == "image profile 1 (day)"
    assert sorted(c["field"] for c in out["undone"][0]["changes"]) == [
        "profile[1].imageAdjustment.iBrightness",
        "profile[1].whiteBlance.iWhiteBalanceCT",
    ]


async def test_undo_refuses_when_the_camera_moved_on(camera, connect):
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="lan", changes={"dLink": {"sDNS2": "1.1.1.1"}})
        with camera.camera.lock:  # someone else changes the same field on the camera
            camera.camera.configs[LAN]["dLink"]["sDNS2"] = "4.4.4.4"
        camera.camera.clear_log()
        err = await call_error(mcp, "undo_last_change", host=camera.address)
        assert "dLink.sDNS2" in err and "4.4.4.4" in err and "changed since" in err
        assert writes(camera, LAN) == [] and stored(camera, LAN)["dLink"]["sDNS2"] == "4.4.4.4"
        camera.camera.clear_log()
        await call_ok(mcp, "tune_image", host=camera.address, scene="night", adjustment={"iContrast": 10})
        isp_state(camera.camera).committed["profile"][2]["imageAdjustment"]["iContrast"] = 20
        err = await call_error(mcp, "undo_last_change", host=camera.address)
    assert "profile[2].imageAdjustment.iContrast" in err and "20" in err
    assert isp_state(camera.camera).committed["profile"][2]["imageAdjustment"]["iContrast"] == 20


async def test_undo_steps_secrets_and_call_api(camera, connect):
    ftp = stored(camera, "/ftp/setting")
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="ftp", changes={"sFtpPassword": "New#Pass99"})
        await call_ok(mcp, "call_api", host=camera.address, method="POST", path="/ftp/setting",
                      body={"sFtpPort": "2121"})  # fmt: skip
        await call_ok(mcp, "update_config", host=camera.address, area="lan", changes={"dLink": {"sDNS2": "1.1.1.1"}})
        await call_ok(mcp, "update_config", host=camera.address, area="lan", changes={"dLink": {"sDNS2": "1.1.1.1"}})
        dry = await call_ok(mcp, "update_config", host=camera.address, area="lan",
                            changes={"dLink": {"sDNS2": "2.2.2.2"}}, dry_run=True)  # fmt: skip
        assert dry["body"]["dLink"]["sDNS2"] == "2.2.2.2"
        out = await call_ok(mcp, "undo_last_change", host=camera.address, steps=3)
    assert [u["tool"] for u in out["undone"]] == ["update_config", "call_api", "update_config"], (
        "newest first; neither a write that changed nothing nor a dry run is recorded"
    )
    assert stored(camera, "/ftp/setting") == ftp and out["remaining"] == 0
    text = str(out)
    assert "New#Pass99" not in text and ftp["sFtpPassword"] not in text and SECRET_MASK in text


async def test_undo_keeps_the_last_twenty_changes(camera, connect):
    async with connect() as mcp:
        for n in range(22):
            await call_ok(mcp, "update_config", host=camera.address, area="ftp", changes={"sFtpPort": str(2000 + n)})
        out = await call_ok(mcp, "undo_last_change", host=camera.address, steps=20)
        assert len(out["undone"]) == 20 and out["remaining"] == 0
        assert stored(camera, "/ftp/setting")["sFtpPort"] == "2001", "the two oldest changes were forgotten"
