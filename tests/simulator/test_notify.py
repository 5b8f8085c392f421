"""Notifications really delivered: inference results published to a real mosquitto, POSTed to a real HTTP server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiomqtt
import httpx
import pytest
from websockets.asyncio.client import connect

from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import wait_for

FAST = {"inference_rate_hz": 20.0, "notify_retry_s": 1.0, "notify_timeout_s": 2.0}
DETECTOR = {"iEnable": 1, "sModel": "yolo11n_detection.rknn", "iFPS": 30}


def set_notify(http: httpx.Client, mode: int, **sections: dict[str, Any]) -> None:
    """Read, change, write back ``/notify/cfg`` (read before write)."""
    cfg = http.get("/notify/cfg").json()
    cfg["iMode"] = mode
    for name, values in sections.items():
        cfg[name].update(values)
    assert http.post("/notify/cfg", json=cfg).json()["code"] == 0


def status(http: httpx.Client) -> dict[str, Any]:
    return dict(http.get("/notify/status").json())


def wait_status(http: httpx.Client, key: str, value: Any) -> dict[str, Any]:
    box: dict[str, Any] = {}

    def reached() -> bool:
        box.update(status(http))
        return box[key] == value

    wait_for(reached)
    return box


async def receive(sub: aiomqtt.Client, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    async def collect() -> None:
        async for message in sub.messages:
            got.append(json.loads(bytes(message.payload)))  # type: ignore[arg-type]
            if len(got) >= count:
                return

    await asyncio.wait_for(collect(), timeout)
    return got


def mqtt_config(broker: Any, topic: str, **extra: Any) -> dict[str, Any]:
    return {"sURL": broker.host, "iPort": broker.port, "sTopic": topic, "sClientId": "cam-under-test", **extra}


async def test_results_are_published_to_the_broker_only_while_inference_runs(make_camera, mqtt_broker):
    cam = make_camera(**FAST)
    async with aiomqtt.Client(mqtt_broker.host, mqtt_broker.port, identifier="test-sub") as sub:
        await sub.subscribe("cams/one")
        with raw_session(cam.url) as http:
            assert status(http)["sState"] == "off" and status(http)["iMode"] == 0
            set_notify(http, 1, dMqtt=mqtt_config(mqtt_broker, "cams/one", sUsername=""))
            connected = wait_status(http, "sState", "connected")
            target = f"mqtt://{mqtt_broker.host}:{mqtt_broker.port}/cams/one"
            assert connected["bConnected"] is True and connected["sTarget"] == target
            assert connected["iPublished"] == 0, "inference is off: nothing to publish"
            enabled_ms = time.time() * 1000
            assert http.post("/model/inference", params={"id": 0}, json=DETECTOR).json()["code"] == 0
            results = await receive(sub, 3)
            wait_for(lambda: status(http)["iPublished"] >= 3)  # counted once the publish call returned
            published = status(http)
        assert all(r["timestamp_ms"] >= enabled_ms - 5 for r in results), "nothing from before inference was on"
        assert all(r["task_type"] == "DETECTION" and r["detection"]["entries"] for r in results)
        assert [r["timestamp_ms"] for r in results] == sorted(r["timestamp_ms"] for r in results)
        assert published["iPublished"] >= 3 and published["iFailed"] == 0 and published["iLastPublishMs"] > 0


async def test_mode_0_publishes_nothing_while_results_flow_on_the_websocket(make_camera, mqtt_broker):
    cam = make_camera(**FAST)
    async with aiomqtt.Client(mqtt_broker.host, mqtt_broker.port, identifier="test-sub") as sub:
        await sub.subscribe("results/data")
        with raw_session(cam.url) as http:
            set_notify(http, 0, dMqtt=mqtt_config(mqtt_broker, "results/data"))
            http.post("/model/inference", params={"id": 0}, json=DETECTOR)
            ws_url = cam.url.replace("http://", "ws://") + "/ws/inference/results"
            cookie = {"Cookie": f"token={http.cookies['token']}"}
            async with connect(ws_url, additional_headers=cookie) as ws:
                for _ in range(5):  # results flow at the inference rate...
                    await asyncio.wait_for(ws.recv(), 5)
            idle = status(http)
            assert idle["sState"] == "off" and idle["iPublished"] == 0, "...but iMode 0 delivers none"
            switched_ms = time.time() * 1000
            set_notify(http, 1, dMqtt=mqtt_config(mqtt_broker, "results/data"))
            first = (await receive(sub, 1))[0]
        assert first["timestamp_ms"] >= switched_ms - 5, "the broker got nothing while iMode was 0"


class Hook:
    """A tiny HTTP server that records the POSTs it gets and answers ``answer``."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.answer = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.posts.append((self.path, dict(self.headers), body))
                self.send_response(hook.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?cam=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


def test_http_mode_posts_each_result_with_the_token(make_camera, hook):
    cam = make_camera(**FAST)
    with raw_session(cam.url) as http:
        set_notify(http, 2, dHttp={"sUrl": hook.url, "sToken": "tok-123"})
        assert status(http)["sState"] == "ready" and status(http)["sTarget"] == hook.url
        http.post("/model/inference", params={"id": 0}, json=DETECTOR)
        wait_for(lambda: len(hook.posts) >= 3)
        path, headers, body = hook.posts[0]
        assert path == "/hook?cam=1" and headers["Authorization"] == "Bearer tok-123"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body)["task_type"] == "DETECTION"
        assert wait_status(http, "bConnected", True)["iPublished"] >= 3
        hook.answer = 500
        failing = wait_status(http, "sState", "error")
        assert failing["sLastError"] == f"http: POST {hook.url} answered 500" and failing["iFailed"] >= 1
        hook.answer = 204
        assert wait_status(http, "sState", "connected")["sLastError"] == failing["sLastError"], "the last error stays"


