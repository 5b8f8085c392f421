"""Client-side rules of the video, stream, OSD and audio config objects, checked on the merged object before a write.

:func:`check_merged` is called by the config area's read-modify-write with the object as read and the object
about to be sent; :func:`trigger_region_problems` takes the inference model's category it read from the device. All
of it is pure: data in, problems out. Only problems the change introduces are refused (a value the device already
holds that these rules dislike does not block an unrelated change). Ranges follow ``recamera-api-fields.md`` §2.3
(the firmware's own validation messages); every error names the field, the allowed range and a fix.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from recamera_mcp.client._dialect import Dialect
from recamera_mcp.client._endpoints import AreaSpec, ConfigArea, area_for_path
from recamera_mcp.client._errors import ValidationError

__all__ = [
    "MAX_PRIVACY_MASKS",
    "VALIDATORS",
    "Problem",
    "check_merged",
    "needs_model_category",
    "problems_of",
    "raise_first",
    "trigger_label_problems",
    "trigger_region_problems",
]

MAX_PRIVACY_MASKS = 6


@dataclass(frozen=True)
class Problem:
    """One broken rule: the dotted field, what is wrong (with the allowed range), how to fix it."""

    field: str
    message: str
    fix: str


Validator = Callable[[dict[str, Any]], list[Problem]]


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Rules:
    """Collects problems while walking one object."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj
        self.problems: list[Problem] = []

    def get(self, dotted: str) -> Any:
        value: Any = self.obj
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                return _ABSENT
            value = value[part]
        return value

    def add(self, field: str, message: str, fix: str) -> None:
        self.problems.append(Problem(field, message, fix))

    def bit(self, dotted: str) -> None:
        value = self.get(dotted)
        if value is not _ABSENT and not (_int(value) and value in (0, 1)):
            self.add(dotted, f"{dotted} must be 0 or 1, got {value!r}", f"set {dotted} to 0 (off) or 1 (on)")

    def int_range(self, dotted: str, low: int, high: int, what: str = "") -> None:
        value = self.get(dotted)
        if value is not _ABSENT and not (_int(value) and low <= value <= high):
            self.add(dotted, f"{dotted} must be an integer {low}~{high}{what}, got {value!r}", f"use {low}..{high}")

    def one_of(self, dotted: str, choices: tuple[Any, ...]) -> None:
        value = self.get(dotted)
        if value is not _ABSENT and (value not in choices or isinstance(value, bool)):
            shown = ", ".join(repr(c) for c in choices)
            self.add(dotted, f"{dotted} must be one of {shown}, got {value!r}", f"use one of {shown}")

    def unit(self, dotted: str) -> None:
        value = self.get(dotted)
        if value is not _ABSENT and not (_num(value) and 0 <= value <= 1):
            self.add(
                dotted,
                f"{dotted} must be a fraction of the frame 0..1 (normalized, not pixels), got {value!r}",
                "divide pixels by the frame width (x, width) or height (y, height), e.g. 0.25",
            )


_ABSENT = object()


# ---- /video/{0|1}/encode ------------------------------------------------------------------------------------------
def _encode(max_w: int, max_h: int, stream: str) -> Validator:
    def check(obj: dict[str, Any]) -> list[Problem]:
        r = _Rules(obj)
        r.bit("iEnabled")
        res = r.get("sResolution")
        limits = f"384*384 ~ {max_w}*{max_h} for the {stream} stream"
        if res is not _ABSENT:
            match = re.fullmatch(r"(\d{1,5})\*(\d{1,5})", res) if isinstance(res, str) else None
            if match is None:
                r.add("sResolution", f'sResolution must be "W*H" (with *), got {res!r}', f'e.g. "1920*1080" ({limits})')
            elif not (384 <= int(match[1]) <= max_w and 384 <= int(match[2]) <= max_h):
                r.add("sResolution", f"sResolution {res} is outside {limits}", "choose a size within those limits")
        r.one_of("sOutputDataType", ("H.264", "H.265"))
        fps = r.get("sFrameRate")
        if fps is not _ABSENT and not (isinstance(fps, str) and fps.isdigit() and 1 <= int(fps) <= 120):
            r.add("sFrameRate", f"sFrameRate must be a numeric string 1~120, got {fps!r}", 'e.g. "30" (a string)')
        r.int_range("iMaxRate", 3, 65536, " kbit/s")
        r.int_range("iGOP", 1, 120, " frames")
        r.one_of("sRCMode", ("CBR", "VBR"))
        r.one_of("sRCQuality", ("highest", "high", "medium", "low"))
        kind = r.get("sStreamType")
        if isinstance(kind, str) and len(kind) > 63:
            r.add("sStreamType", "sStreamType is too long (max 63 chars)", "use a shorter name")
        return r.problems

    return check


