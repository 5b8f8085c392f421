"""The simulated RTSP stream: OpenCV reads /main and /sub, stale bursts per session, frame counters, stop."""

from __future__ import annotations

import argparse
import os
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from recamera_mcp.simulator import cli as sim_cli
from recamera_mcp.simulator import rtsp
from recamera_mcp.simulator.fleet import SimDevice
from recamera_mcp.simulator.rtsp import RtspFeed, checksum, decode_frame_counter, rtsp_available
from recamera_mcp.simulator.settings import SimSettings

os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
cv2 = pytest.importorskip("cv2")

pytestmark = pytest.mark.rtsp

STALE = 120
TIMEOUTS = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 5000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 5000]


def open_capture(url: str) -> Any:
    cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, TIMEOUTS)
    assert cap.isOpened(), f"OpenCV could not open {url}"
    return cap


def read_counter(cap: Any) -> tuple[tuple[int, bool], tuple[int, ...]]:
    ok, frame = cap.read()
    assert ok, "read() failed"
    decoded = decode_frame_counter(frame)
    assert decoded is not None, "frame counter unreadable"
    return decoded, frame.shape


@pytest.fixture
def capture(rtsp_camera: SimDevice) -> Iterator[Any]:
    assert rtsp_camera.rtsp is not None
    cap = open_capture(rtsp_camera.rtsp.url("main"))
    yield cap
    cap.release()


def test_camera_settings_get_the_real_port(rtsp_camera: SimDevice) -> None:
    feed = rtsp_camera.rtsp
    assert feed is not None and feed.port > 0
    assert rtsp_camera.camera.settings.rtsp_port == feed.port
    assert feed.url("sub") == f"rtsp://127.0.0.1:{feed.port}/sub"


def test_new_session_starts_with_a_stale_burst_then_fresh_frames(capture: Any) -> None:
    first = [read_counter(capture)[0] for _ in range(5)]
    assert first == [(n, True) for n in range(5)]
    for _ in range(STALE - 5):
        assert capture.grab()
    (counter, stale), shape = read_counter(capture)
    assert not stale and counter >= STALE
    assert shape == (360, 640, 3)
    # live frames keep counting up and stay fresh
    (later, later_stale), _ = read_counter(capture)
    assert later > counter and not later_stale


def test_discarding_120_frames_with_grab_gives_a_fresh_frame(capture: Any) -> None:
    for _ in range(STALE):
        assert capture.grab()
    (counter, stale), _ = read_counter(capture)
    assert not stale and counter >= STALE


def test_sub_stream_is_smaller_and_has_its_own_counter(rtsp_camera: SimDevice) -> None:
    assert rtsp_camera.rtsp is not None
    cap = open_capture(rtsp_camera.rtsp.url("sub"))
    try:
        (counter, stale), shape = read_counter(cap)
        assert (counter, stale) == (0, True)
        assert shape == (180, 320, 3)
    finally:
        cap.release()


def test_each_session_gets_its_own_stale_burst(rtsp_camera: SimDevice) -> None:
    assert rtsp_camera.rtsp is not None
    url = rtsp_camera.rtsp.url("main")
    for _ in range(2):
        cap = open_capture(url)
        try:
            assert [read_counter(cap)[0] for _ in range(3)] == [(0, True), (1, True), (2, True)]
            for _ in range(STALE):
                assert cap.grab()
            (counter, stale), _ = read_counter(cap)
            assert not stale and counter >= STALE + 3
        finally:
            cap.release()


def test_stopped_feed_refuses_connections(rtsp_camera: SimDevice) -> None:
    feed = rtsp_camera.rtsp
    assert feed is not None
    url = feed.url("main")
    process = feed.process
    assert process is not None
    feed.stop()
    assert process.poll() is not None, "server process still running"
    started = time.monotonic()
    cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, TIMEOUTS)
    assert not cap.isOpened()
    assert time.monotonic() - started < 2, "a stopped feed should refuse at once, not time out"


def test_removing_the_camera_stops_its_server(sim_fleet: Any) -> None:
    if (reason := rtsp_available()) is not None:
        pytest.skip(f"RTSP off: {reason}")
    device = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(rtsp_port=0), rtsp=True)
    assert device.rtsp is not None
    process = device.rtsp.process
    assert process is not None and process.poll() is None
    sim_fleet.remove(device)
    assert process.poll() is not None


