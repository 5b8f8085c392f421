"""Why a camera misbehaves, from the symptom a user reports: a graph of small named checks over the client areas.

    diagnosis = await diagnose(cam, "no_recording")
    diagnosis.findings[0]   # the worst: severity, title, evidence (device values), fix (a client operation)

Each symptom runs only the checks it needs (:data:`SYMPTOM_CHECKS`). Every check reads what it needs from a
shared :class:`Facts`, which reads each device object once however many checks ask (concurrently: checks run
together), so a diagnosis costs a handful of requests. ``reachable`` and ``login`` gate the rest: an unreachable
camera, or one that will not let us in, is the finding, and nothing else is tried. The checks themselves are pure
functions in ``_findings.py``, shared with ``cam.recording.status()``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from recamera_mcp.client._client import ReCameraClient
from recamera_mcp.client._endpoints import ConfigArea
from recamera_mcp.client._errors import (
    DeviceTimeout,
    DeviceUnreachable,
    Fix,
    LockedOut,
    MustChangePassword,
    NotAReCamera,
    ReCameraError,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)
from recamera_mcp.client._findings import (
    RANK,
    Finding,
    Severity,
    clock_findings,
    inference_findings,
    load_findings,
    notify_findings,
    recording_findings,
    storage_findings,
    stream_findings,
)
from recamera_mcp.client._slots import CONFIGURED, StorageStatus

__all__ = ["CHECKS", "SYMPTOM_CHECKS", "Diagnosis", "Symptom", "diagnose"]

Symptom = Literal["general", "no_recording", "no_detections", "no_snapshot", "no_notifications", "offline", "slow"]
BROKER_TIMEOUT_S = 2.0


class Diagnosis(BaseModel):
    """What a diagnosis found, worst first."""

    host: str
    symptom: str
    findings: list[Finding] = Field(description="Ranked critical -> warning -> info")
    checks: list[str] = Field(description="The checks that ran, in order")
    seconds: float


class Facts:
    """Device objects the checks share: each read once (the first check to ask starts it, others await it)."""

    def __init__(self, cam: ReCameraClient) -> None:
        self.cam = cam
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def _once(self, name: str, read: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks[name] = asyncio.ensure_future(read())
        return task

    def config(self, area: ConfigArea) -> Awaitable[dict[str, Any]]:
        return self._once(f"config:{area.value}", lambda: self.cam.config.get(area))

    def resources(self) -> Awaitable[dict[str, Any]]:
        return self._once("resources", self.cam.system.resources)

    def storage(self) -> Awaitable[StorageStatus]:
        return self._once("storage", self.cam.storage.status)

    def inference(self) -> Awaitable[dict[str, Any]]:
        return self._once("inference", self.cam.inference.state)

    def model_facts(self) -> Awaitable[Any]:
        return self._once("model", self.cam.inference.model_facts)

    def dialect(self) -> Awaitable[Any]:
        return self._once("dialect", self.cam.dialect)

    def notify_status(self) -> Awaitable[dict[str, Any]]:
        async def read() -> dict[str, Any]:
            try:
                status: dict[str, Any] = await self.cam.get_object("/notify/status")
            except ReCameraError:
                return {}  # older firmware has no /notify/status
            return status

        return self._once("notify_status", read)

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()


Check = Callable[[Facts], Awaitable[list[Finding]]]


async def _model_has_info(facts: Facts) -> tuple[str | None, tuple[str, ...], bool | None]:
    model = await facts.model_facts()
    inference = await facts.inference()
    if not inference.get("sModel"):
        return None, (), None
    has_info = model.category is not None or bool(model.labels)
    return model.category, tuple(model.labels), has_info


async def check_clock(facts: Facts) -> list[Finding]:
    return clock_findings(await facts.config(ConfigArea.TIME), time.time())


async def check_storage(facts: Facts) -> list[Finding]:
    return storage_findings(await facts.storage())


async def check_recording(facts: Facts) -> list[Finding]:
    rules, triggers, schedule, clock, inference = await asyncio.gather(
        facts.config(ConfigArea.RECORD_GLOBAL),
        facts.config(ConfigArea.RECORD_TRIGGERS),
        facts.config(ConfigArea.RECORD_SCHEDULE),
        facts.config(ConfigArea.TIME),
        facts.inference(),
    )
    category, labels, has_info = await _model_has_info(facts)
    return recording_findings(
        rules, triggers, schedule, clock, inference, category, labels, has_info, await facts.dialect()
    )


async def check_last_event(facts: Facts) -> list[Finding]:
    info = await facts.cam.recording.rule_info()
    if info.last_event_status == "FAILED":
        return [
            Finding(
                check="last_event",
                severity=Severity.WARNING,
                title="the last recording event failed (no file was written)",
                evidence={"status": info.last_event_status, "time": info.last_event_time},
            )
        ]
    if info.last_event_status is None:
        return [Finding(check="last_event", severity=Severity.INFO, title="the camera has recorded no event yet")]
    return [
        Finding(
            check="last_event",
            severity=Severity.INFO,
            title=f"last recording event: {info.last_event_status} at {info.last_event_time}",
            evidence={
                "status": info.last_event_status,
                "time": info.last_event_time,
                "trigger": info.last_event_trigger,
            },  # fmt: skip
        )
    ]


async def check_inference(facts: Facts) -> list[Finding]:
    _category, _labels, has_info = await _model_has_info(facts)
    return inference_findings(await facts.inference(), has_info)


async def check_streams(facts: Facts) -> list[Finding]:
    main, sub, storage = await asyncio.gather(
        facts.config(ConfigArea.STREAM_MAIN), facts.config(ConfigArea.STREAM_SUB), facts.storage()
    )
    slot = storage.selected()
    return stream_findings({"main": main, "sub": sub}, slot is not None and slot.state_code >= CONFIGURED)


async def check_notify(facts: Facts) -> list[Finding]:
    notify, status = await asyncio.gather(facts.config(ConfigArea.NOTIFY), facts.notify_status())
    reachable: bool | None = None
    found = notify.get("dMqtt")
    mqtt: dict[str, Any] = found if isinstance(found, dict) else {}
    if notify.get("iMode") == 1 and mqtt.get("sURL"):
        reachable = await _tcp_reachable(str(mqtt["sURL"]), mqtt.get("iPort"))
    return notify_findings(notify, reachable, status)


async def _tcp_reachable(url: str, port: Any) -> bool:
    target = urlsplit(url if "://" in url else f"mqtt://{url}")
    host = target.hostname or ""
    number = port if isinstance(port, int) and 0 < port < 65536 else (target.port or 1883)
    if not host:
        return False
    try:
        async with asyncio.timeout(BROKER_TIMEOUT_S):
            _reader, writer = await asyncio.open_connection(host, number)
    except (OSError, TimeoutError, socket.gaierror):
        return False
    writer.close()
    return True


async def check_load(facts: Facts) -> list[Finding]:
    return load_findings(await facts.resources())


CHECKS: dict[str, Check] = {
    "clock": check_clock,
    "storage": check_storage,
    "recording": check_recording,
    "last_event": check_last_event,
    "inference": check_inference,
    "streams": check_streams,
    "notify": check_notify,
    "load": check_load,
}
"""Every check after ``reachable`` and ``login``, by name."""

SYMPTOM_CHECKS: dict[str, tuple[str, ...]] = {
    "general": tuple(CHECKS),
    "offline": (),
    "no_recording": ("recording", "storage", "clock", "last_event"),
    "no_detections": ("inference", "load", "clock"),
    "no_snapshot": ("streams", "load"),
    "no_notifications": ("inference", "notify"),
    "slow": ("load", "inference", "clock"),
}
"""Which checks each symptom needs, most telling first (the order breaks ties between equal severities)."""


async def _gate(cam: ReCameraClient) -> list[Finding]:
    """``reachable`` (TCP and ``GET /system/key``) and ``login``: a finding here stops the diagnosis."""
    where = {"host": cam.address.key, "base_url": cam.address.base_url}
    try:
        await cam.get_public_key()
    except (DeviceUnreachable, DeviceTimeout) as exc:
        return [Finding(check="reachable", severity=Severity.CRITICAL, title=f"the camera does not answer: "
                        f"{exc.message}; check its power and network, or find it again by discovery",
                        evidence={**where, "error": type(exc).__name__})]  # fmt: skip
    except NotAReCamera as exc:
        return [Finding(check="reachable", severity=Severity.CRITICAL, title=exc.message, evidence=where)]
    try:
        result = await cam.login()
    except LockedOut as exc:
        return [Finding(check="login", severity=Severity.CRITICAL, title=f"logins are locked out: wait {exc.wait_s} "
                        "s before the next try (never retry in a loop)", evidence={"wait_s": exc.wait_s})]  # fmt: skip
    except (WrongCredentials, TokenRejected) as exc:
        return [Finding(check="login", severity=Severity.CRITICAL, title=exc.message, evidence=where,
                        fix=Fix(op="login"))]  # fmt: skip
    except MustChangePassword:
        result = None
    if result is None or result.must_change_password:
        return [Finding(check="login", severity=Severity.CRITICAL, title="the camera requires a password change "
                        "before anything else", fix=Fix(op="change_password"))]  # fmt: skip
    return []


async def _run(check: str, facts: Facts) -> list[Finding]:
    try:
        return await CHECKS[check](facts)
    except ReCameraError as exc:
        return [Finding(check=check, severity=Severity.WARNING, title=f"could not check {check}: {exc.message}")]


async def diagnose(cam: ReCameraClient, symptom: Symptom = "general") -> Diagnosis:
    """Run the checks of ``symptom`` on ``cam`` and rank what they find (critical first)."""
    if symptom not in SYMPTOM_CHECKS:
        raise ValidationError(
            f"unknown symptom {symptom!r}", f"use one of: {', '.join(SYMPTOM_CHECKS)}", field="symptom"
        )
    started = time.monotonic()
    names = SYMPTOM_CHECKS[symptom]
    findings = await _gate(cam)
    ran = ["reachable", "login"]
    if not findings:
        facts = Facts(cam)
        try:
            results = await asyncio.gather(*(_run(name, facts) for name in names))
        finally:
            facts.cancel()
        ran += list(names)
        findings = [f for found in results for f in found]  # in the symptom's check order
        findings.sort(key=lambda f: RANK[f.severity])  # stable: ties keep the check order
    return Diagnosis(
        host=cam.address.key,
        symptom=symptom,
        findings=findings,
        checks=ran,
        seconds=round(time.monotonic() - started, 3),
    )
