"""The notify area (``cam.notify``): where the camera sends its inference results, and whether they arrive.

    check = await cam.notify.check(duration_s=10)    # NotificationCheck: verdict, received, rate, latency, why

``/notify/cfg`` says where results go (``iMode`` 0 off, 1 MQTT, 2 HTTP, 3 UART; MQTT in ``dMqtt``, HTTP in
``dHttp.sUrl``); ``GET /notify/status`` (newer firmware) reports the camera's own delivery counters. For MQTT the
check subscribes to that broker and topic from this machine (``_mqtt.py``) and counts what arrives; for HTTP and
UART it can only read the camera's counters, and says so. When nothing can arrive (notifications off, inference
off, a topic nobody can publish on) it answers at once with the reason and the fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._endpoints import ConfigArea
from recamera_mcp.client._errors import Fix, ReCameraError, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._models import Problem
from recamera_mcp.client._mqtt import MqttListen, listen, mqtt_target, topic_problem
from recamera_mcp.client._progress import Progress, with_progress
from recamera_mcp.client._secrets import mask_url
from recamera_mcp.client._text import device_text
from recamera_mcp.client.config import ConfigAPI
from recamera_mcp.client.inference import InferenceAPI
from recamera_mcp.client.streams import inference_problem

__all__ = ["NotificationCheck", "NotifyAPI", "NotifyStatus"]

STATUS_PATH = "/notify/status"
MODES = {0: "off", 1: "mqtt", 2: "http", 3: "uart"}


class NotifyStatus(BaseModel):
    """The camera's own view of its notify service (``GET /notify/status``)."""

    state: str | None = None
    target: str | None = None
    published: int = 0
    failed: int = 0
    last_error: str | None = None

    @classmethod
    def parse(cls, body: dict[str, Any]) -> NotifyStatus:
        def count(key: str) -> int:
            value = body.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0

        error = body.get("sLastError")
        target = body.get("sTarget")
        return cls(
            state=device_text(body.get("sState"), 32) or None,
            target=mask_url(device_text(target, 300)) if isinstance(target, str) and target else None,
            published=count("iPublished"),
            failed=count("iFailed"),
            last_error=device_text(error, 300) if isinstance(error, str) and error else None,
        )


class NotificationCheck(BaseModel):
    """Whether the camera's inference results really reach where its notify config sends them, and if not, why."""

    host: str
    mode: str = Field(description="off, mqtt, http or uart")
    target: str | None = Field(default=None, description="Where results go (no credentials)")
    verdict: str = Field(
        description="delivered, mode_off, inference_off, wrong_topic, broker_unreachable, broker_refused, "
        "camera_cannot_deliver, nothing_received, or unverifiable (HTTP/UART: only the camera's counters)"
    )
    received: int = Field(default=0, description="Messages that arrived here (MQTT)")
    rate_hz: float | None = None
    latency_ms: float | None = Field(default=None, description="Median result-to-arrival time (needs synced clocks)")
    latency_max_ms: float | None = None
    camera_published: int | None = Field(default=None, description="Deliveries the camera counted in the window")
    camera_failed: int | None = None
    camera_error: str | None = Field(default=None, description="The camera's last delivery error")
    elapsed_s: float = 0.0
    notes: list[str] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)


def _mode_fix(config: dict[str, Any]) -> Problem:
    mqtt = config.get("dMqtt") if isinstance(config.get("dMqtt"), dict) else {}
    if isinstance(mqtt, dict) and isinstance(mqtt.get("sURL"), str) and mqtt["sURL"].strip():
        fix = Fix(op="config.update", args={"area": ConfigArea.NOTIFY.value, "changes": {"iMode": 1}})
        return Problem(message="notifications are off (iMode 0): results go to the WebSocket only", fix=fix)
    return Problem(
        message="notifications are off (iMode 0): set iMode 1 with the broker in dMqtt.sURL, or 2 with dHttp.sUrl"
    )


