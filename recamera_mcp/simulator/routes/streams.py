"""The device's three WebSockets (the token cookie is checked on the handshake by ``DeviceGate``).

- ``/ws/inference/results``: while inference is enabled, one JSON text message per ``1 / inference_rate_hz`` s,
  ``{task_type, timestamp_ms, model_id, detection|classification: {entries: [...]}}``. ``task_type`` is the
  protobuf enum name (``"DETECTION"``, ``"CLASSIFICATION"``: protobuf's JSON default; unverified), ``timestamp_ms`` an
  integer, ``model_id`` the model file. Detection entries are ``{box{left,top,right,bottom}, score, class_id,
  class_name}``, boxes in float pixels of the 640 x 360 frame, where :mod:`recamera_mcp.simulator.scene` says (a
  person walking by a documented formula of ``timestamp_ms``, a parked car at a fixed box): the same objects a
  captured JPEG of that instant shows. Nothing is sent while inference is off. Client messages are echoed back.
- The handshake needs the token in the ``Cookie`` header (checked by ``DeviceGate``); a ``?token=`` query is
  ignored, as nginx's ``auth_request`` ignores it, so a query token alone answers 401 (verified on a device).
- ``/ws/system/logs``: on connect a JSON array of the recent history ``[{sTimestamp, sLevel, sData}]``, then one
  JSON object per new line, checked every ``1 / log_rate_hz`` s. Lines are plausible daemon chatter (one per tick)
  plus real events: every request the device served (nginx access style, no query string, no body) and whatever
  other areas add with :func:`append_log`.
- ``/ws/system/terminal``: ttyd (subprotocol ``tty``) in front of :class:`~recamera_mcp.simulator.fakeshell.FakeShell`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from recamera_mcp.simulator import scene
from recamera_mcp.simulator.fakeshell import HOSTNAME, FakeShell
from recamera_mcp.simulator.routes.ai_state import active_inference, ai_state
from recamera_mcp.simulator.routes.common import device_of, parse_json
from recamera_mcp.simulator.state import DeviceState

FRAME_W, FRAME_H = float(scene.FRAME_W), float(scene.FRAME_H)
LOG_HISTORY = 200
"""Lines kept in the ring buffer (the history sent on connect)."""
LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")


# ---- system log ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogLine:
    seq: int
    ts: float
    level: str
    text: str

    def wire(self) -> dict[str, str]:
        return {"sTimestamp": str(int(self.ts)), "sLevel": self.level, "sData": self.text}


@dataclass
class LogState:
    """Ring buffer of log lines, the cursor into the request log and the chatter clock."""

    lines: deque[LogLine] = field(default_factory=lambda: deque(maxlen=LOG_HISTORY))
    seq: int = 0
    chatter_at: float = 0.0
    request_cursor: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def add(self, level: str, text: str, ts: float | None = None) -> LogLine:
        self.seq += 1
        line = LogLine(self.seq, time.time() if ts is None else ts, level, text)
        self.lines.append(line)
        return line


_BOOT_LINES = (
    ("INFO", "kernel: Booting Linux on physical CPU 0x0000000000 [0x412fd050]"),
    ("INFO", "kernel: Linux version 6.1.157 (builder@recamera-ci) #1 SMP PREEMPT"),
    ("INFO", "kernel: rknpu fdab0000.npu: RKNPU: rknpu iommu is enabled, using iommu mode"),
    ("INFO", "kernel: mmc1: new ultra high speed SDR104 SDXC card at address 59b4"),
    ("INFO", "nginx[655]: starting nginx (worker_processes 2)"),
    ("INFO", "go2rtc[701]: [rtsp] listen addr=:554"),
    ("INFO", "rkipc[812]: rkipc start, sensor SC850SL 3840x2160@30"),
    ("INFO", "vigil[933]: storage /mnt/sd mounted (vfat), recording service ready"),
    ("INFO", "notify-server[1021]: listening on 127.0.0.1:8123"),
    ("INFO", "ttyd[745]: listening on port 7681"),
)

_CHATTER = (
    ("INFO", "rkipc[812]: venc chn 0 (main) {fps:.1f} fps, {kbps} kbps"),
    ("INFO", "rkipc[812]: venc chn 1 (sub) {fps:.1f} fps, {sub_kbps} kbps"),
    ("DEBUG", "rkipc[812]: isp: AE converged, exposure {exp:.1f} ms, gain {gain:.2f}"),
    ("INFO", "vigil[933]: storage /mnt/sd: {free:.1f}G free"),
    ("DEBUG", "vigil[933]: rule engine idle, no trigger fired"),
    ("INFO", "go2rtc[701]: [streams] stream=main consumers={consumers}"),
    ("DEBUG", "kernel: rknpu fdab0000.npu: load {npu}%"),
    ("WARN", "notify-server[1021]: no output configured (iMode 0), results only on the websocket"),
    ("INFO", "sshd[1180]: Server listening on 0.0.0.0 port 22."),
)


def log_state(state: DeviceState) -> LogState:
    """The device's log buffer (created with the boot lines on first use)."""

    def booted() -> LogState:
        logs = LogState(rng=random.Random(1000 + state.index), chatter_at=time.time())
        for i, (level, text) in enumerate(_BOOT_LINES):
            logs.add(level, text, state.boot_time + 0.4 * i)
        return logs

    return state.area("logs", booted)