def test_reboot_takes_the_rtsp_feed_down_and_brings_it_back(sim_fleet: Any) -> None:
    if (reason := rtsp_available()) is not None:
        pytest.skip(f"RTSP off: {reason}")
    settings = SimSettings(rtsp_port=0, reboot_s=0.5)
    device = sim_fleet.add_camera("127.0.0.1", 0, settings, rtsp=True)
    try:
        feed = device.rtsp
        assert feed is not None and feed.process is not None
        before, port = feed.process, feed.port
        device.camera.reboot()
        deadline = time.monotonic() + 10
        while before.poll() is None:
            assert time.monotonic() < deadline, "the RTSP server kept running through the reboot"
            time.sleep(0.02)
        while not (feed.running and device.up.is_set()):
            assert time.monotonic() < deadline, "the RTSP server did not come back"
            time.sleep(0.02)
        assert feed.port == port and feed.process is not before
        cap = open_capture(feed.url("main"))
        try:
            assert read_counter(cap)[0] == (0, True)
        finally:
            cap.release()
    finally:
        sim_fleet.remove(device)


def test_feed_on_a_taken_port_fails_clearly(rtsp_camera: SimDevice) -> None:
    assert rtsp_camera.rtsp is not None
    with pytest.raises(RuntimeError, match="did not start"):
        RtspFeed("127.0.0.1", rtsp_camera.rtsp.port).start()


def test_decoder_rejects_frames_without_the_pattern() -> None:
    assert decode_frame_counter(np.zeros((360, 640, 3), np.uint8)) is None
    assert decode_frame_counter(np.full((360, 640), 200, np.uint8)) is None
    assert decode_frame_counter(np.zeros((10, 10, 3), np.uint8)) is None


def test_decoder_reads_a_synthetic_pattern_and_checks_the_checksum() -> None:
    def draw(word: int) -> np.ndarray:
        img = np.zeros((180, 320), np.uint8)
        bits = [i % 2 == 0 for i in range(16)] + [bool(word >> i & 1) for i in range(32)]
        for i, bit in enumerate(bits):
            row, col = divmod(i, 16)
            img[row * 20 : row * 20 + 20, col * 20 : col * 20 + 20] = 235 if bit else 16
        return img

    counter = 123456
    good = counter | (1 << 24) | (checksum(counter, True) << 25)
    assert decode_frame_counter(draw(good)) == (counter, True)
    assert decode_frame_counter(draw(good ^ 1)) is None


def sim_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sim_cli.add_arguments(parser)
    return parser.parse_args(["--port", "0", "--password", "Cli#Pass2026", *argv])


def test_sim_cli_prints_the_rtsp_urls(capsys: pytest.CaptureFixture[str]) -> None:
    if (reason := rtsp_available()) is not None:
        pytest.skip(f"RTSP off: {reason}")
    stop = threading.Event()
    stop.set()
    assert sim_cli.run(sim_args("--rtsp-port", "0"), stop) == 0
    out = capsys.readouterr().out
    assert re.search(r"rtsp://127\.0\.0\.1:\d+/main  rtsp://127\.0\.0\.1:\d+/sub", out), out
    assert "RTSP off" not in out


def test_sim_cli_runs_without_rtsp_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sim_cli, "rtsp_available", lambda: "no GStreamer here")
    stop = threading.Event()
    stop.set()
    assert sim_cli.run(sim_args(), stop) == 0
    out = capsys.readouterr().out
    assert "RTSP off: no GStreamer here" in out
    assert "camera  http://127.0.0.1:" in out and "rtsp://" not in out


def test_rtsp_available_names_a_missing_system_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtsp, "SYSTEM_PYTHON", "/nonexistent/python3")
    rtsp.rtsp_available.cache_clear()
    try:
        reason = rtsp.rtsp_available()
        assert reason is not None and "/nonexistent/python3" in reason
        with pytest.raises(RuntimeError, match="RTSP off"):
            RtspFeed().start()
    finally:
        monkeypatch.undo()
        rtsp.rtsp_available.cache_clear()
