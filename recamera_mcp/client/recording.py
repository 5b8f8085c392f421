"""The recording area (``cam.recording``): rules, the HTTP trigger, status, and the recorded files.

    status = await cam.recording.status()        # rules, trigger, schedule, last event, storage, problems
    page = await cam.recording.list("/")         # day folders, newest first
    saved = await cam.recording.download("2025-10-16/x.mp4", "/tmp/clips")

The recording subsystem ("vigil", codes 30xxx) lives under ``/record/...``: rule objects (config areas
``record_global``, ``record_schedule``, ``record_triggers``), ``GET /record/rule/info`` and ``POST
/record/rule/http-rule-activate``. Files are reached through the storage relay (:attr:`StorageAPI.relay`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._endpoints import ConfigArea
from recamera_mcp.client._errors import DeviceApiError, Fix
from recamera_mcp.client._files import (
    DownloadResult,
    ProgressFn,
    RecordingEntry,
    RecordingList,
    Thumbnail,
    download_file,
    file_rel,
    list_folder,
    thumbnail_of,
)
from recamera_mcp.client._findings import Severity, recording_findings, schedule_now, storage_findings
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._localfile import SafeFile
from recamera_mcp.client._models import Problem
from recamera_mcp.client._slots import Slot
from recamera_mcp.client.config import ConfigAPI
from recamera_mcp.client.inference import InferenceAPI
from recamera_mcp.client.storage import StorageAPI

__all__ = [
    "DownloadResult",
    "RecordingAPI",
    "RecordingEntry",
    "RecordingList",
    "RecordingStatus",
    "RuleInfo",
    "Thumbnail",
    "TriggerResult",
]

log = logging.getLogger(__name__)

INFO_PATH = "/record/rule/info"
TRIGGER_PATH = "/record/rule/http-rule-activate"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ms_iso(value: Any) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    return dt.datetime.fromtimestamp(value / 1000, dt.UTC).isoformat(timespec="seconds")


class RuleInfo(BaseModel):
    ready_for_new_event: bool
    last_event_status: str | None = Field(default=None, description="PENDING, WRITING, COMPLETED, FAILED, INTERRUPTED")
    last_event_time: str | None = Field(default=None, description="ISO 8601 UTC")
    last_event_trigger: str | None = None
    clip_length_s: int | None = None
    media_paused: bool = False
    gpios: list[str] = Field(default_factory=list)


async def _rule_info(client: Funnel) -> RuleInfo:
    raw = await client.get_json(INFO_PATH)
    raw = raw if isinstance(raw, dict) else {}
    event = _obj(raw.get("dLastRuleEvent"))
    owner = _obj(raw.get("dLastRuleEventOwner"))
    clip = raw.get("bVideoClipLengthSeconds")
    gpios = raw.get("dAvailableGPIOs")
    return RuleInfo(
        ready_for_new_event=bool(raw.get("bReadyForNewEvent")),
        last_event_status=str(event.get("sStatus"))[:32] if event.get("sStatus") else None,
        last_event_time=_ms_iso(event.get("iTimestamp")),
        last_event_trigger=str(owner.get("sRuleType"))[:32] if owner.get("sRuleType") else None,
        clip_length_s=clip if isinstance(clip, int) and not isinstance(clip, bool) else None,
        media_paused=bool(raw.get("bMediaPaused")),
        gpios=sorted(str(g)[:64] for g in gpios)[:64] if isinstance(gpios, dict) else [],
    )


class RecordingStatus(BaseModel):
    """Rules, last event and the selected storage in one compact answer."""

    recording_enabled: bool
    format: str | None = None
    trigger: str | None = Field(default=None, description="INFERENCE_SET, TIMER, GPIO, TTY, HTTP or ALWAYS_ON")
    schedule_enabled: bool = False
    schedule_windows: list[str] = Field(
        default_factory=list, description="Active windows, e.g. Mon 09:00:00-Mon 18:00:00"
    )
    ready_for_new_event: bool = False
    last_event_status: str | None = None
    last_event_time: str | None = None
    last_event_trigger: str | None = None
    clip_length_s: int | None = None
    schedule_active_now: bool | None = Field(
        default=None, description="The schedule allows recording now on the camera's clock (null: cannot tell)"
    )
    storage: Slot | None = Field(default=None, description="The slot recordings go to (None: none selected)")
    inference: dict[str, Any] = Field(
        default_factory=dict, description="For the AI trigger: iEnable, sStatus, sModel, iActualFPS"
    )
    class_filters: list[Any] = Field(default_factory=list, description="The AI trigger rules' lClassFilter")
    problems: list[Problem] = Field(default_factory=list, description="Why nothing would be recorded now, with fixes")


class TriggerResult(BaseModel):
    triggered: bool
    clip_length_s: int | None = None
    note: str


async def _trigger(client: Funnel, recording: RecordingAPI) -> TriggerResult:
    try:
        await client.send_json("POST", TRIGGER_PATH, {})
    except DeviceApiError as exc:
        if exc.device_code not in (30001, 30016):
            raise
        status = await recording.status()
        reasons = [p.message for p in status.problems]
        fix = next((p.fix for p in status.problems if p.fix is not None), None)
        if status.trigger != "HTTP":
            reasons.append(f"the selected trigger is {status.trigger}, not HTTP (record_triggers sCurrentSelected)")
            fix = fix or Fix(
                op="config.update", args={"area": "record_triggers", "changes": {"sCurrentSelected": "HTTP"}}
            )
        if status.schedule_enabled:
            reasons.append(f"the schedule may be inactive now (windows: {', '.join(status.schedule_windows)})")
        if status.last_event_status in ("WRITING", "PENDING"):
            reasons.append("a recording is still being written: wait for it (clip length "
                           f"{status.clip_length_s} s) and try again")  # fmt: skip
        raise DeviceApiError(
            f"{client.address.key} refused the recording trigger: {exc.device_message or exc.message}",
            "; ".join(reasons) or "read the recording status",
            status_code=exc.status_code,
            device_code=exc.device_code,
            device_message=exc.device_message,
            fix=fix,
        ) from None
    info = await recording.rule_info()
    return TriggerResult(
        triggered=True,
        clip_length_s=info.clip_length_s,
        note="recording started; the file appears in the recordings (newest first) and is complete after the "
        "clip length",
    )


class RecordingAPI:
    """Recording rules, the HTTP trigger, the recording status and the recorded files."""

    def __init__(self, funnel: Funnel, config: ConfigAPI, storage: StorageAPI, inference: InferenceAPI) -> None:
        self._funnel = funnel
        self._config = config
        self._storage = storage
        self._inference = inference

    async def rule_info(self) -> RuleInfo:
        """``GET /record/rule/info`` (the firmware's ``bVideoClipLengthSeconds`` is an int despite its ``b``)."""
        return await _rule_info(self._funnel)

    async def status(self) -> RecordingStatus:
        """Rule config, trigger, schedule (active now?), inference, rule info and storage, merged, with what stops
        recording: the same checks the diagnosis runs (``_findings.py``), so it cannot say all clear when a
        precondition fails."""
        rules, triggers, schedule, clock, inference = await asyncio.gather(
            self._config.get(ConfigArea.RECORD_GLOBAL),
            self._config.get(ConfigArea.RECORD_TRIGGERS),
            self._config.get(ConfigArea.RECORD_SCHEDULE),
            self._config.get(ConfigArea.TIME),
            self._inference.state(),
        )
        info, storage, model, dialect = await asyncio.gather(
            self.rule_info(), self._storage.status(), self._inference.model_facts(), self._funnel.dialect()
        )
        has_info = (model.category is not None or bool(model.labels)) if inference.get("sModel") else None
        findings = recording_findings(
            rules, triggers, schedule, clock, inference, model.category, model.labels, has_info, dialect
        ) + storage_findings(storage)
        sets = _list(triggers.get("lInferenceSet"))
        writer = _obj(rules.get("dWriterConfig"))
        windows = _list(schedule.get("lActiveWeekdays"))
        trigger = triggers.get("sCurrentSelected")
        status = RecordingStatus(
            recording_enabled=bool(rules.get("bRuleEnabled")),
            format=str(writer.get("sFormat"))[:16] if writer.get("sFormat") is not None else None,
            trigger=str(trigger)[:32] if trigger is not None else None,
            schedule_enabled=bool(schedule.get("bEnabled")),
            schedule_windows=[f"{w.get('sStart')}-{w.get('sEnd')}"[:64] for w in windows[:64] if isinstance(w, dict)],
            ready_for_new_event=info.ready_for_new_event,
            last_event_status=info.last_event_status,
            last_event_time=info.last_event_time,
            last_event_trigger=info.last_event_trigger,
            clip_length_s=info.clip_length_s,
            schedule_active_now=schedule_now(schedule, clock),
            storage=storage.selected(),
            inference={k: inference.get(k) for k in ("iEnable", "sStatus", "sModel", "iActualFPS") if k in inference},
            class_filters=[r.get("lClassFilter") for r in sets[:16] if isinstance(r, dict)],
            problems=[Problem(message=f.title, fix=f.fix) for f in findings if f.severity != Severity.INFO],
        )
        return status

    async def trigger(self) -> TriggerResult:
        """Fire the HTTP trigger (``POST /record/rule/http-rule-activate``); a refusal says why and how to fix it."""
        return await _trigger(self._funnel, self)

    async def list(self, path: str = "/", limit: int = 100, offset: int = 0) -> RecordingList:
        """One folder of recordings, newest first, paginated, with thumbnail paths where they exist."""
        return await list_folder(self._storage.relay, path, limit, offset)

    @staticmethod
    def file_path(path: str) -> str:
        """A recording file's path as the relay takes it (``2025-10-16/x.mp4``); :class:`ValidationError` for a
        folder or anything that could leave the recordings (``..``, absolute, backslashes)."""
        return file_rel(path)

    async def download(
        self,
        path: str,
        dest_dir: str | os.PathLike[str] | SafeFile,
        *,
        progress: ProgressFn | None = None,
        **options: Any,
    ) -> DownloadResult:
        """Stream a recording to ``dest_dir`` (a folder, or a :class:`SafeFile`), never whole in memory, resuming a
        broken transfer; size checked; never through a link or over an existing file."""
        return await download_file(self._funnel, self._storage.relay, path, dest_dir, progress=progress, **options)

    async def thumbnail(self, path: str, *, max_edge: int = 1280, quality: int = 75) -> Thumbnail:
        """The device's ``.thumb`` JPEG of a video, else a frame grabbed from it; an image is shrunk itself."""
        return await thumbnail_of(self._funnel, self._storage.relay, path, max_edge=max_edge, quality=quality)
