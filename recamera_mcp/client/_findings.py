"""Diagnosis findings, the pure part: what the device's own answers say is wrong, and the fix.

Each ``*_findings`` function takes device objects as the device answered them (dicts, parsed slots) and returns
:class:`Finding` s. No I/O here: the diagnosis engine (``diagnosis.py``) and the recording status
(``cam.recording.status()``) call the same functions on the objects they read, so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._dialect import Dialect
from recamera_mcp.client._errors import Fix
from recamera_mcp.client._slots import READY, Slot, StorageStatus, serve_fix
from recamera_mcp.client._validators import WEEKDAYS, trigger_label_problems, trigger_region_problems, week_seconds

__all__ = [
    "Finding",
    "Severity",
    "clock_findings",
    "inference_findings",
    "load_findings",
    "notify_findings",
    "recording_findings",
    "schedule_now",
    "storage_findings",
    "stream_findings",
]

SKEW_WARN_S = 60
SKEW_CRITICAL_S = 3600
LOAD_WARN_PCT = 90
LOAD_CRITICAL_PCT = 95


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Finding(BaseModel):
    """One thing a check found: how bad, what, the device values seen, and the operation that fixes it."""

    check: str = Field(description="The check that found it")
    severity: Severity
    title: str
    evidence: dict[str, Any] = Field(default_factory=dict, description="The device values the check saw")
    fix: Fix | None = None


def _update(area: str, changes: dict[str, Any]) -> Fix:
    return Fix(op="config.update", args={"area": area, "changes": changes})


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# ---- clock -------------------------------------------------------------------------------------------------------
def clock_findings(time_config: dict[str, Any], now: float) -> list[Finding]:
    """The device clock against this machine's (``now``, epoch s) and the NTP setting."""
    device = _int(time_config.get("iTimestamp"))
    method = time_config.get("sMethod")
    if device is None:
        return [Finding(check="clock", severity=Severity.INFO, title="the camera did not report its clock")]
    skew = device - now
    evidence = {"skew_s": round(skew), "sMethod": method, "sTimezone": time_config.get("sTimezone")}
    if abs(skew) < SKEW_WARN_S:
        return []
    severity = Severity.CRITICAL if abs(skew) >= SKEW_CRITICAL_S else Severity.WARNING
    if method != "ntp":
        return [
            Finding(
                check="clock",
                severity=severity,
                title=f"the camera's clock is {abs(round(skew))} s {'ahead' if skew > 0 else 'behind'} and set by "
                "hand: schedules, file names and event times are off",
                evidence=evidence,
                fix=_update("time", {"sMethod": "ntp"}),
            )
        ]
    return [
        Finding(
            check="clock",
            severity=severity,
            title=f"the camera's clock is {abs(round(skew))} s off although it uses NTP: it cannot reach its NTP "
            "server (check its DNS and gateway)",
            evidence={**evidence, "ntp": _obj(time_config.get("dNtpConfig")).get("sAddress")},
        )
    ]


# ---- storage -----------------------------------------------------------------------------------------------------
def storage_findings(storage: StorageStatus, recording_on: bool | None = None) -> list[Finding]:
    """The slot recordings go to: selected, ready, free space, rotation, writing."""
    slot = storage.selected()
    if slot is None:
        if not storage.slots:
            return [Finding(check="storage", severity=Severity.CRITICAL, title="the camera has no storage slot")]
        hint, fix = serve_fix(storage.slots[0])
        return [
            Finding(
                check="storage",
                severity=Severity.CRITICAL,
                title=f"no storage slot is selected for recording: {hint}",
                evidence={"slots": {s.dev_path: s.state for s in storage.slots}},
                fix=fix,
            )
        ]
    evidence = _slot_evidence(slot)
    if slot.state_code != READY:
        hint, fix = serve_fix(slot)
        return [
            Finding(
                check="storage",
                severity=Severity.CRITICAL,
                title=f"storage {slot.dev_path} is {slot.state}, not READY: {hint}",
                evidence=evidence,
                fix=fix,
            )
        ]
    found: list[Finding] = []
    if slot.free_bytes < slot.min_free_bytes:
        if slot.quota_rotate:
            found.append(
                Finding(
                    check="storage",
                    severity=Severity.INFO,
                    title=f"storage {slot.dev_path} is nearly full; the oldest recordings are rotated out",
                    evidence=evidence,
                )
            )
        else:
            found.append(
                Finding(
                    check="storage",
                    severity=Severity.CRITICAL,
                    title=f"storage {slot.dev_path} is full and does not rotate: recording has stopped; free up "
                    "space (deletes the oldest recordings) or turn rotation on",
                    evidence=evidence,
                    fix=Fix(op="storage.action", args={"action": "free_up", "slot": slot.dev_path}),
                )
            )
    return found