async def test_a_broker_that_is_down_or_refuses_is_recorded_and_retried(make_camera, make_mqtt_broker):
    cam = make_camera(**FAST)
    broker = make_mqtt_broker(users={"cam": "Right#1", "reader": "Read#1"})
    with raw_session(cam.url) as http:
        http.post("/model/inference", params={"id": 0}, json=DETECTOR)
        broker.stop()
        set_notify(http, 1, dMqtt=mqtt_config(broker, "cams/auth", sUsername="cam", sPassword="Right#1"))
        down = wait_status(http, "sState", "error")
        assert "refused" in down["sLastError"].lower() and down["iPublished"] == 0
        assert http.get("/system/device-info").status_code == 200, "the device goes on regardless"
        assert broker.start(), broker.errors()
        wait_status(http, "sState", "connected")  # retried every notify_retry_s
        set_notify(http, 1, dMqtt=mqtt_config(broker, "cams/auth", sUsername="cam", sPassword="wrong"))
        refused = wait_status(http, "sState", "error")
        assert "authori" in refused["sLastError"].lower(), refused
        assert refused["iPublished"] == 0, "a write restarted the service: counters from 0"
        async with aiomqtt.Client(broker.host, broker.port, username="reader", password="Read#1") as sub:
            await sub.subscribe("cams/auth")
            set_notify(http, 1, dMqtt=mqtt_config(broker, "cams/auth", sUsername="cam", sPassword="Right#1"))
            assert (await receive(sub, 2))[0]["model_id"] == "yolo11n_detection.rknn"
        ws_url = cam.url.replace("http://", "ws://") + "/ws/system/logs"
        async with connect(ws_url, additional_headers={"Cookie": f"token={http.cookies['token']}"}) as ws:
            history = [line["sData"] for line in json.loads(await asyncio.wait_for(ws.recv(), 5))]
    notify_lines = [line for line in history if line.startswith("notify-server[1021]: mqtt:")]
    assert any(f"{broker.port}" in line and "refused" in line.lower() for line in notify_lines), notify_lines
    assert any("authori" in line.lower() for line in notify_lines), notify_lines
    assert any(line.startswith("notify-server[1021]: mqtt: connected to") for line in notify_lines), notify_lines
    assert not any("Right#1" in line or "wrong" in line for line in history), "no password in the log"
