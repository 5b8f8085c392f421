"""Both firmware generations through the MCP tools (``make_camera(firmware=...)``): storage FORMAT and FREE_UP end to
end (a device task polled with progress on 2026, synchronous on legacy), ISP tuning saved, inference enabled with
each generation's ``id``, SED and ALWAYS_ON triggers, and class filters as label names (2026) or ids (legacy)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from recamera_mcp.simulator.routes.image import isp_state
from recamera_mcp.simulator.routes.storage_state import storage_area
from tests.server.helpers import call_error, call_ok, error_text, files_on_card

FIRMWARES = ["legacy", "2026"]
SD = "/dev/mmcblk1p1"


def controls(camera: Any) -> list[dict[str, Any]]:
    """The storage control requests of the long actions (FORMAT, FREE_UP) and their task polls."""
    return [e.body for e in camera.camera.log if e.path == "/record/storage/control" and isinstance(e.body, dict)
            and (e.body.get("sAction") in ("FORMAT", "FREE_UP") or "sTask" in e.body)]  # fmt: skip


async def confirmed(mcp: Any, camera: Any, action: str, progress: list[tuple[float, str | None]]) -> dict[str, Any]:
    first = await call_ok(mcp, "storage", host=camera.address, action=action)
    token = first["confirmation"]["confirm_token"]

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    result = await mcp.call_tool(
        "storage", {"host": camera.address, "action": action, "confirm_token": token}, progress_callback=on_progress
    )
    assert not result.is_error, error_text(result)
    return dict(result.structured_content)


@pytest.mark.parametrize("firmware", FIRMWARES)
@pytest.mark.parametrize("action", ["format", "free_up"])
async def test_format_and_free_up_end_to_end(firmware, action, make_camera, connect):
    camera = make_camera(firmware=firmware, storage_task_s=1.5)
    area = storage_area(camera.camera)
    if action == "free_up":  # little free space: about half of the recordings must go
        used, size = area.used_bytes(area.slots[SD]), 10 << 30
        area.set_slot(size_bytes=size, base_used_bytes=size - size // 10 - used + used // 2)
    before = files_on_card(camera)
    progress: list[tuple[float, str | None]] = []
    async with connect() as mcp:
        done = await confirmed(mcp, camera, action, progress)
    after = files_on_card(camera)
    assert done["done"] and done["plan"]["files_affected"] >= 1
    assert len(after) < len(before) and (after == [] if action == "format" else set(after) < set(before))
    sent = controls(camera)
    if firmware == "2026":
        assert sent[0]["sTask"] == "ASYNC_SUBMIT" and sent[0]["sAction"] == action.upper()
        assert {b["sTask"] for b in sent[1:]} == {"ASYNC_STATUS"} and len(sent) >= 3, "polled to the end"
        percents = [p for p, _ in progress]
        assert percents == sorted(percents) and percents[-1] == 100 and len(set(percents)) >= 2
        assert all(action in (m or "") for _, m in progress)
    else:
        assert sent == [{"sAction": action.upper(), "sSlotDevPath": SD}], "legacy runs it in one synchronous call"


@pytest.mark.parametrize("firmware", FIRMWARES)
async def test_a_misleading_version_is_corrected_by_the_devices_answer(firmware, make_camera, connect):
    camera = make_camera(firmware=firmware, storage_task_s=0.5)
    camera.camera.extras["firmware_version"] = "V1.1.3" if firmware == "legacy" else "V1.0.10"
    async with connect() as mcp:
        done = await confirmed(mcp, camera, "format", [])
    assert done["done"] and files_on_card(camera) == []
    sent = controls(camera)
    first, second = sent[0], sent[1]
    assert ("sTask" in first) == (firmware == "legacy"), "the first try spoke the generation the version claims"
    assert ("sTask" in second) == (firmware == "2026"), "the refusal named the other form: sent again in it"


@pytest.mark.parametrize("firmware", FIRMWARES)
async def test_isp_tuning_is_saved_on_both(firmware, make_camera, connect):
    camera = make_camera(firmware=firmware)
    async with connect() as mcp:
        out = await call_ok(mcp, "tune_image", host=camera.address, scene="day", exposure={"iExposureGain": 9})
    assert out["saved"] and out["left_edit_mode"]
    assert ("POST /image/0/scene-save" in out["steps"]) == (firmware == "2026")
    assert out["steps"][-1] == "PUT /image/0/scene -1", "the commit comes last, after the save"
    assert isp_state(camera.camera).persisted["profile"][1]["exposure"]["iExposureGain"] == 9


@pytest.mark.parametrize("firmware", FIRMWARES)
async def test_inference_enable_with_each_generations_id(firmware, make_camera, connect):
    camera = make_camera(firmware=firmware, inference_start_s=0.2)
    async with connect() as mcp:
        models = (await call_ok(mcp, "call_api", host=camera.address, method="GET", path="/model/list"))["body"]
        names = [m["model"] for m in (models if isinstance(models, list) else models["data"])]
        model = names[-1]
        assert names.index(model) > 0, "a model that is not the first, so the two ids differ"
        out = await call_ok(mcp, "update_config", host=camera.address, area="inference",
                            changes={"iEnable": 1, "sModel": model})  # fmt: skip
        assert all(c["kept"] for c in out["changes"])
        deadline = time.monotonic() + 10
        while (state := (await call_ok(mcp, "get_config", host=camera.address, area="inference"))["config"])[
            "sStatus"
        ] != "running":
            assert time.monotonic() < deadline, f"inference never ran: {state}"
            await asyncio.sleep(0.05)
    post = [e for e in camera.camera.log if e.call == ("POST", "/model/inference")]
    assert [e.query for e in post] == [f"id={0 if firmware == 'legacy' else names.index(model)}"]
    assert state["iEnable"] == 1 and state["sModel"] == model


@pytest.mark.parametrize("firmware", FIRMWARES)
async def test_sed_and_always_on_triggers(firmware, make_camera, connect):
    camera = make_camera(firmware=firmware)
    sed = {
        "sCurrentSelected": "SED",
        "dSED": {"lClassFilter": ["glass_break", "baby_cry"], "iConsecutiveWindowMs": 500},
    }
    async with connect() as mcp:
        if firmware == "legacy":
            err = await call_error(mcp, "update_config", host=camera.address, area="record_triggers", changes=sed)
            assert "dSED" in err
            err = await call_error(mcp, "update_config", host=camera.address, area="record_triggers",
                                   changes={"sCurrentSelected": "ALWAYS_ON"})  # fmt: skip
            assert "sCurrentSelected" in err and "HTTP" in err, "the error lists the triggers this firmware has"
            return
        out = await call_ok(mcp, "update_config", host=camera.address, area="record_triggers", changes=sed)
        assert {c["field"]: c["kept"] for c in out["changes"]} == {
            "sCurrentSelected": True, "dSED.lClassFilter": True, "dSED.iConsecutiveWindowMs": True
        }  # fmt: skip
        stored = camera.camera.config("/record/rule/record-rule-config")
        assert stored["dSED"]["lClassFilter"] == ["glass_break", "baby_cry"] and stored["dSED"]["sID"]
        await call_ok(mcp, "update_config", host=camera.address, area="record_triggers",
                      changes={"sCurrentSelected": "ALWAYS_ON"})  # fmt: skip
        assert camera.camera.config("/record/rule/record-rule-config")["dSED"] == stored["dSED"], "carried forward"


@pytest.mark.parametrize("firmware", FIRMWARES)
async def test_class_filters_by_label_name_or_id(firmware, make_camera, connect):
    camera = make_camera(firmware=firmware)
    right, wrong = (["person", "car"], [0, 2]) if firmware == "2026" else ([0, 2], ["person", "car"])
    async with connect() as mcp:
        err = await call_error(mcp, "update_config", host=camera.address, area="record_triggers",
                               changes={"lInferenceSet": [{"sID": "rule-1", "lClassFilter": wrong}]})  # fmt: skip
        assert "lClassFilter" in err and "this firmware" in err
        out = await call_ok(mcp, "update_config", host=camera.address, area="record_triggers",
                            changes={"lInferenceSet": [{"sID": "rule-1", "lClassFilter": right}]})  # fmt: skip
    assert out["changes"][0]["field"] == "lInferenceSet[sID=rule-1].lClassFilter" and out["changes"][0]["kept"]
    rule = camera.camera.config("/record/rule/record-rule-config")["lInferenceSet"][0]
    assert rule["lClassFilter"] == right and rule["lRegionFilter"], "the rule's other fields are kept"