def _slot_evidence(slot: Slot) -> dict[str, Any]:
    return {
        "slot": slot.dev_path,
        "state": slot.state,
        "free_bytes": slot.free_bytes,
        "min_free_bytes": slot.min_free_bytes,
        "quota_rotate": slot.quota_rotate,
        "writing": slot.writing,
    }


# ---- recording ---------------------------------------------------------------------------------------------------
def _device_local(time_config: dict[str, Any]) -> dt.datetime | None:
    """The camera's clock in its own time zone (UTC when the zone is unknown here), None without a clock."""
    stamp = _int(time_config.get("iTimestamp"))
    if stamp is None:
        return None
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(str(time_config.get("sTimezone") or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.fromtimestamp(stamp, zone)


def schedule_now(schedule: dict[str, Any], time_config: dict[str, Any]) -> bool | None:
    """Whether the schedule allows recording now on the camera's clock in its time zone (None: cannot tell).

    A disabled schedule means always."""
    if not schedule.get("bEnabled"):
        return True
    local = _device_local(time_config)
    windows = schedule.get("lActiveWeekdays")
    if local is None or not isinstance(windows, list):
        return None
    position = local.weekday() * 86400 + local.hour * 3600 + local.minute * 60 + local.second
    for window in windows[:64]:
        if not isinstance(window, dict):
            continue
        start, end = week_seconds(window.get("sStart")), week_seconds(window.get("sEnd"))
        if start is not None and end is not None and start <= position < end:
            return True
    return False


def _local_now(time_config: dict[str, Any]) -> str | None:
    local = _device_local(time_config)
    if local is None:
        return None
    return f"{WEEKDAYS[local.weekday()]} {local:%H:%M:%S} {time_config.get('sTimezone') or 'UTC'}"


def recording_findings(
    rules: dict[str, Any],
    triggers: dict[str, Any],
    schedule: dict[str, Any],
    time_config: dict[str, Any],
    inference: dict[str, Any],
    model_category: str | None,
    model_labels: tuple[str, ...],
    model_has_info: bool | None,
    dialect: Dialect,
) -> list[Finding]:
    """Why the recording rule would record nothing now: rule off, schedule outside now, the trigger's
    preconditions (inference running with a model that has info, class filters among its labels, regions fit)."""
    found: list[Finding] = []
    if not rules.get("bRuleEnabled"):
        found.append(
            Finding(
                check="recording_rule",
                severity=Severity.CRITICAL,
                title="recording is off (record_global bRuleEnabled is false)",
                evidence={"bRuleEnabled": rules.get("bRuleEnabled")},
                fix=_update("record_global", {"bRuleEnabled": True}),
            )
        )
    active = schedule_now(schedule, time_config)
    if active is False:
        listed = schedule.get("lActiveWeekdays")
        windows = [f"{w.get('sStart')}-{w.get('sEnd')}" for w in (listed or [])[:8] if isinstance(w, dict)]
        found.append(
            Finding(
                check="schedule",
                severity=Severity.CRITICAL,
                title="the recording schedule is not active now on the camera's clock: nothing records until the "
                "next window",
                evidence={"now": _local_now(time_config), "windows": windows},
                fix=_update("record_schedule", {"bEnabled": False}),
            )
        )
    trigger = triggers.get("sCurrentSelected")
    if trigger == "INFERENCE_SET":
        found += _inference_trigger(triggers, inference, model_category, model_labels, model_has_info, dialect)
    elif trigger == "HTTP":
        found.append(
            Finding(
                check="trigger",
                severity=Severity.INFO,
                title="the HTTP trigger is selected: the camera records only when something fires it",
                evidence={"sCurrentSelected": trigger},
            )
        )
    return found


def _inference_trigger(
    triggers: dict[str, Any],
    inference: dict[str, Any],
    category: str | None,
    labels: tuple[str, ...],
    has_info: bool | None,
    dialect: Dialect,
) -> list[Finding]:
    listed = triggers.get("lInferenceSet")
    rules: list[Any] = listed if isinstance(listed, list) else []
    filters = [r.get("lClassFilter") for r in rules[:16] if isinstance(r, dict)]
    evidence = {"sCurrentSelected": "INFERENCE_SET", "class_filters": filters, "inference": _inference_view(inference)}
    found = [
        Finding(
            check="trigger",
            severity=f.severity,
            title=f"the AI-detection trigger cannot fire: {f.title}",
            evidence=evidence,
            fix=f.fix,
        )
        for f in inference_findings(inference, has_info)
        if f.severity == Severity.CRITICAL
    ]
    copy = {"lInferenceSet": [dict(r) for r in rules if isinstance(r, dict)]}
    for problem in trigger_region_problems(copy, category) + trigger_label_problems(copy, labels, dialect):
        found.append(
            Finding(
                check="trigger",
                severity=Severity.CRITICAL,
                title=f"the AI-detection trigger cannot match: {problem.message}",
                evidence={**evidence, "model_labels": list(labels[:20]), "model_category": category},
            )
        )
    return found


# ---- inference ---------------------------------------------------------------------------------------------------
def _inference_view(inference: dict[str, Any]) -> dict[str, Any]:
    return {k: inference.get(k) for k in ("iEnable", "sStatus", "sModel", "iFPS", "iActualFPS") if k in inference}


def inference_findings(inference: dict[str, Any], has_info: bool | None) -> list[Finding]:
    """Inference on, running, with a model that has its info JSON, and results flowing (``iActualFPS``)."""
    view = _inference_view(inference)
    status = inference.get("sStatus")
    if has_info is False:
        return [
            Finding(
                check="inference",
                severity=Severity.CRITICAL,
                title=f"the inference model {inference.get('sModel')!r} has no model info (category, classes): the "
                "camera cannot run it until its info is set",
                evidence=view,
                fix=Fix(op="models.set_info", args={"name": inference.get("sModel")}),
            )
        ]
    if not inference.get("iEnable"):
        return [
            Finding(
                check="inference",
                severity=Severity.CRITICAL,
                title="inference is off: the camera detects nothing",
                evidence=view,
                fix=_update("inference", {"iEnable": 1}),
            )
        ]
    if status == "error":
        return [
            Finding(
                check="inference",
                severity=Severity.CRITICAL,
                title="inference is enabled but in error: restart it",
                evidence=view,
                fix=Fix(op="inference.restart"),
            )
        ]
    if status in ("starting", "stopping"):
        return [Finding(check="inference", severity=Severity.INFO, title=f"inference is {status}", evidence=view)]
    if status == "running" and _int(inference.get("iActualFPS")) == 0:
        return [
            Finding(
                check="inference",
                severity=Severity.WARNING,
                title="inference runs but produces no frames (iActualFPS 0)",
                evidence=view,
            )
        ]
    return []


# ---- live stream, notifications, load ------------------------------------------------------------------------------
def stream_findings(streams: dict[str, dict[str, Any]], capture_possible: bool) -> list[Finding]:
    """RTSP per stream (``main``/``sub``) and whether the device-side capture can stand in."""
    found: list[Finding] = []
    for name, config in streams.items():
        rtsp = _obj(config.get("rtsp"))
        if rtsp.get("iEnabled") != 1:
            found.append(
                Finding(
                    check="rtsp",
                    severity=Severity.WARNING if name == "main" else Severity.INFO,
                    title=f"RTSP is off on the {name} stream: snapshots over RTSP fail"
                    + ("; the device-side capture still works" if capture_possible else ""),
                    evidence={"stream": name, "rtsp.iEnabled": rtsp.get("iEnabled")},
                    fix=_update(f"stream_{name}", {"rtsp": {"iEnabled": 1}}),
                )
            )
    if not capture_possible:
        found.append(
            Finding(
                check="capture",
                severity=Severity.INFO,
                title="no storage slot is ready, so the device-side capture (snapshots without RTSP) is unavailable",
            )
        )
    return found


def notify_findings(notify: dict[str, Any], broker_reachable: bool | None, status: dict[str, Any]) -> list[Finding]:
    """Where inference results go (``iMode``), whether the target is set and, for MQTT, reachable from here."""
    mode = _int(notify.get("iMode"))
    mqtt, http = _obj(notify.get("dMqtt")), _obj(notify.get("dHttp"))
    evidence: dict[str, Any] = {"iMode": mode}
    if status:
        evidence["device_status"] = {k: status.get(k) for k in ("sState", "sLastError", "iPublished") if k in status}
    if mode == 0 or mode is None:
        fix = None
        if mqtt.get("sURL"):
            fix = _update("notify", {"iMode": 1})
        elif http.get("sUrl"):
            fix = _update("notify", {"iMode": 2})
        return [
            Finding(
                check="notify",
                severity=Severity.CRITICAL,
                title="notifications are off (notify iMode 0): results go only to the WebSocket",
                evidence=evidence,
                fix=fix,
            )
        ]
    if mode == 1:
        evidence.update(broker=mqtt.get("sURL"), port=mqtt.get("iPort"), topic=mqtt.get("sTopic"))
        if not mqtt.get("sURL"):
            return [Finding(check="notify", severity=Severity.CRITICAL, title="MQTT is selected but no broker URL "
                            "is set (dMqtt.sURL)", evidence=evidence)]  # fmt: skip
        if broker_reachable is False:
            return [
                Finding(
                    check="notify",
                    severity=Severity.CRITICAL,
                    title=f"the MQTT broker {mqtt.get('sURL')}:{mqtt.get('iPort')} does not accept connections from "
                    "this machine (the camera is likely failing too)",
                    evidence=evidence,
                )
            ]
    if mode == 2 and not http.get("sUrl"):
        return [Finding(check="notify", severity=Severity.CRITICAL, title="HTTP is selected but no URL is set "
                        "(dHttp.sUrl)", evidence=evidence)]  # fmt: skip
    if status.get("sState") == "error":
        return [
            Finding(
                check="notify",
                severity=Severity.WARNING,
                title=f"the camera's notify service reports an error: {str(status.get('sLastError'))[:200]}",
                evidence=evidence,
            )
        ]
    return []


def load_findings(resources: dict[str, Any]) -> list[Finding]:
    """CPU, NPU and memory pressure."""
    found: list[Finding] = []
    for key, what in (("iCpuUsage", "CPU"), ("iNpuUsage", "NPU"), ("iMemUsage", "memory")):
        value = _int(resources.get(key))
        if value is not None and value >= LOAD_WARN_PCT:
            found.append(
                Finding(
                    check="load",
                    severity=Severity.CRITICAL if value >= LOAD_CRITICAL_PCT else Severity.WARNING,
                    title=f"{what} use is {value} %: the camera is overloaded (lower the inference frame rate or "
                    "stream bitrate, or reboot it)",
                    evidence={key: value},
                )
            )
    return found