# ---- /video/{0|1}/stream ------------------------------------------------------------------------------------------
def _multicast(value: Any) -> bool:
    try:
        return isinstance(value, str) and ipaddress.IPv4Address(value).is_multicast
    except ValueError:
        return False


def _stream(main: bool) -> Validator:
    def check(obj: dict[str, Any]) -> list[Problem]:
        r = _Rules(obj)
        for name in ("rtsp.iEnabled", "rtsp.iAuthType", "rtmp.iEnabled", "onvif.iEnabled", "onvif.iAuthType"):
            r.bit(name)
        r.bit("muticast.iEnabled")
        on = [name for name in ("rtsp", "rtmp", "onvif") if r.get(f"{name}.iEnabled") == 1]
        if main and len(on) > 1:
            off = json.dumps({name: {"iEnabled": 0} for name in on[:-1]})
            r.add(
                f"{on[-1]}.iEnabled",
                f"only one of RTSP/RTMP/ONVIF can be enabled at a time for the main stream ({' and '.join(on)} "
                "would be on)",
                f"keep one on and turn the others off in the same change, e.g. to keep {on[-1]}: {off}",
            )
        if not main:
            if "onvif" in on:
                r.add("onvif.iEnabled", "ONVIF is served on the main stream only", "set onvif.iEnabled to 0 here")
            if "rtsp" in on and "rtmp" in on:
                r.add(
                    "rtmp.iEnabled",
                    "only one of RTSP/RTMP can be enabled at a time for the sub stream",
                    'turn RTSP off in the same change: {"rtsp": {"iEnabled": 0}}',
                )
        url = r.get("rtmp.sURL")
        if r.get("rtmp.iEnabled") == 1 and not url:
            r.add(
                "rtmp.sURL",
                "RTMP is enabled but rtmp.sURL is empty",
                'give the push target, e.g. "rtmp://host/live/key"',
            )
        elif url not in (_ABSENT, "") and not (isinstance(url, str) and re.fullmatch(r"rtmps?://[^\s/]+(/\S*)?", url)):
            r.add(
                "rtmp.sURL", f"rtmp.sURL must be an rtmp:// or rtmps:// URL, got {url!r}", "e.g. rtmp://host/live/key"
            )
        address = r.get("muticast.sAddress")
        if address is not _ABSENT and not _multicast(address):
            r.add(
                "muticast.sAddress",
                f"muticast.sAddress must be an IPv4 multicast address (224.0.0.0 ~ 239.255.255.255), got {address!r}",
                'e.g. "224.1.1.1"',
            )
        port = r.get("muticast.sPort")
        if port is not _ABSENT and not (isinstance(port, str) and port.isdigit() and 1 <= int(port) <= 65535):
            r.add("muticast.sPort", f"muticast.sPort must be a numeric string 1~65535, got {port!r}", 'e.g. "8868"')
        return r.problems

    return check


# ---- /osd/cfg -----------------------------------------------------------------------------------------------------
_DATE_STYLES = tuple(f"{k}-{o}" for k in ("CHR", "NUM") for o in ("YYYY-MM-DD", "DD-MM-YYYY", "MM-DD-YYYY"))


