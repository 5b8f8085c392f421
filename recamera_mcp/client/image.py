"""The image area (``cam.image``): ISP tuning with typed groups (the device's own keys and ranges), and the
edit-mode sequence done right.

    result = await cam.image.tune("current", adjustment={"iBrightness": 70})

The device's sequence (``recamera-api-fields.md`` §2.4): ``PUT /image/0/scene {"iProfile": N}`` enters edit mode
for profile N (0 general, 1 day, 2 night), the per-profile PUTs replace WHOLE sub-objects, and
``PUT /image/0/scene {"iProfile": -1}`` commits and leaves edit mode (without it the changes are dropped after an
idle timeout). ``POST /image/0/scene-save`` persists on newer firmware (404/501 on older firmware is fine).
``video-adjustment`` and ``night-to-day`` are not per profile: they are applied and saved at once.

:meth:`ImageAPI.tune` validates everything before it writes, always sends the commit once it entered edit mode
(also when a step failed) and reports the before/after of every field asked for, and of every field of the written
sections that the device changed on its own (``other_changes``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client._errors import DeviceApiError, NotSupported, ReCameraError, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._models import FieldChange

__all__ = [
    "GROUPS",
    "SCENES",
    "Adjustment",
    "Backlight",
    "Enhancement",
    "Exposure",
    "ImageAPI",
    "ImageValues",
    "NightToDay",
    "ResetResult",
    "TuneResult",
    "VideoAdjustment",
    "WhiteBalance",
]

log = logging.getLogger(__name__)

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


class _Group(BaseModel):
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


class Adjustment(_Group):
    """``imageAdjustment`` of a profile: brightness, contrast, hue, saturation, sharpness, 0-100 each."""

    iBrightness: Percent | None = None
    iContrast: Percent | None = None
    iHue: Percent | None = None
    iSaturation: Percent | None = None
    iSharpness: Percent | None = None


class Exposure(_Group):
    """``exposure`` of a profile: auto/manual exposure and gain, gain >= 1, shutter time "1/N"."""

    sExposureMode: Literal["auto", "manual"] | None = None
    sGainMode: Literal["auto", "manual"] | None = None
    iExposureGain: Annotated[int, Field(ge=1)] | None = None
    sExposureTime: Annotated[str, Field(pattern=r"^1(/[1-9][0-9]{0,4})?$")] | None = None


class Backlight(_Group):
    """``BLC`` of a profile: BLC, HDR and HLC (at most one "open"), their levels, dark boost."""

    sBLCRegion: OpenClose | None = None
    iBLCStrength: Percent | None = None
    sHDR: OpenClose | None = None
    iHDRLevel: Literal[1] | None = None
    sHLC: OpenClose | None = None
    iHLCLevel: Annotated[int, Field(ge=1, le=100)] | None = None
    iDarkBoostLevel: Annotated[int, Field(ge=1, le=100)] | None = None


class WhiteBalance(_Group):
    """``whiteBlance`` of a profile (the device's spelling): style and colour temperature 2800-7500 K."""

    sWhiteBlanceStyle: Literal["auto", "manual", "daylight", "streetlamp", "outdoor"] | None = None
    iWhiteBalanceCT: Annotated[int, Field(ge=2800, le=7500)] | None = None


class Enhancement(_Group):
    """``imageEnhancement`` of a profile: noise reduction on/off and its spatial/temporal levels 0-100."""

    iNoiseReduceMode: Literal[0, 1] | None = None
    iSpatialDenoiseLevel: Percent | None = None
    iTemporalDenoiseLevel: Percent | None = None


class VideoAdjustment(_Group):
    """``videoAdjustment`` (all profiles): rotation, flip/mirror, power line frequency."""

    iImageRotation: Literal[0, 90, 180, 270] | None = None
    sImageFlip: Literal["close", "mirror", "flip", "centrosymmetric"] | None = None
    sPowerLineFrequencyMode: Literal["PAL(50HZ)", "NTSC(60HZ)"] | None = None


class NightToDay(_Group):
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
    model: type[_Group]
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
_BY_NAME = {g.name: g for g in GROUPS}
_READ_ONLY = {"nightToDay": ("iProfileCur",)}


class TuneResult(BaseModel):
    """What :meth:`ImageAPI.tune` did."""

    profile: Annotated[int, Field(description="Profile edited: 0 general, 1 day, 2 night.")]
    profile_name: str
    changes: Annotated[
        list[FieldChange], Field(description="Each field asked for, e.g. profile[2].imageAdjustment.iBrightness")
    ] = []
    other_changes: Annotated[
        list[FieldChange], Field(description="Fields of the written sections the device changed on its own")
    ] = []
    steps: Annotated[list[str], Field(description="Requests sent, in order, e.g. 'PUT /image/0/scene -1'.")] = []
    failed_step: Annotated[str | None, Field(description="The request that failed, if any.")] = None
    error: Annotated[str | None, Field(description="Why it failed.")] = None
    entered_edit_mode: bool = False
    left_edit_mode: Annotated[
        bool, Field(description="True when the commit (iProfile -1) was sent and accepted, so edit mode is over.")
    ] = False
    saved: Annotated[
        bool | None, Field(description="scene-save answered OK; null when not sent or not supported by the firmware.")
    ] = None
    notes: list[str] = []

    @property
    def ok(self) -> bool:
        return self.failed_step is None

    def summary(self) -> str:
        """One paragraph for a human or an agent."""
        parts = [f"profile {self.profile} ({self.profile_name})"]
        if self.failed_step:
            parts.append(f"step {self.failed_step!r} failed: {self.error}")
        if self.entered_edit_mode:
            parts.append(
                "edit mode was left (committed with iProfile -1)"
                if self.left_edit_mode
                else "edit mode could NOT be left: the device drops uncommitted changes after its idle timeout; "
                'tune again, or send PUT /image/0/scene {"iProfile": -1}'
            )
        kept = [f"{c.field}: {c.before!r} -> {c.after!r}" for c in self.changes if c.kept and c.before != c.after]
        parts.append("applied: " + ", ".join(kept) if kept else "nothing was changed")
        return "; ".join(parts + self.notes)


class ResetResult(BaseModel):
    """What :meth:`ImageAPI.reset` did."""

    reset: bool
    note: str


def _pydantic_problem(group: str, exc: pydantic.ValidationError) -> ValidationError:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, int) and p not in ("function-after",))
    field = f"{group}.{loc}" if loc else group
    spec = _BY_NAME[group]
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


