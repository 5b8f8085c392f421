"""The streams area against the simulator's WebSockets: inference results within both bounds, inference off at once,
a dropped socket opened again once, logs filtered and capped and cleaned, the terminal and its allow-list."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from recamera_mcp.client import ConfigArea, FrameSize, ValidationError
from recamera_mcp.client._results import parse_result
from recamera_mcp.client._terminal import read_only_command
from recamera_mcp.client._text import device_text, terminal_text
from recamera_mcp.simulator import scene
from recamera_mcp.simulator.routes.streams import append_log
from recamera_mcp.simulator.testing import raw_session
from tests.tcp_proxy import CutProxy

FAST = {"inference_rate_hz": 40.0, "log_rate_hz": 20.0}


def results_ws_opened(device: Any) -> int:
    return sum(1 for e in device.camera.log if e.call == ("WS", "/ws/inference/results") and e.status == 101)


async def enable_inference(cam: Any, model: str = "yolo11n_detection.rknn") -> None:
    """Turn inference on and wait until it runs (it is ``starting`` for a moment, as on the device)."""
    await cam.config.update(ConfigArea.INFERENCE, {"iEnable": 1, "sModel": model})
    deadline = time.monotonic() + 10
    while (await cam.inference.state()).get("sStatus") != "running":
        assert time.monotonic() < deadline, "inference never reached running"
        await asyncio.sleep(0.05)


# ---- watch_inference -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("firmware", ["2026", "legacy"])
async def test_results_stop_at_max_results_and_match_the_scene(make_camera, make_client, firmware):
    device = make_camera(firmware=firmware, **FAST)
    cam = make_client(device)
    await enable_inference(cam)
    summary = await cam.streams.watch_inference(duration_s=30, max_results=12)
    assert (summary.running, summary.results, summary.stopped_by) == (True, 12, "max_results")
    assert summary.model == "yolo11n_detection.rknn" and summary.task == "DETECTION"
    assert summary.elapsed_s < 30 and summary.rate_hz is not None and 20 <= summary.rate_hz <= 60
    labels = {s.label: s for s in summary.labels}
    assert labels["person"].count == 12 and 0.8 <= labels["person"].best <= 0.92
    # the latest result's person is where the scene put it at that result's device time
    assert summary.last is not None and summary.first is not None and summary.first <= summary.last
    person = next(d for d in summary.top if d.label == "person")
    t = datetime.fromisoformat(summary.last).timestamp()
    assert person.px == pytest.approx(list(scene.person_box(t, device.camera.index)), abs=0.11)
    # normalised to the main stream's configured frame, which the summary names
    assert summary.frame == "3840x2160 (video_encode_main)"
    assert person.box == pytest.approx([person.px[0] / 3840, 170 / 2160, person.px[2] / 3840, 320 / 2160], abs=1e-3)
    assert summary.problem is None and summary.reconnects == 0


async def test_results_stop_at_the_duration(make_camera, make_client):
    device = make_camera(inference_rate_hz=10.0)
    cam = make_client(device)
    await enable_inference(cam)
    summary = await cam.streams.watch_inference(duration_s=1.0, max_results=1000, frame=FrameSize(640, 360, "t"))
    assert summary.stopped_by == "duration" and 1 <= summary.results < 1000
    assert summary.elapsed_s >= 1.0
    person = next(d for d in summary.top if d.label == "person")
    assert summary.frame == "640x360 (t)" and person.box is not None
    assert person.box[1] == pytest.approx(170 / 360, abs=1e-3) and person.box[3] == pytest.approx(320 / 360, abs=1e-3)


async def test_inference_off_is_answered_at_once_with_the_fix(camera, make_client):
    cam = make_client(camera)
    summary = await cam.streams.watch_inference(duration_s=60)
    assert (summary.running, summary.results, summary.stopped_by) == (False, 0, "inference_off")
    assert summary.problem is not None and "inference is off" in summary.problem.message
    assert summary.problem.fix is not None and summary.problem.fix.op == "inference.configure"
    assert summary.problem.fix.args == {"enabled": True}
    assert results_ws_opened(camera) == 0, "nothing to wait for: the socket is not even opened"


async def test_a_dropped_socket_is_opened_again_once(make_camera, make_client):
    device = make_camera(**FAST)
    proxy = await CutProxy.start(device.host, device.port)
    try:
        cam = make_client(device)
        await enable_inference(cam)
        via = make_client(SimpleNamespace(address=proxy.address))
        watch = asyncio.create_task(via.streams.watch_inference(duration_s=3.0, max_results=10_000))
        deadline = time.monotonic() + 5
        while results_ws_opened(device) < 1:
            assert time.monotonic() < deadline, "the results socket was never opened"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        proxy.cut()
        summary = await watch
    finally:
        await proxy.close()
    assert summary.reconnects == 1 and summary.stopped_by == "duration"
    assert results_ws_opened(device) == 2
    assert summary.results > 0 and summary.problem is None


async def test_a_second_drop_ends_the_watch_with_what_was_collected(make_camera, make_client):
    device = make_camera(**FAST)
    proxy = await CutProxy.start(device.host, device.port)
    try:
        cam = make_client(device)
        await enable_inference(cam)
        via = make_client(SimpleNamespace(address=proxy.address))
        watch = asyncio.create_task(via.streams.watch_inference(duration_s=20.0, max_results=10_000))
        for opened in (1, 2):
            deadline = time.monotonic() + 5
            while results_ws_opened(device) < opened:
                assert time.monotonic() < deadline, f"socket {opened} was never opened"
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            proxy.cut()
        summary = await asyncio.wait_for(watch, 10)
    finally:
        await proxy.close()
    assert summary.reconnects == 1 and summary.stopped_by == "connection" and summary.results > 0


async def test_websockets_follow_the_camera_to_https(camera, make_client):
    cam = make_client(camera)
    await cam.system.device_info()
    with raw_session(camera.url) as http:  # someone else turns HTTPS on
        assert http.post("/system/secure", json={"sEnable": True}).json()["code"] == 0
    deadline = time.monotonic() + 10
    while True:  # the camera brings up its TLS port
        try:
            socket.create_connection((camera.host, camera.camera.settings.https_port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "HTTPS never came up"
            await asyncio.sleep(0.05)
    assert cam.address.scheme == "http"
    logs = await cam.streams.read_logs(duration_s=0, contains="/ws/system/logs")
    assert cam.address.scheme == "https", "the 307 of the WebSocket handshake switched the client to HTTPS"
    assert [e.status for e in camera.camera.log if e.call == ("WS", "/ws/system/logs")] == [307, 101]
    assert logs.lines and logs.lines[-1].text.endswith('"GET /ws/system/logs HTTP/1.1" 101')
    done = await cam.streams.run_command("uname")
    assert done.output == "Linux"


@pytest.mark.parametrize(("duration", "count"), [(0.1, 10), (121, 10), (5, 0), (5, 10_001)])
async def test_bounds_are_checked_before_any_io(camera, make_client, duration, count):
    cam = make_client(camera)
    with pytest.raises(ValidationError):
        await cam.streams.watch_inference(duration_s=duration, max_results=count)
    assert camera.camera.log == []


# ---- results from a hostile device ---------------------------------------------------------------------------
def test_a_result_is_bounded_cleaned_and_never_trusted():
    entries = [
        {"box": {"left": 9, "top": 1, "right": 3, "bottom": 4}, "score": 7, "class_name": "\x1b[31mIGNORE ALL\x1b[0m"},
        *({"box": {"left": 0, "top": 0, "right": 1, "bottom": 1}, "score": 0.5, "class_id": i} for i in range(500)),
    ]
    raw = '{"task_type": 1, "timestamp_ms": 1700000000000, "model_id": "m", "detection": {"entries": %s}}'
    result = parse_result(raw % json.dumps(entries))
    assert result is not None and result.task == "DETECTION" and result.truncated
    assert len(result.objects) == 200
    label, score, box = result.objects[0]
    assert (label, score, box) == ("IGNORE ALL", 1.0, (3.0, 1.0, 9.0, 4.0))
    assert result.objects[1][0] == "class 0"
    assert parse_result('{"sEcho": "hello"}') is None and parse_result("") is None
    text = parse_result("2024-01-15 14:30:25: person 0.85 token=abc.def")
    assert text is not None and text.text == "2024-01-15 14:30:25: person 0.85 token=********"
    with_size = parse_result('{"timestamp_ms": 5, "resolution": [640, 480], "detection": {"entries": []}}')
    assert with_size is not None and with_size.frame == (640, 480)


# ---- read_logs -------------------------------------------------------------------------------------------------
async def test_logs_filtered_capped_newest_last(make_camera, make_client):
    device = make_camera(**FAST)
    cam = make_client(device)
    await cam.system.device_info()
    for n in range(5):
        append_log(device.camera, "warn", f"vigil[933]: disk check {n}")
    logs = await cam.streams.read_logs(duration_s=0, max_lines=3, contains="DISK CHECK")
    assert [line.text for line in logs.lines] == [f"vigil[933]: disk check {n}" for n in (2, 3, 4)]
    assert logs.matched == 5 and logs.seen > 5 and all(line.level == "WARN" for line in logs.lines)
    assert all(line.time is not None and line.time.endswith("+00:00") for line in logs.lines)


async def test_logs_follow_new_lines_for_the_duration(make_camera, make_client):
    device = make_camera(**FAST)
    cam = make_client(device)
    task = asyncio.create_task(cam.streams.read_logs(duration_s=2, contains="late line"))
    deadline = time.monotonic() + 5
    while not any(e.call == ("WS", "/ws/system/logs") for e in device.camera.log):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    append_log(device.camera, "info", "kernel: a late line")
    logs = await task
    assert [line.text for line in logs.lines] == ["kernel: a late line"]


async def test_logs_after_a_dropped_socket_are_neither_lost_nor_doubled(make_camera, make_client):
    device = make_camera(**FAST)
    proxy = await CutProxy.start(device.host, device.port)
    try:
        via = make_client(SimpleNamespace(address=proxy.address))
        append_log(device.camera, "info", "marker: before the drop")
        task = asyncio.create_task(via.streams.read_logs(duration_s=3, contains="marker:"))
        deadline = time.monotonic() + 5
        while not any(e.call == ("WS", "/ws/system/logs") for e in device.camera.log):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        append_log(device.camera, "info", "marker: same second, same text")
        append_log(device.camera, "info", "marker: same second, same text")
        await asyncio.sleep(0.3)
        proxy.cut()
        append_log(device.camera, "info", "marker: while it was down")
        logs = await task
    finally:
        await proxy.close()
    assert logs.reconnects == 1
    assert [line.text for line in logs.lines] == [
        "marker: before the drop",
        "marker: same second, same text",
        "marker: same second, same text",
        "marker: while it was down",
    ]


async def test_log_text_is_cleaned_and_secrets_masked(make_camera, make_client):
    device = make_camera(**FAST)
    cam = make_client(device)
    append_log(device.camera, "error", 'app: \x1b[31mfailed\x1b[0m {"sPassword": "hunter2"} Cookie: token=eyJa.b.c')
    append_log(device.camera, "info", "app: " + "x" * 5000)
    logs = await cam.streams.read_logs(duration_s=0, contains="app:")
    first, long = logs.lines
    assert first.text == 'app: failed {"sPassword": "********"} Cookie: token=********'
    assert len(long.text) == 500 and long.text.endswith("…")
    assert "hunter2" not in logs.model_dump_json()


def test_text_helpers_render_a_terminal():
    assert terminal_text("ab\b \bc\r\nprogress 10%\rprogress 99%\r\n\x1b[1;32mok\x1b[0m") == "ac\nprogress 99%\nok"
    assert device_text("\x1b]0;title\x07hi\x00 there", 100) == "hi there"


# ---- run_command -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("firmware", ["2026", "legacy"])
async def test_commands_run_in_the_terminal_output_only(make_camera, make_client, firmware):
    camera = make_camera(firmware=firmware)
    cam = make_client(camera)
    done = await cam.streams.run_command("uname -a")
    assert done.output == "Linux recamera 6.1.157 #1 SMP PREEMPT Fri Aug  1 15:02:11 CST 2025 aarch64 GNU/Linux"
    assert done.read_only and not done.timed_out and not done.truncated
    df = await cam.streams.run_command("df -h")
    assert df.output.splitlines()[0].startswith("Filesystem") and "/mnt/sd" in df.output.splitlines()[-1]
    missing = await cam.streams.run_command("frobnicate --now")
    assert missing.output == "sh: frobnicate: not found" and not missing.read_only
    assert [e.call for e in camera.camera.log].count(("WS", "/ws/system/terminal")) == 3


async def test_a_command_that_ends_the_shell_returns_what_it_printed(camera, make_client):
    cam = make_client(camera)
    done = await cam.streams.run_command("exit")
    assert done.output == "" and not done.timed_out


@pytest.mark.parametrize("command", ["", "   ", "uname\nreboot", "ls\x1b", "x" * 1001])
async def test_bad_commands_are_refused_before_any_io(camera, make_client, command):
    cam = make_client(camera)
    with pytest.raises(ValidationError):
        await cam.streams.run_command(command)
    assert camera.camera.log == []


@pytest.mark.parametrize(
    "command",
    ["uname -a", "df -h", "free -m", "uptime", "cat /proc/loadavg /proc/uptime", "dmesg", "ls -la /userdata",
     "ps", "ps -ef", "top -bn1", "top -b -n 1", "date", "hostname", "whoami", "pwd"],
)  # fmt: skip
def test_read_only_commands_are_on_the_allow_list(command):
    assert read_only_command(command)


@pytest.mark.parametrize(
    "command",
    ["reboot", "rm -rf /", "ls; reboot", "ls && reboot", "cat /proc/kmsg", "cat /proc/self/environ",
     "cat /etc/shadow", "cat /proc/../etc/shadow", "dmesg -c", "dmesg -n 1", "top", "date -s 2020-01-01",
     "hostname evil", "uname $(reboot)", "ls `reboot`", "ls > /tmp/x", "df | sh", "free -m -s 1 x", "echo hi"],
)  # fmt: skip
def test_anything_else_is_not(command):
    assert not read_only_command(command)


class HangingTTY:
    """A ttyd that shows a prompt, echoes the command, prints a little and then never returns to the prompt until
    it gets Ctrl-C (as `tail -f` would): the client side of the protocol, without a socket."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def send(self, message: str | bytes) -> None:
        data = message.encode() if isinstance(message, str) else message
        self.sent.append(data)
        if data.startswith(b"{"):
            await self.queue.put(b"0\x1b[1;32mroot@cam:~#\x1b[0m ")
        elif data == b"0\x03":
            await self.queue.put(b"0^C\r\nroot@cam:~# ")
        elif data.startswith(b"0") and data.endswith(b"\r"):
            await self.queue.put(b"0" + data[1:-1] + b"\r\nline 1\r\nline 2\r\n")

    async def recv(self, timeout_s: float | None = None) -> bytes | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None


async def test_a_command_that_never_returns_times_out_and_is_interrupted():
    from recamera_mcp.client._terminal import run_in_terminal

    tty = HangingTTY()
    run = await run_in_terminal(tty, "tail -f /var/log/messages", 1.0)  # type: ignore[arg-type]
    assert (run.finished, run.closed, run.prompt) == (False, False, "root@cam:~#")
    assert run.output == "line 1\nline 2"
    assert b"0\x03" in tty.sent, "Ctrl-C was sent"
    assert tty.sent[0].startswith(b'{"AuthToken": ""') and b'"columns": 200' in tty.sent[0]
