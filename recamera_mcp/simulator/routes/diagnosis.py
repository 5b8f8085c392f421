"""States for a diagnosis engine: each is produced by a fault and cleared through the normal device API.

Set them with ``POST /__sim__/faults {"<name>": value}`` (type-checked; a refused body sets nothing) or from Python
(``state.faults.cpu_high = True``, or the functions below with the device state).

Each entry: the fault and its value; what a client then observes; **cleared by**.

- ``cpu_high`` (bool switch): ``GET /system/resource-info`` ``iCpuUsage``, ``iNpuUsage`` and ``iMemUsage`` pinned
  at 97 (``iMemUsed``/``sMem`` to match). **Cleared by** the switch false, or any reboot.
- ``clock_skew_s`` (seconds, may be negative): ``GET /system/time`` ``iTimestamp`` off by that much and ``sMethod``
  ``"manual"``; the schedule, file names and event times follow the skewed clock. **Cleared by** ``PUT
  /system/time`` with ``sMethod: "ntp"`` (and ``dNtpConfig``), or a manual ``iTimestamp`` that is right.
- ``storage_full`` (true fires): the selected slot's ``iStatsFreeBytes`` drops below
  ``iQuotaMinimumRecommendBytes`` (an old sparse recording fills it), ``bQuotaRotate`` false, ``bReadyForNewEvent``
  false, triggers answer 30016 "Storage is full ...", ALWAYS_ON stops. **Cleared by** FREE_UP (legacy SYNC, 2026
  ASYNC_SUBMIT; the filler is the oldest recording, so it goes first), or ``CONFIG`` with
  ``dSlotConfig.bQuotaRotate: true`` (recording resumes; the next one rotates the oldest out). Needs a selected
  slot that is at least CONFIGURED (else 400).
- ``inference_error`` (true fires): a running inference answers ``sStatus: "error"`` now (``iActualFPS`` 0, no
  results on the WebSocket); otherwise the next start ends in ``error``. **Cleared by** ``POST /model/inference``
  with ``iEnable: 1`` again, ``POST /model/inference-restart``, or a reboot.
- ``record_event_failed`` (true fires): the next rule event (HTTP trigger, ALWAYS_ON clip) ends ``FAILED`` at once
  in ``GET /record/rule/info`` ``dLastRuleEvent`` (with its time), no file written. **Cleared by** itself: only one
  event fails.

States that need no fault, being plain config:

- the schedule excludes now: ``POST /record/rule/schedule-rule-config`` with windows that miss the device clock's
  weekday and time in ``/system/time`` ``sTimezone`` (an IANA zone); events then answer 30001 and ALWAYS_ON waits;
- RTSP off for a stream: ``/video/{0|1}/stream`` ``rtsp.iEnabled: 0``; notifications: ``/notify/cfg`` ``iMode`` and
  its target (a wrong broker URL is simply stored; nothing is contacted).
"""

from __future__ import annotations

from typing import Any

from recamera_mcp.simulator.clock import TIME_PATH, set_offset
from recamera_mcp.simulator.errors import Module, not_permitted
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.storage_state import storage_area
from recamera_mcp.simulator.state import DeviceState

HIGH_PERCENT = 97


def pin_resources(state: DeviceState, mem_total: int) -> dict[str, Any]:
    """The fields of ``/system/resource-info`` that ``cpu_high`` pins (none when it is off)."""
    if not state.faults.cpu_high:
        return {}
    used = -(-mem_total * HIGH_PERCENT // 100)  # rounded up: iMemUsed / iMemTotal reads 97 %
    return {
        "iCpuUsage": HIGH_PERCENT,
        "iNpuUsage": HIGH_PERCENT,
        "iMemUsage": HIGH_PERCENT,
        "iMemUsed": used,
        "sMem": f"{used / 1024 / 1024:.1f}G/{mem_total / 1024 / 1024:.1f}G",
    }


def skew_clock(state: DeviceState, seconds: float) -> None:
    """``clock_skew_s``: the device clock runs ``seconds`` off and is set manually (0: right again, still manual)."""
    with state.lock:
        set_offset(state, seconds)
        state.configs[TIME_PATH]["sMethod"] = "manual"


def fill_storage(state: DeviceState) -> None:
    """``storage_full``: the selected slot fills up below the recommended minimum, rotation off."""
    area = storage_area(state)
    with state.lock:
        slot = area.selected()
        if slot is None:
            raise not_permitted(Module.RECORD, "storage_full needs a selected slot")
        area.fill(slot)


def fail_inference(state: DeviceState) -> None:
    """``inference_error``: the running inference fails now, or the next start ends in ``error``."""
    with state.lock:
        ai_state(state).fail()


def fail_next_event(state: DeviceState) -> None:
    """``record_event_failed``: the next rule event ends FAILED."""
    with state.lock:
        storage_area(state).fail_next_event = True


FAULTS = {
    "storage_full": fill_storage,
    "inference_error": fail_inference,
    "record_event_failed": fail_next_event,
}

VALUE_FAULTS = {"clock_skew_s": skew_clock}
"""Faults that take their value (checked by the control's ``_FAULT_CHECKS`` first)."""
