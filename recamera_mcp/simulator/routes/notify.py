"""Result notifications (40xxx): the notify service delivers every inference result where ``/notify/cfg`` says.

While the camera is up, the service takes each inference result at ``settings.inference_rate_hz`` (the same JSON
``/ws/inference/results`` sends, see ``routes/streams.py``; ``dTemplate`` is not applied) and, by ``iMode``:

- ``0``: nothing (off). ``3`` (UART): written to ``dUart.sPort``; nothing a client can observe but the counters.
- ``1`` (MQTT): one MQTT 3.1.1 connection to ``dMqtt.sURL`` (a host name or address, optionally as
  ``mqtt://host[:port]`` or ``tcp://host[:port]``, a port there overriding ``dMqtt.iPort``) with client id
  ``sClientId``, user ``sUsername`` and password ``sPassword`` (none when ``sUsername`` is empty); each result is
  published, QoS 0, not retained, on ``sTopic``. A refused, failed or lost connection (no broker, wrong
  credentials) is retried every ``settings.notify_retry_s``.
- ``2`` (HTTP): each result is ``POST``-ed as JSON (``Content-Type: application/json``) to ``dHttp.sUrl``, with
  ``Authorization: Bearer <sToken>`` when ``dHttp.sToken`` is set. A status of 400 or more, a refused connection
  or a timeout (``settings.notify_timeout_s``) counts as a failure; the next result is tried anyway.

Failures never disturb the rest of the device. Each new failure (a different error than the last one) and each
recovery is written to the system log (``/ws/system/logs``, ``notify-server[1021]: ...``; passwords never).
A write of ``/notify/cfg`` restarts the service with the new config (counters back to 0), as the device restarts
``S49notify``; a reboot restarts it too.

``GET /notify/status`` (the firmware reads ``/tmp/notify_status.json``; its schema is not known, this one is the
simulator's): ``{"iMode", "sState", "bConnected", "sTarget", "iPublished", "iFailed", "sLastError",
"iLastPublishMs", "iLastErrorMs"}``. ``sState`` is ``off`` (iMode 0), ``connecting`` (MQTT, before the broker
accepted), ``ready`` (HTTP, nothing sent yet), ``connected`` (MQTT connected, the last HTTP POST succeeded, or
UART), ``error`` (the last attempt failed); ``bConnected`` is ``sState == "connected"``; ``sTarget`` is where results
go (``mqtt://host:port/topic``, the HTTP URL without credentials, the UART port, ``""``); ``iPublished`` /
``iFailed`` count deliveries since the service started; the ``*Ms`` fields are epoch milliseconds (0: never).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiomqtt
import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.routes.common import Service, data, device_of
from recamera_mcp.simulator.routes.config import ConfigHooks
from recamera_mcp.simulator.routes.streams import append_log, inference_message
from recamera_mcp.simulator.state import DeviceState

NOTIFY_PATH = "/notify/cfg"
DAEMON = "notify-server[1021]"


@dataclass
class Publisher:
    """The notify service of one camera: its running task and the counters ``/notify/status`` reports."""

    mode: int = 0
    state: str = "off"
    target: str = ""
    published: int = 0
    failed: int = 0
    last_error: str = ""
    last_publish_ms: int = 0
    last_error_ms: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def wire(self) -> dict[str, Any]:
        return {
            "iMode": self.mode,
            "sState": self.state,
            "bConnected": self.state == "connected",
            "sTarget": self.target,
            "iPublished": self.published,
            "iFailed": self.failed,
            "sLastError": self.last_error,
            "iLastPublishMs": self.last_publish_ms,
            "iLastErrorMs": self.last_error_ms,
        }


def publisher_of(state: DeviceState) -> Publisher:
    return state.area("notify", Publisher)


def _mqtt_target(mqtt: dict[str, Any]) -> tuple[str, int]:
    url = str(mqtt["sURL"]).strip()
    port = int(mqtt["iPort"])
    for scheme in ("mqtt://", "tcp://"):
        if url.lower().startswith(scheme):
            parts = urlsplit(url)
            return parts.hostname or "", parts.port or port
    return url, port


def _safe_url(url: str) -> str:
    """``url`` without user and password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