def _osd(obj: dict[str, Any]) -> list[Problem]:
    r = _Rules(obj)
    r.one_of("attribute.iOSDFontSize", (0, 16, 32, 48, 64))
    color = r.get("attribute.sOSDFrontColor")
    if color is not _ABSENT and not (isinstance(color, str) and re.fullmatch(r"[0-9A-Fa-f]{6}", color)):
        r.add(
            "attribute.sOSDFrontColor",
            f"attribute.sOSDFrontColor must be 6 hex digits RRGGBB without #, got {color!r}",
            'e.g. "FFFFFF" for white, "FF0000" for red',
        )
    r.bit("attribute.sOSDFrontColorMode")
    for section in ("channelNameOverlay", "dateTimeOverlay", "SNOverlay"):
        r.bit(f"{section}.iEnabled")
        r.unit(f"{section}.iPositionX")
        r.unit(f"{section}.iPositionY")
    r.bit("inferenceOverlay.iEnabled")
    r.bit("dateTimeOverlay.iDisplayWeekEnabled")
    r.one_of("dateTimeOverlay.sDateStyle", _DATE_STYLES)
    r.one_of("dateTimeOverlay.sTimeStyle", ("12hour", "24hour"))
    name = r.get("channelNameOverlay.sChannelName")
    if isinstance(name, str) and len(name) > 63:
        r.add("channelNameOverlay.sChannelName", "the channel name is longer than 63 characters", "shorten it")
    r.bit("maskOverlay.iEnabled")
    masks = r.get("maskOverlay.privacyMask")
    if masks is not _ABSENT:
        if not isinstance(masks, list):
            r.add("maskOverlay.privacyMask", "maskOverlay.privacyMask must be a list", "give a list of mask objects")
            return r.problems
        if len(masks) > MAX_PRIVACY_MASKS:
            r.add(
                "maskOverlay.privacyMask",
                f"at most {MAX_PRIVACY_MASKS} privacy masks are allowed, got {len(masks)}",
                "merge neighbouring regions into one larger rectangle or drop some",
            )
        seen: set[Any] = set()
        for index, mask in enumerate(masks):
            where = f"maskOverlay.privacyMask[{index}]"
            if not isinstance(mask, dict):
                r.add(where, f"{where} must be an object", "give {id, iPositionX, iPositionY, iMaskWidth, iMaskHeight}")
                continue
            sub = _Rules(mask)
            mask_id = mask.get("id", _ABSENT)
            if mask_id is not _ABSENT and not (_int(mask_id) and mask_id >= 0):
                sub.add("id", f"id must be an integer >= 0, got {mask_id!r}", "number the masks 0, 1, 2, ...")
            elif mask_id in seen:
                sub.add("id", f"id {mask_id} appears twice", "give every mask its own id")
            seen.add(mask_id)
            for key in ("iPositionX", "iPositionY", "iMaskWidth", "iMaskHeight"):
                sub.unit(key)
            r.problems += [Problem(f"{where}.{p.field}", f"{where}.{p.message}", p.fix) for p in sub.problems]
    return r.problems


# ---- /audio -------------------------------------------------------------------------------------------------------
def _audio(obj: dict[str, Any]) -> list[Problem]:
    r = _Rules(obj)
    r.bit("iEnable")
    kind, rate = r.get("sEncodeType"), r.get("iBitRate")
    if kind is not _ABSENT and kind not in ("G711A", "G711U", "G726"):
        r.add("sEncodeType", f"unsupported sEncodeType {kind!r}", "use G711A, G711U or G726")
    elif kind in ("G711A", "G711U") and rate != 64000:
        r.add("iBitRate", f"iBitRate must be 64000 for {kind}, got {rate!r}", "set iBitRate to 64000")
    elif kind == "G726" and rate not in (16000, 24000, 32000, 40000):
        r.add("iBitRate", f"iBitRate must be 16000, 24000, 32000 or 40000 for G726, got {rate!r}", "pick one of those")
    return r.problems


