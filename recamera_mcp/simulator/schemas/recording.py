"""Config objects of the record area (the "vigil" subsystem, 30xxx, errno-style codes): rules, schedule,
triggers and the storage slot selection.

The rule that needs the device state (classification model ⇒ empty ``lRegionFilter``, detection ⇒ at least one
polygon) is checked by the write route in ``routes/recording.py``; everything here is stateless.

Schedule windows use the firmware's week: Monday first, ``"Mon 00:00:00"`` to ``"Sun 24:00:00"``; a window must end
after it starts in that order (a window across Sunday midnight is two windows).

The record rule differs by firmware generation: :data:`RECORD_RULE_LEGACY` (triggers :data:`TRIGGERS_LEGACY`,
``lClassFilter`` class ids, no ``dSED``) and :data:`RECORD_RULE_2026` (adds ALWAYS_ON and SED with ``dSED``,
``lClassFilter`` label names; SED names come from :data:`SOUND_CLASSES`). :data:`RECORD_RULE`, the shape both share
(either kind of class filter), is what a config import is checked against.
"""

from __future__ import annotations

import dataclasses

from recamera_mcp.simulator.errors import Module
from recamera_mcp.simulator.schemas.base import Check, ConfigSpec, Json, OneOf, Pattern, Range, Rule

_M = Module.RECORD

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""In the firmware's week order (Monday first); every name of Sun..Sat is accepted."""
TRIGGERS_LEGACY = ("INFERENCE_SET", "TIMER", "GPIO", "TTY", "HTTP")
TRIGGERS = (*TRIGGERS_LEGACY, "ALWAYS_ON", "SED")
"""Every trigger of the 2026 firmware (``sCurrentSelected``)."""
SOUND_CLASSES = ("speech", "dog_bark", "glass_break", "baby_cry", "alarm")
"""The sound classes of the 2026 firmware's sound-event detector (``dSED.lClassFilter``); ``GET /record/rule/info``
lists them as ``lAvailableSEDClasses``."""
AVAILABLE_GPIOS = ("GPIO_01", "GPIO_02")
FULL_FRAME: list[list[float]] = [[0, 0], [1, 0], [1, 1], [0, 1]]
_TIME = r"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]|24:00:00)"


def week_seconds(value: str) -> int:
    """Seconds since Monday 00:00:00 of a schedule time such as ``"Tue 09:30:00"`` (pattern already checked)."""
    day, clock = value.split(" ")
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return WEEKDAYS.index(day) * 86400 + hours * 3600 + minutes * 60 + seconds


def _number(value: Json) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _confidence(value: Json) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(_number(v) and 0 <= v <= 1 for v in value)
        and value[0] <= value[1]
    )


def _class_id(value: Json) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _label(value: Json) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _class_ids(value: Json) -> bool:
    return isinstance(value, list) and all(_class_id(v) for v in value)


def _label_names(value: Json) -> bool:
    return isinstance(value, list) and all(_label(v) for v in value)


def _class_filter(value: Json) -> bool:
    return isinstance(value, list) and all(_class_id(v) or _label(v) for v in value)


def _sound_names(value: Json) -> bool:
    return isinstance(value, list) and all(v in SOUND_CLASSES for v in value)


def _polygon(value: Json) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 3
        and all(
            isinstance(point, list) and len(point) == 2 and all(_number(c) and 0 <= c <= 1 for c in point)
            for point in value
        )
    )


def _non_empty(value: Json) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _schedule_rules(obj: dict[str, Json]) -> str | None:
    for index, window in enumerate(obj["lActiveWeekdays"]):
        if week_seconds(window["sEnd"]) <= week_seconds(window["sStart"]):
            return f"lActiveWeekdays[{index}]: sEnd must be after sStart (the week runs Mon 00:00:00 to Sun 24:00:00)"
    return None


