"""Device-side capture against the simulator: a JPEG of what the camera sees, fetched through the relay and removed
again, with the storage and busy cases answered with what to do."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recamera_mcp.client import ConfigArea, DeviceApiError, StorageNotReady
from recamera_mcp.simulator.routes.capture import capture_area
from recamera_mcp.simulator.rtsp import decode_frame_counter
from tests.server.helpers import files_on_card


def decoded(jpeg: bytes) -> np.ndarray:
    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert frame is not None
    return frame


@pytest.mark.parametrize("firmware", ["2026", "legacy"])
async def test_still_is_the_cameras_picture_and_is_removed_afterwards(make_camera, make_client, firmware):
    camera = make_camera(firmware=firmware)
    cam = make_client(camera)
    before = files_on_card(camera)
    first = await cam.capture.still()
    second = await cam.capture.still()
    frame = decoded(first.jpeg)
    assert frame.shape == (360, 640, 3)
    # the simulator writes the capture's sequence number into the frame-counter blocks
    assert decode_frame_counter(frame) == (1, False) and decode_frame_counter(decoded(second.jpeg)) == (2, False)
    assert first.path.startswith("capture/") and first.path.endswith(".jpg") and first.removed
    assert first.timestamp_ms is not None and second.timestamp_ms is not None
    assert second.timestamp_ms > first.timestamp_ms
    assert files_on_card(camera) == before, "our captures were removed again"
    starts = [e.body for e in camera.camera.log if e.call == ("POST", "/record/capture/start")]
    assert starts == [{"sOutput": "/mnt/sd/DCIM/capture", "sFormat": "JPG"}] * 2


async def test_keep_leaves_the_file_with_the_recordings(camera, make_client):
    cam = make_client(camera)
    still = await cam.capture.still(keep=True)
    assert not still.removed and still.path in files_on_card(camera)
    listed = await cam.recording.list("capture/")
    assert [e.name for e in listed.entries] == [still.path.split("/")[-1]]


async def test_no_slot_that_serves_files_says_how_to_get_one(camera, make_client):
    cam = make_client(camera)
    await cam.config.update(ConfigArea.STORAGE, {"dSelectSlotToEnable": None})
    with pytest.raises(StorageNotReady) as caught:
        await cam.capture.still()
    assert caught.value.fix is not None and caught.value.fix.op == "config.update"
    assert not any(e.call == ("POST", "/record/capture/start") for e in camera.camera.log)


async def test_a_failed_capture_is_an_error_and_leaves_nothing(camera, make_client):
    cam = make_client(camera)
    capture_area(camera.camera).fail_next = True
    before = files_on_card(camera)
    with pytest.raises(DeviceApiError, match="FAILED"):
        await cam.capture.still()
    assert files_on_card(camera) == before


async def test_someone_elses_running_capture_is_not_stopped(camera, make_client):
    cam = make_client(camera)
    other = {"sOutput": "/mnt/sd/DCIM/clips", "sFormat": "MP4", "iVideoLengthSeconds": 30}
    await cam.send_json("POST", "/record/capture/start", other)
    try:
        with pytest.raises(DeviceApiError, match="busy with another capture") as caught:
            await cam.capture.still()
        assert "MP4" in str(caught.value)
        assert not any(e.call == ("POST", "/record/capture/stop") for e in camera.camera.log)
        assert (await cam.capture.status()).status == "WRITING"
    finally:
        await cam.capture.stop()
