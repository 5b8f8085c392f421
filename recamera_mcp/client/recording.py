"""Recording rules and storage: rule info, the HTTP trigger, storage status, and storage actions with a preview.

The recording subsystem ("vigil", codes 30xxx) lives under ``/record/...``: rule objects (config areas
``record_global``, ``record_schedule``, ``record_triggers``), ``GET /record/rule/info``, ``POST
/record/rule/http-rule-activate``, ``GET /record/storage/status`` and ``POST /record/storage/control``. Files are
reached through the relay (:mod:`recamera_mcp.client.relay`).

Destructive storage actions are planned first (:func:`plan_storage_action`: slot, size, files affected) so a tool
can ask for confirmation, then run (:func:`run_storage_action`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from recamera_mcp.client._endpoints import ConfigArea
from recamera_mcp.client._errors import DeviceApiError, NotSupported, ReCameraError, ValidationError

if TYPE_CHECKING:
    from recamera_mcp.client._client import ReCameraClient

__all__ = [
    "CONFIGURED",
    "RecordingStatus",
    "RuleInfo",
    "Slot",
    "StorageAction",
    "StorageNotReady",
    "StoragePlan",
    "StorageStatus",
    "TriggerResult",
    "get_recording_status",
    "get_rule_info",
    "get_storage_status",
    "plan_storage_action",
    "run_storage_action",
    "trigger_recording",
]

log = logging.getLogger(__name__)

STATUS_PATH = "/record/storage/status"
CONTROL_PATH = "/record/storage/control"
INFO_PATH = "/record/rule/info"
TRIGGER_PATH = "/record/rule/http-rule-activate"
CONFIGURED = 6
"""``eState`` from which a slot records and serves files (CONFIGURED, INDEXING, READY)."""
READY = 8
STATES = {
    1: "ERROR",
    2: "NOT_FORMATTED_OR_FORMAT_UNSUPPORTED",
    3: "FORMATTING",
    4: "NOT_MOUNTED",
    5: "MOUNTED",
    6: "CONFIGURED",
    7: "INDEXING",
    8: "READY",
}


class StorageNotReady(ReCameraError):
    """The storage slot is not in a state that allows this (e.g. a relay needs CONFIGURED or later)."""


class RelayInfo(BaseModel):
    directory: str = Field(description="The relay UUID; empty when no relay is live")
    remain_s: int
    timeout_s: int


class Slot(BaseModel):
    """One storage slot (internal eMMC or SD card), in plain names."""

    dev_path: str
    label: str = ""
    uuid: str = ""
    fs_type: str = ""
    mount_path: str = ""
    removable: bool = False
    internal: bool = False
    selected: bool = False
    enabled: bool = False
    writing: bool = False
    state: str = Field(description="ERROR, NOT_FORMATTED_OR_FORMAT_UNSUPPORTED, FORMATTING, NOT_MOUNTED, MOUNTED, "
                       "CONFIGURED, INDEXING or READY")  # fmt: skip
    state_code: int
    size_bytes: int = 0
    free_bytes: int = 0
    used_bytes: int = Field(default=0, description="Bytes of recordings in the data directory")
    min_free_bytes: int = Field(default=0, description="Free space the device recommends keeping (FREE_UP aims for it)")
    quota_limit_bytes: int = Field(default=-1, description="-1: no limit")
    quota_rotate: bool = True
    relay: RelayInfo | None = None

    @property
    def serves_files(self) -> bool:
        return self.state_code >= CONFIGURED

    @classmethod
    def from_device(cls, raw: dict[str, Any]) -> Slot:
        code = raw.get("eState")
        code = code if isinstance(code, int) else 0
        relay = raw.get("dRelayStatus")
        return cls(
            dev_path=str(raw.get("sDevPath", "")),
            label=str(raw.get("sLabel", "")),
            uuid=str(raw.get("sUUID", "")),
            fs_type=str(raw.get("sType", "")),
            mount_path=str(raw.get("sMountPath", "")),
            removable=bool(raw.get("bRemovable")),
            internal=bool(raw.get("bInternal")),
            selected=bool(raw.get("bSelected")),
            enabled=bool(raw.get("bEnabled")),
            writing=bool(raw.get("bWriting")),
            state=str(raw.get("sState") or STATES.get(code, "UNKNOWN")),
            state_code=code,
            size_bytes=int(raw.get("iStatsSizeBytes") or 0),
            free_bytes=int(raw.get("iStatsFreeBytes") or 0),
            used_bytes=int(raw.get("iQuotaUsedBytes") or 0),
            min_free_bytes=int(raw.get("iQuotaMinimumRecommendBytes") or 0),
            quota_limit_bytes=int(raw.get("iQuotaLimitBytes", -1)),
            quota_rotate=bool(raw.get("bQuotaRotate", True)),
            relay=RelayInfo(
                directory=str(relay.get("sRelayDirectory") or ""),
                remain_s=int(relay.get("iRelayTimeoutRemain") or 0),
                timeout_s=int(relay.get("iRelayTimeout") or 0),
            )
            if isinstance(relay, dict)
            else None,
        )


class StorageStatus(BaseModel):
    slots: list[Slot]
    data_dir: str = "DCIM"
    revision: int | None = None

    def selected(self) -> Slot | None:
        return next((s for s in self.slots if s.selected), None)

    def slot(self, dev_path: str | None) -> Slot:
        """The slot at ``dev_path``, or the selected one; raises with what to do when there is none."""
        if dev_path is None:
            chosen = self.selected()
            if chosen is None:
                raise StorageNotReady(
                    "no storage slot is selected for recording",
                    'select one with update_config(area=storage, changes={"dSelectSlotToEnable": {"sByDevPath": '
                    f"...}}); slots: {', '.join(f'{s.dev_path} ({s.label}, {s.state})' for s in self.slots)}",
                )
            return chosen
        for candidate in self.slots:
            if candidate.dev_path == dev_path:
                return candidate
        known = ", ".join(s.dev_path for s in self.slots)
        raise ValidationError(f"no storage slot {dev_path!r}", f"use one of: {known}", field="slot")


async def get_storage_status(client: ReCameraClient) -> StorageStatus:
    """``GET /record/storage/status`` as typed slots."""
    raw = await client.get_json(STATUS_PATH)
    if not isinstance(raw, dict) or not isinstance(raw.get("lSlots"), list):
        raise DeviceApiError(f"{client.address.key}: unexpected storage status", "try again", status_code=200)
    return StorageStatus(
        slots=[Slot.from_device(s) for s in raw["lSlots"] if isinstance(s, dict)],
        data_dir=str(raw.get("sDataDirName") or "DCIM"),
        revision=raw.get("iRevision") if isinstance(raw.get("iRevision"), int) else None,
    )


def not_serving_hint(slot: Slot) -> str:
    """What to do so that ``slot`` serves files (reaches CONFIGURED)."""
    state = slot.state
    if state in ("NOT_FORMATTED_OR_FORMAT_UNSUPPORTED", "ERROR"):
        return f"format it first (storage action=format on {slot.dev_path}; this erases the card)"
    if state == "NOT_MOUNTED":
        return "insert the card again or reboot the camera so it is mounted, then select it for recording"
    if state == "FORMATTING":
        return "wait until formatting is done, then try again"
    return (
        f'select it for recording: update_config(area=storage, changes={{"dSelectSlotToEnable": '
        f'{{"sByDevPath": "{slot.dev_path}"}}}})'
    )


# ---- rule info and trigger ---------------------------------------------------------------------------------------
def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


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


async def get_rule_info(client: ReCameraClient) -> RuleInfo:
    """``GET /record/rule/info`` (the firmware's ``bVideoClipLengthSeconds`` is an int despite its ``b``)."""
    raw = await client.get_json(INFO_PATH)
    raw = raw if isinstance(raw, dict) else {}
    event = _obj(raw.get("dLastRuleEvent"))
    owner = _obj(raw.get("dLastRuleEventOwner"))
    clip = raw.get("bVideoClipLengthSeconds")
    gpios = raw.get("dAvailableGPIOs")
    return RuleInfo(
        ready_for_new_event=bool(raw.get("bReadyForNewEvent")),
        last_event_status=event.get("sStatus") or None,
        last_event_time=_ms_iso(event.get("iTimestamp")),
        last_event_trigger=owner.get("sRuleType") or None,
        clip_length_s=clip if isinstance(clip, int) and not isinstance(clip, bool) else None,
        media_paused=bool(raw.get("bMediaPaused")),
        gpios=sorted(gpios) if isinstance(gpios, dict) else [],
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
    storage: Slot | None = Field(default=None, description="The slot recordings go to (None: none selected)")
    problems: list[str] = Field(default_factory=list, description="Why nothing would be recorded now, with fixes")


async def get_recording_status(client: ReCameraClient) -> RecordingStatus:
    """Rule config, trigger, schedule, rule info and storage status, merged, with what stops recording."""
    rules, triggers, schedule, info, storage = await asyncio.gather(
        client.get_config(ConfigArea.RECORD_GLOBAL),
        client.get_config(ConfigArea.RECORD_TRIGGERS),
        client.get_config(ConfigArea.RECORD_SCHEDULE),
        get_rule_info(client),
        get_storage_status(client),
    )
    slot = storage.selected()
    writer = rules.get("dWriterConfig") if isinstance(rules.get("dWriterConfig"), dict) else {}
    windows = schedule.get("lActiveWeekdays") if isinstance(schedule.get("lActiveWeekdays"), list) else []
    status = RecordingStatus(
        recording_enabled=bool(rules.get("bRuleEnabled")),
        format=writer.get("sFormat"),
        trigger=triggers.get("sCurrentSelected"),
        schedule_enabled=bool(schedule.get("bEnabled")),
        schedule_windows=[f"{w.get('sStart')}-{w.get('sEnd')}" for w in windows if isinstance(w, dict)],
        ready_for_new_event=info.ready_for_new_event,
        last_event_status=info.last_event_status,
        last_event_time=info.last_event_time,
        last_event_trigger=info.last_event_trigger,
        clip_length_s=info.clip_length_s,
        storage=slot,
    )
    if not status.recording_enabled:
        status.problems.append('recording is off: update_config(area=record_global, changes={"bRuleEnabled": true})')
    if slot is None:
        status.problems.append("no storage slot is selected: " + not_serving_hint(storage.slots[0]) if storage.slots
                               else "no storage slot is present")  # fmt: skip
    elif slot.state_code != READY:
        status.problems.append(f"storage {slot.dev_path} is {slot.state}, not READY: {not_serving_hint(slot)}")
    elif slot.free_bytes < slot.min_free_bytes and not slot.quota_rotate:
        status.problems.append(f"storage {slot.dev_path} is nearly full and does not rotate: storage action=free_up")
    return status


class TriggerResult(BaseModel):
    triggered: bool
    clip_length_s: int | None = None
    note: str


async def trigger_recording(client: ReCameraClient) -> TriggerResult:
    """Fire the HTTP trigger (``POST /record/rule/http-rule-activate``); a refusal says why and how to fix it."""
    try:
        await client.send_json("POST", TRIGGER_PATH, {})
    except DeviceApiError as exc:
        if exc.device_code not in (30001, 30016):
            raise
        status = await get_recording_status(client)
        reasons = list(status.problems)
        if status.trigger != "HTTP":
            reasons.append(
                f"the selected trigger is {status.trigger}, not HTTP: "
                'update_config(area=record_triggers, changes={"sCurrentSelected": "HTTP"})'
            )
        if status.schedule_enabled:
            reasons.append(f"the schedule may be inactive now (windows: {', '.join(status.schedule_windows)})")
        if status.last_event_status in ("WRITING", "PENDING"):
            reasons.append("a recording is still being written: wait for it (clip length "
                           f"{status.clip_length_s} s) and try again")  # fmt: skip
        raise DeviceApiError(
            f"{client.address.key} refused the recording trigger: {exc.device_message or exc.message}",
            "; ".join(reasons) or "check get_recording_status",
            status_code=exc.status_code,
            device_code=exc.device_code,
            device_message=exc.device_message,
        ) from None
    info = await get_rule_info(client)
    return TriggerResult(
        triggered=True,
        clip_length_s=info.clip_length_s,
        note="recording started; the file appears in list_recordings (newest first) and is complete after the "
        "clip length",
    )


# ---- storage actions ---------------------------------------------------------------------------------------------
class StorageAction(StrEnum):
    STATUS = "status"
    FORMAT = "format"
    FREE_UP = "free_up"
    EJECT = "eject"
    REMOVE = "remove"


_DEVICE_ACTIONS = {
    StorageAction.FORMAT: "FORMAT",
    StorageAction.FREE_UP: "FREE_UP",
    StorageAction.EJECT: "EJECT",
    StorageAction.REMOVE: "REMOVE_FILES_OR_DIRECTORIES",
}


class StoragePlan(BaseModel):
    """What a destructive storage action would do."""

    action: StorageAction
    slot: str = Field(description="Device path of the slot")
    label: str = ""
    slot_size_bytes: int = 0
    files_affected: int | None = Field(default=None, description="Recordings that would be deleted (None: unknown)")
    bytes_affected: int | None = Field(default=None, description="Bytes that would be deleted (None: unknown)")
    paths: list[str] = Field(default_factory=list, description="For remove: the paths, relative to the data dir")
    summary: str


async def plan_storage_action(
    client: ReCameraClient, action: StorageAction, paths: list[str] | None = None, slot: str | None = None
) -> StoragePlan:
    """What ``action`` would do on ``slot`` (default: the selected one), checked before anything changes."""
    from recamera_mcp.client.relay import Relay, normalize_relay_path

    if action == StorageAction.STATUS:
        raise ValidationError("status is not a destructive action", "call get_storage_status", field="action")
    if action == StorageAction.REMOVE:
        if not paths:
            raise ValidationError(
                "remove needs paths", 'give paths relative to the data directory, e.g. ["2025-10-16/x.mp4"]',
                field="paths",
            )  # fmt: skip
        normalized = [normalize_relay_path(p).strip("/") for p in paths]
        if any(not p for p in normalized):
            raise ValidationError("remove cannot take the whole data directory", "use action=format", field="paths")
        paths = normalized
    elif paths:
        raise ValidationError(f"{action.value} takes no paths", "leave paths out", field="paths")
    status = await get_storage_status(client)
    target = status.slot(slot)
    plan = StoragePlan(action=action, slot=target.dev_path, label=target.label, slot_size_bytes=target.size_bytes,
                       paths=paths or [], summary="")  # fmt: skip
    where = f"{target.dev_path} ({target.label or 'slot'}, {target.size_bytes / 1e9:.1f} GB, {target.state})"
    if action == StorageAction.EJECT:
        if not target.removable:
            raise NotSupported(f"{target.dev_path} is not removable", "only the SD card can be ejected")
        plan.files_affected, plan.bytes_affected = 0, 0
        plan.summary = f"unmount {where}: nothing is deleted, recording to it stops until it is inserted again"
        return plan
    if not target.serves_files and action != StorageAction.FORMAT:
        raise StorageNotReady(
            f"{action.value} needs the slot to be CONFIGURED or later; {target.dev_path} is {target.state}",
            not_serving_hint(target),
        )
    files: list[tuple[str, int, float]] = []
    if target.serves_files:
        relay = Relay(client, target.dev_path)
        if action == StorageAction.REMOVE:
            for rel in paths or []:
                files += await relay.files_under(rel)
        else:
            files = await relay.files_under("")
    if action == StorageAction.FORMAT:
        plan.files_affected = len(files) if target.serves_files else None
        plan.bytes_affected = target.used_bytes if target.serves_files else None
        count = f"{plan.files_affected} files" if plan.files_affected is not None else "every file"
        plan.summary = f"erase {where}: {count} deleted, the card is formatted"
    elif action == StorageAction.FREE_UP:
        need = max(0, target.min_free_bytes - target.free_bytes)
        if target.quota_limit_bytes >= 0:
            need = max(need, target.used_bytes - target.quota_limit_bytes)
        chosen, freed = 0, 0
        for _rel, size, _mtime in sorted(files, key=lambda f: (f[2], f[0])):
            if freed >= need:
                break
            chosen, freed = chosen + 1, freed + size
        plan.files_affected, plan.bytes_affected = chosen, freed
        plan.summary = (
            f"delete the {chosen} oldest recordings on {where} ({freed} bytes) to reach the recommended free space"
            if chosen
            else f"nothing to delete on {where}: free space is already above the recommended minimum"
        )
    else:
        plan.files_affected = len(files)
        plan.bytes_affected = sum(size for _rel, size, _mtime in files)
        plan.summary = f"delete {', '.join(paths or [])} on {where}: {plan.files_affected} files"
    return plan


async def run_storage_action(client: ReCameraClient, plan: StoragePlan) -> StorageStatus:
    """Send the planned action (``POST /record/storage/control``) and return the storage status after it."""
    body: dict[str, Any] = {"sAction": _DEVICE_ACTIONS[plan.action], "sSlotDevPath": plan.slot}
    if plan.action == StorageAction.REMOVE:
        body["lFilesOrDirectoriesToRemove"] = plan.paths
    log.info("%s: storage %s on %s", client.address.key, body["sAction"], plan.slot)
    await client.send_json("POST", CONTROL_PATH, body)
    return await get_storage_status(client)