def parse_groups(groups: Mapping[str, Any]) -> dict[str, _Group]:
    """Validate the given groups (dicts or models) against the device's ranges; no I/O."""
    parsed: dict[str, _Group] = {}
    for name, value in groups.items():
        if value is None:
            continue
        spec = _BY_NAME.get(name)
        if spec is None:
            raise ValidationError(f"unknown image group {name!r}", f"use: {', '.join(_BY_NAME)}", field=name)
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


def _check_backlight(merged: dict[str, Any], current: dict[str, Any], profile_name: str) -> None:
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


def _check_night_to_day(merged: dict[str, Any]) -> None:
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


def _section(image: Mapping[str, Any], spec: GroupSpec, profile: int) -> dict[str, Any]:
    try:
        section = image["profile"][profile][spec.key] if spec.per_profile else image[spec.key]
    except (KeyError, IndexError, TypeError):
        section = None
    if not isinstance(section, dict):
        raise NotSupported(
            f"GET {IMAGE_PATH} has no {spec.key} for {f'profile {profile}' if spec.per_profile else 'the camera'}",
            "this firmware's image object differs from the documented one; read GET /image/0 raw to see it",
        )
    return section


def _label(spec: GroupSpec, profile: int, key: str) -> str:
    return f"profile[{profile}].{spec.key}.{key}" if spec.per_profile else f"{spec.key}.{key}"