def _audio_storage(obj: dict[str, Any]) -> list[Problem]:
    r = _Rules(obj)
    r.bit("iEnable")
    r.one_of("sEncodeType", ("MP3",))
    r.int_range("iBitRate", 8000, 128000, " bit/s")
    return r.problems


# ---- /record/rule/* (recamera-api-fields.md §2.5) ------------------------------------------------------------------
RECORD_FORMATS = ("MP4", "JPG", "RAW")
LEGACY_TRIGGERS = ("INFERENCE_SET", "TIMER", "GPIO", "TTY", "HTTP")
RECORD_TRIGGERS = (*LEGACY_TRIGGERS, "ALWAYS_ON", "SED")
"""Trigger kinds of 2026 firmware (legacy firmware knows :data:`LEGACY_TRIGGERS`)."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""The firmware's week runs Mon 00:00:00 to Sun 24:00:00."""
FULL_FRAME: list[list[float]] = [[0, 0], [1, 0], [1, 1], [0, 1]]
_WEEK_TIME = re.compile(r"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (\d\d):(\d\d):(\d\d)")


def week_seconds(value: Any) -> int | None:
    """Seconds since Mon 00:00:00 of ``"Tue 09:30:00"`` ("24:00:00" allowed), or None when malformed."""
    match = _WEEK_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    hours, minutes, seconds = int(match[2]), int(match[3]), int(match[4])
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        return None
    return WEEKDAYS.index(match[1]) * 86400 + hours * 3600 + minutes * 60 + seconds


def _record_global(obj: dict[str, Any]) -> list[Problem]:
    r = _Rules(obj)
    fmt = r.get("dWriterConfig.sFormat")
    if fmt is not _ABSENT and fmt not in RECORD_FORMATS:
        upper = fmt.upper() if isinstance(fmt, str) else None
        r.add(
            "dWriterConfig.sFormat",
            f"dWriterConfig.sFormat must be MP4, JPG or RAW (upper case), got {fmt!r}",
            f'use "{upper}"' if upper in RECORD_FORMATS else 'use "MP4" for video clips or "JPG" for snapshots',
        )
    r.int_range("dWriterConfig.iIntervalMs", 0, 86_400_000, " ms (0 for video; e.g. 5000 for snapshots)")
    return r.problems


def _record_schedule(obj: dict[str, Any]) -> list[Problem]:
    r = _Rules(obj)
    windows = r.get("lActiveWeekdays")
    if windows is _ABSENT:
        return r.problems
    if not isinstance(windows, list):
        r.add(
            "lActiveWeekdays",
            "lActiveWeekdays must be a list of {sStart, sEnd}",
            'e.g. [{"sStart": "Mon 09:00:00", "sEnd": "Mon 18:00:00"}]',
        )
        return r.problems
    if r.get("bEnabled") is True and not windows:
        r.add(
            "lActiveWeekdays",
            "the schedule is enabled with no window, so nothing would ever be recorded",
            "add a window, or set bEnabled to false to record at any time",
        )
    for index, window in enumerate(windows):
        where = f"lActiveWeekdays[{index}]"
        if not isinstance(window, dict) or set(window) != {"sStart", "sEnd"}:
            r.add(where, f"{where} must be {{sStart, sEnd}}", 'e.g. {"sStart": "Mon 09:00:00", "sEnd": "Mon 18:00:00"}')
            continue
        start, end = week_seconds(window["sStart"]), week_seconds(window["sEnd"])
        for key, value in (("sStart", start), ("sEnd", end)):
            if value is None:
                r.add(
                    f"{where}.{key}",
                    f'{where}.{key} must be a weekday and time such as "Mon 09:00:00", got {window[key]!r}',
                    "days Sun..Sat (three letters, capitalised), 24-hour time, 24:00:00 allowed",
                )
        if start is not None and end is not None and end <= start:
            r.add(
                f"{where}.sEnd",
                f"{where} ends ({window['sEnd']}) before it starts ({window['sStart']}); the week runs Mon 00:00:00 "
                "to Sun 24:00:00",
                'split a window across Sunday midnight in two, e.g. "Sun 22:00:00"-"Sun 24:00:00" and '
                '"Mon 00:00:00"-"Mon 06:00:00"',
            )
    return r.problems