def append_log(state: DeviceState, level: str, text: str) -> None:
    """Add one line to the device's system log (streamed on ``/ws/system/logs``). Never put secrets in ``text``."""
    level = level.upper()
    with state.lock:
        logs = log_state(state)
        _import_requests(state, logs)  # keep the lines in the order things happened
        logs.add(level if level in LEVELS else "INFO", text)


def _chatter_line(state: DeviceState, logs: LogState) -> tuple[str, str]:
    rng = logs.rng
    enabled, model, _, fps = active_inference(state)
    if enabled and rng.random() < 0.3:
        return "INFO", f"sscma-node[1102]: inference {model} {min(fps, 30) * rng.uniform(0.93, 1.0):.1f} fps"
    level, template = rng.choice(_CHATTER)
    if "iMode 0" in template and state.configs["/notify/cfg"]["iMode"] != 0:
        level, template = _CHATTER[0]  # that line is only true while notifications are off
    text = template.format(
        fps=rng.uniform(29.6, 30.0),
        kbps=rng.randint(7600, 8400),
        sub_kbps=rng.randint(900, 1100),
        exp=rng.uniform(4, 33),
        gain=rng.uniform(1, 8),
        free=rng.uniform(26.3, 26.5),
        consumers=rng.randint(0, 2),
        npu=rng.randint(0, 60) if enabled else 0,
    )
    return level, text


def _import_requests(state: DeviceState, logs: LogState) -> None:
    """One nginx access line per request served since the last import (no query string, no body)."""
    requests = state.log
    if logs.request_cursor > len(requests):
        logs.request_cursor = 0  # the request log was cleared
    for entry in requests[logs.request_cursor :]:
        method = "GET" if entry.method == "WS" else entry.method
        level = "WARN" if entry.status >= 400 or entry.status == 0 else "INFO"
        logs.add(level, f'nginx[655]: {entry.client} "{method} {entry.raw_path} HTTP/1.1" {entry.status}')
    logs.request_cursor = len(requests)


def _tick(state: DeviceState) -> None:
    """Bring the log up to date: one line per request served since the last tick, and chatter at the log rate."""
    now = time.time()
    rate = max(state.settings.log_rate_hz, 0.001)
    with state.lock:
        logs = log_state(state)
        _import_requests(state, logs)
        due = int((now - logs.chatter_at) * rate)
        if due > 0:
            for i in range(min(due, 5)):
                level, text = _chatter_line(state, logs)
                logs.add(level, text, now - (min(due, 5) - 1 - i) / rate)
            logs.chatter_at = now if due > 5 else logs.chatter_at + due / rate


def _new_lines(state: DeviceState, after: int) -> list[LogLine]:
    with state.lock:
        return [line for line in log_state(state).lines if line.seq > after]


async def _until_disconnect(websocket: WebSocket, on_message: Callable[[Message], Awaitable[None]]) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        await on_message(message)