@dataclass
class _Write:
    spec: GroupSpec
    path: str
    before: dict[str, Any]
    body: dict[str, Any]
    asked: dict[str, Any]


def _plan(image: Mapping[str, Any], parsed: Mapping[str, _Group], profile: int) -> list[_Write]:
    writes: list[_Write] = []
    for name, model in parsed.items():
        spec = _BY_NAME[name]
        current = _section(image, spec, profile)
        asked = model.changes()
        merged = copy.deepcopy(current) | asked
        for key in _READ_ONLY.get(spec.key, ()):
            merged.pop(key, None)
        if spec.name == "backlight":
            _check_backlight(merged, current, f"{profile} ({list(SCENES)[profile]})")
        if spec.name == "night_to_day":
            _check_night_to_day(merged)
        writes.append(_Write(spec, spec.path(profile), copy.deepcopy(current), merged, asked))
    return writes


async def _tune(client: Funnel, scene: str = "current", **groups: Any) -> TuneResult:
    """Change ISP values of one profile (and the profile-independent groups) with a guaranteed commit (see
    :meth:`ImageAPI.tune`).

    ``groups``: any of adjustment, exposure, backlight, white_balance, enhancement (per profile), video_adjustment,
    night_to_day (camera-wide); each a dict (or model) of device keys. Everything is validated before the first
    write; once edit mode was entered the commit ``{"iProfile": -1}`` is always sent. A failed step is reported in
    the result (``failed_step``), not raised.
    """
    parsed = parse_groups(groups)
    if scene not in ("current", *SCENES):
        raise ValidationError(f"unknown scene {scene!r}", "use current, general, day or night", field="scene")
    image = await client.get_json(IMAGE_PATH)
    if not isinstance(image, dict):
        raise NotSupported(f"GET {IMAGE_PATH} did not answer an object", "check the firmware")
    profile = resolve_profile(image, scene)
    writes = _plan(image, parsed, profile)
    result = TuneResult(profile=profile, profile_name=list(SCENES)[profile])
    if scene == "current":
        result.notes.append(f"scene 'current' is profile {profile} ({result.profile_name}), the one in use")
    needed = [w for w in writes if w.body != w.before]
    per_profile = [w for w in needed if w.spec.per_profile]
    direct = [w for w in needed if not w.spec.per_profile]

    async def send(method: str, path: str, body: Any, label: str) -> None:
        result.steps.append(label)
        await client.send_json(method, path, body)

    try:
        if per_profile:
            result.entered_edit_mode = True
            await send("PUT", SCENE_PATH, {"iProfile": profile}, f"PUT {SCENE_PATH} {profile}")
            for w in per_profile:
                await send("PUT", w.path, w.body, f"PUT {w.path}")
        for w in direct:
            await send("PUT", w.path, w.body, f"PUT {w.path}")
    except ReCameraError as exc:
        result.failed_step = result.steps[-1]
        result.error = str(exc)
        log.warning("image tuning on %s: %s failed: %s", client.address.key, result.failed_step, exc)
    finally:
        if result.entered_edit_mode:
            await _commit(client, result, profile)
    await _read_back(client, result, writes, profile)
    if not needed:
        result.notes.append("the device already had these values: nothing was written")
    return result


async def _commit(client: Funnel, result: TuneResult, profile: int) -> None:
    """Leave edit mode (commit), then persist with scene-save (404/501 from older firmware is fine)."""
    result.steps.append(f"PUT {SCENE_PATH} -1")
    try:
        await client.send_json("PUT", SCENE_PATH, {"iProfile": -1})
        result.left_edit_mode = True
    except ReCameraError as exc:
        if result.failed_step is None:
            result.failed_step, result.error = result.steps[-1], str(exc)
        else:
            result.notes.append(f"the commit failed too: {exc}")
        log.error("image tuning on %s: commit of profile %d failed: %s", client.address.key, profile, exc)
        return
    result.steps.append(f"POST {SAVE_PATH}")
    try:
        await client.send_json("POST", SAVE_PATH, {})
        result.saved = True
    except NotSupported:
        result.notes.append("this firmware has no scene-save (the commit alone applies the values)")
    except DeviceApiError as exc:
        if exc.status_code != 404:
            result.saved = False
            result.notes.append(f"scene-save failed: {exc}")
        else:
            result.notes.append("this firmware has no scene-save (the commit alone applies the values)")
    except ReCameraError as exc:
        result.saved = False
        result.notes.append(f"scene-save failed: {exc}")


