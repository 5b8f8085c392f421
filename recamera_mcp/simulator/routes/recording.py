"""Recording rules: the trigger config write (with the model-dependent region rule), rule info, the HTTP trigger.

The generic config routes serve ``/record/rule/config`` and ``/record/rule/schedule-rule-config`` and the GET of
``/record/rule/record-rule-config``; its write is taken over here because the region rule depends on the inference
model: a Classification model needs every ``lRegionFilter`` empty, a Detection model at least one polygon each.

``POST /record/rule/http-rule-activate`` answers 30001 when rules are off, the HTTP trigger is not selected or the
schedule is not active now; 30016 when the selected storage is not READY or an event is still being written
(``settings.record_clip_s``); otherwise it writes a new recording into the selected slot's data directory.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator import samples
from recamera_mcp.simulator.errors import Module, busy, invalid, not_permitted
from recamera_mcp.simulator.routes.ai_state import model_category
from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.routes.storage_state import RecordEvent, SlotState, storage_area
from recamera_mcp.simulator.schemas.base import apply_write
from recamera_mcp.simulator.schemas.recording import (
    AVAILABLE_GPIOS,
    RECORD_RULE,
    RULE_CONFIG,
    SCHEDULE,
    week_seconds,
)
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
CLIP_LENGTH_S = 60
EXTENSIONS = {"MP4": "mp4", "JPG": "jpg", "RAW": "raw"}


def check_regions(state: DeviceState, obj: dict[str, Any]) -> None:
    """The inference rules against the inference model's category (raises the 30022 error)."""
    category = model_category(state)
    for index, rule in enumerate(obj["lInferenceSet"]):
        regions = rule["lRegionFilter"]
        if category == "Classification" and regions:
            raise invalid(
                _M, f"lInferenceSet[{index}].lRegionFilter must be empty for a classification model (send [])"
            )
        if category == "Detection" and not regions:
            raise invalid(
                _M,
                f"lInferenceSet[{index}].lRegionFilter needs at least one polygon for a detection model "
                '(full frame: [{"lPolygon": [[0,0],[1,0],[1,1],[0,1]]}])',
            )


async def write_record_rule(request: Request) -> Response:
    """``POST /record/rule/record-rule-config``: the strict write, then the region rule by model category."""
    state = device_of(request)
    body = await read_json(request, _M)
    with state.lock:
        new = apply_write(RECORD_RULE, body, state.configs[RECORD_RULE.path])
        check_regions(state, new)
        state.configs[RECORD_RULE.path] = new
    return success()


def schedule_active(state: DeviceState, now: dt.datetime | None = None) -> bool:
    """Whether the schedule allows recording at ``now`` (a disabled schedule means always)."""
    schedule = state.configs[SCHEDULE.path]
    if not schedule["bEnabled"]:
        return True
    now = now or dt.datetime.now()
    # Monday first, as datetime.weekday() and the firmware's week
    position = now.weekday() * 86400 + now.hour * 3600 + now.minute * 60 + now.second
    return any(week_seconds(w["sStart"]) <= position < week_seconds(w["sEnd"]) for w in schedule["lActiveWeekdays"])


def _event_status(event: RecordEvent | None) -> dict[str, Any]:
    if event is None:
        return {"sStatus": "UNKNOWN", "iTimestamp": 0}
    return {"sStatus": "WRITING" if event.writing() else "COMPLETED", "iTimestamp": event.started_ms}


async def rule_info(request: Request) -> Response:
    """``GET /record/rule/info`` (``bVideoClipLengthSeconds`` keeps the firmware's odd ``b`` prefix)."""
    state = device_of(request)
    area = storage_area(state)
    with state.lock:
        slot = area.selected()
        event = area.event
        ready = slot is not None and slot.state == SlotState.READY and not (event is not None and event.writing())
        owner = (
            {"sRuleType": "", "sRuleID": "", "iTimestamp": 0}
            if event is None
            else {"sRuleType": event.rule_type, "sRuleID": event.rule_id, "iTimestamp": event.started_ms}
        )
        return data(
            {
                "bReadyForNewEvent": ready,
                "dLastRuleEvent": _event_status(event),
                "dLastRuleEventOwner": owner,
                "dAvailableGPIOs": {
                    name: {
                        "iNum": 496 + index,
                        "sState": "FLOATING",
                        "lCapabilities": ["FLOATING", "PULL_UP", "PULL_DOWN"],
                        "sLevel": "LOW",
                    }
                    for index, name in enumerate(AVAILABLE_GPIOS)
                },
                "dAvailableTTYs": {"ttyS0": {"sSocketPath": "/dev/shm/vigil_tty_ttyS0.sock", "iBufferSize": 4096}},
                "bMediaPaused": False,
                "bVideoClipLengthSeconds": CLIP_LENGTH_S,
            }
        )


async def http_rule_activate(request: Request) -> Response:
    """``POST /record/rule/http-rule-activate``: fire the HTTP trigger."""
    state = device_of(request)
    area = storage_area(state)
    with state.lock:
        rules = state.configs[RULE_CONFIG.path]
        if not rules["bRuleEnabled"]:
            raise not_permitted(_M, "Recording rules are disabled (bRuleEnabled is false)")
        if state.configs[RECORD_RULE.path]["sCurrentSelected"] != "HTTP":
            raise not_permitted(_M, "The HTTP trigger is not selected (sCurrentSelected)")
        if not schedule_active(state):
            raise not_permitted(_M, "The schedule is not active now")
        slot = area.selected()
        if slot is None or slot.state != SlotState.READY:
            raise busy(_M, "Storage is not ready")
        if area.event is not None and area.event.writing():
            raise busy(_M, "An event is in progress")
        now = dt.datetime.now()
        ext = EXTENSIONS[rules["dWriterConfig"]["sFormat"]]
        if ext == "raw":
            rel = samples.recording_name(now, area.next_serial(), ext)
            samples.write_pattern(area.data_dir(slot.dev_path) / rel, 4096)
        else:
            rel = area.add_recording(when=now, ext=ext, dev_path=slot.dev_path)
        area.event = RecordEvent(
            rule_type="HTTP",
            rule_id="http",
            started_ms=int(now.timestamp() * 1000),
            ends_at=time.monotonic() + state.settings.record_clip_s,
            dev_path=slot.dev_path,
            path=rel,
        )
        area.changed()
    return JSONResponse({"code": 0, "message": "success"})


ROUTES: list[BaseRoute] = [
    Route(RECORD_RULE.path, write_record_rule, methods=["POST"]),
    Route("/record/rule/info", rule_info, methods=["GET"]),
    Route("/record/rule/http-rule-activate", http_rule_activate, methods=["POST"]),
]
