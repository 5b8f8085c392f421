"""Listening to the MQTT broker a camera publishes its results to, from this machine (aiomqtt, over paho-mqtt).

:func:`mqtt_target` reads the broker address as the device does (``dMqtt.sURL``: a host, or ``mqtt://`` /
``tcp://`` / ``mqtts://`` / ``ssl://`` ``host[:port]``, a port there overriding ``iPort``); :func:`topic_problem`
says why the device cannot publish on a topic; :func:`listen` subscribes for a while and counts what arrives
(bounded: a queue of at most :data:`MAX_QUEUED` messages, payloads over :data:`MAX_PAYLOAD` bytes only counted).
The broker's password is used to connect and never shown.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import ssl
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt

__all__ = ["MqttListen", "MqttTarget", "listen", "mqtt_target", "topic_problem"]

MAX_QUEUED = 2000
MAX_PAYLOAD = 256 * 1024
LATENCIES = 2000
_REFUSED = {
    4: "bad user name or password",
    5: "not authorised",
    134: "bad user name or password",
    135: "not authorised",
}


@dataclass(frozen=True)
class MqttTarget:
    host: str
    port: int
    topic: str
    username: str | None
    password: str | None = field(default=None, repr=False)
    tls: bool = False

    @property
    def shown(self) -> str:
        """Where results go, without credentials: ``mqtt://host:port/topic``."""
        scheme = "mqtts" if self.tls else "mqtt"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/{self.topic}"


def mqtt_target(mqtt: dict[str, Any]) -> MqttTarget | str:
    """The broker of a ``dMqtt`` object, or why it has none (a text)."""
    url = mqtt.get("sURL")
    if not isinstance(url, str) or not url.strip():
        return "dMqtt.sURL (the broker address) is empty"
    port = mqtt.get("iPort")
    port = port if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535 else 1883
    username = mqtt.get("sUsername") if isinstance(mqtt.get("sUsername"), str) and mqtt.get("sUsername") else None
    password = mqtt.get("sPassword") if isinstance(mqtt.get("sPassword"), str) else None
    text = url.strip()
    tls = False
    if "://" in text:
        try:
            parts = urlsplit(text)
            scheme = parts.scheme.lower()
            host = parts.hostname or ""
            port = parts.port or port
        except ValueError:
            return "dMqtt.sURL is not a valid address"
        if scheme not in ("mqtt", "tcp", "mqtts", "ssl"):
            return f"dMqtt.sURL has the scheme {scheme}://, which this check does not speak (mqtt, tcp, mqtts, ssl)"
        tls = scheme in ("mqtts", "ssl")
        if parts.username:
            username, password = unquote(parts.username), unquote(parts.password or "") or password
    else:
        host, _, maybe_port = text.partition(":")
        if maybe_port.isdigit() and 1 <= int(maybe_port) <= 65535:
            port = int(maybe_port)
    if not host or any(c.isspace() for c in host) or len(host) > 253:
        return "dMqtt.sURL has no usable host name"
    topic = mqtt.get("sTopic") if isinstance(mqtt.get("sTopic"), str) else ""
    return MqttTarget(host, port, str(topic), username, password if username else None, tls)


def topic_problem(topic: str) -> str | None:
    """Why a device cannot publish on ``topic`` (MQTT 3.1.1 rules), or None."""
    if not topic:
        return "the topic (dMqtt.sTopic) is empty"
    if "+" in topic or "#" in topic:
        return f"the topic {topic!r} holds a wildcard (+ or #): one can subscribe with those, never publish"
    if "\x00" in topic or len(topic.encode()) > 65535:
        return "the topic has a NUL character or is too long"
    if topic != topic.strip():
        return f"the topic {topic!r} starts or ends with a space, which subscribers rarely expect"
    if topic.startswith("$"):
        return f"the topic {topic!r} starts with $, which brokers reserve for themselves"
    return None


@dataclass
class MqttListen:
    """What a subscription saw: whether it connected (else ``error`` and its kind), and the results that came."""

    connected: bool = False
    error: str | None = None
    error_kind: str | None = None
    """``unreachable`` (no connection), ``refused`` (the broker said no: credentials, authorisation)."""
    received: int = 0
    results: int = 0
    """Messages that were inference results (JSON with ``timestamp_ms``)."""
    oversized: int = 0
    first_s: float | None = None
    last_s: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    skewed: int = 0
    """Results stamped later than they arrived (the camera's clock is ahead of this machine's)."""

    def rate(self) -> float | None:
        if self.received >= 2 and self.first_s is not None and self.last_s is not None and self.last_s > self.first_s:
            return round((self.received - 1) / (self.last_s - self.first_s), 2)
        return None

    def latency(self) -> tuple[float | None, float | None]:
        """(median, max) publish-to-arrival latency in ms, None when no result carried a usable time."""
        if not self.latencies_ms:
            return None, None
        return round(statistics.median(self.latencies_ms), 1), round(max(self.latencies_ms), 1)

    def take(self, payload: Any) -> None:
        now = time.time()
        self.received += 1
        self.first_s = now if self.first_s is None else self.first_s
        self.last_s = now
        data = payload if isinstance(payload, bytes | bytearray) else str(payload).encode()
        if len(data) > MAX_PAYLOAD:
            self.oversized += 1
            return
        try:
            message = json.loads(data)
        except (ValueError, RecursionError):
            return
        stamp = message.get("timestamp_ms") if isinstance(message, dict) else None
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            self.results += 1
            latency = now * 1000 - float(stamp)
            if latency < -50:
                self.skewed += 1
            elif len(self.latencies_ms) < LATENCIES:
                self.latencies_ms.append(max(latency, 0.0))


def _error_kind(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, aiomqtt.MqttCodeError) and exc.rc is not None:
        code = getattr(exc.rc, "value", exc.rc)
        reason = _REFUSED.get(code) if isinstance(code, int) else None
        return "refused", f"the broker refused the connection: {reason or exc}"
    return "unreachable", f"cannot connect to the broker: {type(exc).__name__}: {exc}"


async def listen(target: MqttTarget, duration_s: float, *, timeout_s: float = 5.0) -> MqttListen:
    """Subscribe to ``target.topic`` for ``duration_s`` and count what arrives (QoS 0, a client id of our own so
    the camera's connection is never taken over)."""
    seen = MqttListen()
    context = ssl.create_default_context() if target.tls else None
    try:
        async with aiomqtt.Client(
            target.host,
            target.port,
            username=target.username,
            password=target.password,
            identifier=f"recamera-mcp-check-{secrets.token_hex(4)}",
            timeout=timeout_s,
            keepalive=30,
            tls_context=context,
            max_queued_incoming_messages=MAX_QUEUED,
        ) as client:
            seen.connected = True
            granted = await client.subscribe(target.topic, qos=0)
            codes = [getattr(code, "value", code) for code in granted or ()]
            if any(isinstance(code, int) and code >= 0x80 for code in codes):
                seen.error, seen.error_kind = f"the broker refused the subscription to {target.topic!r}", "refused"
                return seen
            deadline = time.monotonic() + duration_s
            try:
                async with asyncio.timeout(duration_s):
                    async for message in client.messages:
                        seen.take(message.payload)
                        if time.monotonic() >= deadline:
                            break
            except TimeoutError:
                pass
    except (aiomqtt.MqttError, OSError, TimeoutError) as exc:
        if seen.connected:
            seen.error, seen.error_kind = f"the broker connection broke: {exc}", "unreachable"
        else:
            seen.error_kind, seen.error = _error_kind(exc)
    return seen