async def _read_back(client: Funnel, result: TuneResult, writes: list[_Write], profile: int) -> None:
    try:
        after = await client.get_json(IMAGE_PATH)
    except ReCameraError as exc:
        after = None
        result.notes.append(f"could not read the values back: {exc}")
    for w in writes:
        section: dict[str, Any] | None = None
        if isinstance(after, dict):
            try:
                section = _section(after, w.spec, profile)
            except NotSupported:
                section = None
        for key, wanted in w.asked.items():
            now = section.get(key) if section is not None else None
            result.changes.append(
                FieldChange(field=_label(w.spec, profile, key), before=w.before.get(key), after=now, kept=now == wanted)
            )
        if section is None:
            continue
        for key in sorted(w.before.keys() | section.keys()):
            if key not in w.asked and w.before.get(key) != section.get(key):
                result.other_changes.append(
                    FieldChange(field=_label(w.spec, profile, key), before=w.before.get(key), after=section.get(key))
                )


async def _reset(client: Funnel) -> ResetResult:
    """``POST /image/0``: every ISP value of every profile back to the factory values (drops an edit session)."""
    await client.send_json("POST", IMAGE_PATH, {})
    return ResetResult(
        reset=True, note="all three profiles, video adjustment and day/night settings are factory values"
    )


class ImageValues(BaseModel):
    """The current values of one tunable group (``ImageAPI.read``)."""

    group: str
    key: str = Field(description="The group's key in GET /image/0")
    profile: int | None = Field(description="Profile read (0 general, 1 day, 2 night); None: camera-wide group")
    values: dict[str, Any]


async def _read(client: Funnel, group: str, scene: str) -> ImageValues:
    spec = _BY_NAME.get(group)
    if spec is None:
        raise ValidationError(f"unknown image group {group!r}", f"use: {', '.join(_BY_NAME)}", field="group")
    image = await client.get_json(IMAGE_PATH)
    if not isinstance(image, dict):
        raise NotSupported(f"GET {IMAGE_PATH} did not answer an object", "check the firmware")
    profile = resolve_profile(image, scene)
    values = copy.deepcopy(_section(image, spec, profile))
    return ImageValues(group=group, key=spec.key, profile=profile if spec.per_profile else None, values=values)


class ImageAPI:
    """Tune, read and reset the camera's image (ISP)."""

    def __init__(self, funnel: Funnel) -> None:
        self._funnel = funnel

    async def tune(self, scene: str = "current", **groups: Any) -> TuneResult:
        """Change ISP values of one profile (and the camera-wide groups) with a guaranteed commit.

        ``scene``: current (the profile in use), general, day or night. ``groups``: any of adjustment, exposure,
        backlight, white_balance, enhancement (per profile), video_adjustment, night_to_day (camera-wide); each a
        dict (or model) of device keys. Everything is validated before the first write; once edit mode was
        entered the commit ``{"iProfile": -1}`` is always sent. A failed step is reported in the result
        (``failed_step``), not raised.
        """
        return await _tune(self._funnel, scene, **groups)

    async def read(self, group: str, scene: str = "current") -> ImageValues:
        """The current values of one group (``adjustment``, ``exposure``, ...; see :data:`GROUPS`) of ``scene``'s
        profile (camera-wide groups ignore the scene). Reads ``GET /image/0`` only."""
        return await _read(self._funnel, group, scene)

    async def reset(self) -> ResetResult:
        """``POST /image/0``: every ISP value of every profile back to the factory values (drops an edit session)."""
        return await _reset(self._funnel)