def _trigger_rules(obj: dict[str, Json]) -> str | None:
    rules = obj["lInferenceSet"]
    ids = [rule["sID"] for rule in rules]
    if len(set(ids)) != len(ids):
        return "lInferenceSet: sID must be unique"
    if obj["sCurrentSelected"] == "INFERENCE_SET" and not rules:
        return "Missing parameter: lInferenceSet (INFERENCE_SET needs at least one rule)"
    return None


def _slot_selection(value: Json) -> bool:
    return (
        isinstance(value, dict)
        and set(value) <= {"sByDevPath", "sByUUID"}
        and all(isinstance(v, str) for v in value.values())
        and any(value.values())
    )


RULE_CONFIG = ConfigSpec(
    path="/record/rule/config",
    write_method="POST",
    module=_M,
    defaults={"bRuleEnabled": False, "dWriterConfig": {"sFormat": "MP4", "iIntervalMs": 0}},
    rules={
        "dWriterConfig.sFormat": OneOf(("MP4", "JPG", "RAW")),
        "dWriterConfig.iIntervalMs": Range(0, 86_400_000),
    },
)

SCHEDULE = ConfigSpec(
    path="/record/rule/schedule-rule-config",
    write_method="POST",
    module=_M,
    defaults={"bEnabled": False, "lActiveWeekdays": [{"sStart": "Mon 00:00:00", "sEnd": "Sun 24:00:00"}]},
    items={"lActiveWeekdays": {"sStart": "Mon 00:00:00", "sEnd": "Sun 24:00:00"}},
    rules={
        "lActiveWeekdays[].sStart": Pattern(_TIME, 'a weekday and time such as "Mon 09:00:00" (Sun..Sat)'),
        "lActiveWeekdays[].sEnd": Pattern(_TIME, 'a weekday and time such as "Mon 18:00:00" ("24:00:00" allowed)'),
    },
    cross=(_schedule_rules,),
)

INFERENCE_RULE_LEGACY: dict[str, Json] = {
    "sID": "rule-1",
    "iDebounceTimes": 3,
    "lConfidenceFilter": [0.5, 1.0],
    "lClassFilter": [0],
    "lRegionFilter": [{"lPolygon": FULL_FRAME}],
}
INFERENCE_RULE: dict[str, Json] = {**INFERENCE_RULE_LEGACY, "lClassFilter": ["person"]}
"""An inference rule of the 2026 firmware (label names; ``person`` is a label of the default model)."""
SED_DEFAULTS: dict[str, Json] = {
    "sID": "sed-1",
    "iConsecutiveWindowMs": 1000,
    "lConfidenceFilter": [0.5, 1.0],
    "lClassFilter": ["glass_break"],
}
_LEGACY_OBJECT: dict[str, Json] = {
    "sCurrentSelected": "INFERENCE_SET",
    "lInferenceSet": [INFERENCE_RULE_LEGACY],
    "dTimer": {"iIntervalSeconds": 60},
    "dGPIO": {"sName": "GPIO_01", "sState": "FLOATING", "sSignal": "HIGH", "iDebounceDurationMs": 100},
    "dTTY": {"sName": "Console", "sCommand": "RECORD"},
}
_RULE_CHECKS: dict[str, Rule] = {
    "lInferenceSet[].sID": Check(_non_empty, "a non-empty string"),
    "lInferenceSet[].iDebounceTimes": Range(0, 1000),
    "lInferenceSet[].lConfidenceFilter": Check(_confidence, "[min, max] with 0 <= min <= max <= 1"),
    "lInferenceSet[].lRegionFilter[].lPolygon": Check(
        _polygon, "at least 3 points [x, y] normalised to 0..1 (full frame: [[0,0],[1,0],[1,1],[0,1]])"
    ),
    "dTimer.iIntervalSeconds": Range(1, 604_800),
    "dGPIO.sName": OneOf(AVAILABLE_GPIOS),
    "dGPIO.sState": OneOf(("FLOATING", "PULL_UP", "PULL_DOWN")),
    "dGPIO.sSignal": OneOf(("HIGH", "LOW", "RISING", "FALLING")),
    "dGPIO.iDebounceDurationMs": Range(0, 60_000),
    "dTTY.sName": Check(_non_empty, "a non-empty TTY name"),
    "dTTY.sCommand": Check(_non_empty, "a non-empty command"),
}
_SED_CHECKS: dict[str, Rule] = {
    "dSED.sID": Check(_non_empty, "a non-empty string"),
    "dSED.iConsecutiveWindowMs": Range(1, 60_000),
    "dSED.lConfidenceFilter": Check(_confidence, "[min, max] with 0 <= min <= max <= 1"),
    "dSED.lClassFilter": Check(_sound_names, f"a list of sound class names ({', '.join(SOUND_CLASSES)})"),
}

