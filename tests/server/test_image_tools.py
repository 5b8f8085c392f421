"""The image toolset through the MCP client: tune_image, reset_image (confirmation), snapshot (image content, by
RTSP or the camera's own capture, with the detections overlay)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import cv2
import numpy as np
import pytest
from mcp.types import ImageContent, TextContent

from recamera_mcp.simulator.rtsp import decode_frame_counter
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok, files_on_card

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
        err = await call_error(mcp, "snapshot", host=camera.address, stream="sub", source="rtsp")
    assert "RTSP is off on the sub stream" in err
    assert 'update_config(area="stream_sub", changes={"rtsp":{"iEnabled":1}})' in err


def image_of(result):
    image = next(c for c in result.content if isinstance(c, ImageContent))
    assert image.mime_type == "image/jpeg"
    return cv2.imdecode(np.frombuffer(base64.b64decode(image.data), np.uint8), cv2.IMREAD_COLOR)


async def test_snapshot_by_capture_needs_no_rtsp(camera, connect, tmp_path):
    """The camera fixture serves no RTSP at all: auto falls back to the device-side capture and says why."""
    async with connect(make_options(files_root=tmp_path)) as mcp:
        await call_ok(mcp, "update_config", host=camera.address, area="stream_main", changes={"rtsp": {"iEnabled": 0}})
        auto = await mcp.call_tool("snapshot", {"host": camera.address, "save_to": str(tmp_path)})
        asked = await mcp.call_tool("snapshot", {"host": camera.address, "source": "capture"})
    assert not auto.is_error and not asked.is_error
    out = auto.structured_content
    assert out is not None and out["source"] == "capture" and out["stream"] is None
    assert "RTSP is off on the main stream" in out["why"] and "the camera took the picture itself" in out["why"]
    assert (out["width"], out["height"], out["frames_discarded"]) == (640, 360, 0)
    assert decode_frame_counter(image_of(auto)) == (1, False), "capture number 1 of this camera"
    assert decode_frame_counter(image_of(asked)) == (2, False)
    assert asked.structured_content is not None and asked.structured_content["why"] == "asked for"
    assert out["saved_path"] and cv2.imread(out["saved_path"]).shape == (360, 640, 3)
    assert not [f for f in files_on_card(camera) if f.startswith("capture/")], "the captures were removed again"


async def test_snapshot_by_rtsp_when_it_is_on(rtsp_camera, connect):
    async with connect() as mcp:
        auto = await call_ok(mcp, "snapshot", host=rtsp_camera.address, stream="sub")
        forced = await mcp.call_tool("snapshot", {"host": rtsp_camera.address, "source": "rtsp"})
    assert (auto["source"], auto["stream"], auto["why"], auto["frames_discarded"]) == (
        "rtsp",
        "sub",
        "RTSP answered",
        120,
    )
    assert not forced.is_error
    counter, stale = decode_frame_counter(image_of(forced)) or (-1, True)
    assert counter >= 120 and not stale
    assert not any(e.path.startswith("/record/capture") for e in rtsp_camera.camera.log)


def magenta(pixel) -> bool:
    blue, green, red = (int(v) for v in pixel)
    return blue > 180 and red > 180 and green < 90


async def test_overlay_draws_the_boxes_where_the_result_put_them(make_camera, connect):
    camera = make_camera(inference_rate_hz=20.0, inference_start_s=0)
    async with connect() as mcp:
        plain = await mcp.call_tool("snapshot", {"host": camera.address, "source": "capture", "overlay": True})
        assert plain.structured_content is not None and plain.structured_content["overlay"] == []
        assert "configure_inference(enabled=true)" in plain.structured_content["warning"]
        await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"iEnable": 1})
        result = await mcp.call_tool("snapshot", {"host": camera.address, "source": "capture", "overlay": True})
    assert not result.is_error and result.structured_content is not None
    out = result.structured_content
    frame = image_of(result)
    drawn = {d["label"]: d for d in out["overlay"]}
    assert "person" in drawn and out["overlay_at"]
    for detection in out["overlay"]:
        left, top, right, bottom = (round(v) for v in detection["px"])  # same 640 x 360 frame as the image
        x0, y0, x1, y1 = detection["px"]
        assert detection["box"] == pytest.approx([x0 / 640, y0 / 360, x1 / 640, y1 / 360], abs=1e-3)
        edges = [
            frame[(top + bottom) // 2, left],
            frame[(top + bottom) // 2, right],
            frame[bottom, (left + right) // 2],
        ]
        assert all(magenta(p) for p in edges), f"{detection['label']} box not drawn at {detection['px']}"
        assert not magenta(frame[(top + bottom) // 2, (left + right) // 2]), "the inside stays the picture"
    # the picture's green person sits inside the person box drawn (the result nearest in time to the capture)
    left, top, right, bottom = (round(v) for v in drawn["person"]["px"])
    row = frame[(top + bottom) // 2]
    green = [x for x in range(640) if row[x][1] > 150 and row[x][0] < 100 and row[x][2] < 100]
    assert green and left - 4 <= green[0] and green[-1] <= right + 4