def _polygon_ok(points: Any) -> bool:
    return (
        isinstance(points, list)
        and len(points) >= 3
        and all(isinstance(p, list) and len(p) == 2 and all(_num(c) and 0 <= c <= 1 for c in p) for p in points)
    )


def _class_filter(r: _Rules, classes: Any, where: str, dialect: Dialect) -> None:
    """Label names on 2026 firmware, class ids on legacy firmware."""
    if classes is _ABSENT:
        return
    if dialect == Dialect.CURRENT:
        if not (isinstance(classes, list) and all(isinstance(c, str) and c.strip() for c in classes)):
            r.add(
                f"{where}.lClassFilter",
                f"{where}.lClassFilter must be a list of label names on this firmware, got {classes!r}",
                'use the model\'s label names, e.g. ["person"] (newer firmware takes names, not ids)',
            )
    elif not (isinstance(classes, list) and all(_int(c) and c >= 0 for c in classes)):
        r.add(
            f"{where}.lClassFilter",
            f"{where}.lClassFilter must be a list of class ids (>= 0) on this firmware, got {classes!r}",
            "use the model's class indexes, e.g. [0] for COCO person (this firmware takes ids, not names)",
        )


def _inference_rule(r: _Rules, rule: Any, where: str, seen: set[Any], dialect: Dialect) -> None:
    if not isinstance(rule, dict):
        r.add(
            where,
            f"{where} must be an object",
            "give {sID, iDebounceTimes, lConfidenceFilter, lClassFilter, lRegionFilter}",
        )
        return
    rule_id = rule.get("sID", _ABSENT)
    if rule_id is not _ABSENT and not (isinstance(rule_id, str) and rule_id.strip()):
        r.add(f"{where}.sID", f"{where}.sID must be a non-empty string", 'e.g. "person-at-door"')
    elif rule_id in seen:
        r.add(f"{where}.sID", f"{where}.sID {rule_id!r} is used twice", "give every rule its own sID")
    seen.add(rule_id)
    debounce = rule.get("iDebounceTimes", _ABSENT)
    if debounce is not _ABSENT and not (_int(debounce) and 0 <= debounce <= 1000):
        r.add(
            f"{where}.iDebounceTimes",
            f"{where}.iDebounceTimes must be an integer 0~1000, got {debounce!r}",
            "frames in a row that must match, e.g. 3",
        )
    conf = rule.get("lConfidenceFilter", _ABSENT)
    if conf is not _ABSENT and not (
        isinstance(conf, list) and len(conf) == 2 and all(_num(v) and 0 <= v <= 1 for v in conf) and conf[0] <= conf[1]
    ):
        r.add(
            f"{where}.lConfidenceFilter",
            f"{where}.lConfidenceFilter must be [min, max] with 0 <= min <= max <= 1, got {conf!r}",
            "e.g. [0.5, 1.0] (fractions, not percent)",
        )
    _class_filter(r, rule.get("lClassFilter", _ABSENT), where, dialect)
    regions = rule.get("lRegionFilter", _ABSENT)
    if regions is _ABSENT:
        return
    if not isinstance(regions, list):
        r.add(
            f"{where}.lRegionFilter",
            f"{where}.lRegionFilter must be a list of {{lPolygon}}",
            f'full frame: [{{"lPolygon": {FULL_FRAME}}}]',
        )
        return
    for k, region in enumerate(regions):
        points = region.get("lPolygon") if isinstance(region, dict) else None
        if not _polygon_ok(points):
            r.add(
                f"{where}.lRegionFilter[{k}].lPolygon",
                f"{where}.lRegionFilter[{k}].lPolygon must have at least 3 "
                f"points [x, y] normalised to 0..1, got {points!r}",
                f"e.g. the full frame {FULL_FRAME}",
            )


