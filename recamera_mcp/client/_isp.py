"""ISP groups, the pure part: the typed groups of image settings (the device's own keys and ranges), their
validation, and the rules across fields (one backlight mode open, dusk after dawn). Used by ``image.py``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client._errors import ValidationError

__all__ = [
    "BY_NAME",
    "GROUPS",
    "IMAGE_PATH",
    "READ_ONLY",
    "SAVE_PATH",
    "SCENE_PATH",
    "SCENES",
    "Adjustment",
    "Backlight",
    "Enhancement",
    "Exposure",
    "GroupSpec",
    "IspGroup",
    "NightToDay",
    "VideoAdjustment",
    "WhiteBalance",
    "check_backlight",
    "check_night_to_day",
    "parse_groups",
    "resolve_profile",
]

IMAGE_PATH = "/image/0"
SCENE_PATH = "/image/0/scene"
SAVE_PATH = "/image/0/scene-save"
SCENES: dict[str, int] = {"general": 0, "day": 1, "night": 2}
Scene = Literal["current", "general", "day", "night"]

Percent = Annotated[int, Field(ge=0, le=100)]
OpenClose = Literal["open", "close"]


def _compact_schema(schema: dict[str, Any]) -> None:
    """Keep the tool schema small: no titles, ``X | None`` shown as plain X (omitting a field means unchanged)."""
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        prop.pop("default", None)
        options = prop.pop("anyOf", None)
        if options is not None:
            prop.update(next(o for o in options if o.get("type") != "null"))


class IspGroup(BaseModel):
    """A group of ISP fields: all optional, device key names, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, json_schema_extra=_compact_schema)

    @pydantic.field_validator("*", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number or text, not true/false")
        return value

    def changes(self) -> dict[str, Any]:
        """Only the fields that were given."""
        return self.model_dump(exclude_unset=True)


class Adjustment(IspGroup):
    """``imageAdjustment`` of a profile: brightness, contrast, hue, saturation, sharpness, 0-100 each."""

    iBrightness: Percent | None = None
    iContrast: Percent | None = None
    iHue: Percent | None = None
    iSaturation: Percent | None = None
    iSharpness: Percent | None = None


class Exposure(IspGroup):
    """``exposure`` of a profile: auto/manual exposure and gain, gain >= 1, shutter time "1/N"."""

    sExposureMode: Literal["auto", "manual"] | None = None
    sGainMode: Literal["auto", "manual"] | None = None
    iExposureGain: Annotated[int, Field(ge=1)] | None = None
    sExposureTime: Annotated[str, Field(pattern=r"^1(/[1-9][0-9]{0,4})?$")] | None = None


class Backlight(IspGroup):
    """``BLC`` of a profile: BLC, HDR and HLC (at most one "open"), their levels, dark boost."""

    sBLCRegion: OpenClose | None = None
    iBLCStrength: Percent | None = None
    sHDR: OpenClose | None = None
    iHDRLevel: Literal[1] | None = None
    sHLC: OpenClose | None = None
    iHLCLevel: Annotated[int, Field(ge=1, le=100)] | None = None
    iDarkBoostLevel: Annotated[int, Field(ge=1, le=100)] | None = None


class WhiteBalance(IspGroup):
    """``whiteBlance`` of a profile (the device's spelling): style and colour temperature 2800-7500 K."""

    sWhiteBlanceStyle: Literal["auto", "manual", "daylight", "streetlamp", "outdoor"] | None = None
    iWhiteBalanceCT: Annotated[int, Field(ge=2800, le=7500)] | None = None


class Enhancement(IspGroup):
    """``imageEnhancement`` of a profile: noise reduction on/off and its spatial/temporal levels 0-100."""

    iNoiseReduceMode: Literal[0, 1] | None = None
    iSpatialDenoiseLevel: Percent | None = None
    iTemporalDenoiseLevel: Percent | None = None


class VideoAdjustment(IspGroup):
    """``videoAdjustment`` (all profiles): rotation, flip/mirror, power line frequency."""

    iImageRotation: Literal[0, 90, 180, 270] | None = None
    sImageFlip: Literal["close", "mirror", "flip", "centrosymmetric"] | None = None
    sPowerLineFrequencyMode: Literal["PAL(50HZ)", "NTSC(60HZ)"] | None = None


class NightToDay(IspGroup):
    """``nightToDay`` (all profiles): day/night switching mode, filter, schedule (seconds of day), profile."""

    iMode: Literal[0, 1, 2] | None = None
    iNightToDayFilterLevel: Literal[0, 1, 2] | None = None
    iNightToDayFilterTime: Annotated[int, Field(ge=1, le=60)] | None = None
    iDawnTime: Annotated[int, Field(ge=0, le=86400)] | None = None
    iDuskTime: Annotated[int, Field(ge=0, le=86400)] | None = None
    iProfileSelect: Annotated[int, Field(ge=0, le=2)] | None = None


@dataclass(frozen=True)
class GroupSpec:
    """One tunable group: its argument name, model, key in ``GET /image/0`` and write path segment."""

    name: str
    model: type[IspGroup]
    key: str
    segment: str
    per_profile: bool

    def path(self, profile: int) -> str:
        return f"{IMAGE_PATH}/{profile}/{self.segment}" if self.per_profile else f"{IMAGE_PATH}/{self.segment}"


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("adjustment", Adjustment, "imageAdjustment", "adjustment", True),
    GroupSpec("exposure", Exposure, "exposure", "exposure", True),
    GroupSpec("backlight", Backlight, "BLC", "blc", True),
    GroupSpec("white_balance", WhiteBalance, "whiteBlance", "white-blance", True),
    GroupSpec("enhancement", Enhancement, "imageEnhancement", "enhancement", True),
    GroupSpec("video_adjustment", VideoAdjustment, "videoAdjustment", "video-adjustment", False),
    GroupSpec("night_to_day", NightToDay, "nightToDay", "night-to-day", False),
)
BY_NAME = {g.name: g for g in GROUPS}
READ_ONLY = {"nightToDay": ("iProfileCur",)}