RECORD_RULE_LEGACY = ConfigSpec(
    path="/record/rule/record-rule-config",
    write_method="POST",
    module=_M,
    defaults=_LEGACY_OBJECT,
    items={
        "lInferenceSet": INFERENCE_RULE_LEGACY,
        "lInferenceSet[].lRegionFilter": {"lPolygon": FULL_FRAME},
    },
    rules={
        "sCurrentSelected": OneOf(TRIGGERS_LEGACY),
        "lInferenceSet[].lClassFilter": Check(_class_ids, "a list of class ids (integers >= 0); names need V1.1"),
        **_RULE_CHECKS,
    },
    cross=(_trigger_rules,),
)
"""The record rule of the legacy firmware."""

RECORD_RULE_2026 = ConfigSpec(
    path="/record/rule/record-rule-config",
    write_method="POST",
    module=_M,
    defaults={**_LEGACY_OBJECT, "lInferenceSet": [INFERENCE_RULE], "dSED": SED_DEFAULTS},
    items={
        "lInferenceSet": INFERENCE_RULE,
        "lInferenceSet[].lRegionFilter": {"lPolygon": FULL_FRAME},
    },
    rules={
        "sCurrentSelected": OneOf(TRIGGERS),
        "lInferenceSet[].lClassFilter": Check(_label_names, "a list of label names (strings), not class ids"),
        **_RULE_CHECKS,
        **_SED_CHECKS,
    },
    cross=(_trigger_rules,),
)
"""The record rule of the 2026 firmware (label names are checked against the model by ``routes/recording.py``)."""

RECORD_RULE = dataclasses.replace(
    RECORD_RULE_2026,
    rules={
        **RECORD_RULE_2026.rules,
        "lInferenceSet[].lClassFilter": Check(_class_filter, "a list of class ids (>= 0) or label names"),
    },
)
"""The shape both generations share: what a config import is checked against."""

SD_DEV_PATH = "/dev/mmcblk1p1"
SD_UUID = "7A3C-91F2"
EMMC_DEV_PATH = "/dev/mmcblk0p8"
EMMC_UUID = "5c0e2b1a-8d4f-4e61-9a57-3b2f1c7d9e04"

STORAGE_CONFIG = ConfigSpec(
    path="/record/storage/config",
    write_method="POST",
    module=_M,
    defaults={"dSelectSlotToEnable": {"sByDevPath": SD_DEV_PATH, "sByUUID": SD_UUID}},
    nullable=frozenset({"dSelectSlotToEnable"}),
    rules={
        "dSelectSlotToEnable": Check(_slot_selection, "{sByDevPath, sByUUID} naming a slot, or null to disable all"),
    },
)

SPECS: tuple[ConfigSpec, ...] = (RULE_CONFIG, SCHEDULE, RECORD_RULE, STORAGE_CONFIG)
RECORD_RULES: dict[str, ConfigSpec] = {"legacy": RECORD_RULE_LEGACY, "2026": RECORD_RULE_2026}
"""The record rule of each firmware generation."""