def _record_triggers(obj: dict[str, Any], dialect: Dialect = Dialect.CURRENT) -> list[Problem]:
    r = _Rules(obj)
    selected = r.get("sCurrentSelected")
    r.one_of("sCurrentSelected", RECORD_TRIGGERS if dialect == Dialect.CURRENT else LEGACY_TRIGGERS)
    rules = r.get("lInferenceSet")
    if rules is not _ABSENT:
        if not isinstance(rules, list):
            r.add("lInferenceSet", "lInferenceSet must be a list of rules", "give [] or a list of rule objects")
        else:
            seen: set[Any] = set()
            for index, rule in enumerate(rules):
                _inference_rule(r, rule, f"lInferenceSet[{index}]", seen, dialect)
            if selected == "INFERENCE_SET" and not rules:
                r.add(
                    "lInferenceSet",
                    "the INFERENCE_SET trigger needs at least one rule in lInferenceSet",
                    'add one, e.g. {"sID": "person", "iDebounceTimes": 3, "lConfidenceFilter": [0.5, 1.0], '
                    '"lClassFilter": [0], "lRegionFilter": [{"lPolygon": [[0,0],[1,0],[1,1],[0,1]]}]}',
                )
    r.int_range("dTimer.iIntervalSeconds", 1, 604_800, " s")
    r.one_of("dGPIO.sState", ("FLOATING", "PULL_UP", "PULL_DOWN"))
    r.one_of("dGPIO.sSignal", ("HIGH", "LOW", "RISING", "FALLING"))
    r.int_range("dGPIO.iDebounceDurationMs", 0, 60_000, " ms")
    r.int_range("dSED.iConsecutiveWindowMs", 1, 60_000, " ms")
    sed = r.get("dSED")
    if isinstance(sed, dict):
        _class_filter(r, sed.get("lClassFilter", _ABSENT), "dSED", dialect)
    for key in ("dTTY.sName", "dTTY.sCommand"):
        value = r.get(key)
        if value is not _ABSENT and not (isinstance(value, str) and value.strip()):
            r.add(key, f"{key} must be a non-empty string", 'e.g. dTTY {"sName": "Console", "sCommand": "RECORD"}')
    return r.problems


VALIDATORS: dict[ConfigArea, Validator] = {
    ConfigArea.VIDEO_ENCODE_MAIN: _encode(3840, 2160, "main"),
    ConfigArea.VIDEO_ENCODE_SUB: _encode(1920, 1080, "sub"),
    ConfigArea.STREAM_MAIN: _stream(main=True),
    ConfigArea.STREAM_SUB: _stream(main=False),
    ConfigArea.OSD: _osd,
    ConfigArea.AUDIO_MAIN: _audio,
    ConfigArea.AUDIO_SUB: _audio,
    ConfigArea.AUDIO_STORAGE: _audio_storage,
    ConfigArea.RECORD_GLOBAL: _record_global,
    ConfigArea.RECORD_SCHEDULE: _record_schedule,
    ConfigArea.RECORD_TRIGGERS: _record_triggers,
}
"""Per-area rules of the merged object (areas without an entry are checked by the device only)."""


def problems_of(area: ConfigArea, obj: dict[str, Any], dialect: Dialect = Dialect.CURRENT) -> list[Problem]:
    """Every rule of ``area`` that ``obj`` breaks on firmware of ``dialect`` (empty for areas without rules)."""
    if area == ConfigArea.RECORD_TRIGGERS:
        return _record_triggers(obj, dialect)
    validator = VALIDATORS.get(area)
    return validator(obj) if validator is not None else []