class _Run:
    """One run of the service with one config."""

    def __init__(self, state: DeviceState, box: Publisher, config: dict[str, Any]) -> None:
        self.state = state
        self.box = box
        self.config = config

    def log(self, level: str, text: str) -> None:
        append_log(self.state, level, f"{DAEMON}: {text}")

    def delivered(self) -> None:
        with self.state.lock:
            recovered = self.box.state == "error"
            self.box.state = "connected"
            self.box.published += 1
            self.box.last_publish_ms = int(time.time() * 1000)
        if recovered:
            self.log("INFO", f"delivering to {self.box.target} again")

    def failed(self, error: str) -> None:
        with self.state.lock:
            new = self.box.state != "error" or error != self.box.last_error
            self.box.state = "error"
            self.box.failed += 1
            self.box.last_error = error
            self.box.last_error_ms = int(time.time() * 1000)
        if new:
            self.log("ERROR", error)

    async def results(self) -> AsyncIterator[str]:
        """Each inference result, as JSON text, at the inference rate (nothing while inference is off)."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            message = inference_message(self.state)
            if message is not None:
                yield json.dumps(message)
            due += 1 / max(self.state.settings.inference_rate_hz, 0.001)
            now = loop.time()
            if due < now:  # fell behind (a slow delivery): no burst to catch up
                due = now
            await asyncio.sleep(due - now)

    async def mqtt(self) -> None:
        mqtt = self.config["dMqtt"]
        host, port = _mqtt_target(mqtt)
        topic = str(mqtt["sTopic"])
        self.box.target = f"mqtt://{host}:{port}/{topic}"
        self.box.state = "connecting"
        user = str(mqtt["sUsername"]) or None
        settings = self.state.settings
        while True:
            try:
                async with aiomqtt.Client(
                    host,
                    port,
                    username=user,
                    password=str(mqtt["sPassword"]) if user else None,
                    identifier=str(mqtt["sClientId"]) or None,
                    timeout=settings.notify_timeout_s,
                    keepalive=30,
                ) as client:
                    with self.state.lock:
                        self.box.state = "connected"
                    self.log("INFO", f"mqtt: connected to {host}:{port}, publishing on {topic!r}")
                    async for message in self.results():
                        await client.publish(topic, message, qos=0)
                        self.delivered()
            except (aiomqtt.MqttError, OSError) as exc:
                self.failed(f"mqtt: {host}:{port}: {exc}")
            await asyncio.sleep(settings.notify_retry_s)

    async def http(self) -> None:
        url = str(self.config["dHttp"]["sUrl"])
        token = str(self.config["dHttp"]["sToken"])
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.box.target = _safe_url(url)
        self.box.state = "ready"
        async with httpx.AsyncClient(timeout=self.state.settings.notify_timeout_s, headers=headers) as http:
            async for message in self.results():
                try:
                    answer = await http.post(url, content=message, headers={"Content-Type": "application/json"})
                except (httpx.HTTPError, ValueError) as exc:
                    self.failed(f"http: POST {self.box.target} failed: {type(exc).__name__} {exc}".rstrip())
                    continue
                if answer.status_code >= 400:
                    self.failed(f"http: POST {self.box.target} answered {answer.status_code}")
                else:
                    self.delivered()

    async def uart(self) -> None:
        self.box.target = str(self.config["dUart"]["sPort"])
        self.box.state = "connected"
        async for _message in self.results():
            self.delivered()

    async def run(self) -> None:
        mode = int(self.config["iMode"])
        work = {1: self.mqtt, 2: self.http, 3: self.uart}.get(mode)
        if work is None:
            await asyncio.Event().wait()  # off: idle until restarted or stopped
        else:
            await work()


def start_service(state: DeviceState) -> None:
    """(Re)start the notify service with the stored ``/notify/cfg``; counters start from 0."""
    with state.lock:
        old = state.extras.get("notify")
        if isinstance(old, Publisher) and old.task is not None:
            old.task.cancel()
        config = copy.deepcopy(state.configs[NOTIFY_PATH])
        box = Publisher(mode=int(config["iMode"]))
        state.extras["notify"] = box
        box.task = state.spawn(_Run(state, box, config).run())


async def _stop_service(state: DeviceState) -> None:
    box = state.extras.get("notify")
    if isinstance(box, Publisher) and box.task is not None:
        box.task.cancel()
        with contextlib.suppress(BaseException):
            await box.task


def _restart(state: DeviceState, obj: dict[str, Any]) -> None:
    box = state.extras.get("notify")
    if isinstance(box, Publisher) and box.task is not None and not box.task.done():
        start_service(state)  # only while the service runs (the camera is up)


async def notify_status(request: Request) -> Response:
    return data(publisher_of(device_of(request)).wire())


ROUTES: list[BaseRoute] = [Route("/notify/status", notify_status, methods=["GET"])]
HOOKS = {NOTIFY_PATH: ConfigHooks(after_write=_restart)}
SERVICES = [Service(start_service, _stop_service)]
