"""The ISP object ``/image/0`` (20xxx): one :class:`ConfigSpec` per writable sub-object, and the full defaults.

Fields and ranges follow ``recamera-api-fields.md`` §2.4. These specs are **not** in ``ALL_SPECS``: the image
object is served by ``routes/image.py`` (edit mode, profiles), which uses them for its strict writes.
"""

from __future__ import annotations

import copy
from typing import Any

from recamera_mcp.simulator.errors import Module
from recamera_mcp.simulator.schemas.base import Check, ConfigSpec, Json, OneOf, Pattern, Range

_M = Module.VIDEO
_PERCENT = Range(0, 100)
_OPEN_CLOSE = OneOf(("open", "close"))

PROFILE_NAMES = ("general", "day", "night")


def _dusk_after_dawn(obj: dict[str, Json]) -> str | None:
    if obj["iDuskTime"] <= obj["iDawnTime"]:
        return f"iDuskTime ({obj['iDuskTime']}) must be greater than iDawnTime ({obj['iDawnTime']})"
    return None


def _one_backlight_mode(obj: dict[str, Json]) -> str | None:
    names = {"sBLCRegion": "BLC", "sHDR": "HDR", "sHLC": "HLC"}
    opened = [f"{label} ({key})" for key, label in names.items() if obj[key] == "open"]
    if len(opened) > 1:
        return (
            f'BLC, HDR and HLC exclude each other, at most one may be "open": {" and ".join(opened)} are open; '
            'set the others to "close"'
        )
    return None


VIDEO_ADJUSTMENT = ConfigSpec(
    path="/image/0/video-adjustment",
    write_method="PUT",
    module=_M,
    defaults={"iImageRotation": 0, "sImageFlip": "close", "sPowerLineFrequencyMode": "PAL(50HZ)"},
    rules={
        "iImageRotation": OneOf((0, 90, 180, 270)),
        "sImageFlip": OneOf(("close", "mirror", "flip", "centrosymmetric")),
        "sPowerLineFrequencyMode": OneOf(("PAL(50HZ)", "NTSC(60HZ)")),
    },
)

NIGHT_TO_DAY = ConfigSpec(
    path="/image/0/night-to-day",
    write_method="PUT",
    module=_M,
    defaults={
        "iMode": 0,
        "iNightToDayFilterLevel": 1,
        "iNightToDayFilterTime": 5,
        "iDawnTime": 28800,
        "iDuskTime": 64800,
        "iProfileSelect": 0,
        "iProfileCur": 0,
    },
    rules={
        "iMode": OneOf((0, 1, 2)),
        "iNightToDayFilterLevel": OneOf((0, 1, 2)),
        "iNightToDayFilterTime": Range(1, 60),
        "iDawnTime": Range(0, 86400),
        "iDuskTime": Range(0, 86400),
        "iProfileSelect": Range(0, 2),
    },
    readonly=frozenset({"iProfileCur"}),
    cross=(_dusk_after_dawn,),
)

ADJUSTMENT = ConfigSpec(
    path="/image/0/{s}/adjustment",
    write_method="PUT",
    module=_M,
    defaults={"iBrightness": 50, "iContrast": 50, "iHue": 50, "iSaturation": 50, "iSharpness": 50},
    rules={key: _PERCENT for key in ("iBrightness", "iContrast", "iHue", "iSaturation", "iSharpness")},
)

EXPOSURE = ConfigSpec(
    path="/image/0/{s}/exposure",
    write_method="PUT",
    module=_M,
    defaults={"sExposureMode": "auto", "sGainMode": "auto", "iExposureGain": 1, "sExposureTime": "1/30"},
    rules={
        "sExposureMode": OneOf(("auto", "manual")),
        "sGainMode": OneOf(("auto", "manual")),
        "iExposureGain": Check(lambda v: v >= 1, ">= 1"),
        "sExposureTime": Pattern(r"1(/[1-9][0-9]{0,4})?", 'a shutter time such as "1/30" (1 or 1/N)'),
    },
)

BLC = ConfigSpec(
    path="/image/0/{s}/blc",
    write_method="PUT",
    module=_M,
    defaults={
        "sBLCRegion": "close",
        "iBLCStrength": 28,
        "sHDR": "close",
        "iHDRLevel": 1,
        "sHLC": "close",
        "iHLCLevel": 1,
        "iDarkBoostLevel": 50,
    },
    rules={
        "sBLCRegion": _OPEN_CLOSE,
        "sHDR": _OPEN_CLOSE,
        "sHLC": _OPEN_CLOSE,
        "iBLCStrength": _PERCENT,
        "iHDRLevel": Check(lambda v: v == 1, "1"),
        "iHLCLevel": Range(1, 100),
        "iDarkBoostLevel": Range(1, 100),
    },
    cross=(_one_backlight_mode,),
)

WHITE_BALANCE = ConfigSpec(
    path="/image/0/{s}/white-blance",
    write_method="PUT",
    module=_M,
    defaults={"sWhiteBlanceStyle": "auto", "iWhiteBalanceCT": 5000},
    rules={
        "sWhiteBlanceStyle": OneOf(("auto", "manual", "daylight", "streetlamp", "outdoor")),
        "iWhiteBalanceCT": Range(2800, 7500),
    },
)

ENHANCEMENT = ConfigSpec(
    path="/image/0/{s}/enhancement",
    write_method="PUT",
    module=_M,
    defaults={"iNoiseReduceMode": 1, "iSpatialDenoiseLevel": 50, "iTemporalDenoiseLevel": 50},
    rules={"iNoiseReduceMode": OneOf((0, 1)), "iSpatialDenoiseLevel": _PERCENT, "iTemporalDenoiseLevel": _PERCENT},
)

PROFILE_SPECS: dict[str, tuple[str, ConfigSpec]] = {
    "adjustment": ("imageAdjustment", ADJUSTMENT),
    "exposure": ("exposure", EXPOSURE),
    "blc": ("BLC", BLC),
    "white-blance": ("whiteBlance", WHITE_BALANCE),
    "enhancement": ("imageEnhancement", ENHANCEMENT),
}
"""Path segment of ``PUT /image/0/{s}/<segment>`` -> (key in a profile, spec)."""

_PROFILE_OVERRIDES: dict[int, dict[str, dict[str, Any]]] = {
    1: {"imageAdjustment": {"iBrightness": 52, "iSaturation": 55}},
    2: {
        "imageAdjustment": {"iBrightness": 60, "iSaturation": 30},
        "exposure": {"sExposureTime": "1/15"},
        "imageEnhancement": {"iSpatialDenoiseLevel": 70, "iTemporalDenoiseLevel": 70},
    },
}


def default_profile(index: int) -> dict[str, Any]:
    """Profile ``index`` (0 general, 1 day, 2 night) as the device ships it."""
    profile = {key: spec.default_object() for key, spec in PROFILE_SPECS.values()}
    for key, changes in _PROFILE_OVERRIDES.get(index, {}).items():
        profile[key].update(changes)
    return profile


def default_image() -> dict[str, Any]:
    """The whole ``GET /image/0`` object with the factory values."""
    return {
        "id": 0,
        "videoAdjustment": VIDEO_ADJUSTMENT.default_object(),
        "nightToDay": NIGHT_TO_DAY.default_object(),
        "profile": [copy.deepcopy(default_profile(index)) for index in range(len(PROFILE_NAMES))],
    }
