"""Rule events: when the recording rules let a recording start, and the writer that makes one.

A recording starts only when every precondition holds, checked in this order (the HTTP trigger answers the first
that fails; the ALWAYS_ON writer simply waits):

1. 30001: rules are off (``bRuleEnabled`` false), the trigger is not ``sCurrentSelected``, or the schedule is not
   active now. "Now" is the **device clock in the device's time zone** (``clock.device_now``): a schedule window is
   matched against the weekday and time the camera itself shows.
2. 30016: the selected slot is not READY, an event is still being written, or the slot is full with rotation off.

A new event writes one file (named by the device clock) into the selected slot's data directory and stays
``WRITING`` for ``settings.record_clip_s``, then ``COMPLETED``. When the ``record_event_failed`` fault is armed, the
next event ends ``FAILED`` at once and writes nothing. On a full slot with ``bQuotaRotate`` on, the oldest
recordings go first (as FREE_UP). ``dLastRuleEvent`` ``{sStatus, iTimestamp}`` reports the last event (ms, device
clock).

ALWAYS_ON (2026 firmware): while the rules are on, ALWAYS_ON is selected and every precondition holds, a clip is
always being written: when one ends (or a failed one's clip time has passed) the next starts at the next look at
the storage area. TIMER, GPIO, TTY, SED and INFERENCE_SET are stored but never fire here.
"""

from __future__ import annotations

import time

from recamera_mcp.simulator import samples
from recamera_mcp.simulator.clock import device_now, device_timestamp
from recamera_mcp.simulator.errors import Module, SimError, busy, not_permitted
from recamera_mcp.simulator.routes.storage_state import ADVANCERS, RecordEvent, SlotState, StorageArea
from recamera_mcp.simulator.schemas.recording import RECORD_RULE, RULE_CONFIG, SCHEDULE, week_seconds
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
EXTENSIONS = {"MP4": "mp4", "JPG": "jpg", "RAW": "raw"}
RULE_IDS = {"HTTP": "http", "ALWAYS_ON": "always-on"}


def schedule_active(state: DeviceState) -> bool:
    """Whether the schedule allows recording now on the device clock (a disabled schedule means always)."""
    schedule = state.configs[SCHEDULE.path]
    if not schedule["bEnabled"]:
        return True
    now = device_now(state)
    # Monday first, as datetime.weekday() and the firmware's week
    position = now.weekday() * 86400 + now.hour * 3600 + now.minute * 60 + now.second
    return any(week_seconds(w["sStart"]) <= position < week_seconds(w["sEnd"]) for w in schedule["lActiveWeekdays"])


def stuck_full(area: StorageArea, dev_path: str) -> bool:
    """The slot is full and may not rotate: it takes no new recording."""
    slot = area.slots[dev_path]
    return not slot.quota_rotate and area.full(slot)


def blocker(state: DeviceState, area: StorageArea, trigger: str) -> SimError | None:
    """Why a ``trigger`` event cannot start now (the device's error), or None."""
    if not state.configs[RULE_CONFIG.path]["bRuleEnabled"]:
        return not_permitted(_M, "Recording rules are disabled (bRuleEnabled is false)")
    if state.configs[RECORD_RULE.path]["sCurrentSelected"] != trigger:
        return not_permitted(_M, f"The {trigger} trigger is not selected (sCurrentSelected)")
    if not schedule_active(state):
        return not_permitted(_M, "The schedule is not active now (device clock)")
    slot = area.selected()
    if slot is None or slot.state != SlotState.READY:
        return busy(_M, "Storage is not ready")
    if area.event is not None and area.event.writing():
        return busy(_M, "An event is in progress")
    if stuck_full(area, slot.dev_path):
        return busy(
            _M,
            "Storage is full: free space is below iQuotaMinimumRecommendBytes and bQuotaRotate is false "
            "(FREE_UP, or CONFIG with dSlotConfig.bQuotaRotate true)",
        )
    return None


def start_event(state: DeviceState, area: StorageArea, trigger: str) -> RecordEvent:
    """Start a ``trigger`` event on the selected slot (the preconditions already hold)."""
    slot = area.selected()
    assert slot is not None
    now = device_now(state)
    clip = state.settings.record_clip_s
    started_ms = int(device_timestamp(state) * 1000)
    event = RecordEvent(trigger, RULE_IDS.get(trigger, trigger.lower()), started_ms, 0.0, slot.dev_path, "")
    if area.fail_next_event:
        area.fail_next_event = False
        event.failed = True
    else:
        if slot.quota_rotate and area.full(slot):
            area.free_up(slot)  # rotation: the oldest recordings make room
        ext = EXTENSIONS[state.configs[RULE_CONFIG.path]["dWriterConfig"]["sFormat"]]
        if ext == "raw":
            event.path = samples.recording_name(now, area.next_serial(), ext)
            samples.write_pattern(area.data_dir(slot.dev_path) / event.path, 4096)
        else:
            event.path = area.add_recording(when=now, ext=ext, dev_path=slot.dev_path)
    event.ends_at = time.monotonic() + clip
    area.event = event
    area.changed()
    return event


def _always_on(state: DeviceState, area: StorageArea) -> None:
    """The continuous writer: a new clip whenever the last one is over and ALWAYS_ON may record."""
    if state.configs[RECORD_RULE.path]["sCurrentSelected"] != "ALWAYS_ON":
        return
    if area.event is not None and time.monotonic() < area.event.ends_at:
        return
    if blocker(state, area, "ALWAYS_ON") is None:
        start_event(state, area, "ALWAYS_ON")


ADVANCERS.append(_always_on)
