"""The image toolset through the MCP client: tune_image, reset_image (confirmation), snapshot (image content)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import cv2
import numpy as np
from mcp.types import ImageContent, TextContent

from recamera_mcp.simulator.rtsp import decode_frame_counter
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok

EDIT = [("PUT", "/image/0/scene")]
COMMIT = [("POST", "/image/0/scene-save"), ("PUT", "/image/0/scene"), ("GET", "/image/0")]
"""2026 firmware (the simulator's default): scene-save while editing, then the commit, then the read-back."""


def image_calls(camera):
    return [e.call for e in camera.camera.log if e.path.startswith("/image")]


async def logged(camera, count):
    """The image requests once ``count`` are in the log (the simulator logs just after answering)."""
    deadline = time.monotonic() + 5
    while len(image_calls(camera)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    return image_calls(camera)


async def test_tune_image_reports_before_after(camera, connect):
    async with connect() as mcp:
        out = await call_ok(mcp, "tune_image", host=camera.address, scene="night", adjustment={"iBrightness": 75})
    assert out["profile"] == 2 and out["left_edit_mode"] and out["saved"]
    assert out["changes"] == [
        {"field": "profile[2].imageAdjustment.iBrightness", "before": 60, "after": 75, "kept": True}
    ]
    assert await logged(camera, 6) == [("GET", "/image/0"), *EDIT, ("PUT", "/image/0/2/adjustment"), *COMMIT]


async def test_tune_image_reports_the_devices_side_effects(camera, connect):
    async with connect() as mcp:
        result = await call_ok(mcp, "tune_image", host=camera.address, night_to_day={"iProfileSelect": 2})
    assert [c["field"] for c in result["changes"]] == ["nightToDay.iProfileSelect"]
    assert result["other_changes"] == [{"field": "nightToDay.iProfileCur", "before": 0, "after": 2, "kept": None}], (
        "selecting the night profile switched the profile in use: the device did that on its own"
    )


async def test_tune_image_failure_says_which_step_and_that_edit_mode_was_left(camera, connect):
    camera.camera.faults.only_path = "/image/0/1/exposure"
    camera.camera.faults.fail_next = 1
    async with connect() as mcp:
        err = await call_error(
            mcp, "tune_image", host=camera.address, scene="day", adjustment={"iHue": 40}, exposure={"iExposureGain": 4}
        )
    assert "PUT /image/0/1/exposure" in err and "edit mode was left" in err
    assert await logged(camera, 6) == [
        ("GET", "/image/0"),
        *EDIT,
        ("PUT", "/image/0/1/adjustment"),
        ("PUT", "/image/0/1/exposure"),
        ("PUT", "/image/0/scene"),  # the commit; no scene-save after a failed step
        ("GET", "/image/0"),
    ]
    assert camera.camera.extras["image"].editing is None


async def test_tune_image_range_error_sends_nothing(camera, connect):
    async with connect() as mcp:
        err = await call_error(mcp, "tune_image", host=camera.address, adjustment={"iBrightness": 101})
        err2 = await call_error(mcp, "tune_image", host=camera.address, backlight={"sHDR": "open", "sHLC": "open"})
    assert "iBrightness" in err and "100" in err
    assert "at most one" in err2 and "close the others" in err2
    assert await logged(camera, 1) == [("GET", "/image/0")]  # only the read of the exclusion check


async def test_reset_image_needs_confirmation(camera, connect):
    async with connect() as mcp:
        await call_ok(mcp, "tune_image", host=camera.address, scene="general", adjustment={"iContrast": 90})
        first = await call_ok(mcp, "reset_image", host=camera.address)
        assert first["reset"] is False and ("POST", "/image/0") not in image_calls(camera)
        token = first["confirmation"]["confirm_token"]
        done = await call_ok(mcp, "reset_image", host=camera.address, confirm_token=token)
    assert done["reset"] is True and (await logged(camera, 7))[-1] == ("POST", "/image/0")
    assert camera.camera.extras["image"].committed["profile"][0]["imageAdjustment"]["iContrast"] == 50


async def test_snapshot_returns_image_content_and_structured_result(rtsp_camera, connect, tmp_path):
    async with connect(make_options(files_root=tmp_path)) as mcp:
        result = await mcp.call_tool("snapshot", {"host": rtsp_camera.address, "save_to": str(tmp_path)})
        warm = await mcp.call_tool("snapshot", {"host": rtsp_camera.address, "discard_frames": 5})
    assert not result.is_error
    image, text = result.content
    assert isinstance(image, ImageContent) and image.mime_type == "image/jpeg"
    frame = cv2.imdecode(np.frombuffer(base64.b64decode(image.data), np.uint8), cv2.IMREAD_COLOR)
    counter, stale = decode_frame_counter(frame) or (-1, True)
    assert counter >= 120 and not stale
    out = result.structured_content
    assert out is not None and isinstance(text, TextContent) and json.loads(text.text) == out
    assert (out["width"], out["height"], out["frames_discarded"], out["warm"], out["warning"]) == (
        640,
        360,
        120,
        False,
        None,
    )
    assert out["saved_path"] and out["saved_path"].startswith(str(tmp_path))
    assert warm.structured_content is not None and "stale" in warm.structured_content["warning"]


async def test_snapshot_with_rtsp_off_says_how_to_enable(camera, connect):
    async with connect() as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="stream_sub", changes={"rtsp": {"iEnabled": 0}})
        err = await call_error(mcp, "snapshot", host=camera.address, stream="sub")
    assert "RTSP is off on the sub stream" in err
    assert 'update_config(area="stream_sub", changes={"rtsp":{"iEnabled":1}})' in err
