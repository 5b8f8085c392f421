"""Notifications really delivered: the camera publishes to a real mosquitto, the check subscribes to it from here;
every "why none came" case is named (mode off, inference off, wrong topic, broker unreachable or refusing), and
HTTP says what it can and cannot verify."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from recamera_mcp.client import ConfigArea

FAST = {"inference_rate_hz": 20.0, "notify_retry_s": 0.2, "notify_timeout_s": 1.0}


async def setup(cam: Any, broker: Any | None = None, *, inference: bool = True, **mqtt: Any) -> None:
    if inference:
        await cam.config.update(ConfigArea.INFERENCE, {"iEnable": 1})
    if broker is not None:
        mqtt = {"sURL": broker.host, "iPort": broker.port, **mqtt}
        await cam.config.update(ConfigArea.NOTIFY, {"iMode": 1, "dMqtt": mqtt})


async def until_camera_state(cam: Any, state: str) -> None:
    deadline = time.monotonic() + 10
    while (status := await cam.notify.status()) is None or status.state != state:
        assert time.monotonic() < deadline, f"the camera's notify service never reached {state}: {status}"
        await asyncio.sleep(0.05)


async def test_mqtt_delivery_is_verified_through_a_real_broker(make_camera, make_client, mqtt_broker):
    cam = make_client(make_camera(**FAST))
    await setup(cam, mqtt_broker)
    check = await cam.notify.check(duration_s=1.5)
    assert (check.mode, check.verdict, check.problems) == ("mqtt", "delivered", [])
    assert check.target == f"mqtt://{mqtt_broker.host}:{mqtt_broker.port}/results/data"
    assert check.received >= 5 and check.rate_hz is not None and 10 <= check.rate_hz <= 40
    assert check.latency_ms is not None and check.latency_max_ms is not None and check.latency_ms >= 0
    assert check.camera_published is not None and check.camera_published >= check.received - 2
    assert check.camera_failed == 0 and check.camera_error is None


async def test_mode_off_is_answered_at_once_with_the_fix(camera, make_client, mqtt_broker):
    cam = make_client(camera)
    await setup(cam, inference=True)
    await cam.config.update(ConfigArea.NOTIFY, {"dMqtt": {"sURL": mqtt_broker.host}})
    check = await cam.notify.check(duration_s=30)
    assert (check.mode, check.verdict, check.received) == ("off", "mode_off", 0)
    assert check.camera_published is None, "answered at once: no listening window ran"
    (problem,) = check.problems
    assert "notifications are off" in problem.message
    assert problem.fix is not None and problem.fix.args == {"area": "notify", "changes": {"iMode": 1}}


async def test_inference_off_is_answered_at_once(make_camera, make_client, mqtt_broker):
    cam = make_client(make_camera(**FAST))
    await setup(cam, mqtt_broker, inference=False)
    check = await cam.notify.check(duration_s=30)
    assert check.verdict == "inference_off" and check.camera_published is None
    assert check.problems[0].fix is not None and check.problems[0].fix.op == "inference.configure"


async def test_a_topic_nobody_can_publish_on_is_the_wrong_topic(make_camera, make_client, mqtt_broker):
    cam = make_client(make_camera(**FAST))
    await setup(cam, mqtt_broker, sTopic="results/#")
    check = await cam.notify.check(duration_s=30)
    assert check.verdict == "wrong_topic" and "wildcard" in check.problems[0].message
    assert check.camera_published is None


async def test_an_unreachable_broker_is_named_with_the_cameras_own_error(make_camera, make_client, mqtt_broker):
    cam = make_client(make_camera(**FAST))
    await setup(cam, mqtt_broker)
    await until_camera_state(cam, "connected")
    mqtt_broker.stop()
    await until_camera_state(cam, "error")
    check = await cam.notify.check(duration_s=2)
    assert check.verdict == "broker_unreachable" and check.received == 0
    assert "from this machine: cannot connect to the broker" in check.problems[0].message
    assert check.camera_error is not None and check.camera_error.startswith(f"mqtt: {mqtt_broker.host}:")


async def test_a_broker_refusing_the_credentials_says_so_without_the_password(
    make_camera, make_client, make_mqtt_broker
):
    broker = make_mqtt_broker(users={"camera": "Right#Pass1"})
    cam = make_client(make_camera(**FAST))
    await setup(cam, broker, sUsername="camera", sPassword="Wrong#Pass9")
    check = await cam.notify.check(duration_s=2)
    assert check.verdict == "broker_refused"
    assert "refused the connection" in check.problems[0].message
    assert "Wrong#Pass9" not in check.model_dump_json()


async def test_the_right_credentials_are_used_to_subscribe(make_camera, make_client, make_mqtt_broker):
    broker = make_mqtt_broker(users={"camera": "Right#Pass1"})
    cam = make_client(make_camera(**FAST))
    await setup(cam, broker, sUsername="camera", sPassword="Right#Pass1", sURL=f"mqtt://{broker.host}:{broker.port}")
    check = await cam.notify.check(duration_s=1.5)
    assert check.verdict == "delivered" and check.received > 0
    assert "Right#Pass1" not in check.model_dump_json()


class _Sink(http.server.BaseHTTPRequestHandler):
    posts = 0

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).posts += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def http_sink() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/results"
    server.shutdown()
    server.server_close()


async def test_http_shows_the_cameras_counters_and_says_what_it_cannot_verify(make_camera, make_client, http_sink):
    cam = make_client(make_camera(**FAST))
    await setup(cam)
    await cam.config.update(ConfigArea.NOTIFY, {"iMode": 2, "dHttp": {"sUrl": http_sink, "sToken": "Tok#en-1234"}})
    check = await cam.notify.check(duration_s=1.5)
    assert (check.mode, check.verdict, check.target) == ("http", "unverifiable", http_sink)
    assert check.camera_published is not None and check.camera_published > 0 and check.problems == []
    assert any("cannot be received from here" in note for note in check.notes)
    assert "Tok#en-1234" not in check.model_dump_json()


async def test_http_deliveries_that_fail_are_a_problem(make_camera, make_client):
    cam = make_client(make_camera(**FAST))
    await setup(cam)
    await cam.config.update(ConfigArea.NOTIFY, {"iMode": 2, "dHttp": {"sUrl": "http://127.0.0.1:9/results"}})
    check = await cam.notify.check(duration_s=1.5)
    assert check.verdict == "unverifiable" and check.camera_published == 0
    assert check.camera_failed and "deliveries fail" in check.problems[0].message


async def test_a_broker_hiding_the_topic_from_this_user_is_named(make_camera, make_client, make_mqtt_broker):
    """The camera may publish (its user has write access) but not read its topic: nothing arrives here, and the
    check says the camera delivered while this subscription saw nothing."""
    broker = make_mqtt_broker(users={"camera": "Right#Pass1"})
    broker.stop()
    (broker.folder / "acl").write_text("user camera\ntopic write results/data\n")
    with (broker.folder / "mosquitto.conf").open("a") as conf:
        conf.write(f"acl_file {broker.folder / 'acl'}\n")
    assert broker.start(), broker.errors()
    cam = make_client(make_camera(**FAST))
    await setup(cam, broker, sUsername="camera", sPassword="Right#Pass1")
    await until_camera_state(cam, "connected")
    check = await cam.notify.check(duration_s=1.5)
    assert (check.verdict, check.received) == ("nothing_received", 0)
    assert check.camera_published and any("hides the topic" in note for note in check.notes)
    assert "no message arrived on" in check.problems[0].message


def test_nothing_received_while_the_camera_reports_errors_blames_the_camera():
    from recamera_mcp.client import NotificationCheck, NotifyAPI, NotifyStatus

    out = NotificationCheck(host="cam", mode="mqtt", verdict="nothing_received")
    before = NotifyStatus(state="error", published=0, failed=2, last_error="mqtt: broker:1883: timed out")
    after = NotifyStatus(state="error", published=0, failed=7, last_error="mqtt: broker:1883: timed out")
    NotifyAPI._judge_camera(out, before, after)
    assert (out.verdict, out.camera_published, out.camera_failed) == ("camera_cannot_deliver", 0, 5)
    assert out.camera_error == "mqtt: broker:1883: timed out"
    assert out.problems[0].message == "the camera cannot deliver: mqtt: broker:1883: timed out"
