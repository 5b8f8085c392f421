"""Recording rules: the trigger config write (dialect and model-dependent rules), rule info, the HTTP trigger.

The generic config routes serve ``/record/rule/config`` and ``/record/rule/schedule-rule-config`` and the GET of
``/record/rule/record-rule-config``; its write is taken over here, strict in each firmware generation:

- ``legacy``: ``sCurrentSelected`` one of INFERENCE_SET, TIMER, GPIO, TTY, HTTP; ``lClassFilter`` holds class ids
  (integers >= 0; a string answers 30022); the object has no ``dSED`` (a write carrying one answers 30022 "Unknown
  parameter: dSED").
- ``2026``: adds ALWAYS_ON and SED, and ``dSED {sID, iConsecutiveWindowMs 1..60000, lConfidenceFilter [min, max],
  lClassFilter}``. Every ``lClassFilter`` holds **label names** (an integer answers 30022): inference rules take
  labels of the inference model (its model info ``classes``), ``dSED`` takes :data:`SOUND_CLASSES` (also listed by
  ``GET /record/rule/info`` as ``lAvailableSEDClasses``). An unknown name answers 30022 naming the valid ones.

In both, a Classification model needs every ``lRegionFilter`` empty, a Detection model at least one polygon each
(the default is the full frame). The default object of each generation passes its own rules.

``GET /record/rule/info``: ``bReadyForNewEvent`` (selected slot READY, nothing being written, not full with rotation
off), ``dLastRuleEvent {sStatus: UNKNOWN|WRITING|COMPLETED|FAILED, iTimestamp}`` and ``dLastRuleEventOwner
{sRuleType, sRuleID, iTimestamp}`` (ms, device clock).

``POST /record/rule/http-rule-activate`` fires the HTTP trigger; its preconditions and what an event does are in
``recording_events.py`` (30001: rules off, not selected, outside the schedule; 30016: storage not ready, busy, full).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.dialects import firmware, is_legacy
from recamera_mcp.simulator.errors import Module, invalid
from recamera_mcp.simulator.routes.ai_state import ai_state, model_category, model_labels
from recamera_mcp.simulator.routes.common import data, device_of, read_json, success
from recamera_mcp.simulator.routes.config import ConfigHooks
from recamera_mcp.simulator.routes.recording_events import blocker, start_event, stuck_full
from recamera_mcp.simulator.routes.storage_state import RecordEvent, SlotState, storage_area
from recamera_mcp.simulator.schemas.base import apply_write
from recamera_mcp.simulator.schemas.recording import AVAILABLE_GPIOS, RECORD_RULE, RECORD_RULES, SOUND_CLASSES
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
CLIP_LENGTH_S = 60


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


def check_labels(state: DeviceState, obj: dict[str, Any]) -> None:
    """2026: every inference ``lClassFilter`` name is a label of the inference model."""
    model = str(ai_state(state).inference.get("sModel", ""))
    labels = model_labels(state)
    for index, rule in enumerate(obj["lInferenceSet"]):
        for name in rule["lClassFilter"]:
            if name in labels:
                continue
            if not labels:
                raise invalid(_M, f"lInferenceSet[{index}].lClassFilter: model {model} has no labels (its model info)")
            shown = ", ".join(labels[:12]) + (", ..." if len(labels) > 12 else "")
            raise invalid(
                _M, f"lInferenceSet[{index}].lClassFilter: {name!r} is not a label of model {model} ({shown})"
            )


async def write_record_rule(request: Request) -> Response:
    """``POST /record/rule/record-rule-config``: the strict write of this generation, then the model's rules."""
    state = device_of(request)
    body = await read_json(request, _M)
    with state.lock:
        new = apply_write(RECORD_RULES[firmware(state)], body, state.configs[RECORD_RULE.path])
        check_regions(state, new)
        if not is_legacy(state):
            check_labels(state, new)
        state.configs[RECORD_RULE.path] = new
    return success()


def _record_rule_on_read(state: DeviceState, request: Request, obj: dict[str, Any]) -> dict[str, Any]:
    if is_legacy(state):
        obj.pop("dSED", None)  # an imported config may carry it; the legacy object has none
    return obj


def _event_status(event: RecordEvent | None) -> dict[str, Any]:
    if event is None:
        return {"sStatus": "UNKNOWN", "iTimestamp": 0}
    return {"sStatus": event.status(), "iTimestamp": event.started_ms}


async def rule_info(request: Request) -> Response:
    """``GET /record/rule/info`` (``bVideoClipLengthSeconds`` keeps the firmware's odd ``b`` prefix)."""
    state = device_of(request)
    area = storage_area(state)
    with state.lock:
        slot = area.selected()
        event = area.event
        ready = (
            slot is not None
            and slot.state == SlotState.READY
            and not (event is not None and event.writing())
            and not stuck_full(area, slot.dev_path)
        )
        owner = (
            {"sRuleType": "", "sRuleID": "", "iTimestamp": 0}
            if event is None
            else {"sRuleType": event.rule_type, "sRuleID": event.rule_id, "iTimestamp": event.started_ms}
        )
        info: dict[str, Any] = {
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
        if not is_legacy(state):
            info["lAvailableSEDClasses"] = list(SOUND_CLASSES)
        return data(info)


async def http_rule_activate(request: Request) -> Response:
    """``POST /record/rule/http-rule-activate``: fire the HTTP trigger."""
    state = device_of(request)
    area = storage_area(state)
    with state.lock:
        problem = blocker(state, area, "HTTP")
        if problem is not None:
            raise problem
        start_event(state, area, "HTTP")
    return JSONResponse({"code": 0, "message": "success"})


ROUTES: list[BaseRoute] = [
    Route(RECORD_RULE.path, write_record_rule, methods=["POST"]),
    Route("/record/rule/info", rule_info, methods=["GET"]),
    Route("/record/rule/http-rule-activate", http_rule_activate, methods=["POST"]),
]

HOOKS: dict[str, ConfigHooks] = {RECORD_RULE.path: ConfigHooks(on_read=_record_rule_on_read)}