def check_merged(
    spec: AreaSpec, current: dict[str, Any], merged: dict[str, Any], dialect: Dialect = Dialect.CURRENT
) -> None:
    """Raise :class:`ValidationError` for the first problem the change introduces (before anything is written)."""
    area = area_for_path(spec.path, raw=spec.raw)
    if area is None or area not in VALIDATORS:
        return
    before = {(p.field, p.message) for p in problems_of(area, current, dialect)}
    new = [p for p in problems_of(area, merged, dialect) if (p.field, p.message) not in before]
    if new:
        first = new[0]
        more = (
            f" (and {len(new) - 1} more problem(s): {'; '.join(p.message for p in new[1:3])})" if len(new) > 1 else ""
        )
        raise ValidationError(f"{area.value}: {first.message}{more}", first.fix, field=first.field)


# ---- rules that depend on the device's state ----------------------------------------------------------------------
def trigger_region_problems(merged: dict[str, Any], category: str | None) -> list[Problem]:
    """Record triggers against the inference model's category (``"Detection"``, ``"Classification"``, None when
    unknown): classification => every ``lRegionFilter`` empty; detection => at least one polygon. A rule without
    ``lRegionFilter`` gets the category's default in place (empty, or the full frame)."""
    rules = merged.get("lInferenceSet")
    if not isinstance(rules, list):
        return []
    problems: list[Problem] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        where = f"lInferenceSet[{index}].lRegionFilter"
        if "lRegionFilter" not in rule:
            if category == "Classification":
                rule["lRegionFilter"] = []
            elif category == "Detection":
                rule["lRegionFilter"] = [{"lPolygon": [list(point) for point in FULL_FRAME]}]
            continue
        regions = rule["lRegionFilter"]
        if category == "Classification" and regions:
            problems.append(
                Problem(
                    where,
                    f"{where} must be empty: the inference model is a classification model (it has no boxes to "
                    "place in a region)",
                    f"send {where.split('.')[-1]}: [] for this rule",
                )
            )
        elif category == "Detection" and regions == []:
            problems.append(
                Problem(
                    where,
                    f"{where} needs at least one polygon: the inference model is a detection model",
                    f'for the full frame send [{{"lPolygon": {FULL_FRAME}}}]',
                )
            )
    return problems


def trigger_label_problems(merged: dict[str, Any], labels: tuple[str, ...], dialect: Dialect) -> list[Problem]:
    """Every inference rule's class filter names labels of the inference model (names on 2026 firmware, ids below
    the label count on legacy firmware); nothing is checked when the labels are unknown."""
    rules = merged.get("lInferenceSet")
    if not labels or not isinstance(rules, list):
        return []
    problems: list[Problem] = []
    known = set(labels)
    shown = ", ".join(labels[:20]) + (" ..." if len(labels) > 20 else "")
    for index, rule in enumerate(rules):
        classes = rule.get("lClassFilter") if isinstance(rule, dict) else None
        if not isinstance(classes, list):
            continue
        where = f"lInferenceSet[{index}].lClassFilter"
        if dialect == Dialect.CURRENT:
            unknown = [c for c in classes if isinstance(c, str) and c not in known]
        else:
            unknown = [c for c in classes if _int(c) and c >= len(labels)]
        if unknown:
            problems.append(
                Problem(
                    where,
                    f"{where}: {unknown!r} not among the inference model's labels",
                    f"use labels of the model ({shown})" if dialect == Dialect.CURRENT
                    else f"use class ids 0..{len(labels) - 1} of the model ({shown})",
                )
            )  # fmt: skip
    return problems


def needs_model_category(area: ConfigArea | None, merged: dict[str, Any]) -> bool:
    """True when checking ``merged`` needs the inference model's category (record triggers with rules)."""
    rules = merged.get("lInferenceSet")
    return area == ConfigArea.RECORD_TRIGGERS and isinstance(rules, list) and any(isinstance(r, dict) for r in rules)


def raise_first(area: ConfigArea, problems: list[Problem]) -> None:
    """Raise :class:`ValidationError` for the first problem (mentioning how many more there are)."""
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValidationError(f"{area.value}: {first.message}{more}", first.fix, field=first.field)
