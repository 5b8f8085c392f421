"""RTSP snapshots against the simulator's feed: stale burst skipped, warm reader, clear errors, hidden credentials."""

from __future__ import annotations

import socket
import time

import cv2
import numpy as np
import pytest

from recamera_mcp.client import ConfigArea, DeviceTimeout, DeviceUnreachable, NotSupported, ReCameraClient
from recamera_mcp.simulator.rtsp import decode_frame_counter
from recamera_mcp.simulator.testing import PASSWORD
from recamera_mcp.snapshot import WarmReaders, redact_url, snapshot, stream_url


def counter_of(jpeg: bytes) -> tuple[int, bool]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    decoded = decode_frame_counter(image)
    assert decoded is not None, "the frame counter is unreadable"
    return decoded


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_snapshot_from_device_config_is_past_the_stale_burst(rtsp_camera, tmp_path):
    async with ReCameraClient(rtsp_camera.address, password=PASSWORD) as cam:
        url = await stream_url(cam, "main")
    assert url == rtsp_camera.rtsp.url("main")
    shot = await snapshot(url, save_to=tmp_path)
    counter, stale = counter_of(shot.jpeg)
    assert counter >= 120 and not stale
    assert (shot.width, shot.height, shot.frames_discarded, shot.warm, shot.warnings) == (640, 360, 120, False, [])
    assert shot.saved_path and cv2.imread(shot.saved_path).shape == (360, 640, 3)


async def test_few_discarded_frames_warn_and_show_the_past(rtsp_camera):
    shot = await snapshot(rtsp_camera.rtsp.url("sub"), discard_frames=10)
    counter, stale = counter_of(shot.jpeg)
    assert counter == 10 and stale
    assert shot.warnings and "stale" in shot.warnings[0]


async def test_warm_reader_serves_the_next_live_frame_without_reopening(rtsp_camera):
    url = rtsp_camera.rtsp.url("main")
    readers = WarmReaders()
    try:
        first = await snapshot(url, warm=readers)
        second = await snapshot(url, warm=readers)
        third = await snapshot(url, warm=readers)
    finally:
        readers.close()
    assert len(readers) == 0
    assert not first.warm and second.warm and third.warm
    assert second.frames_discarded == 0 and second.elapsed_s < first.elapsed_s
    counters = [counter_of(s.jpeg) for s in (first, second, third)]
    assert counters[0][0] < counters[1][0] < counters[2][0] and not any(stale for _, stale in counters)


async def test_warm_readers_of_a_restarted_camera_are_dropped(rtsp_camera):
    url = rtsp_camera.rtsp.url("main")
    readers = WarmReaders()
    try:
        await snapshot(url, warm=readers)
        assert len(readers) == 1
        assert readers.drop_host("127.0.0.99") == 0 and len(readers) == 1
        assert readers.drop_host(rtsp_camera.host) == 1 and len(readers) == 0
        assert not (await snapshot(url, warm=readers)).warm, "the next snapshot opens the stream again"
    finally:
        readers.close()


async def test_rtsp_off_says_how_to_turn_it_on(camera):
    async with ReCameraClient(camera.address, password=PASSWORD) as cam:
        await cam.config.update(ConfigArea.STREAM_MAIN, {"rtsp": {"iEnabled": 0}})
        with pytest.raises(NotSupported) as info:
            await stream_url(cam, "main")
    assert "RTSP is off on the main stream" in str(info.value)
    assert 'stream_main config: {"rtsp": {"iEnabled": 1}}' in str(info.value)
    assert info.value.fix is not None and info.value.fix.op == "config.update"
    assert info.value.fix.args == {"area": "stream_main", "changes": {"rtsp": {"iEnabled": 1}}}


async def test_stream_credentials_inserted_but_never_shown(camera):
    async with ReCameraClient(camera.address, password=PASSWORD) as cam:
        await cam.config.update(ConfigArea.STREAM_SUB, {"rtsp": {"iAuthType": 1, "sPassword": "Se%cret!"}})
        url = await stream_url(cam, "sub")
    assert url.startswith("rtsp://admin:Se%25cret%21@127.0.0.1:")
    assert redact_url(url).startswith("rtsp://***@127.0.0.1:") and "cret" not in redact_url(url)
    closed = url.rsplit(":", 1)[0] + f":{free_port()}/sub"
    with pytest.raises(DeviceUnreachable) as info:
        await snapshot(closed)
    assert "refused" in str(info.value).lower() and "cret" not in str(info.value)


async def test_silent_server_times_out_instead_of_hanging(sim_fleet):
    port = free_port()
    hang = sim_fleet.add_hang("127.0.0.1", port)
    try:
        start = time.monotonic()
        with pytest.raises((DeviceUnreachable, DeviceTimeout)) as info:
            await snapshot(f"rtsp://127.0.0.1:{port}/main", open_timeout_s=1.0, read_timeout_s=1.0, timeout_s=5)
        assert time.monotonic() - start < 4
        assert "1 s" in str(info.value)
    finally:
        sim_fleet.remove(hang)