class NotifyAPI:
    """The camera's result notifications."""

    def __init__(self, funnel: Funnel, config: ConfigAPI, inference: InferenceAPI) -> None:
        self._funnel = funnel
        self._config = config
        self._inference = inference

    async def status(self) -> NotifyStatus | None:
        """``GET /notify/status``, or None when the firmware does not serve it."""
        try:
            body = await self._funnel.get_object(STATUS_PATH)
        except ReCameraError:
            return None
        return NotifyStatus.parse(body)

    async def check(self, duration_s: float = 10.0, *, progress: Progress | None = None) -> NotificationCheck:
        """Read the notify config, then verify delivery for ``duration_s`` (see the module docstring)."""
        if not 1 <= duration_s <= 120:
            raise ValidationError(f"duration_s must be 1..120, got {duration_s}", "give seconds", field="duration_s")
        started = time.monotonic()
        config = await self._config.get(ConfigArea.NOTIFY)
        mode_code = config.get("iMode")
        mode = MODES.get(mode_code, "off") if isinstance(mode_code, int) else "off"
        out = NotificationCheck(host=self._funnel.address.key, mode=mode, verdict="delivered")
        if mode == "off":
            out.verdict = "mode_off"
            out.problems.append(_mode_fix(config))
        with contextlib.suppress(ReCameraError):
            problem = inference_problem(await self._inference.state())
            if problem is not None:
                out.problems.append(problem)
                out.verdict = "inference_off" if mode != "off" else out.verdict
        target = mqtt_target(config.get("dMqtt") or {}) if mode == "mqtt" else None
        if isinstance(target, str):
            out.verdict = "broker_unreachable"
            out.problems.append(Problem(message=target))
        elif target is not None:
            out.target = target.shown
            bad_topic = topic_problem(target.topic)
            if bad_topic is not None and out.verdict == "delivered":
                out.verdict = "wrong_topic"
                out.problems.append(Problem(message=bad_topic))
        elif mode == "http":
            url = config.get("dHttp", {}).get("sUrl") if isinstance(config.get("dHttp"), dict) else None
            out.target = mask_url(device_text(url, 300)) if isinstance(url, str) else None
        if out.problems:
            out.elapsed_s = round(time.monotonic() - started, 2)
            return out  # nothing can arrive: say why at once
        before = await self.status()
        if target is not None and not isinstance(target, str):
            seen = await with_progress(listen(target, duration_s), duration_s, progress, "listening for results")
            self._judge_mqtt(out, seen, duration_s)
        else:
            await with_progress(asyncio.sleep(duration_s), duration_s, progress, "reading the camera's counters")
            out.verdict = "unverifiable"
            out.notes.append(
                f"{mode.upper()} deliveries cannot be received from here: only the camera's own counters are shown"
                + ("; whether your endpoint processed the POSTs is not checked" if mode == "http" else "")
            )
        after = await self.status()
        self._judge_camera(out, before, after)
        out.elapsed_s = round(time.monotonic() - started, 2)
        return out

    @staticmethod
    def _judge_mqtt(out: NotificationCheck, seen: MqttListen, duration_s: float) -> None:
        out.received = seen.received
        out.rate_hz = seen.rate()
        out.latency_ms, out.latency_max_ms = seen.latency()
        if seen.skewed:
            out.notes.append(f"{seen.skewed} results were stamped after they arrived: the camera's clock is ahead")
        if seen.oversized:
            out.notes.append(f"{seen.oversized} messages were larger than expected and not read")
        if not seen.connected or seen.error_kind == "refused":
            out.verdict = "broker_refused" if seen.error_kind == "refused" else "broker_unreachable"
            out.problems.append(Problem(message=f"from this machine: {seen.error}"))
        elif seen.received:
            out.verdict = "delivered"
        else:
            out.verdict = "nothing_received"
            out.problems.append(Problem(message=f"no message arrived on {out.target} within {duration_s:g} s"))

    @staticmethod
    def _judge_camera(out: NotificationCheck, before: NotifyStatus | None, after: NotifyStatus | None) -> None:
        if after is None:
            out.notes.append("this firmware does not report its delivery counters (/notify/status)")
            return
        base = before if before is not None and before.published <= after.published else None
        out.camera_published = after.published - (base.published if base else 0)
        out.camera_failed = max(0, after.failed - (base.failed if base else 0))
        out.camera_error = after.last_error if after.state == "error" or out.camera_failed else None
        if out.verdict == "nothing_received" and (out.camera_failed or after.state == "error"):
            out.verdict = "camera_cannot_deliver"
            out.problems.insert(0, Problem(message=f"the camera cannot deliver: {after.last_error or after.state}"))
        elif out.verdict == "nothing_received" and out.camera_published:
            out.notes.append(
                f"the camera counted {out.camera_published} deliveries, none reached this subscription: its broker "
                "address may mean another broker from the camera, or the broker hides the topic from this user"
            )
        elif out.verdict == "unverifiable" and out.camera_failed and not out.camera_published:
            out.problems.append(Problem(message=f"the camera's deliveries fail: {after.last_error or 'unknown'}"))