async def _serve(websocket: WebSocket, producer: Awaitable[None], on_message: Callable[..., Awaitable[None]]) -> None:
    """Run ``producer`` until the client goes away (or it ends); feed client messages to ``on_message``."""
    produce = asyncio.ensure_future(producer)
    listen = asyncio.ensure_future(_until_disconnect(websocket, on_message))
    try:
        done, _ = await asyncio.wait({produce, listen}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                task.result()
    finally:
        for task in (produce, listen):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def system_logs(websocket: WebSocket) -> None:
    state = device_of(websocket)
    await websocket.accept()
    _tick(state)
    history = _new_lines(state, 0)
    await websocket.send_text(json.dumps([line.wire() for line in history]))
    cursor = history[-1].seq if history else 0

    async def stream() -> None:
        nonlocal cursor
        while True:
            await asyncio.sleep(1 / max(state.settings.log_rate_hz, 0.001))
            _tick(state)
            for line in _new_lines(state, cursor):
                await websocket.send_text(json.dumps(line.wire()))
                cursor = line.seq

    async def ignore(message: Message) -> None:
        return None

    await _serve(websocket, stream(), ignore)


# ---- inference results ---------------------------------------------------------------------------------------
def _class_id(classes: list[str], name: str) -> tuple[int, str]:
    if name in classes:
        return classes.index(name), name
    return 0, classes[0] if classes else name


def inference_message(state: DeviceState, now: float | None = None) -> dict[str, Any] | None:
    """The result the device would push now, or None while inference is off."""
    enabled, model, category, _fps = active_inference(state)
    if not enabled or model is None:
        return None
    now = time.time() if now is None else now
    classes = [str(c) for c in ai_state(state).models.get(model, {}).get("classes", [])] or ["person"]
    t = now - state.boot_time + 3 * state.index
    stamp_ms = int(now * 1000)
    message: dict[str, Any] = {"timestamp_ms": stamp_ms, "model_id": model}
    if category == "Classification":
        labels = [c for c in classes if c != "background"] or classes
        top = labels[int(t / 5) % len(labels)]
        others = [c for c in labels if c != top][:2]
        first = 0.78 + 0.15 * math.sin(t / 3)
        scores = [first, (1 - first) * 0.6, (1 - first) * 0.25][: 1 + len(others)]
        entries = []
        for name, score in zip([top, *others], scores, strict=False):
            class_id, class_name = _class_id(classes, name)
            entries.append({"score": round(score, 4), "class_id": class_id, "class_name": class_name})
        message["task_type"] = "CLASSIFICATION"
        message["classification"] = {"entries": entries}
        return message
    message["task_type"] = "DETECTION"
    message["detection"] = {"entries": scene.detections(stamp_ms / 1000, state.index, classes)}
    return message


async def inference_results(websocket: WebSocket) -> None:
    state = device_of(websocket)
    await websocket.accept()

    async def stream() -> None:
        while True:
            message = inference_message(state)
            if message is not None:
                await websocket.send_text(json.dumps(message))
            await asyncio.sleep(1 / max(state.settings.inference_rate_hz, 0.001))

    async def echo(message: Message) -> None:
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        elif message.get("bytes") is not None:
            await websocket.send_bytes(message["bytes"])

    await _serve(websocket, stream(), echo)


# ---- terminal (ttyd) -----------------------------------------------------------------------------------------
OUTPUT, SET_WINDOW_TITLE, SET_PREFERENCES = b"0", b"1", b"2"
INPUT, RESIZE_TERMINAL, PAUSE, RESUME = ord("0"), ord("1"), ord("2"), ord("3")
POLICY_VIOLATION = 1008
MAX_PAUSED_OUTPUT = 64 * 1024
"""Terminal output held while the client paused the flow; beyond it the oldest is dropped."""


def _frame_bytes(message: Message) -> bytes:
    if message.get("bytes") is not None:
        raw: bytes = message["bytes"]
        return raw
    text: str = message.get("text") or ""
    return text.encode()


async def system_terminal(websocket: WebSocket) -> None:
    state = device_of(websocket)
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol="tty" if "tty" in offered else None)
    await websocket.send_bytes(SET_WINDOW_TITLE + f"sh ({HOSTNAME})".encode())
    await websocket.send_bytes(SET_PREFERENCES + b"{}")
    # ttyd spawns the command on the first JSON message {"AuthToken", "columns", "rows"}; frames before it are ignored.
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = _frame_bytes(message)
        if raw[:1] != b"{":
            continue
        try:
            hello = parse_json(raw)
        except (ValueError, UnicodeDecodeError):
            hello = None
        if not isinstance(hello, dict) or not all(isinstance(hello.get(k, 0), int) for k in ("columns", "rows")):
            await websocket.close(POLICY_VIOLATION, "invalid initial message")
            return
        break
    size = {"columns": hello.get("columns", 80), "rows": hello.get("rows", 24)}
    shell = FakeShell(boot_time=state.boot_time, seed=state.index)
    append_log(state, "INFO", f"ttyd[745]: client connected, started sh ({size['columns']}x{size['rows']})")
    paused = False
    pending: deque[bytes] = deque()
    pending_bytes = 0

    async def emit(output: bytes) -> None:
        nonlocal pending_bytes
        if not output:
            return
        if not paused:
            await websocket.send_bytes(OUTPUT + output)
            return
        pending.append(output)
        pending_bytes += len(output)
        while pending_bytes > MAX_PAUSED_OUTPUT:  # like a full tty buffer: the oldest output is dropped
            pending_bytes -= len(pending.popleft())

    await emit(shell.start())
    try:
        while not shell.exited:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = _frame_bytes(message)
            if not raw:
                continue
            command, payload = raw[0], raw[1:]
            if command == INPUT:
                await emit(shell.feed(payload))
            elif command == RESIZE_TERMINAL:
                # a malformed resize is ignored, as ttyd does; it must not end the session
                with contextlib.suppress(ValueError, UnicodeDecodeError, AttributeError, TypeError):
                    size.update({k: int(v) for k, v in parse_json(payload).items() if k in size})
            elif command == PAUSE:
                paused = True
            elif command == RESUME:
                paused = False
                for chunk in pending:
                    await websocket.send_bytes(OUTPUT + chunk)
                pending.clear()
                pending_bytes = 0
        await websocket.close(1000)
    finally:
        append_log(state, "INFO", f"ttyd[745]: sh exited with code {shell.exit_status}, client disconnected")


RAW_ROUTES: list[BaseRoute] = [
    WebSocketRoute("/ws/inference/results", inference_results),
    WebSocketRoute("/ws/system/logs", system_logs),
    WebSocketRoute("/ws/system/terminal", system_terminal),
]