def _pydantic_problem(group: str, exc: pydantic.ValidationError) -> ValidationError:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, int) and p not in ("function-after",))
    field = f"{group}.{loc}" if loc else group
    spec = BY_NAME[group]
    known = ", ".join(spec.model.model_fields)
    if err["type"] == "extra_forbidden":
        return ValidationError(f"{field}: unknown key for {group}", f"use the device's own keys: {known}", field=field)
    detail = err["msg"]
    shown = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], dict) else ""
    schema = spec.model.model_json_schema()["properties"].get(loc.split(".")[0], {})
    allowed = _allowed_text(schema)
    return ValidationError(
        f"{field}: {detail}{shown}",
        f"give {allowed}" if allowed else f"check the value; valid keys of {group}: {known}",
        field=field,
    )


def _allowed_text(schema: dict[str, Any]) -> str:
    for option in schema.get("anyOf", [schema]):
        if "enum" in option:
            return "one of " + ", ".join(repr(v) for v in option["enum"])
        if "const" in option:
            return repr(option["const"])
        if "minimum" in option or "maximum" in option:
            low, high = option.get("minimum"), option.get("maximum")
            if high is None:
                return f"an integer >= {low}"
            return f"an integer {low}-{high}"
        if "pattern" in option:
            return 'a shutter time "1" or "1/N" such as "1/30"'
    return ""


def parse_groups(groups: Mapping[str, Any]) -> dict[str, IspGroup]:
    """Validate the given groups (dicts or models) against the device's ranges; no I/O."""
    parsed: dict[str, IspGroup] = {}
    for name, value in groups.items():
        if value is None:
            continue
        spec = BY_NAME.get(name)
        if spec is None:
            raise ValidationError(f"unknown image group {name!r}", f"use: {', '.join(BY_NAME)}", field=name)
        try:
            model = value if isinstance(value, spec.model) else spec.model.model_validate(value)
        except pydantic.ValidationError as exc:
            raise _pydantic_problem(name, exc) from None
        if not model.changes():
            raise ValidationError(
                f"{name}: no fields given", f"name at least one of: {', '.join(spec.model.model_fields)}", field=name
            )
        parsed[name] = model
    if not parsed:
        raise ValidationError(
            "nothing to tune: no group given",
            'pass at least one group, e.g. adjustment={"iBrightness": 70}',
            field="groups",
        )
    return {g.name: parsed[g.name] for g in GROUPS if g.name in parsed}


def check_backlight(merged: dict[str, Any], current: dict[str, Any], profile_name: str) -> None:
    labels = {
        "sBLCRegion": "BLC (backlight compensation)",
        "sHDR": "HDR (wide dynamic range)",
        "sHLC": "HLC (highlight compensation)",
    }
    opened = [key for key in labels if merged.get(key) == "open"]
    if len(opened) <= 1:
        return
    already = [key for key in opened if current.get(key) == "open"]
    shown = " and ".join(f"{labels[k]} {k}" + (" (already open)" if k in already else "") for k in opened)
    keep = next((k for k in opened if k not in already), opened[0])
    fix = {k: ("open" if k == keep else "close") for k in opened}
    raise ValidationError(
        f"backlight: {shown} would be open in the {profile_name} profile. BLC, HDR and HLC are three different "
        "ways of handling a bright background (BLC brightens the subject, HDR merges exposures, HLC dims bright "
        'spots) and the ISP runs only one at a time, so the device allows at most one "open"',
        f"close the others in the same call, e.g. backlight={fix}",
        field="backlight",
    )


def check_night_to_day(merged: dict[str, Any]) -> None:
    if merged.get("iDuskTime", 1) <= merged.get("iDawnTime", 0):
        raise ValidationError(
            f"night_to_day: iDuskTime ({merged.get('iDuskTime')}) must be greater than iDawnTime "
            f"({merged.get('iDawnTime')}) (both are seconds since midnight)",
            "e.g. iDawnTime 28800 (08:00) and iDuskTime 64800 (18:00)",
            field="night_to_day.iDuskTime",
        )


def resolve_profile(image: Mapping[str, Any], scene: str) -> int:
    """The profile number of ``scene``; ``current`` is the profile in use (``iProfileCur``, else the selected one)."""
    if scene in SCENES:
        return SCENES[scene]
    if scene != "current":
        raise ValidationError(f"unknown scene {scene!r}", "use current, general, day or night", field="scene")
    night = image.get("nightToDay") or {}
    for key in ("iProfileCur", "iProfileSelect"):
        value = night.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1, 2):
            return value
    return 0
