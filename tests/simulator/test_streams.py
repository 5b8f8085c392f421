"""The simulator's WebSockets over real sockets: token on the handshake, inference results, logs, ttyd terminal."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from recamera_mcp.simulator import scene
from recamera_mcp.simulator.fakeshell import PROMPT, FakeShell
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.streams import append_log
from recamera_mcp.simulator.testing import CGI, raw_login

DEVICE_INFO = 'GET /cgi-bin/entry.cgi/system/device-info HTTP/1.1" 200'
FAST = {"inference_rate_hz": 50.0, "log_rate_hz": 50.0}


def ws_url(device: Any, path: str) -> str:
    return device.url.replace("http://", "ws://") + path


def cookie(device: Any) -> dict[str, str]:
    body, token = raw_login(device.url)
    assert token, body
    return {"Cookie": f"token={token}"}


async def recv_json(ws: ClientConnection, timeout: float = 5) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def enable_inference(device: Any, model: str) -> None:
    ai = ai_state(device.camera)
    ai.inference.update({"iEnable": 1, "sModel": model, "sStatus": "running"})


# ---- handshake -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/ws/inference/results", "/ws/system/logs", "/ws/system/terminal"])
async def test_handshake_without_token_is_refused_with_401(camera, path):
    with pytest.raises(websockets.InvalidStatus) as caught:
        async with connect(ws_url(camera, path)):
            pass
    assert caught.value.response.status_code == 401
    assert json.loads(caught.value.response.body)["code"] == 401
    with pytest.raises(websockets.InvalidStatus) as forged:
        async with connect(ws_url(camera, path), additional_headers={"Cookie": "token=a.b.c"}):
            pass
    assert forged.value.response.status_code == 401
    assert camera.camera.log[-1].call == ("WS", path) and camera.camera.log[-1].status == 401


@pytest.mark.parametrize("path", ["/ws/inference/results", "/ws/system/logs", "/ws/system/terminal"])
async def test_the_token_counts_only_in_the_cookie_never_in_the_query(camera, path):
    token = cookie(camera)["Cookie"].removeprefix("token=")
    with pytest.raises(websockets.InvalidStatus) as caught:
        async with connect(ws_url(camera, path) + f"?token={token}"):
            pass
    assert caught.value.response.status_code == 401, "a valid token in ?token= answers 401, as on the device"
    assert json.loads(caught.value.response.body)["message"] == "Unauthorized: No token provided"
    async with connect(ws_url(camera, path), additional_headers={"Cookie": f"token={token}"}) as ws:
        assert ws.response.status_code == 101
    async with connect(ws_url(camera, path) + "?token=junk", additional_headers={"Cookie": f"token={token}"}) as ws:
        assert ws.response.status_code == 101, "the query is ignored, the cookie decides"
    assert [e.status for e in camera.camera.log if e.path == path] == [401, 101, 101]


# ---- inference results ---------------------------------------------------------------------------------------
async def test_inference_results_only_while_enabled_and_echo(make_camera):
    cam = make_camera(**FAST)
    async with connect(ws_url(cam, "/ws/inference/results"), additional_headers=cookie(cam)) as ws:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)  # 15 ticks at 50 Hz, inference off: nothing
        await ws.send("hello")
        assert await asyncio.wait_for(ws.recv(), 5) == "hello"
        enable_inference(cam, "yolo11n_detection.rknn")
        first = await recv_json(ws)
        second = await recv_json(ws)
        ai_state(cam.camera).inference["iEnable"] = 0
        # drain what was already in flight, then silence
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(ws.recv(), 0.3)
            except TimeoutError:
                break
        else:
            pytest.fail("results kept coming after inference was disabled")
    assert first["task_type"] == "DETECTION" and first["model_id"] == "yolo11n_detection.rknn"
    assert abs(first["timestamp_ms"] / 1000 - time.time()) < 10
    assert second["timestamp_ms"] > first["timestamp_ms"]
    person = first["detection"]["entries"][0]
    assert person["class_name"] == "person" and person["class_id"] == 0 and 0 < person["score"] <= 1
    box = person["box"]
    assert set(box) == {"left", "top", "right", "bottom"}
    assert 0 <= box["left"] < box["right"] <= 640 and 0 <= box["top"] < box["bottom"] <= 360
    left, top, right, bottom = scene.person_box(second["timestamp_ms"] / 1000, cam.camera.index)
    moved = {"left": left, "top": top, "right": right, "bottom": bottom}
    assert second["detection"]["entries"][0]["box"] == moved, "the person walks by the scene's formula"


async def test_detections_follow_the_documented_scene(make_camera):
    cam = make_camera(**FAST)
    enable_inference(cam, "yolo11n_detection.rknn")
    async with connect(ws_url(cam, "/ws/inference/results"), additional_headers=cookie(cam)) as ws:
        results = [await recv_json(ws) for _ in range(40)]
    for result in results:
        entries = {e["class_name"]: e for e in result["detection"]["entries"]}
        left, top, right, bottom = scene.person_box(result["timestamp_ms"] / 1000, cam.camera.index)
        assert entries["person"]["box"] == {"left": left, "top": top, "right": right, "bottom": bottom}
        if "car" in entries:
            assert entries["car"]["class_id"] == 2 and entries["car"]["score"] >= 0.4
            assert tuple(entries["car"]["box"].values()) == scene.CAR_BOX


async def test_classification_results_have_no_boxes(make_camera):
    cam = make_camera(**FAST)
    enable_inference(cam, "mobilenet_cls.rknn")
    async with connect(ws_url(cam, "/ws/inference/results"), additional_headers=cookie(cam)) as ws:
        message = await recv_json(ws)
    assert message["task_type"] == "CLASSIFICATION" and "detection" not in message
    entries = message["classification"]["entries"]
    classes = ai_state(cam.camera).models["mobilenet_cls.rknn"]["classes"]
    assert entries and all(set(e) == {"score", "class_id", "class_name"} for e in entries)
    assert all(classes[e["class_id"]] == e["class_name"] != "background" for e in entries)
    assert [e["score"] for e in entries] == sorted((e["score"] for e in entries), reverse=True)


# ---- system logs ---------------------------------------------------------------------------------------------
async def test_logs_history_then_new_lines_with_real_events(make_camera):
    cam = make_camera(**FAST)
    headers = cookie(cam)
    append_log(cam.camera, "warn", "vigil[933]: storage almost full")
    async with connect(ws_url(cam, "/ws/system/logs"), additional_headers=headers) as ws:
        history = await recv_json(ws)
        assert isinstance(history, list) and len(history) >= 10
        assert all(set(line) == {"sTimestamp", "sLevel", "sData"} for line in history)
        assert all(line["sTimestamp"].isdigit() for line in history)
        assert abs(int(history[-1]["sTimestamp"]) - time.time()) < 10
        texts = [line["sData"] for line in history]
        assert any("kernel: Linux version 6.1" in t for t in texts)
        assert [line["sLevel"] for line in history if line["sData"] == "vigil[933]: storage almost full"] == ["WARN"]
        assert any('"POST /cgi-bin/entry.cgi/system/login HTTP/1.1" 200' in t for t in texts), "the login was logged"
        assert any('"GET /ws/system/logs HTTP/1.1" 101' in t for t in texts), "and this very connection"
        assert not any("sPassword" in t or headers["Cookie"][6:] in t for t in texts)
        await asyncio.to_thread(httpx.get, cam.url + CGI + "/system/device-info", headers=headers)
        append_log(cam.camera, "ERROR", "rkipc[812]: test event")
        new: list[dict[str, str]] = []
        wanted = {"rkipc[812]: test event", f'nginx[655]: 127.0.0.1 "{DEVICE_INFO}'}

        def chatter() -> list[dict[str, str]]:
            return [line for line in new if not line["sData"].startswith(("nginx", "rkipc[812]: test"))]

        # The events may arrive before any chatter line (a fast machine), so read until both have come.
        while wanted - {line["sData"] for line in new} or not chatter():
            line = await recv_json(ws)
            assert isinstance(line, dict) and line["sLevel"] in {"DEBUG", "INFO", "WARN", "ERROR"}
            new.append(line)
            assert len(new) < 200, "plausible daemon lines keep coming"


# ---- terminal ------------------------------------------------------------------------------------------------
async def read_until(ws: ClientConnection, marker: bytes, timeout: float = 5) -> bytes:
    """Concatenated OUTPUT payloads until ``marker`` appears."""
    seen = b""
    while marker not in seen:
        frame = await asyncio.wait_for(ws.recv(), timeout)
        assert isinstance(frame, bytes) and frame[:1] == b"0", frame
        seen += frame[1:]
    return seen


async def open_terminal(cam: Any) -> ClientConnection:
    ws = await connect(ws_url(cam, "/ws/system/terminal"), additional_headers=cookie(cam), subprotocols=["tty"])
    assert ws.subprotocol == "tty"
    title = await asyncio.wait_for(ws.recv(), 5)
    prefs = await asyncio.wait_for(ws.recv(), 5)
    assert title == b"1sh (recamera)" and prefs[:1] == b"2" and isinstance(json.loads(prefs[1:]), dict)
    await ws.send(json.dumps({"AuthToken": "", "columns": 120, "rows": 40}))
    assert (await read_until(ws, PROMPT.encode())).endswith(PROMPT.encode())
    return ws


async def run_command(ws: ClientConnection, line: str) -> str:
    """Type ``line`` key by key in two input frames and return what came back, echo included."""
    half = len(line) // 2
    await ws.send(b"0" + line[:half].encode())
    await ws.send(b"0" + line[half:].encode() + b"\r")
    return (await read_until(ws, b"\r\n" + PROMPT.encode())).decode()


async def test_terminal_speaks_ttyd_and_runs_fake_commands(camera):
    ws = await open_terminal(camera)
    try:
        out = await run_command(ws, "uname -a")
        assert out.startswith("uname -a\r\n")
        assert "Linux recamera 6.1." in out and "aarch64 GNU/Linux" in out
        assert "Filesystem" in await run_command(ws, "df -h") and "/userdata" in await run_command(ws, "df")
        assert "Mem:" in await run_command(ws, "free")
        assert "load average:" in await run_command(ws, "uptime")
        assert len((await run_command(ws, "cat /proc/loadavg")).split("\r\n")[1].split()) == 5
        assert "hi there\r\n" in await run_command(ws, "echo 'hi there'")
        await ws.send(b'1{"columns": 100, "rows": 30}')
        assert "sh: frobnicate: not found" in await run_command(ws, "frobnicate --now")
        await ws.send(b"0exit\r")
        with pytest.raises(websockets.ConnectionClosedOK):
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    finally:
        await ws.close()


async def test_terminal_never_runs_host_commands(camera, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("still here")
    ws = await open_terminal(camera)
    try:
        assert "sh: ls: not found" in await run_command(ws, "ls /")
        assert "sh: rm: not found" in await run_command(ws, f"rm -rf {victim}")
        assert "sh: touch: not found" in await run_command(ws, f"touch {tmp_path}/created")
        assert "not supported" in await run_command(ws, f"echo pwned > {tmp_path}/created")
        assert "No such file" in await run_command(ws, "cat /etc/passwd")
    finally:
        await ws.close()
    assert victim.read_text() == "still here" and not (tmp_path / "created").exists()


async def test_terminal_pause_holds_output_until_resume(camera):
    ws = await open_terminal(camera)
    try:
        await ws.send(b"2")
        await ws.send(b"0echo held\r")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)
        await ws.send(b"3")
        assert "held\r\n" in (await read_until(ws, b"held\r\n" + PROMPT.encode())).decode()
    finally:
        await ws.close()


async def test_terminal_output_held_while_paused_is_bounded(camera):
    from recamera_mcp.simulator.routes.streams import MAX_PAUSED_OUTPUT

    ws = await open_terminal(camera)
    try:
        await ws.send(b"2")
        for _ in range(150):  # echoed input + output: ~300 KB while paused
            await ws.send(b"0echo " + b"x" * 1000 + b"\r")
        await ws.send(b"0echo last-one\r")
        await ws.send(b"3")
        received = await read_until(ws, b"last-one\r\n" + PROMPT.encode())
        assert len(received) <= MAX_PAUSED_OUTPUT + 4096, len(received)
        assert "still alive\r\n" in await run_command(ws, "echo still alive")
    finally:
        await ws.close()


async def test_terminal_survives_garbage_frames(camera):
    ws = await open_terminal(camera)
    try:
        for frame in (
            b'1{"columns": {}, "rows": [1]}',
            b'1{"columns": "wide"}',
            b'1{"rows": 1e999}',
            b"1[" + b"[" * 5000,
            b"1\xff\xfe",
            b"1[1, 2]",
            b"9unknown command",
            b"0\xff\xfe\x1b[999;999;999H",
            "0text frame, not binary\x15",
        ):
            await ws.send(frame)
        assert "still alive\r\n" in await run_command(ws, "echo still alive")
    finally:
        await ws.close()


async def test_terminal_bad_first_message_is_a_policy_violation(camera):
    async with connect(
        ws_url(camera, "/ws/system/terminal"), additional_headers=cookie(camera), subprotocols=["tty"]
    ) as ws:
        await ws.recv()
        await ws.recv()
        await ws.send("{not json")
        with pytest.raises(websockets.ConnectionClosedError) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_fake_shell_line_editing():
    shell = FakeShell(boot_time=time.time() - 90061)
    assert shell.feed(b"ecno\x7f\x7fho x") == b"ecno\b \b\b \bho x"
    assert shell.feed(b"\r\n").decode() == "\r\nx\r\n" + PROMPT, "CR LF is one Enter"
    assert shell.feed(b"\x1b[Aabc\x03") == b"abc^C\r\n" + PROMPT.encode(), "arrow keys ignored, Ctrl-C clears"
    assert "up 1 day,  1:01," in shell.feed(b"uptime\r").decode()
    assert b"syntax error" in shell.feed(b"echo 'open\r")
    assert shell.feed(b"\x04") == b"\r\n" and shell.exited
