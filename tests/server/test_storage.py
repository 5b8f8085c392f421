"""The storage tool through the MCP client against the simulator: each destructive action in two phases (no,
wrong, used and expired tokens), nothing deleted before the confirmation, exactly the planned files after it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok, destructive_calls, files_on_card


def oldest_recordings(camera: Any, count: int) -> list[str]:
    area = storage_area(camera.camera)
    return area.recordings(area.slots["/dev/mmcblk1p1"])[:count]


def prepare(camera: Any, action: str) -> tuple[dict[str, Any], Callable[[], None]]:
    """Arguments for the action, and a check of its effect once done."""
    before = files_on_card(camera)
    area = storage_area(camera.camera)
    if action == "format":
        return {}, lambda: files_on_card(camera) == [] or pytest.fail("format left files")
    if action == "eject":
        return {}, lambda: area.slots["/dev/mmcblk1p1"].state == SlotState.NOT_MOUNTED or pytest.fail("not ejected")
    if action == "remove":
        victim = next(f for f in before if f.endswith(".mp4") and "/.thumb/" not in f)
        return {"paths": [victim]}, lambda: victim not in files_on_card(camera) or pytest.fail("not removed")
    # free_up: shrink the free space so that about half of the recordings must go
    slot = area.slots["/dev/mmcblk1p1"]
    used = area.used_bytes(slot)
    size = 10 << 30
    area.set_slot(size_bytes=size, base_used_bytes=size - size // 10 - used + used // 2)
    oldest = oldest_recordings(camera, 1)[0]
    return {}, lambda: oldest not in files_on_card(camera) or pytest.fail("oldest recording kept")


@pytest.mark.parametrize("action", ["format", "free_up", "eject", "remove"])
async def test_storage_action_is_two_phase(connect, camera, action):
    args, effect_seen = prepare(camera, action)
    before = files_on_card(camera)
    async with connect() as mcp:
        first = await call_ok(mcp, "storage", host=camera.address, action=action, **args)
        assert first["done"] is False and first["plan"]["slot"] == "/dev/mmcblk1p1"
        plan, token = first["plan"], first["confirmation"]["confirm_token"]
        assert plan["files_affected"] is not None and plan["slot_size_bytes"] > 0
        if action in ("format", "free_up", "remove"):
            assert plan["files_affected"] >= 1
        assert files_on_card(camera) == before and destructive_calls(camera) == []

        err = await call_error(mcp, "storage", host=camera.address, action=action, confirm_token="wrong", **args)
        assert "refused" in err and files_on_card(camera) == before and destructive_calls(camera) == []

        done = await call_ok(mcp, "storage", host=camera.address, action=action, confirm_token=token, **args)
        assert done["done"] is True and done["slots"]
        assert len(destructive_calls(camera)) == 1
        effect_seen()
        if action in ("format", "remove", "free_up"):
            gone = len(set(before) - set(files_on_card(camera)) - {f for f in before if "/.thumb/" in f})
            assert gone == plan["files_affected"], (gone, plan)
        err = await call_error(mcp, "storage", host=camera.address, action=action, confirm_token=token, **args)
        reason = "no such file" if action == "remove" else "already used or expired"
        assert reason in err and len(destructive_calls(camera)) == 1


async def test_expired_storage_token_is_refused(connect, camera):
    before = files_on_card(camera)
    async with connect(make_options(confirm_ttl_s=0)) as mcp:
        first = await call_ok(mcp, "storage", host=camera.address, action="format")
        token = first["confirmation"]["confirm_token"]
        err = await call_error(mcp, "storage", host=camera.address, action="format", confirm_token=token)
        assert "expired" in err
    assert files_on_card(camera) == before and destructive_calls(camera) == []
